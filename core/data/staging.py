"""Place a motion-capture body in front of a virtual Kinect, as the recorded sources stand.

Mocap sources (Bandai-Namco BVH, HDM05 ASF/AMC) have a world frame with Y up and a floor at
Y = 0, but no camera. Each clip is turned about the vertical only (gravity stays vertical) so
the actor faces the camera (-Z) in its first frame, then moved so it starts 3 m in front of a
camera 1 m above the floor, which is where Kinect recordings have their subjects.
"""

from __future__ import annotations

import numpy as np

CAMERA_HEIGHT_M = 1.0
CAMERA_DISTANCE_M = 3.0


def face_camera(joints: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rotate named (T, 3) joints (metres, Y up) about Y so frame 0 faces -Z, then place them."""
    right = (joints["right_shoulder"][0] - joints["left_shoulder"][0]) + (
        joints["right_hip"][0] - joints["left_hip"][0]
    )
    facing = np.cross([0.0, 1.0, 0.0], right)
    angle = np.arctan2(facing[0], facing[2]) - np.arctan2(0.0, -1.0)
    cos, sin = np.cos(angle), np.sin(angle)
    turn = np.array([[cos, 0.0, -sin], [0.0, 1.0, 0.0], [sin, 0.0, cos]])
    start = joints["spine_base"][0] * [1.0, 0.0, 1.0]
    shift = np.array([0.0, -CAMERA_HEIGHT_M, CAMERA_DISTANCE_M])
    return {name: (value - start) @ turn.T + shift for name, value in joints.items()}
