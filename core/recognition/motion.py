"""How much a window counts: the body's motion in it, against the clip's usual motion.

A video of an action is rarely all action: a person walks or stands before they fall, waits
between throws, pauses at the top and bottom of a slow squat. A window where the body hardly
moves says little about which motion is under way, and scored against typed actions it goes to
whatever fits a still pose. So a clip's pooled ranking (``POOLINGS["motion"]``) and the steady
answer (core.recognition.smoothing) weigh each window by its motion relative to the clip's usual
motion, the median of its windows' (a stream's: of its latest ``STREAM_HISTORY`` windows), so a
burst (walking up to the camera, a tracking jump) does not set the scale; the weight is squared
and capped, so the burst itself cannot outweigh the clip. A clip that is still throughout (a
plank, a held pose) weighs its windows alike; a held yoga pose whose transitions are fast is what
it costs (README, *Windows that count by their motion*, has the measurement).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np

from core.skeleton.transforms import present_frames

MOTION_POWER = 2.0
MAX_RELATIVE_MOTION = 3.0  # a window's motion counts up to this times the clip's usual (before the power)
STREAM_HISTORY = 64  # windows a stream's usual motion is taken over (~25 s of live rankings)
_STILL = 1e-6  # a usual motion below this: the clip does not move, every window counts alike


def window_motion(window: np.ndarray, duration_s: float) -> float:
    """The first body's motion in a prepared window ``(2, frames, 25, 3)`` spanning ``duration_s``:
    the median over frame steps of its joints' mean speed, in torso lengths per second (the window
    is torso-sized, so a child and an adult doing the same move read alike). Steps where the body
    is absent do not count; a window without two present frames in a row has no motion (0)."""
    body = np.asarray(window[0], dtype=np.float64)
    present = present_frames(body[None])[0]
    steps = present[1:] & present[:-1]
    if not steps.any() or not duration_s > 0:
        return 0.0
    speed = np.linalg.norm(np.diff(body, axis=0), axis=-1).mean(axis=-1) * (len(body) - 1) / duration_s
    return float(np.median(speed[steps]))


def relative_weight(motion: float | np.ndarray, reference: float) -> np.ndarray:
    """Windows' weights for their ``motion`` against the clip's usual motion ``reference``."""
    motion = np.asarray(motion, dtype=np.float64)
    if not reference > _STILL:
        return np.ones_like(motion)
    return np.minimum(motion / reference, MAX_RELATIVE_MOTION) ** MOTION_POWER


def clip_weights(motions: Sequence[float]) -> np.ndarray:
    """Every window's weight in a whole clip, summing to one."""
    motions = np.asarray(motions, dtype=np.float64)
    if motions.ndim != 1 or len(motions) == 0 or not np.all(np.isfinite(motions)) or np.any(motions < 0):
        raise ValueError(f"window motions must be a non-empty list of finite speeds, got {motions!r}")
    weights = relative_weight(motions, float(np.median(motions)))  # at least half of them >= 1: never all zero
    return weights / weights.sum()


class RunningMotion:
    """A stream's usual window motion (the median of its latest windows), the reference its newest
    window is weighed against; bounded, so a long session keeps a fixed memory."""

    def __init__(self) -> None:
        self._latest: deque[float] = deque(maxlen=STREAM_HISTORY)

    def weight(self, motion: float) -> float:
        """Count ``motion`` in, and return its window's weight against the usual so far (itself included)."""
        if not (np.isfinite(motion) and motion >= 0):
            raise ValueError(f"a window's motion must be a finite speed, got {motion!r}")
        self._latest.append(float(motion))
        return float(relative_weight(motion, float(np.median(self._latest))))
