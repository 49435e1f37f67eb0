"""Checkpoints read as one, their window probabilities averaged (``videos --weights A B``).

Seeds of one recipe place a real clip's action several ranks apart, so the benchmark can ask
whether averaging networks would rank the clips better than any one of them. It measures; the app
loads one checkpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.recognition.recognizer import LabelSet, Recognizer, WindowScore


@dataclass(frozen=True)
class EnsembleLabels:
    """One label list as each member encodes it (each checkpoint has its own prototypes and prior)."""

    labels: list[str]
    members: list[LabelSet]


class Ensemble:
    """The recogniser interface the clip benchmark uses, over one or more loaded checkpoints (one
    reads exactly as its recogniser does, so the benchmark has a single path)."""

    def __init__(self, members: Sequence[Recognizer]) -> None:
        if not members:
            raise ValueError("an ensemble needs at least one checkpoint")
        self.members = list(members)

    @property
    def vocabulary(self):
        return self.members[0].vocabulary

    def encode_labels(self, labels: Sequence[str]) -> EnsembleLabels:
        return self.label_sets(list(labels), [member.encode_labels(labels) for member in self.members])

    def label_sets(self, labels: list[str], per_member: list[LabelSet]) -> EnsembleLabels:
        """Member label sets built elsewhere (e.g. by name only) joined into one."""
        if len(per_member) != len(self.members):
            raise ValueError(f"{len(per_member)} label sets for {len(self.members)} checkpoints")
        return EnsembleLabels(labels, per_member)

    def window_scores(self, skeleton: np.ndarray, label_set: EnsembleLabels, fps: float) -> list[WindowScore]:
        """Every member's windows of the clip, probabilities and joint importance averaged window by window."""
        per_member = [member.window_scores(skeleton, labels, fps)
                      for member, labels in zip(self.members, label_set.members)]
        spans = {tuple((s.start_s, s.end_s) for s in scores) for scores in per_member}
        if len(spans) != 1:
            raise ValueError("the checkpoints window the clip differently (window seconds or stride); "
                             "an ensemble needs one windowing")
        return [WindowScore(window[0].start_s, window[0].end_s,
                            np.mean([s.probabilities for s in window], axis=0),
                            np.mean([s.joint_importance for s in window], axis=0), window[0].motion)
                for window in zip(*per_member)]
