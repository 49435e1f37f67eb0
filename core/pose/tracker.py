"""Streaming pose estimation: video frames in, NTU-25 skeletons with stable identities out.

One tracker serves one video or webcam session: MediaPipe's VIDEO mode tracks each person
from frame to frame (cheaper and steadier than detecting anew), which needs strictly
increasing timestamps and a fresh landmarker per stream.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from core import limits
from core.pose.errors import PoseInputError
from core.pose.identity import FORGET_AFTER_MS, IdentityTracker, torso_of
from core.pose.mapping import NUM_LANDMARKS, landmarks_to_ntu, visibility_to_ntu, world_to_kinect
from core.pose.native_logs import native_stderr_captured
from core.pose.person_box import grown_box
from core.pose.stand_in import STAND_IN_PRESENCE, StandIn
from core.pose.travel import DEFAULT_HORIZONTAL_FOV_DEG, TravelMemory, focal_length_px
from core.skeleton.layout import NUM_JOINTS

# MediaPipe resizes to 224 (detector) and 256 (landmarks of a person crop) anyway; giving it a
# 640-pixel frame keeps people of a 1080p frame large enough while cutting its resize cost.
DEFAULT_MAX_SIDE = 640
MIN_SIDE = 32
MASK_MARGIN = 0.1  # a found person's box grows by this share of its size before it is greyed
MASK_GREY = 127
# A landmarker with nobody to follow looks for a newcomer on every SEARCH_EVERY-th frame only
# (6 times a second at 30 fps): its person detector would otherwise run on every frame.
SEARCH_EVERY = 5
SAME_PERSON_TORSOS = 0.5  # two results whose torsos are this close are one person
# A result whose skeleton joints MediaPipe itself rates more likely hidden than visible, on average,
# is not taken for a person in that frame: the second landmarker, searching the rest of the frame,
# finds such ghosts (a flickering box in a gym, a patch of floor), and as a second body they halve
# what the network reads from the real one. On the 31 real clips (README, *Who counts as a person*)
# the gate puts `shoulder_press_01` first on four checkpoints and moves no clip down.
MIN_PERSON_VISIBILITY = 0.5


@dataclass(frozen=True)
class FramePose:
    """The people of one frame; P = 0 when nobody is in view."""

    world: np.ndarray  # (P, 25, 3) float32, metres, Kinect convention, travel included
    image: np.ndarray  # (P, 25, 2) float32, pixels in the frame as given (for drawing)
    visibility: np.ndarray  # (P, 25) float32 in [0, 1]
    track_ids: list[int] = field(default_factory=list)
    # (P, 33, 2) float32 MediaPipe landmarks in pixels of the real (unmirrored) view it saw: what
    # core.pose.landmarks turns into the skeleton the network scores
    landmarks: np.ndarray = field(kw_only=True)

    @property
    def people(self) -> int:
        return len(self.track_ids)

    @classmethod
    def empty(cls) -> FramePose:
        return cls(
            world=np.zeros((0, NUM_JOINTS, 3), np.float32),
            image=np.zeros((0, NUM_JOINTS, 2), np.float32),
            visibility=np.zeros((0, NUM_JOINTS), np.float32),
            landmarks=np.zeros((0, NUM_LANDMARKS, 2), np.float32),
        )


@dataclass(frozen=True)
class PreparedFrame:
    """A frame made ready for MediaPipe: RGB, contiguous, downscaled, flipped if mirrored."""

    rgb: np.ndarray
    original_size: tuple[int, int]  # (width, height) of the frame as given


@dataclass
class StageTimes:
    """Seconds spent so far in each stage, for benchmarks and live frame-rate displays."""

    frames: int = 0
    pose_s: float = 0.0
    mapping_s: float = 0.0


def check_frame(frame: np.ndarray) -> None:
    """Refuse, with a readable reason, anything that is not an image frame of sensible size."""
    if not isinstance(frame, np.ndarray):
        raise PoseInputError(f"a frame must be a numpy array, got {type(frame).__name__}")
    if frame.dtype != np.uint8:
        raise PoseInputError(f"a frame must hold uint8 pixels, got {frame.dtype}")
    if not (frame.ndim == 2 or (frame.ndim == 3 and frame.shape[2] in (1, 3, 4))):
        raise PoseInputError(
            f"a frame must be (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), got {frame.shape}"
        )
    height, width = frame.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise PoseInputError(f"frame of {width}x{height} pixels is too small to find a person in")
    if height * width > limits.MAX_FRAME_PIXELS:
        raise PoseInputError(frame_too_large(width, height))


def frame_too_large(width: int, height: int) -> str:
    return (f"frame of {width}x{height} pixels is too large (over {limits.MAX_FRAME_PIXELS:,} pixels, "
            f"${limits.env_name('MAX_FRAME_PIXELS')})")


def to_rgb(frame: np.ndarray, bgr: bool = False) -> np.ndarray:
    """(H, W, 3) RGB from a checked grey, RGB(A) or BGR(A) frame."""
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[:, :, 0]
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2RGB if bgr else cv2.COLOR_RGBA2RGB)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if bgr else frame


@dataclass(frozen=True)
class _Person:
    """One MediaPipe pose: normalised image points, visibilities and hip-centred world points."""

    normalised: np.ndarray  # (33, 2) in [0, 1] of the view MediaPipe saw
    visibility: np.ndarray  # (33,)
    world: np.ndarray  # (33, 3) metres, MediaPipe axes

    @classmethod
    def from_result(cls, image_landmarks, world_landmarks) -> _Person:
        return cls(
            normalised=np.array([(p.x, p.y) for p in image_landmarks], dtype=np.float32),
            visibility=np.array([p.visibility or 0.0 for p in image_landmarks], dtype=np.float32),
            world=np.array([(p.x, p.y, p.z) for p in world_landmarks], dtype=np.float32),
        )

    def torso(self, width: int, height: int) -> tuple[np.ndarray, float]:
        """Centre and length of the torso in pixels."""
        return torso_of(self.normalised * np.float32([width, height]))

    def box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """Pixel box around the person, widened by MASK_MARGIN of its size on every side."""
        return grown_box(self.normalised * np.float32([width, height]), MASK_MARGIN, width, height)

    @property
    def looks_visible(self) -> bool:
        """Whether its skeleton's joints are, on average, more likely visible than hidden (MIN_PERSON_VISIBILITY)."""
        return float(np.clip(visibility_to_ntu(self.visibility), 0.0, 1.0).mean()) >= MIN_PERSON_VISIBILITY

    def same_as(self, other: _Person, width: int, height: int) -> bool:
        centre, torso = self.torso(width, height)
        other_centre, other_torso = other.torso(width, height)
        distance = float(np.linalg.norm(centre - other_centre))
        return distance < SAME_PERSON_TORSOS * max(torso, other_torso, 1.0)


def _followed_person(landmarker, rgb: np.ndarray, timestamp_ms: int) -> _Person | None:
    """The one person a one-pose landmarker follows in a frame, or None."""
    import mediapipe as mp

    result = landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), timestamp_ms)
    if not result.pose_landmarks:
        return None
    return _Person.from_result(result.pose_landmarks[0], result.pose_world_landmarks[0])


def _visible_person(landmarker, rgb: np.ndarray, timestamp_ms: int) -> _Person | None:
    """The person a landmarker follows, when it is mostly visible (what the stand-in reports)."""
    person = _followed_person(landmarker, rgb, timestamp_ms)
    return person if person is not None and person.looks_visible else None


class PoseTracker:
    """MediaPipe PoseLandmarker for one stream, returning NTU-25 skeletons per frame.

    ``mirrored``: the frames are mirror views (NTU's RGB videos, a browser webcam preview);
    each is flipped before estimation so left and right come out as the person's own, and the
    2D coordinates are flipped back to the frame as given.

    Several people: one landmarker asked for two poses misses the second of two people standing
    side by side (its tracking box for the first person swallows the second's detection). So
    each person gets a one-pose landmarker of their own, and each landmarker sees the frame with
    the people already found by the previous ones greyed out. A result rated mostly hidden
    (MIN_PERSON_VISIBILITY) is greyed out all the same but not reported as a person. When the
    first landmarker loses the person it followed, a low-gate stand-in follows them through the
    gap (core.pose.stand_in).
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
        self.times = StageTimes()
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path or ensure_pose_model())),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1,
        )
        with native_stderr_captured():
            self._landmarkers = [
                vision.PoseLandmarker.create_from_options(options) for _ in range(max_people)
            ]
        self._following = [False] * max_people  # which landmarkers had someone last time
        self._first_found_visible = False  # the first landmarker's result was a person last time
        stand_in_options = replace(options, min_pose_presence_confidence=STAND_IN_PRESENCE)

        def make_stand_in():
            with native_stderr_captured():
                return vision.PoseLandmarker.create_from_options(stand_in_options)

        self._stand_in: StandIn[_Person] = StandIn(make_stand_in, _visible_person)
        self._identities = IdentityTracker()
        self._travel = TravelMemory(FORGET_AFTER_MS)
        self._last_timestamp_ms: int | None = None

    @property
    def stand_in_starts(self) -> int:
        """How many times a lost person's stand-in was started (benchmarks read its cost)."""
        return self._stand_in.starts

    def __enter__(self) -> PoseTracker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        for landmarker in self._landmarkers:
            landmarker.close()
        self._landmarkers = []
        self._stand_in.stop()

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
        if not self._landmarkers:
            raise RuntimeError("this PoseTracker is closed; create a new one per video or session")
        timestamp_ms = int(timestamp_ms)
        if self._last_timestamp_ms is not None and timestamp_ms <= self._last_timestamp_ms:
            raise PoseInputError(
                f"timestamps must strictly increase: {timestamp_ms} ms came after "
                f"{self._last_timestamp_ms} ms"
            )
        self._last_timestamp_ms = timestamp_ms
        start = time.perf_counter()
        if self.times.frames == 0:
            with native_stderr_captured():  # the first frame prints a few more native warnings
                people = self._find_people(prepared.rgb, timestamp_ms)
        else:
            people = self._find_people(prepared.rgb, timestamp_ms)
        found = time.perf_counter()
        people = [person for person in people if person.looks_visible]
        if people:
            pose = self._to_frame_pose(people, prepared.original_size, timestamp_ms)
        else:
            self._identities.assign(np.zeros((0, 2)), np.zeros(0), timestamp_ms)
            pose = FramePose.empty()
        self.times.frames += 1
        self.times.pose_s += found - start
        self.times.mapping_s += time.perf_counter() - found
        return pose

    def _find_people(self, rgb: np.ndarray, timestamp_ms: int) -> list[_Person]:
        """Run the landmarkers in turn, each on the frame with the people found so far greyed."""
        height, width = rgb.shape[:2]
        searching = self.times.frames % SEARCH_EVERY == 0
        people: list[_Person] = []
        view = rgb
        first_was_found = self._first_found_visible
        self._first_found_visible = False
        for index, landmarker in enumerate(self._landmarkers):
            if not (index == 0 or self._following[index] or searching):
                continue
            person = _followed_person(landmarker, view, timestamp_ms)
            self._following[index] = person is not None
            if person is None:
                continue
            if index == 0:
                self._first_found_visible = person.looks_visible
            if any(person.same_as(other, width, height) for other in people):
                continue
            people.append(person)
            if index + 1 < len(self._landmarkers):
                view = view.copy() if view is rgb else view
                x0, y0, x1, y1 = person.box(width, height)
                view[y0:y1, x0:x1] = MASK_GREY
        if self._following[0]:
            self._stand_in.stop()
        lost = first_was_found and not self._following[0]
        stand_in = self._stand_in.follow(rgb, timestamp_ms, lost)
        if stand_in is not None:
            if any(stand_in.same_as(other, width, height) for other in people):
                self._stand_in.stop()  # another landmarker has them again
            else:
                people.append(stand_in)
        return people

    def _to_frame_pose(
        self, people: list[_Person], original_size: tuple[int, int], timestamp_ms: int
    ) -> FramePose:
        width, height = original_size
        focal = focal_length_px(width, self.horizontal_fov_deg)
        center = (width / 2, height / 2)
        # Pixels in the view MediaPipe saw (flipped when mirrored), at the original resolution.
        seen = np.stack([person.normalised for person in people]) * np.float32([width, height])
        visibility = np.stack([person.visibility for person in people])
        world = np.stack([person.world for person in people])
        torsos = [person.torso(width, height) for person in people]
        centres = np.stack([centre for centre, _ in torsos])
        lengths = np.array([length for _, length in torsos])
        track_ids = self._identities.assign(centres, lengths, timestamp_ms)
        for index, track in enumerate(track_ids):
            shift = self._travel.translation(
                track, timestamp_ms, world[index], seen[index], visibility[index], focal, center
            )
            if shift is not None:
                world[index] += shift
        image = seen.copy()
        if self.mirrored:
            image[..., 0] = width - image[..., 0]

        return FramePose(
            world=landmarks_to_ntu(world_to_kinect(world)),
            image=landmarks_to_ntu(image),
            visibility=np.clip(visibility_to_ntu(visibility), 0.0, 1.0),
            track_ids=track_ids,
            landmarks=seen,
        )
