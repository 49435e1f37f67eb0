"""Checks a skeleton must pass before it reaches the network.

The network silently turns NaNs, empty clips or a transposed array into confident nonsense, so
every entry point (API, CLI, app) refuses them here with a message a user can act on.
"""

from __future__ import annotations

import numpy as np

from core.skeleton.layout import NUM_JOINTS
from core.skeleton.transforms import present_frames


class SkeletonInputError(ValueError):
    """A skeleton array that cannot be recognised, with the reason in plain words."""


def check_skeleton(skeleton: object, name: str = "skeleton") -> np.ndarray:
    """Validate a ``(T, 25, 3)`` or ``(M, T, 25, 3)`` array; return ``(M', T, 25, 3)`` float32.

    ``M'`` counts the bodies present in at least one frame, in their original order.
    """
    try:
        array = np.asarray(skeleton, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise SkeletonInputError(f"{name}: not a numeric array ({error})") from None
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[-2:] != (NUM_JOINTS, 3):
        raise SkeletonInputError(
            f"{name}: expected shape (T, 25, 3) or (M, T, 25, 3) (frames, joints, xyz in metres), "
            f"got {tuple(np.shape(skeleton))}"
        )
    if array.shape[0] == 0:
        raise SkeletonInputError(f"{name}: holds no body (M = 0)")
    if array.shape[1] == 0:
        raise SkeletonInputError(f"{name}: has 0 frames; at least one frame is needed")
    bad = ~np.isfinite(array)
    if bad.any():
        frames = np.flatnonzero(bad.any(axis=(0, 2, 3)))
        raise SkeletonInputError(
            f"{name}: contains NaN or infinite coordinates in {len(frames)} frame(s), "
            f"first at frame {int(frames[0])}; mark missing bodies with zeros instead"
        )
    present = present_frames(array).any(axis=1)
    if not present.any():
        raise SkeletonInputError(f"{name}: every frame is all zeros, so no body is present")
    # Normalisation takes its frame from the first body; an empty first slot would leave the
    # clip unnormalised, so slots that never hold anybody are dropped.
    return array[present]
