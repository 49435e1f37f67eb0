"""The zero-shot protocol's clips: labelled sequences, the task that splits them, and how test clips are scored.

Training (core.training) and evaluation (core.evaluation) both read these; neither owns them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from core.recognition.windows import POOLINGS, WindowPolicy, frame_times, prepared_window, window_starts

SUBSETS = ("train", "calibration_seen", "calibration_unseen", "test_seen", "test_unseen")
# The corpus's clips are cut to their action, with no still stretch before or between it for the
# app's motion weights (core.recognition.motion) to discount, so their windows are pooled by the
# plain mean, which every split table was measured with.
PROTOCOL_POOLING = "mean"


@dataclass
class LabelledClips:
    """Sequences ``(T, 25, 3)`` or ``(M, T, 25, 3)`` with their canonical action names, frame rates and sources.

    The frame rate turns frames into seconds, which the fixed-duration windows are cut in; the
    source (a corpus source name, "" when unknown) lets training weigh how its data is drawn.
    """

    sequences: list[np.ndarray] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    fps: list[float] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sequences)

    def add(self, sequence: np.ndarray, action: str, fps: float, source: str = "") -> None:
        self.sequences.append(sequence)
        self.actions.append(action)
        self.fps.append(float(fps))
        self.sources.append(source)


@dataclass
class ZeroShotTask:
    """One zero-shot protocol: which actions are trained on, which calibrate, which are unseen."""

    name: str
    train_actions: list[str]
    validation_actions: list[str]
    unseen_actions: list[str]
    subsets: dict[str, LabelledClips]

    def subset(self, name: str) -> LabelledClips:
        return self.subsets.get(name, LabelledClips())

    def check_trained_on(self, metadata: dict[str, Any]) -> None:
        """Refuse a checkpoint (its metadata) trained on other actions than this task's trained ones;
        one that does not record them passes."""
        trained = metadata.get("train_actions")
        if trained is not None and sorted(trained) != sorted(self.train_actions):
            raise ValueError(f"the model was trained on another split ({metadata.get('split')!r}) than {self.name!r}")


def clip_windows(clips: LabelledClips, policy: WindowPolicy) -> tuple[torch.Tensor, np.ndarray]:
    """Every scored sliding window of every clip ``(W, 2, frames, 25, 3)``, and the clip each belongs to.

    Test clips are scored like the app scores a video: all their windows, pooled (``pool_by_clip``,
    by the plain mean: ``PROTOCOL_POOLING``).
    """
    windows, owners = [], []
    for index, (sequence, fps) in enumerate(zip(clips.sequences, clips.fps)):
        times = frame_times(np.shape(sequence)[-3], fps)
        for start in window_starts(sequence, times, policy):
            windows.append(prepared_window(sequence, times, start, policy))
            owners.append(index)
    missing = sorted(set(range(len(clips))) - set(owners))
    if missing:
        raise ValueError(f"clip {missing[0]} ({clips.actions[missing[0]]}) has nobody in it, so no window to score")
    if not windows:
        return torch.zeros((0, 2, policy.frames, 25, 3)), np.zeros(0, dtype=np.int64)
    return torch.from_numpy(np.stack(windows)), np.asarray(owners, dtype=np.int64)


def sampled_windows(clips: LabelledClips, policy: WindowPolicy, count: int, seed: int) -> torch.Tensor:
    """``count`` windows, one from each of ``count`` clips drawn at random (fewer when there are
    fewer clips): a sample spread over the actions and sources as the clips hold them."""
    if len(clips) == 0:
        raise ValueError("no clips to take windows from")
    generator = np.random.default_rng(seed)
    picked = generator.choice(len(clips), size=min(count, len(clips)), replace=False)
    sample = LabelledClips([clips.sequences[i] for i in picked], [clips.actions[i] for i in picked],
                           [clips.fps[i] for i in picked])
    windows, owners = clip_windows(sample, policy)
    one_per_clip = [int(generator.choice(np.flatnonzero(owners == clip))) for clip in range(len(sample))]
    return windows[torch.as_tensor(one_per_clip)]


def pool_by_clip(
    probabilities: torch.Tensor, owners: np.ndarray, clips: int, pooling: str = PROTOCOL_POOLING
) -> torch.Tensor:
    """Per-clip class probabilities ``(N, L)`` from per-window ones ``(W, L)``, pooled as ``pooling``
    says (one that needs the windows' motion cannot pool here)."""
    rows = probabilities.float().cpu().numpy()
    pooled = [POOLINGS[pooling](rows[owners == clip]) for clip in range(clips)]
    return torch.from_numpy(np.stack(pooled)) if pooled else torch.zeros((0, rows.shape[-1]))
