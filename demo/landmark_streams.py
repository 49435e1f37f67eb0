"""Landmark streams as a visitor's page would send them, for the browser-pose soak.

A stream is what MediaPipe found in each frame of a clip: each person's 33 landmarks as x, y
fractions of the frame (the camera's real view), at the clip's frame rate. Streams are recorded
once from real clips through the server-side tracker (core.pose.tracker, the same MediaPipe
model the page runs) and cached in ``~/.cache/skeletoncontext/streams``; where no clip is at
hand, a generated figure squatting stands in (load, not accuracy, is what the soak measures).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.cache import cache_root, write_atomically
from core.pose.mapping import LANDMARK, NUM_LANDMARKS
from core.skeleton.layout import MAX_BODIES

FORMAT = 1  # bump when what is stored changes


@dataclass(frozen=True)
class LandmarkStream:
    name: str
    fps: float
    size: tuple[int, int]  # frame width, height in pixels
    points: np.ndarray  # (T, MAX_BODIES, 33, 2) fractions of the frame
    people: np.ndarray  # (T,) people found per frame

    @property
    def frames(self) -> int:
        return len(self.people)

    def message(self, frame: int, time_ms: float) -> str:
        """The page's pose message for ``frame`` (looping), stamped ``time_ms``."""
        index = frame % self.frames
        people = [np.round(person, 4).ravel().tolist() for person in self.points[index, : self.people[index]]]
        width, height = self.size
        return json.dumps({"type": "pose", "t": round(time_ms, 1), "w": width, "h": height, "people": people})


def _cache_file(video: Path) -> Path:
    return cache_root() / "streams" / f"{video.stem}-{video.stat().st_size}-v{FORMAT}.npz"


def record(video: Path) -> LandmarkStream:
    """The clip's landmarks through the server-side tracker (real view), recorded once and cached."""
    cached = _cache_file(video)
    if cached.is_file():
        with np.load(cached) as archive:
            return LandmarkStream(video.stem, float(archive["fps"]), tuple(int(v) for v in archive["size"]),
                                  archive["points"], archive["people"])
    import cv2

    from core.pose.tracker import PoseTracker

    capture = cv2.VideoCapture(str(video))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    points, people = [], []
    size = (0, 0)
    with PoseTracker(mirrored=False, max_people=MAX_BODIES) as tracker:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            size = (frame.shape[1], frame.shape[0])
            pose = tracker.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), int(len(people) * 1000 / fps))
            row = np.zeros((MAX_BODIES, NUM_LANDMARKS, 2), np.float32)
            row[: pose.people] = pose.landmarks / np.float32(size)
            points.append(row)
            people.append(pose.people)
    capture.release()
    if not people:
        raise ValueError(f"{video}: no frame could be read")
    stream = LandmarkStream(video.stem, fps, size, np.stack(points), np.asarray(people, np.int64))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, fps=fps, size=np.asarray(size), points=stream.points, people=stream.people)
    write_atomically(cached, buffer.getvalue())
    return stream


# A standing person facing the camera, x, y fractions of a 640x480 frame (their left on the image's right).
_STANDING = {
    "nose": (0.50, 0.18), "left_eye_inner": (0.51, 0.17), "left_eye": (0.52, 0.17), "left_eye_outer": (0.53, 0.17),
    "right_eye_inner": (0.49, 0.17), "right_eye": (0.48, 0.17), "right_eye_outer": (0.47, 0.17),
    "left_ear": (0.54, 0.18), "right_ear": (0.46, 0.18), "mouth_left": (0.51, 0.20), "mouth_right": (0.49, 0.20),
    "left_shoulder": (0.57, 0.28), "right_shoulder": (0.43, 0.28), "left_elbow": (0.59, 0.40),
    "right_elbow": (0.41, 0.40), "left_wrist": (0.60, 0.51), "right_wrist": (0.40, 0.51),
    "left_pinky": (0.61, 0.54), "right_pinky": (0.39, 0.54), "left_index": (0.60, 0.55), "right_index": (0.40, 0.55),
    "left_thumb": (0.59, 0.53), "right_thumb": (0.41, 0.53), "left_hip": (0.54, 0.55), "right_hip": (0.46, 0.55),
    "left_knee": (0.55, 0.71), "right_knee": (0.45, 0.71), "left_ankle": (0.55, 0.87), "right_ankle": (0.45, 0.87),
    "left_heel": (0.55, 0.89), "right_heel": (0.45, 0.89), "left_foot_index": (0.56, 0.91),
    "right_foot_index": (0.44, 0.91),
}
_FEET = ("ankle", "heel", "foot_index")


def synthetic(seconds: float = 8.0, fps: float = 30.0, period_s: float = 2.5, seed: int = 0) -> LandmarkStream:
    """A generated figure squatting every ``period_s``, with a little landmark jitter."""
    rng = np.random.default_rng(seed)
    standing = np.array([_STANDING[name] for name in sorted(LANDMARK, key=LANDMARK.get)], dtype=np.float64)
    frames = int(seconds * fps)
    points = np.zeros((frames, MAX_BODIES, NUM_LANDMARKS, 2), np.float32)
    for frame in range(frames):
        depth = 0.5 - 0.5 * np.cos(2 * np.pi * frame / (fps * period_s))  # 0 standing, 1 at the bottom
        body = standing.copy()
        for name, index in LANDMARK.items():
            if any(name.endswith(part) for part in _FEET):
                continue
            drop = 0.18 * depth * (0.5 if name.endswith("knee") else 1.0)
            body[index, 1] += drop
            if name.endswith("knee"):
                body[index, 0] += 0.05 * depth * (1 if name.startswith("left") else -1)
            if name.endswith(("elbow", "wrist", "pinky", "index", "thumb")):  # arms forward for balance
                body[index, 1] -= 0.12 * depth
        points[frame, 0] = body + rng.normal(0, 0.002, body.shape)
    return LandmarkStream("synthetic squats", fps, (640, 480), points, np.ones(frames, np.int64))
