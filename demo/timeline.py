"""Scoring a whole clip window by window, for the timeline plot and the downloads.

A single ranking of a long clip blurs several actions together; sliding windows show when each
action happens, and the same windows label the frames of the annotated video.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core.skeleton.transforms import as_bodies, present_frames

WINDOW_S = 2.0
STRIDE_S = 0.5
BATCH_WINDOWS = 32


@dataclass(frozen=True)
class WindowPrediction:
    start_s: float
    end_s: float
    entries: tuple[tuple[str, float], ...]  # every label, best first
    joint_importance: np.ndarray

    @property
    def centre_s(self) -> float:
        return (self.start_s + self.end_s) / 2


def window_bounds(
    frames: int, fps: float, window_s: float = WINDOW_S, stride_s: float = STRIDE_S
) -> list[tuple[int, int]]:
    """Frame ranges [start, end) of the sliding windows; a short clip is one window."""
    length = max(1, round(window_s * fps))
    stride = max(1, round(stride_s * fps))
    if frames <= length:
        return [(0, frames)]
    starts = list(range(0, frames - length + 1, stride))
    if starts[-1] + length < frames:
        starts.append(frames - length)  # the tail of the clip gets a window too
    return [(start, start + length) for start in starts]


def score_windows(
    skeleton: np.ndarray,
    fps: float,
    rank_many: Callable[[list[np.ndarray]], list],
    window_s: float = WINDOW_S,
    stride_s: float = STRIDE_S,
    progress: Callable[[int, int], None] | None = None,
    batch: int = BATCH_WINDOWS,
) -> list[WindowPrediction]:
    """Rank every window in which someone is present; ``rank_many`` maps clips to Rankings.

    Windows go to the model ``batch`` at a time, which is several times faster than one by one;
    ``progress`` hears (windows done, windows to score) after each batch.
    """
    bodies = as_bodies(skeleton)
    present = present_frames(bodies).any(axis=0)
    scored = [(s, e) for s, e in window_bounds(bodies.shape[1], fps, window_s, stride_s) if present[s:e].sum() >= 2]
    predictions = []
    for first in range(0, len(scored), batch):
        chunk = scored[first : first + batch]
        rankings = rank_many([bodies[:, s:e][:, present[s:e]] for s, e in chunk])
        predictions += [
            WindowPrediction(s / fps, e / fps, tuple(r.entries), np.asarray(r.joint_importance))
            for (s, e), r in zip(chunk, rankings)
        ]
        if progress is not None:
            progress(first + len(chunk), len(scored))
    return predictions


def prediction_at(predictions: list[WindowPrediction], time_s: float) -> WindowPrediction | None:
    """The window whose centre is nearest to ``time_s`` among those covering it."""
    covering = [p for p in predictions if p.start_s <= time_s < p.end_s]
    if not covering:
        return None
    return min(covering, key=lambda p: abs(p.centre_s - time_s))


def timeline_frame(predictions: list[WindowPrediction], labels: list[str], top: int = 5) -> pd.DataFrame:
    """Long table (time_s, label, probability) of the ``top`` labels with the highest peak."""
    peaks = {label: 0.0 for label in labels}
    for prediction in predictions:
        for label, probability in prediction.entries:
            peaks[label] = max(peaks.get(label, 0.0), probability)
    shown = sorted(peaks, key=peaks.get, reverse=True)[:top]
    rows = [
        (round(p.centre_s, 3), label, float(probability))
        for p in predictions
        for label, probability in p.entries
        if label in shown
    ]
    return pd.DataFrame(rows, columns=["time_s", "label", "probability"])


def write_csv(predictions: list[WindowPrediction], labels: list[str], path: Path) -> Path:
    """One row per window: its span, its top label, then every label's probability."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["start_s", "end_s", "top_label", *labels])
        for prediction in predictions:
            scores = dict(prediction.entries)
            writer.writerow(
                [f"{prediction.start_s:.3f}", f"{prediction.end_s:.3f}", prediction.entries[0][0]]
                + [f"{scores.get(label, 0.0):.6f}" for label in labels]
            )
    return path
