"""Fill in the NTU-25 joints a source does not record, from their neighbours.

The spine mid, neck and hand tip follow the one rule in core/skeleton/proportions.py (measured
on NTU's own A001 Kinect v2 file), which the MediaPipe mapping uses too; the foot goes about
10 cm in front of and 5 cm below the ankle.
"""

from __future__ import annotations

import numpy as np

from core.skeleton.layout import JOINT, JOINT_NAMES, NUM_JOINTS
from core.skeleton.proportions import HAND_TIP_EXTENSION, NECK_FRACTION, SPINE_MID_FRACTION

WRIST_ALONG_FOREARM = 0.78  # when only the hand is known: elbow -> hand
THUMB_EXTENSION = 0.3
THUMB_FORWARD_M = 0.03
HAND_LENGTH_M = 0.07  # wrist -> hand, when only one of them is known
FOOT_FORWARD_M = 0.10
FOOT_DOWN_M = 0.05

_ALWAYS_NEEDED = (
    "head", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)


def _unit(vectors: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.where(norms > 1e-6, vectors / np.maximum(norms, 1e-6), fallback)


def _body_axes(joints: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame up and forward (the way the chest faces) unit vectors."""
    up = _unit(joints["spine_shoulder"] - joints["spine_base"], np.array([0.0, 1.0, 0.0]))
    right = (joints["right_shoulder"] - joints["left_shoulder"]) + (
        joints["right_hip"] - joints["left_hip"]
    )
    forward = _unit(np.cross(up, right), np.array([0.0, 0.0, -1.0]))
    return up, forward


def _complete_hand(joints: dict[str, np.ndarray], side: str, forward: np.ndarray) -> None:
    elbow = joints[f"{side}_elbow"]
    wrist, hand = joints.get(f"{side}_wrist"), joints.get(f"{side}_hand")
    if wrist is None and hand is None:
        raise ValueError(f"neither {side}_wrist nor {side}_hand is known")
    if wrist is None:
        wrist = elbow + WRIST_ALONG_FOREARM * (hand - elbow)
    if hand is None:
        hand = wrist + HAND_LENGTH_M * _unit(wrist - elbow, forward)
    palm = hand - wrist
    joints[f"{side}_wrist"], joints[f"{side}_hand"] = wrist, hand
    joints.setdefault(f"{side}_hand_tip", hand + HAND_TIP_EXTENSION * palm)
    joints.setdefault(f"{side}_thumb", hand + THUMB_EXTENSION * palm + THUMB_FORWARD_M * forward)


def complete_skeleton(known: dict[str, np.ndarray]) -> np.ndarray:
    """Build a (T, 25, 3) float32 NTU skeleton from the named joints a source has.

    ``known`` maps NTU joint names to (T, 3) arrays; it needs at least the head, shoulders,
    elbows, hips, knees, ankles and a wrist or hand per arm. Everything else is synthesised.
    """
    missing = [name for name in _ALWAYS_NEEDED if name not in known]
    if missing:
        raise ValueError(f"cannot complete a skeleton without {missing}")
    unknown = set(known) - set(JOINT_NAMES)
    if unknown:
        raise ValueError(f"unknown joint names {sorted(unknown)}")
    joints = {name: np.asarray(value, dtype=np.float64) for name, value in known.items()}
    joints.setdefault("spine_base", (joints["left_hip"] + joints["right_hip"]) / 2)
    joints.setdefault("spine_shoulder", (joints["left_shoulder"] + joints["right_shoulder"]) / 2)
    base, top = joints["spine_base"], joints["spine_shoulder"]
    joints.setdefault("spine_mid", base + SPINE_MID_FRACTION * (top - base))
    joints.setdefault("neck", top + NECK_FRACTION * (joints["head"] - top))
    up, forward = _body_axes(joints)
    for side in ("left", "right"):
        _complete_hand(joints, side, forward)
        joints.setdefault(
            f"{side}_foot", joints[f"{side}_ankle"] + FOOT_FORWARD_M * forward - FOOT_DOWN_M * up
        )
    frames = len(joints["head"])
    skeleton = np.empty((frames, NUM_JOINTS, 3), dtype=np.float32)
    for name, index in JOINT.items():
        skeleton[:, index] = joints[name]
    return skeleton
