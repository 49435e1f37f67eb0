"""The one windowing policy: timestamp resampling, sliding windows, the pose minimum and pooling."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core.model.network import ModelConfig
from core.model.shiftgcn import BackboneConfig
from core.recognition.windows import (
    MOMENT_TEMPI, POOLINGS, WindowPolicy, cut_window, frame_times, moment_windows, prepared_window, training_window,
    window_starts,
)

POLICY = WindowPolicy(duration_s=2.0, frames=16, stride_s=0.5, min_poses=8)


def linear_clip(frames: int, fps: float) -> np.ndarray:
    """One body whose joints move at constant speed, so linear interpolation is exact."""
    times = frame_times(frames, fps)
    base = np.linspace(0.5, 1.5, 75, dtype=np.float32).reshape(25, 3)
    return (base[None] + times[:, None, None].astype(np.float32) * np.float32(0.3))[None]


def test_dropped_frames_and_irregular_timestamps_give_the_regular_window() -> None:
    clip = linear_clip(90, 30.0)
    times = frame_times(90, 30.0)
    regular = cut_window(clip, times, 0.5, POLICY)
    keep = np.sort(np.random.default_rng(0).choice(90, size=50, replace=False))
    keep = np.union1d(keep, [0, 89])  # the same first and last moment
    irregular = cut_window(clip[:, keep], times[keep], 0.5, POLICY)
    np.testing.assert_allclose(irregular, regular, atol=1e-5)
    # and a gap with nobody in view is bridged by time, not squeezed out by frame count
    gap = clip.copy()
    gap[:, 30:45] = 0.0
    np.testing.assert_allclose(cut_window(gap, times, 0.5, POLICY), regular, atol=1e-5)


def test_a_window_covers_its_duration_whatever_the_frame_rate() -> None:
    slow, fast = linear_clip(40, 10.0), linear_clip(120, 30.0)
    a = cut_window(slow, frame_times(40, 10.0), 1.0, POLICY)
    b = cut_window(fast, frame_times(120, 30.0), 1.0, POLICY)
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert a[0, -1, 0, 0] - a[0, 0, 0, 0] == pytest.approx(0.3 * 2.0, abs=1e-5)  # 2 s of motion


def test_a_clip_shorter_than_the_window_is_stretched_to_fill_it() -> None:
    clip = linear_clip(10, 10.0)  # 0.9 s
    window = cut_window(clip, frame_times(10, 10.0), 0.0, POLICY)
    assert window.shape == (1, 16, 25, 3)
    np.testing.assert_allclose(window[0, [0, -1]], clip[0, [0, -1]], atol=1e-5)
    assert window_starts(clip, frame_times(10, 10.0), POLICY) == [0.0]


def test_sliding_windows_cover_the_tail_and_skip_windows_with_too_few_poses() -> None:
    clip = linear_clip(100, 10.0)  # 9.9 s
    times = frame_times(100, 10.0)
    starts = window_starts(clip, times, POLICY)
    assert starts[:3] == pytest.approx([0.0, 0.5, 1.0]) and starts[-1] == pytest.approx(7.9)
    assert np.all(np.diff(starts) > 0.3)
    # a tail that lands on the stride grid up to rounding is one window, not two
    odd = np.linspace(0.0, 3.5 + 1e-9, 36)  # the last window would start 1e-9 s after the grid's 1.5
    assert window_starts(linear_clip(36, 10.0), odd, POLICY) == pytest.approx([0.0, 0.5, 1.0, 1.5 + 1e-9])
    sparse = clip.copy()
    sparse[:, 20:60] = 0.0  # nobody from 2.0 to 5.9 s
    # [1.0, 3.0] still holds 10 poses, [1.5, 3.5] only 5; [5.0, 7.0] holds 11, [4.5, 6.5] only 6
    assert window_starts(sparse, times, POLICY) == pytest.approx([0.0, 0.5, 1.0, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 7.9])


def test_a_moment_is_read_at_every_tempo_its_poses_cover_each_ending_where_its_window_ends() -> None:
    policy = replace(POLICY, tempi=MOMENT_TEMPI)
    clip, times = linear_clip(100, 10.0), frame_times(100, 10.0)  # 9.9 s, joints moving 0.3 per second
    assert policy.history_s == pytest.approx(3.0)
    every = (1.0, 0.75, 1.25, 1.5)  # the trained tempo first, the others in the policy's order
    for start, tempi in ((0.0, (1.0, 0.75)), (0.5, (1.0, 0.75, 1.25)), (1.0, every), (7.9, every)):
        readings = moment_windows(clip, times, start, policy)
        assert len(readings) == len(tempi)
        assert all(not np.allclose(a, b) for a, b in zip(readings, readings[1:]))  # more or less motion each
        for reading, tempo in zip(readings, tempi):
            np.testing.assert_allclose(reading, prepared_window(clip, times, start + 2.0 - 2.0 * tempo,
                                                                replace(policy, duration_s=2.0 * tempo)))
    # the trained tempo alone gives the plain window; a clip shorter than one window is read at it alone
    np.testing.assert_array_equal(moment_windows(clip, times, 1.0, POLICY)[0], prepared_window(clip, times, 1.0, POLICY))
    short = linear_clip(10, 10.0)
    assert len(moment_windows(short, frame_times(10, 10.0), 0.0, policy)) == 1
    with pytest.raises(ValueError, match="tempi must include 1"):
        replace(POLICY, tempi=(0.75, 1.5))  # without the trained tempo


def test_a_clip_with_fewer_poses_than_the_minimum_is_still_one_window() -> None:
    clip = linear_clip(3, 30.0)
    assert window_starts(clip, frame_times(3, 30.0), POLICY) == [0.0]


def test_a_body_is_absent_before_it_appears() -> None:
    clip = np.concatenate([linear_clip(40, 10.0), linear_clip(40, 10.0)])
    clip[1, :20] = 0.0
    window = cut_window(clip, frame_times(40, 10.0), 1.0, POLICY)
    appears = np.flatnonzero(np.abs(window[1]).sum(axis=(1, 2)) > 0)[0]
    assert np.all(window[1, :appears] == 0) and 0 < appears < 16
    assert np.all(np.abs(window[0]).sum(axis=(1, 2)) > 0)


def test_a_second_body_seen_for_a_moment_is_not_bridged_across_the_window() -> None:
    """A ghost seen in 3 frames at the start and 1 at the end of a window would be interpolated
    over all of it; seen in under a quarter of the window's poses, it is not in the window."""
    times = frame_times(40, 10.0)
    clip = np.concatenate([linear_clip(40, 10.0), linear_clip(40, 10.0) + 1.0])
    clip[1, 13:] = 0.0
    clip[1, 29] = clip[0, 29] + 1.0  # seen at 1.0-1.2 s and again at 2.9 s
    clip[1, :10] = 0.0
    window = cut_window(clip, times, 1.0, POLICY)  # 1.0-3.0 s: 21 poses, the ghost in 4
    assert not window[1].any() and np.all(np.abs(window[0]).sum(axis=(1, 2)) > 0)
    clip[1, 13:22] = clip[0, 13:22] + 1.0  # seen in 13 of the 21: a second person
    assert np.all(np.abs(cut_window(clip, times, 1.0, POLICY)[1, :10]).sum(axis=(1, 2)) > 0)
    first_only_briefly = linear_clip(40, 10.0)
    first_only_briefly[0, 12:] = 0.0  # the first body counts however briefly it is seen
    assert cut_window(first_only_briefly, times, 1.0, POLICY)[0].any()


@pytest.mark.parametrize("face_camera, canonical_bones, level",
                         [(True, False, False), (False, False, False), (True, True, False), (True, False, True)])
def test_training_windows_are_inference_windows(face_camera: bool, canonical_bones: bool, level: bool) -> None:
    policy = WindowPolicy(duration_s=2.0, frames=16, stride_s=0.5, min_poses=8, face_camera=face_camera,
                          canonical_bones=canonical_bones, level=level)
    clip = linear_clip(60, 15.0)
    times = frame_times(60, 15.0)
    start = np.random.default_rng(7).uniform(0.0, times[-1] - policy.duration_s)
    expected = prepared_window(clip, times, start, policy)
    assert np.array_equal(training_window(clip, 15.0, policy, np.random.default_rng(7)), expected)
    assert expected.shape == (2, 16, 25, 3)


def test_a_network_without_depth_gets_windows_in_the_cameras_view() -> None:
    assert WindowPolicy.of(ModelConfig()).face_camera
    plane = WindowPolicy.of(ModelConfig(backbone=BackboneConfig(depth=False)))
    assert not plane.face_camera


def _leaning_body_clip() -> np.ndarray:
    """linear_clip with a long axis (ankles to the top of the spine) leaning 23 degrees forward."""
    from core.skeleton.layout import JOINT
    from core.skeleton.transforms import rotate, rotation_matrix

    upright = linear_clip(60, 15.0)
    for name, height in (("left_ankle", -1.0), ("right_ankle", -1.0), ("spine_base", 0.0), ("spine_shoulder", 0.5)):
        upright[..., JOINT[name], 1] = height
        upright[..., JOINT[name], 0] = upright[..., JOINT["spine_base"], 0]
        upright[..., JOINT[name], 2] = upright[..., JOINT["spine_base"], 2]
    return rotate(upright, rotation_matrix(np.array([0.4, 0.0, 0.0])))


@pytest.mark.parametrize("option", ["canonical_bones", "level"])
def test_a_model_trained_with_a_window_option_gets_it_at_inference_and_old_models_do_not(option: str) -> None:
    config = ModelConfig(**{option: True})
    policy = WindowPolicy.of(config)
    assert getattr(policy, option)
    old = config.to_dict()
    old.pop(option)
    assert not getattr(WindowPolicy.of(ModelConfig.from_dict(old)), option)
    clip = _leaning_body_clip()
    times = frame_times(60, 15.0)
    plain = prepared_window(clip, times, 0.0, replace(policy, **{option: False}))
    assert not np.allclose(prepared_window(clip, times, 0.0, policy), plain)


def test_poolings_return_distributions_and_mean_outvotes_one_bad_window() -> None:
    probabilities = np.array([[0.8, 0.2], [0.8, 0.2], [0.0, 1.0]])
    motions = np.array([0.5, 0.5, 0.5])
    for pool in POOLINGS.values():
        assert pool(probabilities, motions).sum() == pytest.approx(1.0)
    assert POOLINGS["mean"](probabilities).argmax() == 0
    assert POOLINGS["motion"](probabilities, motions).argmax() == 0  # alike motion: the plain mean
    # the one window where the body moves outweighs two where it stands still
    assert POOLINGS["motion"](probabilities, np.array([0.05, 0.05, 1.0])).argmax() == 1
    with pytest.raises(ValueError, match="needs each window's motion"):
        POOLINGS["motion"](probabilities)


def test_models_carry_their_window_seconds_and_old_ones_get_the_default() -> None:
    config = ModelConfig(window_s=3.5)
    assert WindowPolicy.of(config).duration_s == 3.5
    old = config.to_dict()
    old.pop("window_s")
    assert ModelConfig.from_dict(old).window_s == ModelConfig().window_s
    with pytest.raises(ValueError, match="window_s"):
        ModelConfig(window_s=0.0)


def test_bad_timestamps_are_refused() -> None:
    clip = linear_clip(5, 10.0)
    with pytest.raises(ValueError, match="increasing"):
        cut_window(clip, np.array([0.0, 0.1, 0.1, 0.2, 0.3]), 0.0, POLICY)
    with pytest.raises(ValueError, match="timestamps"):
        window_starts(clip, np.zeros(4), POLICY)
