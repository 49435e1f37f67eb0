"""MediaPipe 33 -> NTU-25 mapping: affine, mirror-consistent, Kinect-handed."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.pose.mapping import (
    LANDMARK,
    NTU_FROM_MEDIAPIPE,
    landmarks_to_ntu,
    visibility_to_ntu,
    world_to_kinect,
)
from core.skeleton.layout import JOINT, MIRROR_PERMUTATION

# MediaPipe landmark index that takes each landmark's role after a left/right mirror.
_MP_MIRROR = np.arange(33)
for _name, _index in LANDMARK.items():
    if _name.startswith("left_"):
        _twin = LANDMARK["right_" + _name[5:]]
        _MP_MIRROR[_index], _MP_MIRROR[_twin] = _twin, _index
_MP_MIRROR[LANDMARK["mouth_left"]], _MP_MIRROR[LANDMARK["mouth_right"]] = (
    LANDMARK["mouth_right"],
    LANDMARK["mouth_left"],
)

landmark_sets = arrays(np.float32, (33, 3), elements=st.floats(-2, 2, width=32))


def test_every_joint_is_an_affine_combination() -> None:
    assert NTU_FROM_MEDIAPIPE.shape == (25, 33)
    np.testing.assert_allclose(NTU_FROM_MEDIAPIPE.sum(axis=1), 1.0, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(landmark_sets, arrays(np.float32, (3,), elements=st.floats(-5, 5, width=32)))
def test_mapping_commutes_with_translation(points: np.ndarray, shift: np.ndarray) -> None:
    np.testing.assert_allclose(
        landmarks_to_ntu(points + shift), landmarks_to_ntu(points) + shift, atol=1e-4
    )


@settings(max_examples=30, deadline=None)
@given(landmark_sets)
def test_mapping_is_mirror_consistent(points: np.ndarray) -> None:
    """Mirroring the landmarks (negate x, swap sides) mirrors the skeleton the same way."""
    mirrored = points[_MP_MIRROR] * np.float32([-1, 1, 1])
    expected = landmarks_to_ntu(points)[MIRROR_PERMUTATION] * np.float32([-1, 1, 1])
    np.testing.assert_allclose(landmarks_to_ntu(mirrored), expected, atol=1e-4)


def test_copied_joints_and_batch_shapes() -> None:
    points = np.random.default_rng(0).normal(size=(4, 7, 33, 2)).astype(np.float32)
    joints = landmarks_to_ntu(points)
    assert joints.shape == (4, 7, 25, 2)
    for name in ("left_elbow", "right_knee", "left_wrist"):
        np.testing.assert_allclose(joints[..., JOINT[name], :], points[..., LANDMARK[name], :])


def test_kinect_axes_for_a_person_facing_the_camera() -> None:
    """In a true (unmirrored) camera view the person's left shoulder is on the image right
    (larger MediaPipe x) and the head is up (smaller y); in Kinect space the right shoulder
    has the larger X and the head the larger Y."""
    world = np.zeros((33, 3), np.float32)
    world[LANDMARK["left_shoulder"]] = (0.2, -0.5, 0.0)
    world[LANDMARK["right_shoulder"]] = (-0.2, -0.5, 0.0)
    world[LANDMARK["nose"]] = (0.0, -0.7, -0.1)
    kinect = world_to_kinect(world)
    assert kinect[LANDMARK["right_shoulder"], 0] > kinect[LANDMARK["left_shoulder"], 0]
    assert kinect[LANDMARK["nose"], 1] > kinect[LANDMARK["left_shoulder"], 1]
    assert kinect[LANDMARK["nose"], 2] == world[LANDMARK["nose"], 2]  # nearer stays nearer
    # A proper rotation (no reflection), so shapes keep their handedness.
    assert np.isclose(np.linalg.det(world_to_kinect(np.eye(3, dtype=np.float32))), 1.0)


def test_synthesised_joint_is_as_visible_as_its_least_visible_source() -> None:
    visibility = np.ones(33, np.float32)
    visibility[LANDMARK["left_pinky"]] = 0.2
    joints = visibility_to_ntu(visibility)
    assert joints[JOINT["left_hand"]] == np.float32(0.2)
    assert joints[JOINT["left_wrist"]] == 1.0 and joints[JOINT["right_hand"]] == 1.0
