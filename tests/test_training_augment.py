"""Each training augmentation keeps the window's shape and absent bodies, is seeded, and shows."""

from __future__ import annotations

import numpy as np
import pytest

from core.model.inputs import prepare_window
from core.skeleton.layout import JOINT
from core.skeleton.transforms import present_frames
from core.training import augment as aug
from tests.test_skeleton import _moving_sequence


def _window(frames: int = 32) -> np.ndarray:
    clip = np.zeros((1, frames, 25, 3), dtype=np.float32)
    clip[0] = _moving_sequence(2, frames)
    clip[0, :, :, 0] += np.linspace(0.0, 1.0, frames)[:, None]  # walks sideways
    window = prepare_window(clip, frames)
    window[0, 5] = 0.0  # a frame without the body
    return window


def _spine_from_vertical_deg(window: np.ndarray) -> np.ndarray:
    body = window[0][present_frames(window)[0]]
    spine = body[:, JOINT["spine_shoulder"]] - body[:, JOINT["spine_base"]]
    return np.degrees(np.arccos(spine[:, 1] / np.linalg.norm(spine, axis=-1)))


def _check_kept(before: np.ndarray, after: np.ndarray) -> None:
    assert after.shape == before.shape and after.dtype == np.float32
    np.testing.assert_array_equal(present_frames(after), present_frames(before))
    assert not after[1].any() and not after[0, 5].any()


@pytest.mark.parametrize(
    "change",
    [
        lambda w, rng: aug.augment(w, rng),
        lambda w, rng: aug.joint_noise(w, rng),
        lambda w, rng: aug.depth_noise(w, rng),
        lambda w, rng: aug.hip_centred_travel(w, rng),
        lambda w, rng: aug.dropped_frames(w, rng),
        lambda w, rng: aug.guessed_legs(w, rng, sitting=True),
    ],
)
def test_every_augmentation_keeps_shape_and_absent_bodies_and_is_seeded(change) -> None:
    window = _window()
    out = change(window.copy(), np.random.default_rng(4))
    _check_kept(window, out)
    np.testing.assert_array_equal(change(window.copy(), np.random.default_rng(4)), out)
    assert not np.array_equal(change(window.copy(), np.random.default_rng(5)), out)


def test_the_view_turns_freely_about_the_vertical_but_tilts_little() -> None:
    window = _window()
    ups = np.stack([aug.random_view(np.random.default_rng(seed)) @ [0.0, 1.0, 0.0] for seed in range(200)])
    tilts = np.degrees(np.arccos(ups[:, 1]))
    assert tilts.max() < 21.3 and tilts.max() > 10.0  # pitch and roll of at most 15 degrees each
    lying = window.copy()
    lying[..., [1, 2]] = lying[..., [2, 1]]  # tipped over: the spine lies along the depth axis
    for seed in range(10):
        assert np.median(_spine_from_vertical_deg(aug.augment(lying, np.random.default_rng(seed)))) > 60.0
    yaws = []
    for seed in range(50):
        hips = aug.rotate(window, aug.random_view(np.random.default_rng(seed), 0.0))
        line = hips[0, 0, JOINT["right_hip"]] - hips[0, 0, JOINT["left_hip"]]
        yaws.append(np.degrees(np.arctan2(line[2], line[0])))
    assert min(yaws) < -120 and max(yaws) > 120


def test_joint_noise_has_the_measured_size_and_is_slow() -> None:
    window = np.repeat(_window(200)[:, :1], 200, axis=1)  # a still body
    noise = aug.joint_noise(window, np.random.default_rng(1)) - window
    wobble = noise[0] - noise[0].mean(axis=0)
    measured = np.sqrt((wobble**2).mean(axis=(0, 2)))
    np.testing.assert_allclose(measured[:21].mean(), np.mean(aug.WOBBLE_TORSOS[:21]), rtol=0.5)
    steps = np.abs(np.diff(wobble, axis=0)).mean()
    assert steps < 0.3 * np.abs(wobble).mean()  # changes over frames, not from frame to frame


def test_depth_noise_moves_joints_along_the_camera_depth_only() -> None:
    window = _window()
    moved = aug.depth_noise(window, np.random.default_rng(0)) - window
    assert np.abs(moved[..., :2]).max() == 0.0 and np.abs(moved[0, :, JOINT["right_hand_tip"], 2]).max() > 0.0


def test_hip_centred_travel_keeps_the_pose_and_bends_the_path() -> None:
    window = _window()
    window[0, 5] = window[0, 4]  # no gap here: the travel is checked frame by frame
    rng = np.random.default_rng(3)
    out = aug.hip_centred_travel(window, rng)
    hips = JOINT["spine_base"]
    pose = lambda w: w[0] - w[0, :, hips : hips + 1]  # noqa: E731
    np.testing.assert_allclose(pose(out), pose(window), atol=1e-5)
    assert np.abs(out[0, :, hips] - window[0, :, hips]).max() > 1e-3
    held = [np.allclose(out[0, t, hips], out[0, t - 1, hips]) for t in range(1, 32)]
    assert any(held) or np.abs(out[0, :, hips, 2] - window[0, :, hips, 2]).max() > 1e-3


def test_dropped_frames_repeat_the_frame_before() -> None:
    window = _window()
    out = aug.dropped_frames(window, np.random.default_rng(2))
    repeated = [t for t in range(1, 32) if np.array_equal(out[0, t], out[0, t - 1])]
    assert repeated and all(np.array_equal(out[0, t], window[0, t]) or t in repeated for t in range(32))


@pytest.mark.parametrize("sitting", [False, True])
def test_waist_up_framing_gives_still_legs_that_stand_or_sit(sitting: bool) -> None:
    window = _window()
    out = aug.guessed_legs(window, np.random.default_rng(0), sitting=sitting)
    knee = out[0, :, JOINT["left_knee"]] - out[0, :, JOINT["left_hip"]]
    ankle = out[0, :, JOINT["left_ankle"]] - out[0, :, JOINT["left_hip"]]
    present = present_frames(window)[0]
    assert np.ptp(ankle[present], axis=0).max() < 0.2  # still, relative to the hips
    np.testing.assert_array_equal(out[0, :, JOINT["head"]], window[0, :, JOINT["head"]])
    if sitting:
        assert np.median(knee[present, 2]) < -0.3 and abs(np.median(knee[present, 1])) < 0.3  # thigh forward
    else:
        assert np.median(knee[present, 1]) < -0.5  # thigh down


def test_training_windows_are_seen_from_any_side_and_keep_their_tilt() -> None:
    from core.recognition.windows import WindowPolicy
    from core.protocol.clips import LabelledClips
    from core.training.data import TrainWindows

    clips = LabelledClips()
    clips.add(_moving_sequence(3, 40), "stand", 15.0)
    windows = TrainWindows(clips, ["stand"], WindowPolicy(2.0, 16), seed=0)
    yaws, tilts = [], []
    for key in range(40):
        window = windows[key][0].numpy()
        line = window[0, :, JOINT["right_hip"]] - window[0, :, JOINT["left_hip"]]
        yaws.append(np.degrees(np.arctan2(line[:, 2].mean(), line[:, 0].mean())))
        tilts.append(np.median(_spine_from_vertical_deg(window)))
    assert min(yaws) < -90 and max(yaws) > 90
    assert max(tilts) < 35.0  # a standing body stays (nearly) upright


def test_tempo_cuts_windows_over_more_or_fewer_seconds_and_is_off_by_default(monkeypatch) -> None:
    from core.recognition.windows import WindowPolicy
    from core.protocol.clips import LabelledClips
    from core.training import data

    clips = LabelledClips()
    clips.add(_moving_sequence(3, 150), "stand", 15.0)
    spans = []
    real_cut = data.training_window

    def recording_cut(sequence, fps, policy, rng, seen_as=None):
        spans.append(policy.duration_s)
        return real_cut(sequence, fps, policy, rng, seen_as)

    monkeypatch.setattr(data, "training_window", recording_cut)
    plain = data.TrainWindows(clips, ["stand"], WindowPolicy(2.0, 16), seed=0)
    first = [plain[key][0] for key in range(3)]
    assert spans == [2.0] * 3
    spans.clear()
    tempo = data.TrainWindows(clips, ["stand"], WindowPolicy(2.0, 16), seed=0, tempo=(0.5, 2.0))
    for key in range(200):
        tempo[key]
    assert 1.0 <= min(spans) < 1.2 and 3.4 < max(spans) <= 4.0
    assert 0.4 < np.mean(np.array(spans) < 2.0) < 0.6  # log-uniform: as often slower as faster
    assert np.array_equal(tempo[7][0], tempo[7][0]) and not np.array_equal(tempo[0][0], first[0])
    with pytest.raises(ValueError, match="tempo"):
        data.TrainWindows(clips, ["stand"], WindowPolicy(2.0, 16), seed=0, tempo=(1.5, 1.0))


def test_a_repetition_is_played_forward_and_back_at_a_slower_pace_without_a_jump() -> None:
    from core.training.repetitions import played_on

    down = np.zeros((20, 25, 3), np.float32)
    down[:, :, 1] = np.linspace(0.0, -1.0, 20)[:, None]  # one way down, as a clip may hold
    rng = np.random.default_rng(0)
    looped, fps = played_on(down, 15.0, 6.0, rng, pace=(1.2, 1.5))
    assert 10.0 <= fps <= 12.5 and looped.shape[1] / fps >= 6.0
    height = looped[0, :, 0, 1]
    assert np.abs(np.diff(height)).max() <= 1.0 / 19 + 1e-6  # no jump where the loop turns
    assert height.min() == -1.0 and (height == 0.0).sum() >= 2  # back up and down again
    single = down[:1]
    assert played_on(single, 15.0, 6.0, rng)[0].shape == (1, 1, 25, 3)
    with pytest.raises(ValueError, match="pace"):
        played_on(down, 15.0, 6.0, rng, pace=(1.5, 1.0))


def test_only_the_repeated_actions_windows_are_cut_from_a_set_of_repetitions(monkeypatch) -> None:
    from core.recognition.windows import WindowPolicy
    from core.protocol.clips import LabelledClips
    from core.training import data

    clips = LabelledClips()
    clips.add(_moving_sequence(3, 30), "squat down", 15.0)
    clips.add(_moving_sequence(4, 30), "sit down", 15.0)
    lengths = []
    real_cut = data.training_window

    def recording_cut(sequence, fps, policy, rng, seen_as=None):
        lengths.append(np.asarray(sequence).shape[-3] / fps)
        return real_cut(sequence, fps, policy, rng, seen_as)

    monkeypatch.setattr(data, "training_window", recording_cut)
    windows = data.TrainWindows(clips, ["squat down", "sit down"], WindowPolicy(2.0, 16), seed=0,
                                repeat_share=1.0, repeated=frozenset({"squat down", "walking"}))
    for key in range(20):
        windows[key]
    squat, sit = lengths[0::2], lengths[1::2]  # key k is clip k % 2
    assert min(squat) >= 6.0 and max(sit) == min(sit) == 2.0  # 30 frames at 15 fps, as recorded
    off = data.TrainWindows(clips, ["squat down", "sit down"], WindowPolicy(2.0, 16), seed=0)
    plain = data.TrainWindows(clips, ["squat down", "sit down"], WindowPolicy(2.0, 16), seed=0,
                              repeated=frozenset({"squat down"}))
    assert np.array_equal(off[1][0], plain[1][0]) and np.array_equal(off[0][0], plain[0][0])
