"""One rule for the joints a source lacks: measured on Kinect, shared by readers and the mapping."""

from __future__ import annotations

import numpy as np
import pytest

from core.data.synthesis import complete_skeleton
from core.pose.mapping import LANDMARK, NUM_LANDMARKS, landmarks_to_ntu
from core.skeleton import proportions
from core.skeleton.layout import JOINT
from tests.conftest import require_data


def test_the_constants_are_what_the_a001_kinect_file_measures() -> None:
    from core.data.ntu import read_skeleton

    skeleton = read_skeleton(require_data("ntu", "S001C001P001R001A001.skeleton"))
    measured = proportions.measure(skeleton.joints[0], skeleton.joint_tracking[0])
    for name, value in measured.items():
        assert getattr(proportions, name) == pytest.approx(value, abs=5e-4), name
    lengths = proportions.bone_lengths(skeleton.joints[0])
    assert lengths == pytest.approx(proportions.CANONICAL_BONE_LENGTHS, abs=5e-4)


def _mediapipe_body(rng: np.random.Generator) -> np.ndarray:
    return rng.normal(size=(NUM_LANDMARKS, 3)).astype(np.float32)


def test_readers_and_the_mediapipe_mapping_place_spine_neck_and_hand_tips_alike() -> None:
    landmarks = _mediapipe_body(np.random.default_rng(0))
    mapped = landmarks_to_ntu(landmarks)
    known = {
        name: mapped[None, JOINT[name]]
        for name in (
            "head", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
            "right_wrist", "left_hand", "right_hand", "left_hip", "right_hip", "left_knee",
            "right_knee", "left_ankle", "right_ankle", "spine_base", "spine_shoulder",
        )
    }
    completed = complete_skeleton(known)[0]
    for joint in ("spine_mid", "neck", "left_hand_tip", "right_hand_tip"):
        np.testing.assert_allclose(completed[JOINT[joint]], mapped[JOINT[joint]], atol=1e-5, err_msg=joint)
    hips = landmarks[[LANDMARK["left_hip"], LANDMARK["right_hip"]]].mean(axis=0)
    assert not np.allclose(mapped[JOINT["spine_base"]], landmarks[LANDMARK["left_hip"]])
    np.testing.assert_allclose(mapped[JOINT["spine_base"]], hips, atol=1e-5)
