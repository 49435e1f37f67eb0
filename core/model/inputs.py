"""The one preprocessing step shared by training and inference."""

from __future__ import annotations

import numpy as np

from core.skeleton.layout import MAX_BODIES
from core.skeleton.transforms import as_bodies, normalize, resample


def prepare_window(skeleton: np.ndarray, length: int = 64, face_camera: bool = True) -> np.ndarray:
    """Normalise a clip and resample it to ``(2, length, 25, 3)`` float32.

    Training and live inference both pass through here, so the network always sees bodies
    centred, facing the camera (gravity kept: a lying body stays lying; ``face_camera`` False
    keeps the camera's view, see ``normalize``), torso-sized and padded to two bodies (the
    second all zeros when absent).
    """
    bodies = as_bodies(skeleton)
    if bodies.shape[1] == 0:
        raise ValueError("cannot prepare a window from a skeleton with no frames")
    bodies = resample(normalize(bodies[:MAX_BODIES], unit_scale=True, face_camera=face_camera), length)
    window = np.zeros((MAX_BODIES, length) + bodies.shape[2:], dtype=np.float32)
    window[: bodies.shape[0]] = bodies
    return window
