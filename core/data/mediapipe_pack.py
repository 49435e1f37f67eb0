"""Packs of MediaPipe Pose landmarks (pushfit, PosePilot): 33 image landmarks per frame.

Their ``landmarks`` (T, 33, 4) hold x and y normalised by the frame's width and height, z and
visibility. Multiplied by the frame size they are pixels, which the one landmark path turns into
the skeleton exactly as it turns the app's own MediaPipe landmarks (layout ``mediapipe``; z is
not used, as the app does not use it). A frame where MediaPipe found nobody is NaN: the body is
absent there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.data.packs import image_skeleton, load_arrays
from core.data.sample import MalformedFileError
from core.pose.mapping import NUM_LANDMARKS


def landmark_skeleton(path: Path, frame_size: tuple[float, float]) -> np.ndarray:
    """(T, 25, 3) skeleton from a pack's ``landmarks`` and the frame's (width, height) in pixels."""
    landmarks = load_arrays(path, ("landmarks",))["landmarks"]
    if landmarks.ndim != 3 or landmarks.shape[1] != NUM_LANDMARKS or landmarks.shape[2] < 2:
        raise MalformedFileError(path, f"landmarks must be (frames, 33, 2+), not {landmarks.shape}")
    points = landmarks[..., :2] * np.asarray(frame_size, dtype=np.float64)
    present = np.isfinite(points).all(axis=(1, 2))
    return image_skeleton(path, points, "mediapipe", present=present)
