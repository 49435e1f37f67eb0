"""Training windows rebuilt from 2D by the app's lifter: absent frames, gravity and two people kept."""

from __future__ import annotations

import numpy as np

from core.model.inputs import prepare_window
from core.pose import lifting
from core.skeleton.layout import JOINT
from core.skeleton.transforms import present_frames, rotation_matrix
from core.training.camera_views import lifted_view
from tests.test_skeleton import _REST, _moving_sequence
from tests.test_training_augment import _spine_from_vertical_deg


def _camera_window(frames: int = 32, lying: bool = False) -> np.ndarray:
    """One body 3 m in front of a Kinect-like camera (standing, or lying on its back), a second slot empty."""
    body = _moving_sequence(3, frames) - _REST[JOINT["spine_base"]]
    body[..., 1] += 0.2 * np.sin(np.linspace(0, 2 * np.pi, frames))[:, None]  # some motion: up and down
    if lying:
        body = body @ rotation_matrix(np.array([np.pi / 2, 0.0, 0.0])).T
    window = np.zeros((2, frames, 25, 3), np.float32)
    window[0] = body + [0.0, 0.0, 3.0]
    window[0, 7] = 0.0  # a frame without the body
    return window


def test_a_lifted_view_keeps_absent_frames_and_is_seeded() -> None:
    window = _camera_window()
    out = lifted_view(window, np.random.default_rng(1))
    assert out.shape == window.shape and out.dtype == np.float32 and np.isfinite(out).all()
    np.testing.assert_array_equal(present_frames(out), present_frames(window))
    np.testing.assert_array_equal(lifted_view(window, np.random.default_rng(1)), out)
    assert not np.array_equal(lifted_view(window, np.random.default_rng(2)), out)


def test_a_lifted_body_keeps_its_shape_and_gravity() -> None:
    for lying in (False, True):
        window = _camera_window(lying=lying)
        tilts = [np.median(_spine_from_vertical_deg(prepare_window(lifted_view(window, np.random.default_rng(seed)), 32)))
                 for seed in range(8)]
        if lying:
            assert min(tilts) > 45.0, tilts  # a body lying on the floor is not stood up
        else:
            assert max(tilts) < 30.0, tilts
    standing = prepare_window(_camera_window(), 32)
    lifted = prepare_window(lifted_view(_camera_window(), np.random.default_rng(0)), 32)
    present = present_frames(standing)[0]
    spread = np.linalg.norm(standing[0][present] - standing[0][present].mean(axis=1, keepdims=True), axis=-1).mean()
    error = np.linalg.norm(lifted[0][present] - standing[0][present], axis=-1).mean()
    assert error < 0.5 * spread  # the lifter's error, not a different body


def test_two_people_stay_apart_after_lifting() -> None:
    # Depth is lost in 2D, so a view along the line between them brings them together; seen
    # from the camera's random sides, they are apart by about the mean |cos| of 1.5 m.
    window = _camera_window()
    window[1] = window[0] + [1.5, 0.0, 0.0]
    shown = present_frames(window)[0]
    distances = []
    for seed in range(20):
        roots = lifted_view(window, np.random.default_rng(seed))[:, shown, JOINT["spine_base"]]
        distances.append(np.median(np.linalg.norm(roots[0] - roots[1], axis=-1)))
    assert np.median(distances) > 0.6 and max(distances) > 1.0, distances


def test_penn_and_the_camera_views_share_one_placement_rule() -> None:
    points = np.random.default_rng(5).uniform(100, 400, (6, 13, 2))
    skeleton = lifting.skeleton_from_image(points)
    assert skeleton.shape == (6, 25, 3) and skeleton.dtype == np.float32
    assert np.allclose(np.median(skeleton[:, JOINT["spine_base"], 2]), lifting.PLACE_DEPTH_M, atol=0.2)
