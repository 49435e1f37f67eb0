"""Repetitions played on: a short clip of a repeated exercise looped into a set, at a person's pace.

The corpus's exercise clips are short: Penn Action's squats last 1.9 s, about one repetition
stretched to fill a 2 s window, always starting upright. A person in front of a camera squats
for a whole set at about 3 s a repetition, so a 2 s window of it holds the way down, the bottom
or the way up, each at any phase: the network taught on whole single repetitions names those
parts *sitting down* or *standing up* (`squat_02` of the real clips). For the actions the
knowledge lists as repeated (``core/knowledge/repeated.json``) training may play the clip forward
and back again until it lasts a set, slowed by a factor drawn per window, and cut its window
from that: the same motion, seen as a set is.
"""

from __future__ import annotations

import math

import numpy as np

from core.skeleton.transforms import as_bodies

DEFAULT_PACE = (1.0, 1.5)  # slow-down factors: the corpus's pace up to half as fast again


def played_on(
    skeleton: np.ndarray, fps: float, span_s: float, rng: np.random.Generator,
    pace: tuple[float, float] = DEFAULT_PACE,
) -> tuple[np.ndarray, float]:
    """``(M, T', 25, 3)`` bodies lasting at least ``span_s`` and their new frame rate.

    Forward then backward (a repetition's way down played back is its way up), so the loop has
    no jump; the slow-down factor is drawn log-uniformly in ``pace``. A clip of one frame is
    returned as it is.
    """
    if not 0 < pace[0] <= pace[1]:
        raise ValueError(f"pace range must be positive and ordered, got {pace}")
    bodies = as_bodies(skeleton)
    frames = bodies.shape[1]
    if frames < 2:
        return bodies, fps
    slow = math.exp(rng.uniform(math.log(pace[0]), math.log(pace[1])))
    played_fps = fps / slow
    cycle = np.concatenate([bodies, bodies[:, -2:0:-1]], axis=1)  # the ends are not repeated
    needed = max(frames, math.ceil(span_s * played_fps) + 1)
    looped = np.concatenate([cycle] * math.ceil(needed / cycle.shape[1]), axis=1)[:, :needed]
    return looped, played_fps
