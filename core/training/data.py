"""Training windows cut from the protocol's labelled clips (core.protocol.clips), augmented and sampled."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterator

import numpy as np
import torch

from core.protocol.clips import LabelledClips
from core.recognition.windows import WindowPolicy, training_window
from core.skeleton.transforms import mirror
from core.training.camera_views import lifted_view
from core.training.augment import MAX_TILT_RAD, augment
from core.training.repetitions import played_on


def mirror_targets(classes: list[str], twin_of: Callable[[str], str | None]) -> list[int]:
    """Class index of each class after a left/right mirror, or -1 where that class is not trained.

    A mirrored "wave left hand" is a "wave right hand"; an action without a sided twin (drink
    water, clapping) stays itself, since doing it with the other hand is the same action.
    """
    position = {name: i for i, name in enumerate(classes)}
    targets = []
    for name in classes:
        twin = twin_of(name)
        targets.append(position[name] if twin is None else position.get(twin, -1))
    return targets


class TrainWindows(torch.utils.data.Dataset):
    """Windows at random starts (``training_window``: the inference cut), augmented (augment.py); deterministic per (seed, key).

    Keys are ``epoch * len + index`` (see ``EpochSampler``), so every epoch draws new windows,
    a resumed run draws the same ones again, and DataLoader workers need no shared state. With
    ``mirror_to`` (from ``mirror_targets``) half the windows are mirrored left/right and relabelled;
    ``lifted_share`` of them are rebuilt from 2D as the webcam path rebuilds people (camera_views).
    ``tempo`` (low, high) cuts each window over the policy's seconds times a factor drawn
    log-uniformly between them, into the same frames: below 1 a part of a repetition played
    slower, above 1 more of it played faster, as people on camera move slower or faster than the
    corpus's short clips (which are stretched to fill a window) taught. With ``repeat_share`` that
    share of the windows of the ``repeated`` classes is cut from the clip played on as a set of
    repetitions (core.training.repetitions).
    """

    def __init__(
        self, clips: LabelledClips, classes: list[str], policy: WindowPolicy, seed: int, max_angle: float = MAX_TILT_RAD,
        mirror_to: list[int] | None = None, lifted_share: float = 0.0, tempo: tuple[float, float] = (1.0, 1.0),
        repeat_share: float = 0.0, repeated: frozenset[str] = frozenset(),
    ) -> None:
        if not 0 < tempo[0] <= tempo[1]:
            raise ValueError(f"tempo range must be positive and ordered, got {tempo}")
        position = {name: i for i, name in enumerate(classes)}
        unknown = sorted(set(clips.actions) - set(position))
        if unknown:
            raise ValueError(f"training clips of actions outside the class list: {unknown[:5]}")
        self.sequences = clips.sequences
        self.fps = clips.fps
        self.labels = [position[name] for name in clips.actions]
        self.sources = clips.sources
        self.policy = policy
        self.seed = seed
        self.max_angle = max_angle
        self.mirror_to = mirror_to
        self.lifted_share = lifted_share
        self.tempo = tempo
        self.repeat_share = repeat_share
        self.repeated_labels = frozenset(position[name] for name in repeated if name in position)

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, key: int) -> tuple[torch.Tensor, int]:
        index = key % len(self.sequences)
        rng = np.random.default_rng([self.seed, key])
        seen_as = lifted_view if self.lifted_share > 0 and rng.random() < self.lifted_share else None
        policy = self.policy
        if self.tempo != (1.0, 1.0):
            factor = float(np.exp(rng.uniform(np.log(self.tempo[0]), np.log(self.tempo[1]))))
            policy = replace(policy, duration_s=policy.duration_s * factor)
        label = self.labels[index]
        sequence, fps = self.sequences[index], self.fps[index]
        if self.repeat_share > 0 and label in self.repeated_labels and rng.random() < self.repeat_share:
            sequence, fps = played_on(sequence, fps, 3 * policy.duration_s, rng)
        window = training_window(sequence, fps, policy, rng, seen_as)
        if self.mirror_to is not None and rng.random() < 0.5 and self.mirror_to[label] >= 0:
            window, label = mirror(window), self.mirror_to[label]
        return torch.from_numpy(augment(window, rng, self.max_angle)), label


def sampling_weights(labels: list[int], balance: float = 0.0, sources: list[str] | None = None,
                     video_share: float = 0.0, video_sources: frozenset[str] = frozenset()) -> np.ndarray | None:
    """Each sample's chance of being drawn (None: plain shuffling, every sample once an epoch).

    ``balance`` > 0 weighs each sample by ``count(label) ** -balance`` (1: every class equally
    often). ``video_share`` > 0 changes who carries a class, not how often it comes: in every class
    recorded both by ``video_sources`` (real video, the app's kind of input) and by other sensors,
    the video samples get at least that share of the class's draws, the class's total unchanged.
    """
    if balance == 0 and video_share == 0:
        return None
    labels_array = np.asarray(labels)
    counts = np.bincount(labels_array)
    weights = np.ones(len(labels_array), dtype=np.float64)
    if video_share > 0:
        if sources is None or len(sources) != len(labels_array):
            raise ValueError("weighing draws by source needs every sample's source")
        from_video = np.isin(np.asarray(sources), list(video_sources))
        video_counts = np.bincount(labels_array, weights=from_video, minlength=len(counts))
        for label in np.flatnonzero((video_counts > 0) & (video_counts < counts)):
            if video_counts[label] / counts[label] >= video_share:
                continue
            members = labels_array == label
            weights[members & from_video] = video_share * counts[label] / video_counts[label]
            weights[members & ~from_video] = (1 - video_share) * counts[label] / (counts[label] - video_counts[label])
    weights *= counts[labels_array].astype(np.float64) ** -balance
    return weights / weights.sum()


class EpochSampler(torch.utils.data.Sampler[int]):
    """A seeded permutation per epoch, yielding keys ``epoch * size + index``.

    With ``weights`` (``sampling_weights``) it draws ``size`` samples with replacement instead, by
    those weights, and yields keys ``(epoch * size + draw) * size + index``: still ``index`` modulo
    ``size``, and a sample drawn twice gets two different windows.
    """

    def __init__(self, size: int, seed: int, weights: np.ndarray | None = None) -> None:
        if weights is not None and len(weights) != size:
            raise ValueError(f"{len(weights)} sampling weights for {size} samples")
        self.size = size
        self.seed = seed
        self.epoch = 0
        self.weights = weights

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng([self.seed, self.epoch, 7])
        if self.weights is None:
            return iter((self.epoch * self.size + rng.permutation(self.size)).tolist())
        drawn = rng.choice(self.size, size=self.size, replace=True, p=self.weights)
        draws = self.epoch * self.size + np.arange(self.size)
        return iter((draws * self.size + drawn).tolist())
