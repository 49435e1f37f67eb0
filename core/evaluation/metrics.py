"""Zero-shot metrics: top-k accuracy, GZSL seen/unseen/harmonic accuracy, calibrated stacking."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def topk_accuracy(scores: np.ndarray, labels: np.ndarray, k: int = 1) -> float:
    """Share of samples whose true class is among the ``k`` best scores."""
    if len(labels) == 0:
        return float("nan")
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    return float(np.mean(np.any(top == np.asarray(labels)[:, None], axis=1)))


def class_mean_accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    """Top-1 accuracy of each class present, averaged: every action counts once, whatever its size."""
    labels = np.asarray(labels)
    if len(labels) == 0:
        return float("nan")
    correct = scores.argmax(1) == labels
    return float(np.mean([correct[labels == c].mean() for c in np.unique(labels)]))


def zsl_accuracy(scores: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """The ZSL figures every report gives: top-1, top-5 and top-1 averaged per class."""
    return {"top1": topk_accuracy(scores, labels, 1), "top5": topk_accuracy(scores, labels, 5),
            "class_mean_top1": class_mean_accuracy(scores, labels)}


def per_class_results(scores: np.ndarray, labels: np.ndarray, classes: list[str]) -> list[dict[str, object]]:
    """Per class present: sample count, top-1 accuracy and the class its samples are most often taken for."""
    labels = np.asarray(labels)
    predictions = scores.argmax(1)
    rows = []
    for index in np.unique(labels):
        predicted = predictions[labels == index]
        wrong = predicted[predicted != index]
        confused = classes[int(np.bincount(wrong).argmax())] if len(wrong) else None
        rows.append({"action": classes[int(index)], "samples": int(len(predicted)),
                     "top1": float(np.mean(predicted == index)), "most_confused_with": confused})
    return rows


def harmonic_mean(seen: float, unseen: float) -> float:
    return 0.0 if seen + unseen == 0 else 2 * seen * unseen / (seen + unseen)


@dataclass(frozen=True)
class GzslResult:
    seen: float
    unseen: float
    harmonic: float
    calibration: float


def _split_predictions(scores: np.ndarray, seen_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best seen class, best unseen class, and how far the best seen score leads."""
    seen_mask = np.asarray(seen_mask, dtype=bool)
    if seen_mask.all() or not seen_mask.any():
        raise ValueError("GZSL needs both seen and unseen classes in the label space")
    seen_scores = np.where(seen_mask[None], scores, -np.inf)
    unseen_scores = np.where(seen_mask[None], -np.inf, scores)
    return seen_scores.argmax(1), unseen_scores.argmax(1), seen_scores.max(1) - unseen_scores.max(1)


def gzsl_accuracy(scores: np.ndarray, labels: np.ndarray, seen_mask: np.ndarray, calibration: float = 0.0) -> GzslResult:
    """Accuracy on seen-class and unseen-class samples after subtracting ``calibration`` from seen scores."""
    seen_pred, unseen_pred, lead = _split_predictions(scores, seen_mask)
    prediction = np.where(lead > calibration, seen_pred, unseen_pred)
    labels = np.asarray(labels)
    is_seen = np.asarray(seen_mask, dtype=bool)[labels]
    correct = prediction == labels
    seen = float(correct[is_seen].mean()) if is_seen.any() else float("nan")
    unseen = float(correct[~is_seen].mean()) if (~is_seen).any() else float("nan")
    return GzslResult(seen, unseen, harmonic_mean(seen, unseen), float(calibration))


def choose_calibration(scores: np.ndarray, labels: np.ndarray, seen_mask: np.ndarray) -> float:
    """The seen-score offset that maximises H on *calibration* data (never call this on test data).

    Predictions only change where the offset crosses a sample's lead of best-seen over
    best-unseen score, so the midpoints between sorted leads are the only candidates needed.
    Ties go to the offset closest to zero.
    """
    labels = np.asarray(labels)
    is_seen = np.asarray(seen_mask, dtype=bool)[labels]
    if not is_seen.any() or is_seen.all():
        raise ValueError("calibration needs samples of both seen and unseen classes")
    seen_pred, unseen_pred, lead = _split_predictions(scores, seen_mask)
    ordered = np.unique(lead)
    candidates = np.concatenate([[ordered[0] - 1.0], (ordered[:-1] + ordered[1:]) / 2, [ordered[-1] + 1.0], [0.0]])
    predictions = np.where(lead[None] > candidates[:, None], seen_pred[None], unseen_pred[None])
    correct = predictions == labels[None]
    seen_acc = correct[:, is_seen].mean(1)
    unseen_acc = correct[:, ~is_seen].mean(1)
    harmonic = np.where(seen_acc + unseen_acc > 0, 2 * seen_acc * unseen_acc / np.maximum(seen_acc + unseen_acc, 1e-12), 0.0)
    best = np.flatnonzero(harmonic >= harmonic.max() - 1e-12)
    return float(candidates[best[np.argmin(np.abs(candidates[best]))]])
