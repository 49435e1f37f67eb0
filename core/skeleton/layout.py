"""The NTU RGB+D 25-joint layout shared by every reader, the pose pipeline and the model.

Coordinates follow the Kinect camera convention: metres, Y up, Z away from the sensor,
X towards the subject's right when the subject faces the sensor.
"""

from __future__ import annotations

import numpy as np

NUM_JOINTS = 25
# Body slots of a sequence (M in (M, T, 25, 3)), as NTU RGB+D and the model use them.
MAX_BODIES = 2

JOINT_NAMES: tuple[str, ...] = (
    "spine_base",
    "spine_mid",
    "neck",
    "head",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
    "left_hand",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
    "right_hand",
    "left_hip",
    "left_knee",
    "left_ankle",
    "left_foot",
    "right_hip",
    "right_knee",
    "right_ankle",
    "right_foot",
    "spine_shoulder",
    "left_hand_tip",
    "left_thumb",
    "right_hand_tip",
    "right_thumb",
)
JOINT = {name: index for index, name in enumerate(JOINT_NAMES)}

# (child, parent) pairs; spine_mid's parent chain reaches spine_base, the root.
BONES: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 20), (2, 20), (3, 2), (4, 20), (5, 4), (6, 5), (7, 6), (8, 20), (9, 8),
    (10, 9), (11, 10), (12, 0), (13, 12), (14, 13), (15, 14), (16, 0), (17, 16), (18, 17),
    (19, 18), (21, 22), (22, 7), (23, 24), (24, 11),
)


def _kinematic_tree() -> tuple[tuple[int, int], ...]:
    """(child, parent) pairs from the spine base outwards, parents before their children.

    The bones of ``BONES``, rooted at the hip centre (the body's travel), except that a hand tip
    hangs from its hand, not from the thumb as NTU's drawing list has it: the tip lies along the
    hand, and the thumb beside it.
    """
    edges = [(child, parent) for child, parent in BONES if JOINT_NAMES[child] not in ("left_hand_tip", "right_hand_tip")]
    edges += [(JOINT[f"{side}_hand_tip"], JOINT[f"{side}_hand"]) for side in ("left", "right")]
    neighbours: dict[int, list[int]] = {}
    for a, b in edges:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    order, reached = [], {JOINT["spine_base"]}
    frontier = [JOINT["spine_base"]]
    while frontier:
        parent = frontier.pop(0)
        for child in sorted(neighbours[parent]):
            if child not in reached:
                reached.add(child)
                order.append((child, parent))
                frontier.append(child)
    return tuple(order)


# Every joint but the root once, as (child, parent), parents first: the order bones are rebuilt in.
KINEMATIC_TREE: tuple[tuple[int, int], ...] = _kinematic_tree()

# The body parts the method's moving-part masks refer to (they overlap on purpose).
BODY_PARTS: dict[str, tuple[int, ...]] = {
    "head": (2, 3),
    "hands": (7, 11, 21, 22, 23, 24),
    "arms": (4, 5, 6, 8, 9, 10),
    "hips": (0, 1, 12, 16),
    "legs": (12, 13, 14, 16, 17, 18),
    "feet": (14, 15, 18, 19),
}
PART_NAMES: tuple[str, ...] = tuple(BODY_PARTS)

_LEFT_RIGHT_PAIRS = (
    (4, 8), (5, 9), (6, 10), (7, 11), (12, 16), (13, 17), (14, 18), (15, 19), (21, 23), (22, 24),
)


def _mirror_permutation() -> np.ndarray:
    permutation = np.arange(NUM_JOINTS)
    for left, right in _LEFT_RIGHT_PAIRS:
        permutation[left], permutation[right] = right, left
    return permutation


# MIRROR_PERMUTATION[j] is the joint that takes j's role after a left/right mirror.
MIRROR_PERMUTATION: np.ndarray = _mirror_permutation()
MIRROR_PERMUTATION.setflags(write=False)


def parts_to_joint_mask(parts: list[str] | tuple[str, ...]) -> np.ndarray:
    """Joint weights (sum 1) for a set of moving parts, the target of the KPD calibration loss."""
    unknown = set(parts) - set(BODY_PARTS)
    if unknown:
        raise ValueError(f"unknown body parts {sorted(unknown)}; expected some of {PART_NAMES}")
    mask = np.zeros(NUM_JOINTS, dtype=np.float32)
    for part in parts:
        mask[list(BODY_PARTS[part])] = 1.0
    if mask.sum() == 0:
        mask[:] = 1.0
    return mask / mask.sum()
