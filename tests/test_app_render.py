"""Which window labels each frame of the annotated video: the same choice as the timeline's
``prediction_at``, found in one sweep, so a long video does not cost frames x windows."""

from __future__ import annotations

import time

import numpy as np

from demo.render import frame_predictions
from demo.timeline import WindowPrediction, prediction_at, window_bounds


def _windows(bounds: list[tuple[int, int]], fps: float) -> list[WindowPrediction]:
    return [WindowPrediction(s / fps, e / fps, ((f"w{i}", 1.0),), np.zeros(25)) for i, (s, e) in enumerate(bounds)]


def test_every_frame_gets_the_window_prediction_at_would_pick():
    rng = np.random.default_rng(0)
    fps = 30.0
    cases = [window_bounds(301, fps), window_bounds(20, fps), []]
    for _ in range(20):  # gaps, overlaps, ties and windows out of order
        starts = rng.integers(0, 280, 12)
        cases.append([(int(s), int(s + rng.integers(1, 90))) for s in starts])
    for bounds in cases:
        predictions = _windows(bounds, fps)
        frames = 320
        expected = [prediction_at(predictions, index / fps) for index in range(frames)]
        assert frame_predictions(predictions, frames, fps) == expected


def test_a_long_video_costs_frames_plus_windows():
    fps = 30.0
    frames = 10 * 60 * 30  # ten minutes
    predictions = _windows(window_bounds(frames, fps), fps)  # 1197 windows
    started = time.perf_counter()
    chosen = frame_predictions(predictions, frames, fps)
    elapsed = time.perf_counter() - started
    assert len(chosen) == frames and chosen[frames // 2] is not None
    # A search of every window for every frame is 21.5 million checks (over 2 s even here).
    assert elapsed < 1.0, elapsed
