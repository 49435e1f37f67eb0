"""The skeleton-file tab, for researchers who already have NTU-layout skeletons.

Files are read by the recogniser's own loaders (core.recognition.sources), so the app accepts
exactly what the ``classify`` command accepts and refuses it with the same messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.recognition.labels import LabelError, parse_labels
from core.recognition.sources import SKELETON_SUFFIXES, SourceError, read_sequences
from demo.engine import MAX_LABELS
from demo.timeline import named_over_time, timeline_frame, window_predictions

TOP_K = 5


@dataclass
class SkeletonResult:
    message: str
    clip_scores: dict[str, float] | None = None
    timeline: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["time_s", "label", "probability"]))
    sequences: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["sequence", "frames", "top actions"]))


def analyse_skeleton_file(path: str | Path | None, labels_text: str, recognizer) -> SkeletonResult:
    """Rank every sequence of an uploaded .npy/.npz/.skeleton file; the first gets a timeline."""
    if not path:
        return SkeletonResult("Upload a .npy, .npz or NTU .skeleton file first.")
    if Path(path).suffix.lower() not in SKELETON_SUFFIXES:
        return SkeletonResult(
            f"⚠️ {Path(path).name}: expected one of {', '.join(SKELETON_SUFFIXES)}; use the Video tab for videos."
        )
    try:
        labels = parse_labels(labels_text, max_labels=MAX_LABELS)
    except LabelError as error:
        return SkeletonResult(f"⚠️ Labels: {error}")
    try:
        sequences = read_sequences(path)
    except SourceError as error:
        return SkeletonResult(f"⚠️ {error}")

    from core.recognition.recognizer import pooled_ranking

    label_set = recognizer.encode_labels(labels)
    scores = [recognizer.window_scores(sequence.skeleton, label_set, sequence.fps) for sequence in sequences]
    rankings = [pooled_ranking(windows, label_set.labels) for windows in scores]
    rows = []
    for sequence, ranking in zip(sequences, rankings):
        top = ", ".join(f"{label} {probability:.0%}" for label, probability in ranking.top(3))
        rows.append((sequence.key or Path(path).name, sequence.skeleton.shape[1], top))
    predictions = window_predictions(scores[0], label_set.labels)
    message = (f"{len(sequences)} sequence(s) read; the scores and timeline show the first ({rows[0][0]}). "
               f"Named over time: {named_over_time(predictions)}")
    return SkeletonResult(
        message,
        dict(rankings[0].top(TOP_K)),
        timeline_frame(predictions, labels),
        pd.DataFrame(rows, columns=["sequence", "frames", "top actions"]),
    )
