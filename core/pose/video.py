"""Whole-video extraction: a video file in, an (M, T, 25, 3) skeleton array out.

Decoding and downscaling run in a background thread (OpenCV releases the GIL) while MediaPipe
works on the previous frame, so the two overlap on a multi-core machine.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from core.pose.errors import PoseInputError
from core.pose.tracker import FramePose, PoseTracker, PreparedFrame
from core.pose.travel import DEFAULT_HORIZONTAL_FOV_DEG
from core.skeleton.layout import MAX_BODIES, NUM_JOINTS
from core.skeleton.slots import slots_of_frames

_PREFETCH = 8
_END = object()

Progress = Callable[[int, int | None], None]  # (frames done, total frames or None if unknown)


@dataclass(frozen=True)
class VideoPose:
    """Skeletons of a video; a person absent from a frame is zeros there, as in NTU."""

    skeleton: np.ndarray  # (M, T, 25, 3) float32, Kinect convention
    image: np.ndarray  # (M, T, 25, 2) float32 pixels
    visibility: np.ndarray  # (M, T, 25) float32
    fps: float
    frame_size: tuple[int, int]  # (width, height)
    people_found: int  # distinct people tracked, including any beyond the M kept
    note: str = ""  # why the result is empty, when it is
    processing_s: float = 0.0  # wall time of decoding and estimation, model loading excluded

    @property
    def num_frames(self) -> int:
        return self.skeleton.shape[1]

    def save_npz(self, path: str | Path) -> None:
        np.savez_compressed(
            path,
            skeleton=self.skeleton,
            image=self.image,
            visibility=self.visibility,
            fps=np.float32(self.fps),
            frame_size=np.asarray(self.frame_size, dtype=np.int32),
            people_found=np.int32(self.people_found),
            note=np.str_(self.note),
        )


def open_video(path: str | Path) -> tuple[cv2.VideoCapture, float, int | None]:
    """An opened capture, its frame rate and its frame count (None when the container hides it)."""
    path = Path(path)
    if not path.exists():
        raise PoseInputError(f"{path}: no such file")
    if not path.is_file():
        raise PoseInputError(f"{path}: not a file")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise PoseInputError(f"{path}: not a video OpenCV can read (unknown or damaged format)")
    fps = capture.get(cv2.CAP_PROP_FPS)
    count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    return capture, (fps if 0 < fps < 1000 else 30.0), (count if count > 0 else None)


def _decode(
    capture: cv2.VideoCapture, tracker: PoseTracker, out: queue.Queue, stop: threading.Event
) -> None:
    try:
        while not stop.is_set():
            ok, frame = capture.read()
            if not ok:
                break
            out.put(tracker.prepare(frame, bgr=True))
    except Exception as error:  # handed to the consumer, which re-raises it in its own thread
        out.put(error)
    finally:
        out.put(_END)


def _prepared_frames(capture: cv2.VideoCapture, tracker: PoseTracker) -> Iterator[PreparedFrame]:
    frames: queue.Queue = queue.Queue(maxsize=_PREFETCH)
    stop = threading.Event()
    worker = threading.Thread(target=_decode, args=(capture, tracker, frames, stop), daemon=True)
    worker.start()
    try:
        while (item := frames.get()) is not _END:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                frames.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()


def assemble(
    poses: list[FramePose], fps: float, frame_size: tuple[int, int], processing_s: float = 0.0
) -> VideoPose:
    """Per-frame poses to fixed (M, T, ...) arrays with M = 2 bodies."""
    frames = len(poses)
    skeleton = np.zeros((MAX_BODIES, frames, NUM_JOINTS, 3), np.float32)
    image = np.zeros((MAX_BODIES, frames, NUM_JOINTS, 2), np.float32)
    visibility = np.zeros((MAX_BODIES, frames, NUM_JOINTS), np.float32)
    slots = slots_of_frames((pose.track_ids for pose in poses), MAX_BODIES)
    slot_of = {track: slot for slot, tracks in enumerate(slots) for track in tracks}
    people = {track for pose in poses for track in pose.track_ids}
    for index, pose in enumerate(poses):
        for person, track in enumerate(pose.track_ids):
            if track in slot_of:
                skeleton[slot_of[track], index] = pose.world[person]
                image[slot_of[track], index] = pose.image[person]
                visibility[slot_of[track], index] = pose.visibility[person]
    note = "" if people else f"nobody was found in any of the {frames} frames"
    return VideoPose(skeleton, image, visibility, fps, frame_size, len(people), note, processing_s)


def extract_video(
    path: str | Path,
    mirrored: bool = False,
    progress: Progress | None = None,
    max_people: int = MAX_BODIES,
    model_path: Path | None = None,
    horizontal_fov_deg: float = DEFAULT_HORIZONTAL_FOV_DEG,
) -> VideoPose:
    """Skeletons of everybody in a video file (the two most present people are kept).

    ``horizontal_fov_deg`` is the camera's field of view, which sets the distance scale of the
    recovered travel (see core.pose.travel); about 84 for NTU's Kinect v2 colour videos.
    """
    capture, fps, total = open_video(path)
    try:
        poses: list[FramePose] = []
        frame_size = (0, 0)
        tracker = PoseTracker(
            mirrored=mirrored,
            max_people=max_people,
            model_path=model_path,
            horizontal_fov_deg=horizontal_fov_deg,
        )
        with tracker:
            start = time.perf_counter()
            for index, prepared in enumerate(_prepared_frames(capture, tracker)):
                frame_size = prepared.original_size
                poses.append(tracker.process_prepared(prepared, round(index * 1000.0 / fps)))
                if progress is not None:
                    progress(index + 1, total)
            processing_s = time.perf_counter() - start
    finally:
        capture.release()
    if not poses:
        raise PoseInputError(f"{path}: the video has no frames that can be decoded")
    return assemble(poses, fps, frame_size, processing_s)
