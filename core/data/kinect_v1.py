"""The Kinect v1 (20-joint) skeleton order shared by NW-UCLA and UTKinect, mapped onto NTU-25."""

from __future__ import annotations

import numpy as np

from core.data.synthesis import complete_skeleton

# Kinect SDK v1 order; "hip centre" and "shoulder centre" are NTU's spine_base and spine_shoulder.
KINECT_V1_JOINTS: tuple[str, ...] = (
    "spine_base", "spine_mid", "spine_shoulder", "head",
    "left_shoulder", "left_elbow", "left_wrist", "left_hand",
    "right_shoulder", "right_elbow", "right_wrist", "right_hand",
    "left_hip", "left_knee", "left_ankle", "left_foot",
    "right_hip", "right_knee", "right_ankle", "right_foot",
)


def from_kinect_v1(frames: np.ndarray) -> np.ndarray:
    """(T, 20, 3) Kinect v1 joints in metres -> (T, 25, 3) NTU joints (neck, tips, thumbs added)."""
    if frames.ndim != 3 or frames.shape[1:] != (len(KINECT_V1_JOINTS), 3):
        raise ValueError(f"expected (T, 20, 3) Kinect v1 joints, got {frames.shape}")
    return complete_skeleton({name: frames[:, i] for i, name in enumerate(KINECT_V1_JOINTS)})
