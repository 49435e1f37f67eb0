"""How far a moving camera has carried the scene: the background's shift, frame after frame.

A body's travel is read from where it is in the image (``core.pose.lifting.place``), which is
right for a camera that stands still, as a webcam does. Uploaded videos are often filmed by a
camera that pans or dollies (a stock clip drifting past a person doing sit-ups, a phone following
a runner; 7 of the 31 real clips move by a quarter of a body or more): the person then moves
across the image without moving in the room, and the network reads travel that is not there. The
scene behind the people shows the camera's own motion: corners outside the people's boxes are
tracked from frame to frame (pyramidal Lucas-Kanade optical flow on a small grey copy) and their
median shift is the camera's step; the steps add up to where the camera has carried the scene
since the first frame, which is taken off the people's image points before they are placed
(``core.pose.landmarks.skeletons_from_landmarks``).

A pan moves near and far things alike; a dolly moves the background less than a nearer person,
so the travel it adds is reduced, not removed. Zoom and rotation about the lens axis are not
modelled. A frame whose background offers too few corners (a plain wall, a person filling the
view) counts as a still camera for that step.
"""

from __future__ import annotations

import cv2
import numpy as np

from core.pose.person_box import grown_box

ANALYSIS_WIDTH = 320  # pixels: enough for the background's shift, about 1 ms a frame here (core.pose.bench, camera)
MAX_CORNERS = 200
MIN_CORNERS = 10  # fewer tracked background corners than this: the step is taken as still
CORNER_QUALITY = 0.01
CORNER_SPACING_PX = 8
FLOW_WINDOW_PX = 21
FLOW_LEVELS = 3
PERSON_MARGIN = 0.25  # a person's box grows by this share of its size (core.pose.person_box) before it is left out


class CameraShift:
    """The scene's accumulated image shift for one video, fed its frames in order."""

    def __init__(self) -> None:
        self._previous: np.ndarray | None = None
        self._previous_people: list[tuple[int, int, int, int]] = []
        self._offset = np.zeros(2, dtype=np.float64)

    def update(self, frame_rgb: np.ndarray, people: np.ndarray, frame_width: int) -> np.ndarray:
        """Where the camera has carried the scene by this frame, ``(2,)`` in the people's pixels.

        ``frame_rgb`` is the frame (any size, the view the people's points are in); ``people``
        ``(P, N, 2)`` their points in pixels of that view ``frame_width`` pixels wide (P may be 0).
        The first frame is the origin: its offset is zero.
        """
        if frame_width <= 0:
            raise ValueError(f"frame width must be positive, got {frame_width}")
        scale = ANALYSIS_WIDTH / frame_rgb.shape[1]
        small = cv2.resize(frame_rgb, (ANALYSIS_WIDTH, max(1, round(frame_rgb.shape[0] * scale))),
                           interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if small.ndim == 3 else small
        height, width = grey.shape
        points = np.asarray(people, dtype=np.float64) * (ANALYSIS_WIDTH / frame_width)
        people_points = points.reshape(-1, *points.shape[-2:]) if points.size else []
        boxes = [grown_box(person, PERSON_MARGIN, width, height) for person in people_points]
        if self._previous is not None and self._previous.shape == grey.shape:
            step = _background_step(self._previous, grey, self._previous_people + boxes)
            self._offset += step / (ANALYSIS_WIDTH / frame_width)
        self._previous, self._previous_people = grey, boxes
        return self._offset.copy()


def _background_step(previous: np.ndarray, current: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
    """The median shift of background corners from ``previous`` to ``current`` (analysis pixels)."""
    mask = np.full(previous.shape, 255, dtype=np.uint8)
    for x0, y0, x1, y1 in boxes:
        mask[y0:y1, x0:x1] = 0
    corners = cv2.goodFeaturesToTrack(previous, MAX_CORNERS, CORNER_QUALITY, CORNER_SPACING_PX, mask=mask)
    if corners is None or len(corners) < MIN_CORNERS:
        return np.zeros(2)
    moved, found, _ = cv2.calcOpticalFlowPyrLK(
        previous, current, corners, None, winSize=(FLOW_WINDOW_PX, FLOW_WINDOW_PX), maxLevel=FLOW_LEVELS
    )
    found = found[:, 0] == 1
    if found.sum() < MIN_CORNERS:
        return np.zeros(2)
    return np.median((moved - corners)[found, 0], axis=0).astype(np.float64)
