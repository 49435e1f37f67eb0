"""The one rule for a found person's image region (greyed by the tracker, left out of the camera's flow)."""

import numpy as np
import pytest

from core.pose.person_box import grown_box


def test_box_grows_each_axis_by_its_own_extent() -> None:
    points = np.array([[100.0, 50.0], [140.0, 250.0]])  # 40 wide, 200 tall
    assert grown_box(points, 0.25, 640, 480) == (90, 0, 150, 300)


def test_box_is_clipped_to_the_image_and_rounded_outwards() -> None:
    points = np.array([[0.4, 10.2], [639.5, 20.7]])
    assert grown_box(points, 0.0, 640, 480) == (0, 10, 640, 21)
    assert grown_box(points, 1.0, 640, 480) == (0, 0, 640, 32)


def test_negative_margin_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        grown_box(np.zeros((2, 2)), -0.1, 10, 10)
