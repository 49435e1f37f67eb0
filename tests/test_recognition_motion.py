"""How much a window counts (core.recognition.motion): its body's motion against the clip's, in the
pooled ranking and in the steady answer."""

from __future__ import annotations

import numpy as np
import pytest

from core.recognition.motion import (
    MAX_RELATIVE_MOTION, MOTION_POWER, STREAM_HISTORY, RunningMotion, clip_weights, window_motion,
)
from core.recognition.recognizer import pooled_ranking
from core.recognition.smoothing import SteadyRanking, SteadyRule
from core.recognition.windows import POOLINGS, frame_times, moment_windows, prepared_window, window_starts
from tests.test_recognition import encoder, moving_clip, recognizer, weights  # noqa: F401 (fixtures)
from tests.test_recognition_windows import POLICY

LABELS = ["squat", "sitting down"]


def _window(speed: float, frames: int = 16, duration_s: float = 2.0) -> np.ndarray:
    """A prepared-like window whose first body's every joint moves ``speed`` per second along x."""
    window = np.zeros((2, frames, 25, 3), dtype=np.float32)
    window[0] = np.linspace(0.1, 1.0, 75).reshape(25, 3)
    window[0, :, :, 0] += speed * np.linspace(0.0, duration_s, frames)[:, None]
    return window


def test_window_motion_is_the_joints_speed_in_torso_lengths_per_second() -> None:
    assert window_motion(_window(0.0), 2.0) == pytest.approx(0.0)
    assert window_motion(_window(0.7), 2.0) == pytest.approx(0.7, rel=1e-4)
    gone = _window(0.7)
    gone[0, 10:] = 0.0  # the body leaves: the jump to nothing is not motion
    assert window_motion(gone, 2.0) == pytest.approx(0.7, rel=1e-4)
    assert window_motion(np.zeros((2, 16, 25, 3)), 2.0) == 0.0
    # a bigger person doing the same move (the whole clip scaled) reads the same in a prepared window
    clip, times = moving_clip(60), frame_times(60, 15.0)
    assert window_motion(prepared_window(clip * 1.6, times, 0.5, POLICY), 2.0) == pytest.approx(
        window_motion(prepared_window(clip, times, 0.5, POLICY), 2.0), rel=1e-3)


def test_clip_weights_favour_moving_windows_within_a_cap_and_treat_still_clips_alike() -> None:
    np.testing.assert_allclose(clip_weights([0.4, 0.4, 0.4]), [1 / 3] * 3)
    np.testing.assert_allclose(clip_weights([0.0, 0.0]), [0.5, 0.5])  # a held pose throughout
    still_then_moving = clip_weights([0.05, 0.05, 0.05, 1.0])
    assert still_then_moving[3] == pytest.approx(9 / 12)  # three times the usual motion, squared, against 1 + 1 + 1
    burst = clip_weights([1.0] * 9 + [1000.0])  # one tracking jump, or a walk up to the camera
    assert burst[-1] / burst[0] == pytest.approx(MAX_RELATIVE_MOTION ** MOTION_POWER)  # capped, the rest kept
    for bad in ([], [0.1, float("nan")], [-0.1, 0.2], [[0.1, 0.2]]):
        with pytest.raises(ValueError, match="window motions"):
            clip_weights(bad)


def test_a_stream_weighs_its_newest_window_against_its_latest_usual_motion() -> None:
    running = RunningMotion()
    assert running.weight(0.5) == pytest.approx(1.0)  # the first window is the stream's usual
    assert running.weight(0.5) == pytest.approx(1.0)
    assert running.weight(0.1) == pytest.approx((0.1 / 0.5) ** MOTION_POWER)  # the median so far
    assert running.weight(100.0) == pytest.approx(MAX_RELATIVE_MOTION ** MOTION_POWER)
    for _ in range(STREAM_HISTORY):  # the usual motion follows the latest windows
        running.weight(0.05)
    assert running.weight(0.05) == pytest.approx(1.0)
    assert RunningMotion().weight(0.0) == pytest.approx(1.0)  # nothing has moved yet: nothing to weigh against
    with pytest.raises(ValueError, match="finite speed"):
        running.weight(float("inf"))


def test_a_still_window_barely_moves_the_steady_answer_a_moving_one_does() -> None:
    def after(still_motion: float) -> str | None:
        steady = SteadyRanking(SteadyRule(time_constant_s=1.0))
        for step in range(6):  # a squat, moving as usual
            steady.update(0.5 * step, LABELS, [0.8, 0.2], motion=0.5)
        answer = None
        for step in range(6, 9):  # the pause at the bottom, read as sitting down
            answer = steady.update(0.5 * step, LABELS, [0.1, 0.9], motion=still_motion)
        return answer.label
    assert after(0.05) == "squat"
    assert after(0.5) == "sitting down"
    # no motion given: the window counts as moving as usual
    steady = SteadyRanking(SteadyRule(time_constant_s=1.0))
    for step in range(6):
        steady.update(0.5 * step, LABELS, [0.8, 0.2])
    assert [steady.update(0.5 * step, LABELS, [0.1, 0.9]) for step in range(6, 9)][-1].label == "sitting down"


def test_a_clips_windows_carry_their_motion_and_the_pooled_ranking_weighs_by_it(recognizer) -> None:  # noqa: F811
    labels = recognizer.encode_labels(LABELS)
    still = np.repeat(moving_clip(1), 90, axis=0)  # 3 s standing still, then 3 s swaying
    clip = np.concatenate([still, moving_clip(90) + (still[-1] - moving_clip(90)[0])])
    times = frame_times(len(clip), 30.0)
    scores = recognizer.window_scores(clip, labels, 30.0)
    starts = window_starts(clip, times, recognizer.policy)
    assert [s.start_s for s in scores] == pytest.approx(starts)
    for score, start in zip(scores, starts):  # the moment's motion is its trained-tempo window's
        trained_tempo = moment_windows(clip, times, start, recognizer.policy)[0]
        assert score.motion == pytest.approx(window_motion(trained_tempo, recognizer.policy.duration_s))
    assert scores[0].motion < 1e-6 < scores[-1].motion
    ranking = pooled_ranking(scores, labels.labels)
    expected = POOLINGS["motion"](np.stack([s.probabilities for s in scores]), np.array([s.motion for s in scores]))
    assert dict(ranking.entries) == pytest.approx(dict(zip(labels.labels, expected)))
    assert dict(recognizer.rank(clip, labels, 30.0).entries) == pytest.approx(dict(ranking.entries))
    assert ranking.motion == pytest.approx(np.mean([s.motion for s in scores]))
