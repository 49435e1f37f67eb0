"""Which window labels each frame of the annotated video: the window whose centre is nearest
among those covering the frame, found in one sweep, so a long video does not cost frames x windows."""

from __future__ import annotations

import numpy as np

from core.recognition.smoothing import SteadyAnswer
from demo.render import frame_predictions
from demo.timeline import WindowPrediction


def nearest_covering(predictions: list[WindowPrediction], time_s: float) -> WindowPrediction | None:
    """The reference rule, searched window by window for one frame."""
    covering = [p for p in predictions if p.start_s <= time_s < p.end_s]
    return min(covering, key=lambda p: abs(p.centre_s - time_s)) if covering else None


def sliding_bounds(frames: int, fps: float, window_s: float = 2.0, stride_s: float = 0.5) -> list[tuple[int, int]]:
    length, stride = round(window_s * fps), round(stride_s * fps)
    if frames <= length:
        return [(0, frames)]
    return [(start, start + length) for start in range(0, frames - length + 1, stride)]


def _windows(bounds: list[tuple[int, int]], fps: float) -> list[WindowPrediction]:
    return [WindowPrediction(s / fps, e / fps, ((f"w{i}", 1.0),), np.zeros(25), SteadyAnswer(f"w{i}", ((f"w{i}", 1.0),)))
            for i, (s, e) in enumerate(bounds)]


def test_every_frame_gets_the_nearest_covering_window():
    rng = np.random.default_rng(0)
    fps = 30.0
    cases = [sliding_bounds(301, fps), sliding_bounds(20, fps), []]
    for _ in range(20):  # gaps, overlaps, ties and windows out of order
        starts = rng.integers(0, 280, 12)
        cases.append([(int(s), int(s + rng.integers(1, 90))) for s in starts])
    for bounds in cases:
        predictions = _windows(bounds, fps)
        frames = 320
        expected = [nearest_covering(predictions, index / fps) for index in range(frames)]
        assert frame_predictions(predictions, frames, fps) == expected


def test_a_ten_minute_video_gets_the_same_windows_in_one_sweep():
    fps = 30.0
    frames = 10 * 60 * 30
    predictions = _windows(sliding_bounds(frames, fps), fps)  # 1197 windows
    chosen = frame_predictions(predictions, frames, fps)
    assert len(chosen) == frames
    for index in range(0, frames, 997):
        assert chosen[index] == nearest_covering(predictions, index / fps)
