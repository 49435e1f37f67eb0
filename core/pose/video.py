"""Whole-video extraction: a video file in, an (M, T, 25, 3) skeleton array out.

The skeleton the recogniser scores is made from each person's image landmarks by the one
landmark path (``core.pose.landmarks.skeletons_from_landmarks``: the project's lifter), the rule
the network was trained for (the 2D datasets and the training windows seen through virtual cameras). MediaPipe's own metric
world landmarks, with the travel recovered from the image, are kept beside it as ``world``.
A camera that pans or dollies is followed by the background's shift (``core.pose.camera_motion``),
which is taken off the people's image points before they are placed, so it does not read as travel.

Decoding and downscaling run in a background thread (OpenCV releases the GIL) while MediaPipe
works on the previous frame, so the two overlap on a multi-core machine. Poses are gathered as
they come (no object per frame is kept), and a video longer than core.limits allows is refused.
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

from core import limits
from core.pose.camera_motion import CameraShift
from core.pose.errors import PoseInputError
from core.pose.landmarks import skeletons_from_landmarks
from core.pose.mapping import NUM_LANDMARKS
from core.pose.tracker import FramePose, PoseTracker, PreparedFrame, frame_too_large
from core.pose.travel import DEFAULT_HORIZONTAL_FOV_DEG
from core.skeleton.layout import MAX_BODIES, NUM_JOINTS
from core.skeleton.slots import slots_of_tracks

_PREFETCH = 8
_END = object()

Progress = Callable[[int, int | None], None]  # (frames done, total frames or None if unknown)


@dataclass(frozen=True)
class VideoPose:
    """Skeletons of a video; a person absent from a frame is zeros there, as in NTU."""

    skeleton: np.ndarray  # (M, T, 25, 3) float32, Kinect convention, lifted from the image joints
    image: np.ndarray  # (M, T, 25, 2) float32 pixels
    visibility: np.ndarray  # (M, T, 25) float32
    fps: float
    frame_size: tuple[int, int]  # (width, height)
    people_found: int  # distinct people tracked, including any beyond the M kept
    note: str = ""  # why the result is empty, when it is
    processing_s: float = 0.0  # wall time of decoding and estimation, model loading excluded
    world: np.ndarray | None = None  # (M, T, 25, 3) float32: MediaPipe's world landmarks plus travel
    camera: np.ndarray | None = None  # (T, 2) float32 pixels: where the camera had carried the scene

    @property
    def num_frames(self) -> int:
        return self.skeleton.shape[1]

    def save_npz(self, path: str | Path) -> None:
        np.savez_compressed(
            path,
            skeleton=self.skeleton,
            **({} if self.world is None else {"world": self.world}),
            **({} if self.camera is None else {"camera": self.camera}),
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
    width, height = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    if width * height > limits.MAX_FRAME_PIXELS:  # refused before a frame is decoded
        capture.release()
        raise PoseInputError(f"{path}: {frame_too_large(width, height)}")
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


class PoseCollector:
    """Per-frame poses gathered into one growing array per track, as frames arrive.

    A long video must not keep a FramePose object per frame (several arrays and a list each);
    this keeps only the joint values and frame numbers, which the result needs anyway.
    """

    def __init__(self) -> None:
        self.frames = 0
        self._rows: dict[int, np.ndarray] = {}  # track -> (capacity, 25, 6): world xyz, image xy, visibility
        self._landmarks: dict[int, np.ndarray] = {}  # track -> (capacity, 33, 2): the real view's landmarks
        self._frame_numbers: dict[int, list[int]] = {}
        self._camera: list[np.ndarray] = []  # per frame: the scene's shift so far (pixels)

    def add(self, pose: FramePose, camera: np.ndarray | None = None) -> None:
        """One frame's people, and where a moving camera had carried the scene by then (None: still)."""
        for person, track in enumerate(pose.track_ids):
            numbers = self._frame_numbers.setdefault(track, [])
            rows, landmarks = self._grown(track, len(numbers))
            rows[len(numbers), :, :3] = pose.world[person]
            rows[len(numbers), :, 3:5] = pose.image[person]
            rows[len(numbers), :, 5] = pose.visibility[person]
            landmarks[len(numbers)] = pose.landmarks[person]
            numbers.append(self.frames)
        self._camera.append(np.zeros(2, np.float32) if camera is None else np.asarray(camera, np.float32))
        self.frames += 1

    def _grown(self, track: int, used: int) -> tuple[np.ndarray, np.ndarray]:
        """The track's arrays, doubled when full."""
        rows, landmarks = self._rows.get(track), self._landmarks.get(track)
        if rows is None or used == len(rows):
            size = max(64, 2 * used)
            grown_rows = np.zeros((size, NUM_JOINTS, 6), np.float32)
            grown_landmarks = np.zeros((size, NUM_LANDMARKS, 2), np.float32)
            if rows is not None:
                grown_rows[:used], grown_landmarks[:used] = rows[:used], landmarks[:used]
            rows, landmarks = self._rows[track], self._landmarks[track] = grown_rows, grown_landmarks
        return rows, landmarks

    def result(self, fps: float, frame_size: tuple[int, int], processing_s: float = 0.0) -> VideoPose:
        """Fixed (M, T, ...) arrays with M = 2 bodies; a person absent from a frame is zeros there."""
        values = np.zeros((MAX_BODIES, self.frames, NUM_JOINTS, 6), np.float32)
        landmarks = np.zeros((MAX_BODIES, self.frames, NUM_LANDMARKS, 2), np.float32)
        present = np.zeros((MAX_BODIES, self.frames), bool)
        frames_of = {track: set(numbers) for track, numbers in self._frame_numbers.items()}
        seen = {track: float(self._rows[track][: len(numbers), :, 5].mean(axis=-1).sum())
                for track, numbers in self._frame_numbers.items()}
        for slot, tracks in enumerate(slots_of_tracks(frames_of, MAX_BODIES, seen)):
            for track in tracks:
                numbers = self._frame_numbers[track]
                values[slot, numbers] = self._rows[track][: len(numbers)]
                landmarks[slot, numbers] = self._landmarks[track][: len(numbers)]
                present[slot, numbers] = True
        people = len(self._frame_numbers)
        note = "" if people else f"nobody was found in any of the {self.frames} frames"
        camera = np.stack(self._camera) if self._camera else np.zeros((0, 2), np.float32)
        return VideoPose(skeletons_from_landmarks(landmarks, present, camera=camera),
                         np.ascontiguousarray(values[..., 3:5]), np.ascontiguousarray(values[..., 5]), fps,
                         frame_size, people, note, processing_s, world=np.ascontiguousarray(values[..., :3]),
                         camera=camera)


def assemble(
    poses: list[FramePose], fps: float, frame_size: tuple[int, int], processing_s: float = 0.0
) -> VideoPose:
    """Per-frame poses to fixed (M, T, ...) arrays with M = 2 bodies."""
    collector = PoseCollector()
    for pose in poses:
        collector.add(pose)
    return collector.result(fps, frame_size, processing_s)


def frame_limit(path: str | Path, fps: float, total: int | None) -> int:
    """Frames a video may have (core.limits: duration and frame count); refuses one whose
    container already declares more, before any frame is decoded."""
    limit = min(limits.MAX_FRAMES, int(limits.MAX_VIDEO_S * fps))
    if total is not None and total > limit:
        raise PoseInputError(_too_long(path, f"{total:,} frames ({total / fps:,.0f} s)"))
    return limit


def _too_long(path: str | Path, what: str) -> str:
    return (
        f"{path}: {what}; videos of at most {limits.MAX_VIDEO_S:g} s and {limits.MAX_FRAMES:,} frames are "
        f"accepted (${limits.env_name('MAX_VIDEO_S')}, ${limits.env_name('MAX_FRAMES')})"
    )


def extract_video(
    path: str | Path,
    mirrored: bool = False,
    progress: Progress | None = None,
    max_people: int = MAX_BODIES,
    model_path: Path | None = None,
    horizontal_fov_deg: float = DEFAULT_HORIZONTAL_FOV_DEG,
) -> VideoPose:
    """Skeletons of everybody in a video file (the two people seen most are kept, core.skeleton.slots).

    ``horizontal_fov_deg`` is the camera's field of view, which sets the distance scale of the
    recovered travel (see core.pose.travel); about 84 for NTU's Kinect v2 colour videos.
    """
    capture, fps, total = open_video(path)
    try:
        limit = frame_limit(path, fps, total)
        collector = PoseCollector()
        camera = CameraShift()
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
                if index == limit:  # the container hid or understated its length
                    raise PoseInputError(_too_long(path, f"more than {limit:,} frames ({limit / fps:,.0f} s)"))
                frame_size = prepared.original_size
                pose = tracker.process_prepared(prepared, round(index * 1000.0 / fps))
                collector.add(pose, camera.update(prepared.rgb, pose.landmarks, frame_size[0]))
                if progress is not None:
                    progress(index + 1, total)
            processing_s = time.perf_counter() - start
    finally:
        capture.release()
    if collector.frames == 0:
        raise PoseInputError(f"{path}: the video has no frames that can be decoded")
    return collector.result(fps, frame_size, processing_s)
