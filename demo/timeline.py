"""Showing a clip's sliding-window scores: the timeline plot, the video captions, the CSV download.

A single ranking of a long clip blurs several actions together; sliding windows show when each
action happens, and the same windows label the frames of the annotated video. The windows
themselves are cut and scored in core.recognition (windows.py, Recognizer.window_scores). What the
plot and the captions show is the steady answer of core.recognition.smoothing over the windows,
the rule the live view follows; the CSV keeps every window's own probabilities beside it.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core.recognition.recognizer import WindowScore
from core.recognition.smoothing import SteadyAnswer, named_spans, spans_text, window_answers


@dataclass(frozen=True)
class WindowPrediction:
    start_s: float
    end_s: float
    entries: tuple[tuple[str, float], ...]  # the window's own probabilities, every label, best first
    joint_importance: np.ndarray
    shown: SteadyAnswer  # what the steady-answer rule shows once this window is scored

    @property
    def centre_s(self) -> float:
        return (self.start_s + self.end_s) / 2


def window_predictions(scores: Sequence[WindowScore], labels: Sequence[str]) -> list[WindowPrediction]:
    """The recogniser's scored sliding windows (core.recognition.windows) as the plot and captions show
    them; each window's answer is the steady rule's once the window has ended, as live."""
    answers = window_answers(scores, labels)
    return [
        WindowPrediction(score.start_s, score.end_s, tuple(score.ranking(labels).entries), score.joint_importance, answer)
        for score, answer in zip(scores, answers)
    ]


def named_over_time(predictions: Sequence[WindowPrediction]) -> str:
    """The labels the timeline named and when, for the tab's message (a clip of several actions in turn)."""
    return spans_text(named_spans([p.start_s for p in predictions], [p.end_s for p in predictions],
                                  [p.shown for p in predictions])) + "."


def timeline_frame(predictions: list[WindowPrediction], labels: list[str], top: int = 5) -> pd.DataFrame:
    """Long table (time_s, label, smoothed probability) of the ``top`` labels with the highest peak."""
    peaks = {label: 0.0 for label in labels}
    for prediction in predictions:
        for label, probability in prediction.shown.entries:
            peaks[label] = max(peaks.get(label, 0.0), probability)
    shown = sorted(peaks, key=peaks.get, reverse=True)[:top]
    rows = [
        (round(p.centre_s, 3), label, float(probability))
        for p in predictions
        for label, probability in p.shown.entries
        if label in shown
    ]
    return pd.DataFrame(rows, columns=["time_s", "label", "probability"])


def write_csv(predictions: list[WindowPrediction], labels: list[str], path: Path) -> Path:
    """One row per window: its span, its own top label, the steady answer shown, then every label's
    own probability."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["start_s", "end_s", "top_label", "shown", *labels])
        for prediction in predictions:
            scores = dict(prediction.entries)
            writer.writerow(
                [f"{prediction.start_s:.3f}", f"{prediction.end_s:.3f}", prediction.entries[0][0], prediction.shown.text]
                + [f"{scores.get(label, 0.0):.6f}" for label in labels]
            )
    return path
