"""Which side of the body performs a one-sided motion, measured on NTU-25 joints.

For sources whose labels say "your hand" / "your other hand" without naming a side, the side is
read from the motion itself: the wrist (or ankle) that moves more relative to the pelvis, or for
a sideways lean the direction the head travels from where it started. Kinder-Gator is the first
user; on its real clips the rule puts "X" and "other X" on opposite sides for nearly every
participant (tests/test_readers_kinect_real.py).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from core.skeleton.layout import JOINT

Side = Literal["left", "right"]
LIMB_END = {"arm": "wrist", "leg": "ankle"}
START_FRACTION = 0.1  # the opening tenth of a clip is taken as the neutral stance


def _motion_energy(joints: np.ndarray, joint: str) -> float:
    """Total variance of a joint around its mean, relative to the pelvis (not whole-body travel)."""
    relative = joints[:, JOINT[joint]] - joints[:, JOINT["spine_base"]]
    return float(relative.var(axis=0).sum())


def limb_side(joints: np.ndarray, limb: str) -> Side:
    """'left' or 'right': the arm (by its wrist) or leg (by its ankle) that moves more."""
    end = LIMB_END[limb]
    return "right" if _motion_energy(joints, f"right_{end}") > _motion_energy(joints, f"left_{end}") else "left"


def lean_side(joints: np.ndarray) -> Side:
    """The side the trunk leans to: where the head goes, along the body's left-right axis.

    The axis is the clip's mean hip-and-shoulder line, the displacement is measured from the
    opening stance, and the larger excursion wins (a return to upright is no lean).
    """
    across = (joints[:, JOINT["right_hip"]] - joints[:, JOINT["left_hip"]]
              + joints[:, JOINT["right_shoulder"]] - joints[:, JOINT["left_shoulder"]]).mean(axis=0)
    across /= max(float(np.linalg.norm(across)), 1e-9)
    offset = (joints[:, JOINT["head"]] - joints[:, JOINT["spine_base"]]) @ across
    start = max(1, round(START_FRACTION * len(offset)))
    offset = offset - np.median(offset[:start])
    return "right" if offset.max() > -offset.min() else "left"
