"""Travel recovery: the translation that projects a hip-centred body onto its image points."""

from __future__ import annotations

import numpy as np
import pytest

from core.pose.travel import TravelMemory, focal_length_px, solve_translation
from core.skeleton.layout import JOINT

WIDTH, HEIGHT = 1920, 1080
CENTER = (WIDTH / 2, HEIGHT / 2)


def _project(points: np.ndarray, focal: float) -> np.ndarray:
    return points[:, :2] / points[:, 2:3] * focal + np.asarray(CENTER)


def _body(rng: np.random.Generator) -> np.ndarray:
    """A body-sized point cloud around the hips (x right, y down, z away; metres)."""
    return rng.normal(scale=(0.25, 0.5, 0.15), size=(33, 3)).astype(np.float32)


def test_focal_length_from_field_of_view() -> None:
    assert focal_length_px(1920, 90.0) == pytest.approx(960.0)
    with pytest.raises(ValueError, match="field of view"):
        focal_length_px(1920, 0.0)


def test_exact_translation_is_recovered_along_a_walk() -> None:
    rng = np.random.default_rng(3)
    focal = focal_length_px(WIDTH, 65.0)
    body = _body(rng)
    for step in range(10):  # walking to the right and towards the camera
        truth = np.array([-1.0 + 0.2 * step, 0.3, 4.0 - 0.2 * step], np.float32)
        image = _project(body + truth, focal)
        found = solve_translation(body, image, np.ones(33), focal, CENTER)
        np.testing.assert_allclose(found, truth, atol=1e-3)


def test_noisy_landmarks_keep_sideways_travel_accurate() -> None:
    rng = np.random.default_rng(4)
    focal = focal_length_px(WIDTH, 65.0)
    body = _body(rng)
    truth = np.array([0.8, 0.2, 3.5], np.float32)
    image = _project(body + truth, focal) + rng.normal(scale=3.0, size=(33, 2))  # 3 px noise
    found = solve_translation(body, image, np.ones(33), focal, CENTER)
    assert abs(found[0] - truth[0]) < 0.03 and abs(found[1] - truth[1]) < 0.03
    assert abs(found[2] - truth[2]) < 0.15


def test_invisible_or_impossible_bodies_give_no_translation() -> None:
    rng = np.random.default_rng(5)
    focal = focal_length_px(WIDTH, 65.0)
    body = _body(rng)
    image = _project(body + np.float32([0, 0, 3]), focal)
    assert solve_translation(body, image, np.zeros(33), focal, CENTER) is None
    # Image points far smaller than any plausible depth allows would need the body behind us.
    mirrored = 2 * np.asarray(CENTER) - image
    assert solve_translation(body, mirrored, np.ones(33), focal, CENTER) is None


def test_a_failed_solve_keeps_the_tracks_last_translation_until_it_is_forgotten() -> None:
    rng = np.random.default_rng(5)
    focal = focal_length_px(WIDTH, 65.0)
    body = _body(rng)
    truth = np.array([0.4, 0.2, 3.0], np.float32)
    image = _project(body + truth, focal)
    memory = TravelMemory(forget_after_ms=1000)
    np.testing.assert_allclose(memory.translation(1, 0, body, image, np.ones(33), focal, CENTER), truth, atol=1e-3)
    unseen = np.zeros(33)  # nothing visible: the solver fails
    np.testing.assert_allclose(memory.translation(1, 33, body, image, unseen, focal, CENTER), truth, atol=1e-3)
    assert memory.translation(2, 33, body, image, unseen, focal, CENTER) is None  # another person
    assert memory.translation(1, 2000, body, image, unseen, focal, CENTER) is None  # forgotten


def test_the_tracker_holds_a_body_in_place_when_travel_fails() -> None:
    from core.pose.asset import ensure_pose_model
    from core.pose.errors import PoseModelError
    from core.pose.tracker import PoseTracker, _Person

    try:
        ensure_pose_model()
    except PoseModelError as error:
        pytest.skip(f"pose model cannot be obtained here: {error}")
    rng = np.random.default_rng(6)
    body = _body(rng)
    focal = focal_length_px(WIDTH, 65.0)
    normalised = (_project(body + np.float32([0.3, 0.1, 3.0]), focal) / np.float32([WIDTH, HEIGHT])).astype(np.float32)
    with PoseTracker(max_people=1, horizontal_fov_deg=65.0) as tracker:
        seen = tracker._to_frame_pose([_Person(normalised, np.ones(33, np.float32), body)], (WIDTH, HEIGHT), 0)
        lost = tracker._to_frame_pose([_Person(normalised, np.zeros(33, np.float32), body)], (WIDTH, HEIGHT), 33)
    assert lost.track_ids == seen.track_ids
    assert np.linalg.norm(seen.world[0, JOINT["spine_base"]]) > 2.5  # metres from the camera
    np.testing.assert_allclose(lost.world, seen.world, atol=1e-4)
