"""The one preprocessing step shared by training and inference."""

from __future__ import annotations

import numpy as np

from core.skeleton.layout import MAX_BODIES
from core.skeleton.proportions import CANONICAL_BONE_LENGTHS
from core.skeleton.transforms import as_bodies, levelled, normalize, resample, retarget


def prepare_window(
    skeleton: np.ndarray, length: int = 64, face_camera: bool = True, canonical_bones: bool = False,
    level: bool = False,
) -> np.ndarray:
    """Normalise a clip and resample it to ``(2, length, 25, 3)`` float32.

    Training and live inference both pass through here, so the network always sees bodies
    centred, facing the camera (gravity kept: a lying body stays lying; ``face_camera`` False
    keeps the camera's view, see ``normalize``), torso-sized and padded to two bodies (the
    second all zeros when absent). With ``canonical_bones`` every body first gets the same
    bones (``CANONICAL_BONE_LENGTHS``), so no sensor or person is told apart by its proportions.
    With ``level`` a body leaning a little as a whole is stood up first (``levelled``).
    """
    bodies = as_bodies(skeleton)
    if bodies.shape[1] == 0:
        raise ValueError("cannot prepare a window from a skeleton with no frames")
    bodies = bodies[:MAX_BODIES]
    if canonical_bones:
        bodies = retarget(bodies, CANONICAL_BONE_LENGTHS)
    bodies = normalize(bodies, unit_scale=True, face_camera=face_camera)
    if level:
        bodies = levelled(bodies)
    bodies = resample(bodies, length)
    window = np.zeros((MAX_BODIES, length) + bodies.shape[2:], dtype=np.float32)
    window[: bodies.shape[0]] = bodies
    return window
