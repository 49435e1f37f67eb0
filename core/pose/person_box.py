"""A person's box in the image, grown by a share of its size.

Two steps need the region a found person covers: the tracker greys it out before the next
landmarker looks for another person, and the camera's motion is read from corners outside it.
Both grow the landmarks' bounding box the same way (each side by ``margin`` of the box's extent
along that axis), so the one rule lives here; each caller keeps its own margin.
"""

from __future__ import annotations

import numpy as np


def grown_box(points: np.ndarray, margin: float, width: int, height: int) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` around ``points`` ``(N, 2)`` (pixels), grown by ``margin`` and clipped to the image.

    The corners are rounded outwards, so the box covers every point it was grown from.
    """
    if margin < 0:
        raise ValueError(f"a box margin cannot be negative, got {margin}")
    low, high = points.min(axis=0), points.max(axis=0)
    pad = (high - low) * margin
    x0, y0 = np.clip(np.floor(low - pad), 0, (width, height)).astype(int)
    x1, y1 = np.clip(np.ceil(high + pad), 0, (width, height)).astype(int)
    return int(x0), int(y0), int(x1), int(y1)
