"""Writing the annotated copy of an uploaded video: skeleton plus the current top action.

The output is VP8 in WebM because OpenCV's bundled FFmpeg can write it without extra system
codecs and every browser plays it, so Gradio needs no ffmpeg conversion on a bare Space.
Which window labels each frame is found in one sweep over frames and windows together, so a long
video costs O(frames + windows), not a search of every window for every frame.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from demo.drawing import draw_caption, draw_skeletons
from demo.timeline import WindowPrediction

MAX_WIDTH = 960  # larger frames are scaled down: the preview gains nothing and the file grows


def render_video(
    source: Path,
    target: Path,
    image_points: np.ndarray,
    visibility: np.ndarray,
    fps: float,
    predictions: list[WindowPrediction],
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Draw every frame of ``source`` with its poses ``(M, T, 25, 2)`` and write ``target`` (.webm)."""
    capture = cv2.VideoCapture(str(source))
    frames = image_points.shape[1]
    writer = None
    try:
        for index, current in enumerate(frame_predictions(predictions, frames, fps)):
            ok, frame_bgr = capture.read()
            if not ok:
                break
            frame = draw_skeletons(
                cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB),
                image_points[:, index],
                visibility[:, index],
                None if current is None else current.joint_importance,
            )
            caption = _caption(current, index / fps, bool((visibility[:, index] > 0).any()))
            draw_caption(frame, caption, warning=caption.startswith("Nobody"))
            frame = _fit(frame)
            if writer is None:
                writer = _open_writer(target, fps, frame.shape[1], frame.shape[0])
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            if progress is not None:
                progress(index + 1, frames)
    finally:
        capture.release()
        if writer is not None:
            writer.release()
    if writer is None:
        raise ValueError(f"{source}: no frame could be read back to draw the skeleton on")
    return target


def frame_predictions(predictions: list[WindowPrediction], frames: int, fps: float) -> list[WindowPrediction | None]:
    """Per frame, the window whose centre is nearest among those covering the frame's time (the
    earlier window on a tie), as the timeline shows it, in one sweep.

    Windows enter the active set when the sweep reaches their start and leave at their end, so
    each is touched twice; the choice per frame looks only at the few windows that overlap there.
    """
    order = sorted(range(len(predictions)), key=lambda i: (predictions[i].start_s, i))
    active: list[int] = []
    entered = 0
    chosen: list[WindowPrediction | None] = []
    for index in range(frames):
        time_s = index / fps
        while entered < len(order) and predictions[order[entered]].start_s <= time_s:
            active.append(order[entered])
            entered += 1
        active = [i for i in active if time_s < predictions[i].end_s]
        best = min(active, key=lambda i: (abs(predictions[i].centre_s - time_s), i), default=None)
        chosen.append(None if best is None else predictions[best])
    return chosen


def _caption(current: WindowPrediction | None, time_s: float, someone: bool) -> str:
    if current is None:
        return "Nobody in view" if not someone else "(not enough motion to score)"
    shown = current.shown
    if shown.label is None:
        return f"{time_s:5.1f} s  {shown.text}"
    return f"{time_s:5.1f} s  {shown.label}  {dict(shown.entries)[shown.label]:.0%}"


def _fit(frame: np.ndarray) -> np.ndarray:
    height, width = frame.shape[:2]
    if width <= MAX_WIDTH:
        return frame
    scale = MAX_WIDTH / width
    size = (MAX_WIDTH, int(round(height * scale / 2)) * 2)
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def _open_writer(target: Path, fps: float, width: int, height: int) -> cv2.VideoWriter:
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"VP80"), float(fps), (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"could not open a VP8 video writer for {target}")
    return writer
