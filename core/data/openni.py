"""OpenNI 15-joint exports (KARD, CAD-60): millimetres, and an X axis that runs the other way.

Both exports were checked against their motion (see tests/test_readers_handedness.py): the
joints the files list first on each side are the ones that perform one-handed actions (the
right side for almost every subject), and those sit at the smaller raw X. OpenNI's X therefore
points to the subject's left; negating it gives the Kinect convention (X to the subject's right)
without a mirror image. OpenNI's "neck" lies on the shoulder line (NTU's spine_shoulder), its
"torso" is NTU's spine_mid, its "hand" the palm and its "foot" the ankle.
"""

from __future__ import annotations

import numpy as np

from core.data.synthesis import complete_skeleton

MM_PER_M = 1000.0


def from_openni(frames_mm: np.ndarray, order: tuple[str, ...]) -> np.ndarray:
    """(T, 15, 3) OpenNI joints in mm, listed as NTU names in ``order`` -> (T, 25, 3) metres."""
    if frames_mm.ndim != 3 or frames_mm.shape[1:] != (len(order), 3):
        raise ValueError(f"expected (T, {len(order)}, 3) OpenNI joints, got {frames_mm.shape}")
    metres = frames_mm / MM_PER_M
    metres[..., 0] *= -1.0
    return complete_skeleton({name: metres[:, i] for i, name in enumerate(order)})
