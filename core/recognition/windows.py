"""The one windowing policy: how a clip becomes the fixed-duration windows the network sees.

Training, ``classify``, the app's Video and Skeleton tabs and the live stream all cut windows
here, so a model always meets motion at the speed it was trained on: a window is a fixed number
of seconds (``ModelConfig.window_s``, stored in the checkpoint) resampled to the model's
``window`` frames by timestamps, not by frame index, so dropped frames or an irregular webcam
rate give the same window as a regular file. A clip longer than one window is scored by
sliding windows whose class probabilities are pooled, so a 30 s clip is not squeezed into one
window and a still start or a title card is outvoted by the rest.

Each moment (a window's end) can be read at several tempi (``WindowPolicy.tempi``): the motion
of the last 1.5, 2, 2.5 and 3 s squeezed into the same frames, the probabilities averaged. People
on camera move slower or faster than the corpus's short clips; a slow squat's 2 s window holds
only its way down (*sitting down*), its 3 s one the whole repetition. The recogniser reads
moments so (``MOMENT_TEMPI``); training and the corpus evaluation cut at the trained tempo only.

Rules that hold at every end:
- a clip (or a body's span) shorter than the window is stretched to fill it, as training always
  did, rather than padded with a held still pose (which would teach stillness);
- a window needs ``min_poses`` frames with somebody in them; a clip with fewer poses than that
  in total is scored as one window rather than refused, so a short upload still gets an answer;
- a body other than the first that is seen in under ``MIN_SECOND_BODY_SHARE`` of a window's
  poses is not in that window: a flicker (a ghost the detector finds for a moment, someone at
  the edge of the view) would otherwise be interpolated across the window as a second person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from core.model.inputs import prepare_window
from core.model.network import ModelConfig
from core.recognition.motion import clip_weights
from core.skeleton.transforms import as_bodies, present_frames

DEFAULT_STRIDE_S = 0.5
MIN_POSES = 8
# The recogniser's tempi (factors of the window's seconds). On the 31 real clips with the shipped
# weights: top-1 / top-3 unchanged (0.45 / 0.68), the steady answer's share right 0.41 -> 0.44,
# squat_02's 0.33 -> 0.73; on two other checkpoints top-1 / top-3 unchanged or better (README).
MOMENT_TEMPI = (0.75, 1.0, 1.25, 1.5)
# Share of a window's poses a second body must be seen in to count. In sit_up_02 a ghost seen in
# 7 frames at 2.7-3.0 s and 3 at 6.5 s was bridged over 3.5 s and its windows read running; with
# the rule, 19 checkpoints x 4 tilts: top-1 0.484 -> 0.490, top-3 0.656 -> 0.662 (README).
MIN_SECOND_BODY_SHARE = 0.25


@dataclass(frozen=True)
class WindowPolicy:
    """Seconds per window, frames per window, the stride between windows and the pose minimum."""

    duration_s: float
    frames: int
    stride_s: float = DEFAULT_STRIDE_S
    min_poses: int = MIN_POSES
    face_camera: bool = True  # off for a network without depth (BackboneConfig.depth): the camera's view is kept
    canonical_bones: bool = False  # every body given the same bones first (ModelConfig.canonical_bones)
    level: bool = False  # a body leaning a little as a whole stood up first (ModelConfig.level)
    tempi: tuple[float, ...] = (1.0,)  # each moment read over duration_s times each (moment_windows)

    def __post_init__(self) -> None:
        if not (self.duration_s > 0 and self.stride_s > 0 and self.frames >= 1 and self.min_poses >= 1):
            raise ValueError(f"invalid window policy {self}")
        if 1.0 not in self.tempi or not all(t > 0 for t in self.tempi):
            raise ValueError(f"tempi must include 1 (the trained tempo) and be positive, got {list(self.tempi)}")

    @property
    def history_s(self) -> float:
        """Seconds of poses before a moment that its longest reading needs (a live stream keeps them)."""
        return self.duration_s * max(self.tempi)

    @classmethod
    def of(cls, config: ModelConfig) -> "WindowPolicy":
        """The policy the model was trained with (its window seconds and frames, its view)."""
        return cls(config.window_s, config.window, face_camera=config.backbone.depth,
                   canonical_bones=config.canonical_bones, level=config.level)

    def prepare(self, window: np.ndarray) -> np.ndarray:
        """A cut window as the network's input (core.model.inputs.prepare_window, this policy's way)."""
        return prepare_window(window, self.frames, self.face_camera, self.canonical_bones, self.level)


def frame_times(frames: int, fps: float) -> np.ndarray:
    """Timestamps in seconds of a file's frames at a constant rate."""
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    return np.arange(frames, dtype=np.float64) / fps


def _check_times(bodies: np.ndarray, times: np.ndarray) -> np.ndarray:
    times = np.asarray(times, dtype=np.float64)
    if times.shape != (bodies.shape[1],):
        raise ValueError(f"{len(times)} timestamps for {bodies.shape[1]} frames")
    if len(times) > 1 and np.any(np.diff(times) <= 0):
        raise ValueError("timestamps must be strictly increasing")
    return times


def _sample_times(start_s: float, span_s: float, frames: int) -> np.ndarray:
    return start_s + np.arange(frames, dtype=np.float64) * (span_s / max(1, frames - 1))


def cut_window(skeleton: np.ndarray, times: np.ndarray, start_s: float, policy: WindowPolicy) -> np.ndarray:
    """The bodies during ``[start_s, start_s + duration_s]`` as ``(M, frames, 25, 3)`` by timestamps.

    Each body is interpolated linearly between the frames where it is present; before it appears
    and after it leaves it is zeros (absent). A clip shorter than the window is stretched. A body
    other than the first seen in under MIN_SECOND_BODY_SHARE of the window's poses is absent.
    """
    bodies = as_bodies(skeleton)
    times = _check_times(bodies, times)
    present = present_frames(bodies)
    seen = present.any(axis=0)
    if not seen.any():
        raise ValueError("cannot cut a window from a clip in which nobody is present")
    first, last = times[seen][0], times[seen][-1]
    if last - first <= policy.duration_s:
        samples = _sample_times(first, last - first, policy.frames)
    else:
        start = min(max(start_s, first), last - policy.duration_s)
        samples = _sample_times(start, policy.duration_s, policy.frames)
    poses = seen & (times >= samples[0] - 1e-9) & (times <= samples[-1] + 1e-9)
    out = np.zeros((bodies.shape[0], policy.frames) + bodies.shape[2:], dtype=np.float32)
    for body in range(bodies.shape[0]):
        if body and (present[body] & poses).sum() < MIN_SECOND_BODY_SHARE * poses.sum():
            continue
        out[body] = _interpolate(bodies[body][present[body]], times[present[body]], samples)
    return out


def _interpolate(values: np.ndarray, times: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """``values`` (P, 25, 3) at ``times`` read at ``samples``; zeros outside the body's span."""
    out = np.zeros((len(samples),) + values.shape[1:], dtype=np.float32)
    if len(times) == 0:
        return out
    if len(times) == 1:
        out[np.isclose(samples, times[0])] = values[0]
        return out
    inside = (samples >= times[0] - 1e-9) & (samples <= times[-1] + 1e-9)
    at = np.clip(samples[inside], times[0], times[-1])
    upper = np.clip(np.searchsorted(times, at, side="left"), 1, len(times) - 1)
    lower = upper - 1
    weight = ((at - times[lower]) / (times[upper] - times[lower]))[:, None, None]
    out[inside] = (values[lower] * (1.0 - weight) + values[upper] * weight).astype(np.float32)
    return out


def prepared_window(skeleton: np.ndarray, times: np.ndarray, start_s: float, policy: WindowPolicy) -> np.ndarray:
    """The network's input ``(2, frames, 25, 3)`` for the window starting at ``start_s``."""
    return policy.prepare(cut_window(skeleton, times, start_s, policy))


def moment_windows(skeleton: np.ndarray, times: np.ndarray, start_s: float, policy: WindowPolicy) -> list[np.ndarray]:
    """The network's inputs for the moment whose trained-tempo window starts at ``start_s`` (a
    ``window_starts`` value): one per tempo whose span, ending where that window ends, lies within
    the poses. The trained tempo always counts and comes first (the moment's own window, whose
    motion is the moment's); a clip shorter than one window is read at it alone.
    """
    bodies = as_bodies(skeleton)
    seen_times = _check_times(bodies, times)[present_frames(bodies).any(axis=0)]
    end_s = start_s + policy.duration_s
    windows = []
    for tempo in (1.0, *(t for t in policy.tempi if t != 1.0)):
        span_s = policy.duration_s * tempo
        fits = seen_times.size and seen_times[0] - 1e-6 <= end_s - span_s and end_s <= seen_times[-1] + 1e-6
        if tempo == 1.0 or fits:
            windows.append(prepared_window(bodies, times, end_s - span_s, replace(policy, duration_s=span_s)))
    return windows


def window_starts(skeleton: np.ndarray, times: np.ndarray, policy: WindowPolicy) -> list[float]:
    """Start times of the sliding windows that hold enough poses to be scored.

    Windows step by ``stride_s`` from the first pose; the last one ends at the last pose, so the
    tail is covered. A clip no longer than one window is one window.
    """
    bodies = as_bodies(skeleton)
    times = _check_times(bodies, times)
    seen = present_frames(bodies).any(axis=0)
    if not seen.any():
        return []
    pose_times = times[seen]
    first, last = pose_times[0], pose_times[-1]
    if last - first <= policy.duration_s:
        return [float(first)]
    tail = last - policy.duration_s
    starts = [s for s in np.arange(first, tail, policy.stride_s) if s < tail - 1e-6] + [tail]  # no float twin
    needed = min(policy.min_poses, len(pose_times))
    counts = [np.count_nonzero((pose_times >= s - 1e-9) & (pose_times <= s + policy.duration_s + 1e-9)) for s in starts]
    return [float(s) for s, count in zip(starts, counts) if count >= needed]


def random_start(times: np.ndarray, policy: WindowPolicy, rng: np.random.Generator) -> float:
    """A uniformly random window start for training, over the starts inference can produce."""
    first, last = float(times[0]), float(times[-1])
    return float(rng.uniform(first, max(first, last - policy.duration_s)))


def training_window(
    skeleton: np.ndarray, fps: float, policy: WindowPolicy, rng: np.random.Generator,
    seen_as: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
) -> np.ndarray:
    """A prepared training window at a random start: the same cut as ``prepared_window``.

    ``seen_as`` changes the cut (camera-frame) window before it is prepared, as a different
    capture of the same motion would (core.training.camera_views).
    """
    bodies = as_bodies(skeleton)
    times = frame_times(bodies.shape[1], fps)
    seen = present_frames(bodies).any(axis=0)
    start = random_start(times[seen] if seen.any() else times, policy, rng)
    if seen_as is None:
        return prepared_window(bodies, times, start, policy)
    return policy.prepare(seen_as(cut_window(bodies, times, start, policy), rng))


def mean_probability(probabilities: np.ndarray, motions: np.ndarray | None = None) -> np.ndarray:
    """Average of the windows' class probabilities: a confident wrong window costs little."""
    return probabilities.mean(axis=0)


def mean_log_probability(probabilities: np.ndarray, motions: np.ndarray | None = None) -> np.ndarray:
    """Geometric mean of the windows' probabilities, renormalised: a class must fit every window."""
    pooled = np.exp(np.log(np.clip(probabilities, 1e-12, None)).mean(axis=0))
    return pooled / pooled.sum()


def motion_weighted_probability(probabilities: np.ndarray, motions: np.ndarray | None = None) -> np.ndarray:
    """The windows' probabilities averaged with weights by their motion (core.recognition.motion):
    where the body stands still before or between the action counts little."""
    if motions is None:
        raise ValueError("motion-weighted pooling needs each window's motion")
    return clip_weights(motions) @ probabilities


# Each pools (windows, labels) probabilities, given the windows' motions, into one row.
POOLINGS: dict[str, Callable[[np.ndarray, np.ndarray | None], np.ndarray]] = {
    "motion": motion_weighted_probability,
    "mean": mean_probability,
    "log-mean": mean_log_probability,
}
DEFAULT_POOLING = "motion"
