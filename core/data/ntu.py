"""Reader for NTU RGB+D raw ``.skeleton`` files (Kinect v2, 25 joints, up to six bodies).

A file lists, frame by frame, every body the Kinect tracked, with 3D camera coordinates, depth-
and colour-image pixel coordinates, joint orientations and tracking states. Models want a fixed
two-body array instead, so the reader follows each body by its Kinect id and keeps the two most
active actors, as the common NTU preprocessing pipelines do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.skeleton.layout import MAX_BODIES, NUM_JOINTS
from core.skeleton.slots import assign_slots

# Denoising thresholds of the common NTU preprocessing (e.g. CTR-GCN's get_raw_denoised_data).
NOISE_MAX_FRAMES = 11
NOISE_SPREAD_RATIO = 0.8
NOISE_WIDE_SHARE = 0.69
_FIELDS_PER_JOINT = 12  # x y z depthX depthY colorX colorY orientW orientX orientY orientZ state
_FIELDS_PER_BODY = 10
_NAME_PATTERN = re.compile(r"S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})")


def parse_ntu_name(name: str) -> tuple[int, int, int, int, int] | None:
    """Setup, camera, performer, replication and 1-based action id from an NTU file name."""
    match = _NAME_PATTERN.search(name)
    return tuple(int(group) for group in match.groups()) if match else None  # type: ignore[return-value]


class NtuFormatError(ValueError):
    """A file that is not a readable NTU skeleton file; the message says where and why."""


@dataclass(frozen=True)
class NtuBody:
    """One body (one Kinect tracking id) over the frames in which it appears."""

    body_id: int
    frames: np.ndarray  # (K,) frame indices
    joints: np.ndarray  # (K, 25, 3) camera space, metres
    depth: np.ndarray  # (K, 25, 2) depth-image pixels (512x424)
    color: np.ndarray  # (K, 25, 2) colour-image pixels (1920x1080)
    orientation: np.ndarray  # (K, 25, 4) joint orientation quaternion w, x, y, z
    joint_tracking: np.ndarray  # (K, 25) 0 not tracked, 1 inferred, 2 tracked
    clipped_edges: np.ndarray  # (K,) bit mask of frame edges cutting the body
    hand_confidence: np.ndarray  # (K, 2) left, right
    hand_state: np.ndarray  # (K, 2) left, right
    restricted: np.ndarray  # (K,) bool
    lean: np.ndarray  # (K, 2) x, y
    tracking_state: np.ndarray  # (K,)

    @property
    def motion(self) -> float:
        """Total temporal variance of the joints: people acting move, furniture mistaken for a
        body does not."""
        if len(self.frames) < 2:
            return 0.0
        return float(self.joints.var(axis=0).sum())


@dataclass(frozen=True)
class NtuSkeleton:
    """A whole file: every body as recorded, plus the two chosen actors as fixed arrays."""

    name: str
    num_frames: int
    bodies: tuple[NtuBody, ...]
    joints: np.ndarray  # (2, T, 25, 3) float32; zeros where an actor is absent
    color: np.ndarray  # (2, T, 25, 2) float32 colour-image pixels
    depth: np.ndarray  # (2, T, 25, 2) float32 depth-image pixels
    joint_tracking: np.ndarray  # (2, T, 25) int8
    actor_ids: tuple[tuple[int, ...], ...]  # the body ids merged into each actor slot
    setup: int | None = None
    camera: int | None = None
    performer: int | None = None
    replication: int | None = None
    action: int | None = None  # 1-based NTU-120 class id

    @property
    def num_actors(self) -> int:
        return sum(1 for ids in self.actor_ids if ids)


class _Lines:
    """Line cursor that turns running out of lines or bad numbers into NtuFormatError."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.index = 0

    def next(self, what: str) -> str:
        while self.index < len(self.lines) and not self.lines[self.index].strip():
            self.index += 1  # tolerate blank lines (trailing newlines, CRLF leftovers)
        if self.index >= len(self.lines):
            raise NtuFormatError(f"{self.path}: file ends early, expected {what}")
        self.index += 1
        return self.lines[self.index - 1]

    def integer(self, what: str) -> int:
        line = self.next(what)
        try:
            return int(line.split()[0])
        except ValueError:
            raise self.error(f"expected {what}, found {line.strip()[:40]!r}") from None

    def numbers(self, count: int, width: int, what: str) -> np.ndarray:
        rows = [self.next(what) for _ in range(count)]
        try:
            values = np.array(" ".join(rows).split(), dtype=np.float64)
        except ValueError:
            raise self.error(f"non-numeric value in {what}") from None
        if values.size != count * width:
            raise self.error(f"expected {width} numbers per line in {what}")
        return values.reshape(count, width)

    def error(self, message: str) -> NtuFormatError:
        return NtuFormatError(f"{self.path}, line {self.index}: {message}")


class _BodyTrack:
    """Accumulates one body id's per-frame records while the file is read."""

    def __init__(self, body_id: int) -> None:
        self.body_id = body_id
        self.frames: list[int] = []
        self.info: list[np.ndarray] = []
        self.joints: list[np.ndarray] = []

    def freeze(self) -> NtuBody:
        info = np.stack(self.info)
        joints = np.stack(self.joints)
        return NtuBody(
            body_id=self.body_id,
            frames=np.asarray(self.frames, dtype=np.int64),
            joints=joints[..., 0:3].astype(np.float32),
            depth=joints[..., 3:5].astype(np.float32),
            color=joints[..., 5:7].astype(np.float32),
            orientation=joints[..., 7:11].astype(np.float32),
            joint_tracking=joints[..., 11].astype(np.int8),
            clipped_edges=info[:, 0].astype(np.int64),
            hand_confidence=info[:, [1, 3]].astype(np.int8),
            hand_state=info[:, [2, 4]].astype(np.int8),
            restricted=info[:, 5].astype(bool),
            lean=info[:, 6:8].astype(np.float32),
            tracking_state=info[:, 8].astype(np.int8),
        )


def _parse_bodies(path: Path, text: str) -> tuple[int, list[NtuBody]]:
    lines = _Lines(path, text)
    num_frames = lines.integer("the frame count")
    if num_frames < 0:
        raise lines.error(f"negative frame count {num_frames}")
    tracks: dict[int, _BodyTrack] = {}
    for frame in range(num_frames):
        num_bodies = lines.integer(f"the body count of frame {frame}")
        for _ in range(num_bodies):
            header = lines.next(f"a body header in frame {frame}").split()
            if len(header) != _FIELDS_PER_BODY:
                raise lines.error(
                    f"body header has {len(header)} fields, expected {_FIELDS_PER_BODY}"
                )
            try:
                body_id = int(header[0])
                info = np.array(header[1:], dtype=np.float64)
            except ValueError:
                raise lines.error("non-numeric body header") from None
            num_joints = lines.integer(f"the joint count in frame {frame}")
            if num_joints != NUM_JOINTS:
                raise lines.error(f"{num_joints} joints, expected {NUM_JOINTS} (Kinect v2)")
            joints = lines.numbers(num_joints, _FIELDS_PER_JOINT, f"the joints of frame {frame}")
            track = tracks.setdefault(body_id, _BodyTrack(body_id))
            if track.frames and track.frames[-1] == frame:
                raise lines.error(f"body {body_id} appears twice in frame {frame}")
            track.frames.append(frame)
            track.info.append(info)
            track.joints.append(joints)
    return num_frames, [track.freeze() for track in tracks.values()]


def looks_like_noise(body: NtuBody) -> bool:
    """Kinect's false bodies (furniture, reflections): tracked only for a moment, or wider
    than tall in most of their frames. These are the usual NTU denoising rules."""
    if len(body.frames) <= NOISE_MAX_FRAMES:
        return True
    spread = body.joints.max(axis=1) - body.joints.min(axis=1)  # (K, 3)
    wide = spread[:, 0] > NOISE_SPREAD_RATIO * spread[:, 1]
    return bool(wide.mean() > NOISE_WIDE_SHARE)


def choose_actors(bodies: list[NtuBody] | tuple[NtuBody, ...]) -> list[list[NtuBody]]:
    """Group bodies into at most two actors, most active first.

    Bodies that look like noise are dropped unless nothing else is left. The most moving body
    becomes the first actor. Kinect sometimes loses a person and picks them up again under a new
    id, so a less active body that never shares a frame with an actor is appended to that
    actor; one that overlaps both actors is left out.
    """
    candidates = [body for body in bodies if not looks_like_noise(body)] or list(bodies)
    order = sorted(range(len(candidates)), key=lambda i: candidates[i].motion, reverse=True)
    frames_of = {i: set(candidates[i].frames.tolist()) for i in order}
    return [[candidates[i] for i in slot] for slot in assign_slots(order, frames_of, MAX_BODIES)]


def read_skeleton(path: str | Path) -> NtuSkeleton:
    """Parse a raw NTU ``.skeleton`` file into all its bodies and the two chosen actors."""
    path = Path(path)
    if not path.is_file():
        raise NtuFormatError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="ascii")
    except UnicodeDecodeError:
        raise NtuFormatError(f"{path}: not a text file, so not an NTU .skeleton file") from None
    num_frames, bodies = _parse_bodies(path, text)
    actors = choose_actors(bodies)

    joints = np.zeros((MAX_BODIES, num_frames, NUM_JOINTS, 3), dtype=np.float32)
    color = np.zeros((MAX_BODIES, num_frames, NUM_JOINTS, 2), dtype=np.float32)
    depth = np.zeros((MAX_BODIES, num_frames, NUM_JOINTS, 2), dtype=np.float32)
    tracking = np.zeros((MAX_BODIES, num_frames, NUM_JOINTS), dtype=np.int8)
    for slot, actor in enumerate(actors):
        for body in actor:
            joints[slot, body.frames] = body.joints
            color[slot, body.frames] = body.color
            depth[slot, body.frames] = body.depth
            tracking[slot, body.frames] = body.joint_tracking
    actor_ids = tuple(tuple(body.body_id for body in actor) for actor in actors)
    actor_ids += ((),) * (MAX_BODIES - len(actor_ids))

    setup, camera, performer, replication, action = parse_ntu_name(path.name) or (None,) * 5
    return NtuSkeleton(
        name=path.name.split(".")[0],
        num_frames=num_frames,
        bodies=tuple(bodies),
        joints=joints,
        color=color,
        depth=depth,
        joint_tracking=tracking,
        actor_ids=actor_ids,
        setup=setup,
        camera=camera,
        performer=performer,
        replication=replication,
        action=action,
    )
