"""Recover where a body is in the room from its image landmarks and its metric shape.

MediaPipe's world landmarks are centred on the hips in every frame, so a person walking across
the room seems to walk on the spot. Kinect skeletons keep that travel. The missing translation
follows from a pinhole camera: the body's metric shape (the world landmarks) must project onto
its image landmarks, and the body's apparent size fixes its distance. For a known rotation that
is a linear least-squares problem in the three unknowns of the translation.

Trust: the sideways and vertical travel come mostly from where the body is in the image and are
good to a few centimetres; the distance scales with the assumed focal length (the field of
view) and with MediaPipe's guess of the body's metric size, so absolute depth can be off by
tens of percent, while changes in depth (walking towards the camera) keep their direction.
"""

from __future__ import annotations

import math

import numpy as np

DEFAULT_HORIZONTAL_FOV_DEG = 65.0  # typical laptop/USB webcam; NTU's Kinect v2 colour camera is ~84
MIN_VISIBILITY = 0.5
MIN_POINTS = 6
MIN_DEPTH_M = 0.2


def focal_length_px(width: int, horizontal_fov_deg: float) -> float:
    """Pinhole focal length in pixels for an image ``width`` pixels wide."""
    if not 1.0 < horizontal_fov_deg < 179.0:
        raise ValueError(
            f"horizontal field of view must be in (1, 179) degrees, got {horizontal_fov_deg}"
        )
    return width / 2.0 / math.tan(math.radians(horizontal_fov_deg) / 2.0)


def solve_translation(
    world: np.ndarray,
    image: np.ndarray,
    visibility: np.ndarray,
    focal_px: float,
    center: tuple[float, float],
) -> np.ndarray | None:
    """Translation ``t`` (camera axes: x right, y down, z away) with ``project(world + t) ~ image``.

    ``world`` (N, 3) in metres relative to the hips, ``image`` (N, 2) pixels, weighted by
    visibility. Each point gives two equations linear in t, e.g. for x:
    ``f * tx - (u - cx) * tz = (u - cx) * Z - f * X``. Returns None when too few landmarks are
    visible or the solution puts the body behind the camera.
    """
    weights = np.asarray(visibility, dtype=np.float64)
    keep = weights >= MIN_VISIBILITY
    if keep.sum() < MIN_POINTS:
        return None
    world = np.asarray(world, dtype=np.float64)[keep]
    offsets = np.asarray(image, dtype=np.float64)[keep] - np.asarray(center, dtype=np.float64)
    root_weights = np.sqrt(np.repeat(weights[keep], 2))
    rows = len(world)
    system = np.zeros((2 * rows, 3))
    target = np.empty(2 * rows)
    system[0::2, 0] = focal_px
    system[1::2, 1] = focal_px
    system[0::2, 2] = -offsets[:, 0]
    system[1::2, 2] = -offsets[:, 1]
    target[0::2] = offsets[:, 0] * world[:, 2] - focal_px * world[:, 0]
    target[1::2] = offsets[:, 1] * world[:, 2] - focal_px * world[:, 1]
    weighted_system, weighted_target = system * root_weights[:, None], target * root_weights
    solution, *_ = np.linalg.lstsq(weighted_system, weighted_target, rcond=None)
    if not np.isfinite(solution).all() or solution[2] < MIN_DEPTH_M:
        return None
    return solution.astype(np.float32)


class TravelMemory:
    """The last recovered translation of each track, kept while the solver fails.

    A failed solve (too few visible landmarks, a body behind the camera) would otherwise leave
    that frame's body hip-centred, at the camera itself: a spike of several torso lengths. A
    track with nothing recovered for ``forget_after_ms`` is forgotten, as identities are.
    """

    def __init__(self, forget_after_ms: int) -> None:
        self.forget_after_ms = forget_after_ms
        self._last: dict[int, tuple[np.ndarray, int]] = {}

    def translation(
        self,
        track_id: int,
        timestamp_ms: int,
        world: np.ndarray,
        image: np.ndarray,
        visibility: np.ndarray,
        focal_px: float,
        center: tuple[float, float],
    ) -> np.ndarray | None:
        """This frame's translation, else the track's last one; None when it never had one."""
        self._last = {
            track: kept for track, kept in self._last.items() if timestamp_ms - kept[1] <= self.forget_after_ms
        }
        shift = solve_translation(world, image, visibility, focal_px, center)
        if shift is not None:
            self._last[track_id] = (shift, timestamp_ms)
            return shift
        kept = self._last.get(track_id)
        return None if kept is None else kept[0]
