"""Turning a recorded clip into what a real webcam would send, for tests of the live path.

NTU RGB videos are mirror views of the scene, while a webcam sends the camera's own view; the
clip is flipped back so that the app's own mirroring is exercised as it is with a real camera.
The person is small in NTU's wide frames, so a 4:3 box around them (from the Kinect colour-pixel
coordinates of the matching .skeleton file) is cut out, as a webcam framing a person would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

WEBCAM_SIZE = (640, 480)


def person_box(
    color_points: np.ndarray, frame_size: tuple[int, int], margin: float = 0.15
) -> tuple[int, int, int, int]:
    """A 4:3 box (x0, y0, x1, y1) around every tracked colour pixel of a clip, inside the frame."""
    points = color_points.reshape(-1, 2)
    points = points[(points > 0).all(axis=1)]
    (x_min, y_min), (x_max, y_max) = points.min(axis=0), points.max(axis=0)
    height = (y_max - y_min) * (1 + 2 * margin)
    width = max(height * 4 / 3, (x_max - x_min) * (1 + 2 * margin))
    height = width * 3 / 4
    frame_width, frame_height = frame_size
    width, height = min(width, frame_width), min(height, frame_height)
    x0 = int(np.clip((x_min + x_max) / 2 - width / 2, 0, frame_width - width))
    y0 = int(np.clip((y_min + y_max) / 2 - height / 2, 0, frame_height - height))
    return x0, y0, x0 + int(width), y0 + int(height)


def centre_box(video: Path) -> tuple[int, int, int, int]:
    """The middle 4:3 part of a wide frame, as a webcam framing the person would see it."""
    capture = cv2.VideoCapture(str(video))
    width, height = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    capture.release()
    crop = min(width, height * WEBCAM_SIZE[0] // WEBCAM_SIZE[1])
    x0 = (width - crop) // 2
    return x0, 0, x0 + crop, height


def webcam_frames(video: Path, box: tuple[int, int, int, int], unmirror: bool = True) -> Iterator[np.ndarray]:
    """RGB 640x480 frames of ``video`` cropped to ``box``, flipped back to a camera's view."""
    capture = cv2.VideoCapture(str(video))
    x0, y0, x1, y1 = box
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            frame = cv2.resize(frame[y0:y1, x0:x1], WEBCAM_SIZE, interpolation=cv2.INTER_AREA)
            if unmirror:
                frame = frame[:, ::-1]
            yield np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    finally:
        capture.release()


def write_y4m(frames: Iterator[np.ndarray], path: Path, fps: int = 30) -> int:
    """Write RGB frames as a YUV4MPEG2 (4:2:0) file, Chromium's fake-camera input; returns the count."""
    count = 0
    with open(path, "wb") as handle:
        width, height = WEBCAM_SIZE
        handle.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            handle.write(b"FRAME\n")
            handle.write(cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())
            count += 1
    return count
