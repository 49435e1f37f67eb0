"""Zero-shot recognition: score any skeleton sequence against any list of typed labels.

Loads a trained SkeletonContext once, turns labels into prototype sets through the frozen text
encoder (cached per label, since the app re-scores the same labels many times a second), and
ranks labels for a clip of any length by the model's single combined prediction, pooled over the
clip's fixed-duration sliding windows (core.recognition.windows, the policy training uses too).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from core.model.inference import autocast, resolve_device, unseen_lift
from core.model.checkpoint import load_checkpoint, training_classes
from core.model.network import SkeletonContext
from core.model.scoring import ClassPrototypes
from core.model.text import TextEncoder
from core.recognition.labels import clean_labels
from core.recognition.motion import window_motion
from core.recognition.prompts import label_sentences
from core.recognition.sources import DEFAULT_FPS
from core.recognition.validation import check_skeleton
from core.recognition.windows import (
    DEFAULT_POOLING, MOMENT_TEMPI, POOLINGS, WindowPolicy, frame_times, moment_windows, window_starts,
)

if TYPE_CHECKING:
    from core.knowledge.vocabulary import Vocabulary

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_WEIGHTS = REPO_ROOT / "weights" / "skeletoncontext.safetensors"
_BRANCHES = ("spatial", "temporal")
BATCH_STEP = 16  # batch_bucket: powers of two up to it, its multiples above
MAX_CACHED_LABELS = 2048  # ~40 KB each: bounds a long-running app that sees many typed labels


@dataclass(frozen=True)
class LabelSet:
    """Labels ready for scoring: their prototype sets on the recogniser's device, and the logit
    lift of each (the model's unseen bias for a label it never trained on, 0 for the others)."""

    labels: tuple[str, ...]
    classes: ClassPrototypes
    logit_bias: torch.Tensor | None = None

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class Ranking:
    """Labels best first with probabilities summing to one, and where the model looked."""

    entries: list[tuple[str, float]]
    joint_importance: np.ndarray  # (25,) KPD weights, summing to one
    motion: float  # the ranked windows' mean body motion (core.recognition.motion): the steady answer's weight

    def top(self, k: int) -> list[tuple[str, float]]:
        return self.entries[:k]

    def rank_of(self, label: str) -> int:
        """1-based rank of a label (case-insensitive)."""
        key = label.casefold()
        for position, (name, _) in enumerate(self.entries, start=1):
            if name.casefold() == key:
                return position
        raise KeyError(f"{label!r} is not among the ranked labels")


@dataclass(frozen=True)
class WindowScore:
    """One sliding window of a clip: its span in seconds and its probabilities over a LabelSet."""

    start_s: float
    end_s: float
    probabilities: np.ndarray  # (L,) in the LabelSet's order
    joint_importance: np.ndarray  # (25,)
    motion: float  # the body's motion in the window, torso lengths per second (core.recognition.motion)

    def ranking(self, labels: Sequence[str]) -> Ranking:
        order = np.argsort(-self.probabilities, kind="stable")
        return Ranking([(labels[i], float(self.probabilities[i])) for i in order], self.joint_importance, self.motion)


def batch_bucket(count: int) -> int:
    """The batch size a forward pass of ``count`` windows runs at: the next power of two up to 16,
    then the next multiple of 16. The CPU backend (oneDNN) keeps work memory for every batch shape
    it meets, so live batches of any size grew a server by 1 GB; a few shapes keep it flat."""
    if count <= BATCH_STEP:
        return 0 if count == 0 else 1 << (count - 1).bit_length()
    return -(-count // BATCH_STEP) * BATCH_STEP


def pooled_ranking(scores: Sequence[WindowScore], labels: Sequence[str], pooling: str = DEFAULT_POOLING) -> Ranking:
    """One clip's ranking from its windows' scores (``POOLINGS``); where it looked, averaged."""
    if not scores:
        raise ValueError("no window of the clip could be scored")
    motions = np.array([s.motion for s in scores])
    row = POOLINGS[pooling](np.stack([s.probabilities for s in scores]), motions)
    importance = np.mean([s.joint_importance for s in scores], axis=0)
    order = np.argsort(-row, kind="stable")
    return Ranking([(labels[i], float(row[i])) for i in order], importance / importance.sum(), float(motions.mean()))


class Recognizer:
    """A loaded model plus the text side needed to turn typed labels into classes."""

    def __init__(
        self,
        model: SkeletonContext,
        device: str | None = None,
        text_encoder: TextEncoder | None = None,
        trained: Sequence[str] | None = None,
        unseen_bias: float = 0.0,
    ) -> None:
        """``trained``: the canonical actions the model was trained on; a label outside them gets
        ``unseen_bias`` added to its logits (calibrated stacking: a model prefers the actions it
        trained on, so a typed new action would rarely come first otherwise)."""
        self.device = resolve_device(device)
        self.trained = None if trained is None else frozenset(trained)
        self.unseen_bias = float(unseen_bias)
        self.model = model.to(self.device).eval()
        self.window = model.config.window
        self.policy = replace(WindowPolicy.of(model.config), tempi=MOMENT_TEMPI)
        self._text_encoder = text_encoder
        self._vocabulary = None
        self._label_cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()

    @classmethod
    def load(cls, weights: Path | str | None = None, device: str | None = None) -> "Recognizer":
        """Load a checkpoint (default weights/skeletoncontext.safetensors) on the GPU when present."""
        path = Path(weights) if weights is not None else DEFAULT_WEIGHTS
        if not path.is_file():
            raise FileNotFoundError(
                f"model weights not found: {path} (train them with `python -m core train` or pass --weights)"
            )
        resolved = resolve_device(device)
        model, metadata = load_checkpoint(path, device=resolved)
        return cls(model, str(resolved), trained=training_classes(metadata),
                   unseen_bias=float(metadata.get("unseen_bias", 0.0)))

    @property
    def text_encoder(self) -> TextEncoder:
        """Loaded on first use, so scoring with ready-made label sets never needs MiniLM."""
        if self._text_encoder is None:
            from core.knowledge.sentence_table import SENTENCE_TABLE

            self._text_encoder = TextEncoder(device=str(self.device), sentence_table=SENTENCE_TABLE)
        return self._text_encoder

    @property
    def vocabulary(self) -> Vocabulary:
        if self._vocabulary is None:
            from core.knowledge.vocabulary import load_vocabulary

            self._vocabulary = load_vocabulary()
        return self._vocabulary

    def encode_labels(self, labels: Sequence[str]) -> LabelSet:
        """Prototype sets of the labels; each label's text is encoded once per recogniser."""
        labels = clean_labels(labels, max_labels=None, duplicates="error")
        missing = [label for label in labels if label.casefold() not in self._label_cache]
        if missing:
            kind = self.model.config.prototypes
            per_label = [label_sentences(label, self.vocabulary.get(label), kind, self.model.config.name_templates) for label in missing]
            for label, prototypes in zip(missing, self.encode_sentences(per_label)):
                self._label_cache[label.casefold()] = prototypes
        cached = [self._label_cache[label.casefold()] for label in labels]
        for label in labels:  # least recently used labels leave first
            self._label_cache.move_to_end(label.casefold())
        while len(self._label_cache) > MAX_CACHED_LABELS:
            self._label_cache.popitem(last=False)
        return self.label_set(labels, [c[0] for c in cached], [c[1] for c in cached])

    def encode_sentences(self, per_label: Sequence[dict[str, list[str]]]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each label's (spatial, temporal) prototype vectors from its branches' sentences, every
        distinct sentence through the text encoder once."""
        # Length order puts similar sentences in one encoder batch: less padding to compute.
        unique = {s for branches in per_label for texts in branches.values() for s in texts}
        sentences = sorted(unique, key=lambda s: (len(s), s))
        row = {sentence: i for i, sentence in enumerate(sentences)}
        vectors = self.text_encoder.encode(sentences)
        return [tuple(vectors[[row[s] for s in branches[branch]]] for branch in _BRANCHES) for branches in per_label]

    def label_set(self, labels: Sequence[str], spatial: list[np.ndarray], temporal: list[np.ndarray]) -> LabelSet:
        """A LabelSet from prototype vectors already computed (e.g. a text bank, or a benchmark), with
        the labels' prior computed once for every window it will score."""
        classes = self.model.with_prior(ClassPrototypes.from_arrays(list(labels), spatial, temporal).to(self.device))
        if self.trained is None or not self.unseen_bias:
            return LabelSet(tuple(labels), classes)
        unseen = [self.vocabulary.name_of(label) not in self.trained for label in labels]
        return LabelSet(tuple(labels), classes, unseen_lift(unseen, self.unseen_bias).to(self.device))

    def rank(
        self, skeleton: np.ndarray, labels: LabelSet | Sequence[str], fps: float = DEFAULT_FPS,
        times: np.ndarray | None = None, pooling: str = DEFAULT_POOLING,
    ) -> Ranking:
        """Rank the labels for one ``(T, 25, 3)`` or ``(M, T, 25, 3)`` clip of any length >= 1 frame.

        The clip's sliding windows (core.recognition.windows) are scored and their probabilities
        pooled; ``times`` (seconds per frame, e.g. a live stream's) replaces the constant ``fps``.
        """
        return self.rank_many([skeleton], labels, fps, None if times is None else [times], pooling=pooling)[0]

    def rank_many(
        self, skeletons: Sequence[np.ndarray], labels: LabelSet | Sequence[str], fps: float = DEFAULT_FPS,
        times: Sequence[np.ndarray] | None = None, batch_size: int = 64, pooling: str = DEFAULT_POOLING,
    ) -> list[Ranking]:
        """``rank`` for many clips; each clip's windows go through the network in batches."""
        label_set = labels if isinstance(labels, LabelSet) else self.encode_labels(labels)
        return [
            pooled_ranking(self.window_scores(skeleton, label_set, fps, None if times is None else times[i], batch_size),
                           label_set.labels, pooling)
            for i, skeleton in enumerate(skeletons)
        ]

    def window_scores(
        self, skeleton: np.ndarray, label_set: LabelSet, fps: float = DEFAULT_FPS,
        times: np.ndarray | None = None, batch_size: int = 64,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[WindowScore]:
        """Every scored sliding window of one clip, in time order (timelines, and ``rank``'s pooling).

        A window's scores are its moment's, read at the policy's tempi (``moment_windows``).
        """
        bodies = check_skeleton(skeleton)
        times = frame_times(bodies.shape[1], fps) if times is None else np.asarray(times, dtype=np.float64)
        starts = window_starts(bodies, times, self.policy)
        per_batch = max(1, batch_size // len(self.policy.tempi))
        scores: list[WindowScore] = []
        for first in range(0, len(starts), per_batch):
            chunk = starts[first : first + per_batch]
            readings = [moment_windows(bodies, times, start, self.policy) for start in chunk]
            outputs = self._forward(torch.from_numpy(np.stack([w for reading in readings for w in reading])))
            scores += self._moment_scores(outputs, chunk, readings, label_set)
            if progress is not None:
                progress(first + len(chunk), len(starts))
        return scores

    def rank_latest(
        self, clips: Sequence[tuple[np.ndarray, LabelSet, np.ndarray | None]], fps: float = DEFAULT_FPS,
    ) -> list[Ranking | ValueError]:
        """The latest moment (its last window, as ``window_scores`` reads it) of several clips, each
        ``(skeleton, its labels, its times or None)``, all through the network in one batch: the live
        path's streams ranked together cost far less than one by one. A clip that cannot be ranked
        gets its ValueError in its place; the others are ranked all the same."""
        results: list[Ranking | ValueError | None] = [None] * len(clips)
        readings, latest = [], {}
        for index, (skeleton, _, times) in enumerate(clips):
            try:
                bodies = check_skeleton(skeleton)
                times = frame_times(bodies.shape[1], fps) if times is None else np.asarray(times, dtype=np.float64)
                starts = window_starts(bodies, times, self.policy)
                if not starts:
                    raise ValueError("no window of the clip could be scored")
                readings.append(moment_windows(bodies, times, starts[-1], self.policy))
            except ValueError as error:
                results[index] = error
                continue
            latest[index] = starts[-1]
        if readings:
            outputs = self._forward(torch.from_numpy(np.stack([w for reading in readings for w in reading])))
        first = 0
        for (index, start), reading in zip(latest.items(), readings):
            part = {key: value[first : first + len(reading)] for key, value in outputs.items()}
            first += len(reading)
            label_set = clips[index][1]
            moment = self._moment_scores(part, [start], [reading], label_set)
            results[index] = pooled_ranking(moment, label_set.labels)
        return results

    def _moment_scores(self, outputs: dict[str, torch.Tensor], starts: Sequence[float],
                       readings: Sequence[Sequence[np.ndarray]], label_set: LabelSet) -> list[WindowScore]:
        """Each moment's probabilities and joint importance, averaged over its readings' rows of
        ``outputs``, and its motion, its first reading's (the trained tempo's window)."""
        probabilities, importance = self._scores(outputs, label_set)
        bounds = np.cumsum([0, *(len(reading) for reading in readings)])
        return [WindowScore(start, start + self.policy.duration_s, probabilities[a:b].mean(axis=0),
                            importance[a:b].mean(axis=0), window_motion(reading[0], self.policy.duration_s))
                for start, reading, a, b in zip(starts, readings, bounds[:-1], bounds[1:])]

    def score_windows(self, windows: torch.Tensor, label_set: LabelSet) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities ``(N, L)`` and joint importance ``(N, 25)`` for prepared ``(N, 2, T, 25, 3)`` windows."""
        return self._scores(self._forward(windows), label_set)

    @torch.inference_mode()
    def _forward(self, windows: torch.Tensor) -> dict[str, torch.Tensor]:
        """The network's outputs for a batch, run at a bucketed batch size (``batch_bucket``)."""
        count = len(windows)
        padded = torch.cat([windows, windows[-1:].expand(batch_bucket(count) - count, *windows.shape[1:])])
        with autocast(self.device):
            outputs = self.model(padded.to(self.device, non_blocking=True))
        return {key: outputs[key][:count] for key in (*_BRANCHES, "importance") if key in outputs}

    @torch.inference_mode()
    def _scores(self, outputs: dict[str, torch.Tensor], label_set: LabelSet) -> tuple[np.ndarray, np.ndarray]:
        embeddings = {key: outputs[key].float() for key in _BRANCHES if key in outputs}
        probabilities = self.model.probabilities(embeddings, label_set.classes, label_set.logit_bias)
        return probabilities.float().cpu().numpy(), outputs["importance"].float().cpu().numpy()
