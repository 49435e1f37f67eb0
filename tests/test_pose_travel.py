"""Travel recovery: the translation that projects a hip-centred body onto its image points."""

from __future__ import annotations

import numpy as np
import pytest

from core.pose.travel import focal_length_px, solve_translation

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
