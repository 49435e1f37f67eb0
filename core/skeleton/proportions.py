"""Where Kinect v2 puts the joints some sources lack, and one body to give every skeleton.

One rule for every source: the dataset readers (core/data/synthesis.py) and the MediaPipe mapping
(core/pose/mapping.py) both place the spine mid, neck and hand tips with these numbers, so a
joint the model sees means the same thing whoever measured the body.

Bone lengths say which sensor and which person, not which action: a Kinect v1 skeleton's
shoulders are 0.8 torso lengths apart, a lifted MediaPipe one's 0.6, so a network can tell the
sources apart by the body alone. ``CANONICAL_BONE_LENGTHS`` is one body (A001's, left and right
averaged) that a model trained with ``canonical_bones`` gives every skeleton it sees
(core.skeleton.transforms.retarget).

Measured on NTU's A001 Kinect v2 file with ``python -m core.skeleton.proportions``: the mean over
frames of each joint's projection on the segment it lies along (the hand tip on the frames where
Kinect tracked wrist, hand and tip of the right hand, 34 of 103; the left one, 7 frames, agrees
less well and is not used).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from core.skeleton.layout import JOINT, JOINT_NAMES, KINEMATIC_TREE, MIRROR_PERMUTATION

SPINE_MID_FRACTION = 0.573  # from spine base (0) to spine shoulder (1)
NECK_FRACTION = 0.331  # from spine shoulder (0) to head (1)
HAND_TIP_EXTENSION = 0.709  # hand tip = hand + HAND_TIP_EXTENSION * (hand - wrist)

# Metres from each joint to its parent in KINEMATIC_TREE (child joint name -> length).
CANONICAL_BONE_LENGTHS: dict[str, float] = {
    "spine_mid": 0.271, "left_hip": 0.066, "right_hip": 0.066, "spine_shoulder": 0.202, "left_knee": 0.324,
    "right_knee": 0.324, "neck": 0.067, "left_shoulder": 0.142, "right_shoulder": 0.142, "left_ankle": 0.335,
    "right_ankle": 0.335, "head": 0.133, "left_elbow": 0.225, "right_elbow": 0.225, "left_foot": 0.101,
    "right_foot": 0.101, "left_wrist": 0.209, "right_wrist": 0.209, "left_hand": 0.064, "right_hand": 0.064,
    "left_hand_tip": 0.048, "left_thumb": 0.042, "right_hand_tip": 0.048, "right_thumb": 0.042,
}

TRACKED = 2
_CLIP = "S001C001P001R001A001"


def segment_fraction(joints: np.ndarray, point: str, start: str, end: str) -> np.ndarray:
    """Per frame, where ``point`` projects on the line ``start`` (0) to ``end`` (1) of ``(T, 25, 3)`` joints."""
    origin = joints[:, JOINT[start]]
    direction = joints[:, JOINT[end]] - origin
    return ((joints[:, JOINT[point]] - origin) * direction).sum(-1) / (direction**2).sum(-1)


def measure(joints: np.ndarray, tracking: np.ndarray) -> dict[str, float]:
    """The three proportions of one Kinect body ``(T, 25, 3)`` with its tracking states ``(T, 25)``."""
    joints = joints.astype(np.float64)
    hand = [JOINT[name] for name in ("right_wrist", "right_hand", "right_hand_tip")]
    tracked = (tracking[:, hand] == TRACKED).all(axis=1)
    beyond = segment_fraction(joints, "right_hand_tip", "right_wrist", "right_hand") - 1.0
    return {
        "SPINE_MID_FRACTION": float(segment_fraction(joints, "spine_mid", "spine_base", "spine_shoulder").mean()),
        "NECK_FRACTION": float(segment_fraction(joints, "neck", "spine_shoulder", "head").mean()),
        "HAND_TIP_EXTENSION": float(beyond[tracked].mean()),
    }


def bone_lengths(joints: np.ndarray) -> dict[str, float]:
    """Median length over frames of each bone of ``(T, 25, 3)`` joints, a left bone and its right twin averaged."""
    joints = joints.astype(np.float64)
    median = {child: float(np.median(np.linalg.norm(joints[:, child] - joints[:, parent], axis=-1)))
              for child, parent in KINEMATIC_TREE}
    return {JOINT_NAMES[child]: (median[child] + median[int(MIRROR_PERMUTATION[child])]) / 2 for child in median}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    path = parser.parse_args(argv).data / "ntu" / f"{_CLIP}.skeleton"
    if not path.is_file():
        print(f"error: {path} not found (NTU's A001 Kinect skeleton is needed)", file=sys.stderr)
        return 2
    from core.data.ntu import read_skeleton

    skeleton = read_skeleton(path)
    for name, value in measure(skeleton.joints[0], skeleton.joint_tracking[0]).items():
        print(f"{name} = {value:.3f}")
    lengths = bone_lengths(skeleton.joints[0])
    print("CANONICAL_BONE_LENGTHS = {" + ", ".join(f'"{name}": {value:.3f}' for name, value in lengths.items()) + "}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
