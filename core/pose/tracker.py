"""Streaming pose estimation: video frames in, NTU-25 skeletons with stable identities out.

One tracker serves one video or webcam session: MediaPipe's VIDEO mode tracks each person
from frame to frame (cheaper and steadier than detecting anew), which needs strictly
increasing timestamps and a fresh landmarker per stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from core.pose.errors import PoseInputError
from core.pose.identity import IdentityTracker
from core.pose.mapping import (
    LANDMARK,
    landmarks_to_ntu,
    visibility_to_ntu,
    world_to_kinect,
)
from core.pose.travel import DEFAULT_HORIZONTAL_FOV_DEG, focal_length_px, solve_translation
from core.skeleton.layout import NUM_JOINTS

# MediaPipe resizes to 224 (detector) and 256 (landmarks of a person crop) anyway; giving it a
# 640-pixel frame keeps people of a 1080p frame large enough while cutting its resize cost.
DEFAULT_MAX_SIDE = 640
MIN_SIDE = 32
MAX_PIXELS = 100_000_000  # about 10k x 10k; larger is not a video frame but a mistake


@dataclass(frozen=True)
class FramePose:
    """The people of one frame; P = 0 when nobody is in view."""

    world: np.ndarray  # (P, 25, 3) float32, metres, Kinect convention, travel included
    image: np.ndarray  # (P, 25, 2) float32, pixels in the frame as given
    visibility: np.ndarray  # (P, 25) float32 in [0, 1]
    track_ids: list[int] = field(default_factory=list)

    @property
    def people(self) -> int:
        return len(self.track_ids)

    @classmethod
    def empty(cls) -> FramePose:
        return cls(
            world=np.zeros((0, NUM_JOINTS, 3), np.float32),
            image=np.zeros((0, NUM_JOINTS, 2), np.float32),
            visibility=np.zeros((0, NUM_JOINTS), np.float32),
        )


@dataclass(frozen=True)
class PreparedFrame:
    """A frame made ready for MediaPipe: RGB, contiguous, downscaled, flipped if mirrored."""

    rgb: np.ndarray
    original_size: tuple[int, int]  # (width, height) of the frame as given


def check_frame(frame: np.ndarray) -> None:
    """Refuse, with a readable reason, anything that is not an image frame of sensible size."""
    if not isinstance(frame, np.ndarray):
        raise PoseInputError(f"a frame must be a numpy array, got {type(frame).__name__}")
    if frame.dtype != np.uint8:
        raise PoseInputError(f"a frame must hold uint8 pixels, got {frame.dtype}")
    if not (frame.ndim == 2 or (frame.ndim == 3 and frame.shape[2] in (1, 3, 4))):
        raise PoseInputError(f"a frame must be (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), got {frame.shape}")
    height, width = frame.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise PoseInputError(f"frame of {width}x{height} pixels is too small to find a person in")
    if height * width > MAX_PIXELS:
        raise PoseInputError(f"frame of {width}x{height} pixels is too large (over {MAX_PIXELS:,} pixels)")


def to_rgb(frame: np.ndarray, bgr: bool = False) -> np.ndarray:
    """(H, W, 3) RGB from a checked grey, RGB(A) or BGR(A) frame."""
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[:, :, 0]
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2RGB if bgr else cv2.COLOR_RGBA2RGB)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if bgr else frame


class PoseTracker:
    """MediaPipe PoseLandmarker for one stream, returning NTU-25 skeletons per frame.

    ``mirrored``: the frames are mirror views (NTU's RGB videos, a browser webcam preview);
    each is flipped before estimation so left and right come out as the person's own, and the
    2D coordinates are flipped back to the frame as given.
    """

    def __init__(
        self,
        mirrored: bool = False,
        max_people: int = 2,
        model_path: Path | None = None,
        max_side: int = DEFAULT_MAX_SIDE,
        horizontal_fov_deg: float = DEFAULT_HORIZONTAL_FOV_DEG,
    ) -> None:
        from mediapipe.tasks.python import BaseOptions, vision  # heavy: import on first use

        from core.pose.asset import ensure_pose_model

        if max_people < 1:
            raise ValueError(f"max_people must be at least 1, got {max_people}")
        focal_length_px(100, horizontal_fov_deg)  # validates the field of view early
        self.mirrored = mirrored
        self.max_people = max_people
        self.max_side = max_side
        self.horizontal_fov_deg = horizontal_fov_deg
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path or ensure_pose_model())),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=max_people,
        )
        self._landmarker = vision.PoseLandmarker.create_from_options(options)
        self._identities = IdentityTracker()
        self._last_timestamp_ms: int | None = None

    def __enter__(self) -> PoseTracker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def prepare(self, frame: np.ndarray, bgr: bool = False) -> PreparedFrame:
        """Validation, colour conversion, downscaling and flipping; thread-safe, so a decoding
        thread can do it while MediaPipe works on the previous frame."""
        check_frame(frame)
        height, width = frame.shape[:2]
        scale = self.max_side / max(height, width)
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        rgb = to_rgb(frame, bgr=bgr)
        if self.mirrored:
            rgb = cv2.flip(rgb, 1)
        return PreparedFrame(np.ascontiguousarray(rgb), (width, height))

    def process(self, frame_rgb: np.ndarray, timestamp_ms: int) -> FramePose:
        """Skeletons of the people in one RGB frame (timestamps must strictly increase)."""
        return self.process_prepared(self.prepare(frame_rgb), timestamp_ms)

    def process_prepared(self, prepared: PreparedFrame, timestamp_ms: int) -> FramePose:
        import mediapipe as mp

        if self._landmarker is None:
            raise RuntimeError("this PoseTracker is closed; create a new one per video or session")
        timestamp_ms = int(timestamp_ms)
        if self._last_timestamp_ms is not None and timestamp_ms <= self._last_timestamp_ms:
            raise PoseInputError(
                f"timestamps must strictly increase: {timestamp_ms} ms after {self._last_timestamp_ms} ms"
            )
        self._last_timestamp_ms = timestamp_ms
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=prepared.rgb)
        result = self._landmarker.detect_for_video(image, timestamp_ms)
        if not result.pose_landmarks:
            self._identities.assign(np.zeros((0, 2)), np.zeros(0), timestamp_ms)
            return FramePose.empty()
        return self._to_frame_pose(result, prepared.original_size, timestamp_ms)

    def _to_frame_pose(self, result, original_size: tuple[int, int], timestamp_ms: int) -> FramePose:
        width, height = original_size
        normalised = np.array(
            [[(p.x, p.y) for p in pose] for pose in result.pose_landmarks], dtype=np.float32
        )
        visibility = np.array(
            [[p.visibility or 0.0 for p in pose] for pose in result.pose_landmarks], dtype=np.float32
        )
        world = np.array(
            [[(p.x, p.y, p.z) for p in pose] for pose in result.pose_world_landmarks], dtype=np.float32
        )
        # Pixels in the view MediaPipe saw (flipped when mirrored), at the original resolution.
        seen = normalised * np.array([width, height], dtype=np.float32)
        focal = focal_length_px(width, self.horizontal_fov_deg)
        for person in range(len(world)):
            shift = solve_translation(world[person], seen[person], visibility[person], focal, (width / 2, height / 2))
            if shift is not None:
                world[person] += shift
        image = seen.copy()
        if self.mirrored:
            image[..., 0] = width - image[..., 0]

        hips = seen[:, [LANDMARK["left_hip"], LANDMARK["right_hip"]]].mean(axis=1)
        shoulders = seen[:, [LANDMARK["left_shoulder"], LANDMARK["right_shoulder"]]].mean(axis=1)
        torso = np.linalg.norm(shoulders - hips, axis=-1)
        track_ids = self._identities.assign((hips + shoulders) / 2, torso, timestamp_ms)
        return FramePose(
            world=landmarks_to_ntu(world_to_kinect(world)),
            image=landmarks_to_ntu(image),
            visibility=np.clip(visibility_to_ntu(visibility), 0.0, 1.0),
            track_ids=track_ids,
        )
