"""Biovision Hierarchy (BVH) motion files: parsing and forward kinematics.

Rotation channels are applied in the order the file lists them (intrinsic), so a joint with
``Zrotation Xrotation Yrotation`` has the local rotation Rz @ Rx @ Ry. A joint's position
channels, when present, replace its OFFSET as the translation from its parent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.data.sample import MalformedFileError


@dataclass
class BvhMotion:
    names: list[str]
    parents: list[int]  # -1 for the root
    offsets: np.ndarray  # (J, 3)
    channels: list[list[str]]
    frame_time: float
    values: np.ndarray  # (T, total channels)

    @property
    def fps(self) -> float:
        return round(1.0 / self.frame_time, 3)

    def positions(self) -> dict[str, np.ndarray]:
        """Global (T, 3) position of every joint, in the file's units and axes."""
        frames = len(self.values)
        rotations: list[np.ndarray] = []
        positions: dict[str, np.ndarray] = {}
        column = 0
        for joint, (name, parent) in enumerate(zip(self.names, self.parents)):
            local_rotation = np.broadcast_to(np.eye(3), (frames, 3, 3))
            translation = np.broadcast_to(self.offsets[joint], (frames, 3)).copy()
            for channel in self.channels[joint]:
                value = self.values[:, column]
                column += 1
                axis = "XYZ".index(channel[0])
                if channel.endswith("position"):
                    translation[:, axis] = value
                else:
                    local_rotation = local_rotation @ axis_rotation(axis, np.radians(value))
            if parent < 0:
                rotations.append(local_rotation)
                positions[name] = translation
            else:
                parent_rotation = rotations[parent]
                positions[name] = positions[self.names[parent]] + np.einsum(
                    "tij,tj->ti", parent_rotation, translation
                )
                rotations.append(parent_rotation @ local_rotation)
        return positions


def axis_rotation(axis: int, angles: np.ndarray) -> np.ndarray:
    """(N, 3, 3) right-handed rotations by ``angles`` (radians) about axis 0, 1 or 2 (X, Y, Z)."""
    cos, sin = np.cos(angles), np.sin(angles)
    matrices = np.zeros((len(angles), 3, 3))
    a, b = [(1, 2), (2, 0), (0, 1)][axis]
    matrices[:, axis, axis] = 1.0
    matrices[:, a, a] = cos
    matrices[:, a, b] = -sin
    matrices[:, b, a] = sin
    matrices[:, b, b] = cos
    return matrices


def read_bvh(path: Path) -> BvhMotion:
    """Parse a BVH file; a truncated or inconsistent one raises MalformedFileError."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise MalformedFileError(path, f"cannot be read ({error})") from error
    head, separator, motion = text.partition("MOTION")
    if not separator:
        raise MalformedFileError(path, "has no MOTION section (truncated?)")
    names, parents, offsets, channels = _parse_hierarchy(path, head.split())
    lines = [line for line in motion.splitlines() if line.strip()]
    try:
        frame_count = int(lines[0].split(":")[1])
        frame_time = float(lines[1].split(":")[1])
        values = np.array([[float(v) for v in line.split()] for line in lines[2:]])
    except (IndexError, ValueError) as error:
        raise MalformedFileError(path, f"has an unreadable MOTION section ({error})") from error
    width = sum(len(c) for c in channels)
    if frame_count <= 0 or len(values) != frame_count or values.ndim != 2 or values.shape[1] != width:
        raise MalformedFileError(
            path, f"declares {frame_count} frames of {width} channels but holds "
            f"{len(values)} rows of {values.shape[1] if values.ndim == 2 else 'uneven'} values "
            "(truncated?)",
        )
    if not np.isfinite(values).all() or not frame_time > 0:
        raise MalformedFileError(path, "contains NaN/infinite values or a bad frame time")
    return BvhMotion(names, parents, np.asarray(offsets), channels, frame_time, values)


def _parse_hierarchy(
    path: Path, tokens: list[str]
) -> tuple[list[str], list[int], list[list[float]], list[list[str]]]:
    names: list[str] = []
    parents: list[int] = []
    offsets: list[list[float]] = []
    channels: list[list[str]] = []
    stack: list[int] = []
    position = 0
    try:
        while position < len(tokens):
            token = tokens[position]
            if token in ("ROOT", "JOINT"):
                names.append(tokens[position + 1])
                parents.append(stack[-1] if stack else -1)
                offsets.append([0.0, 0.0, 0.0])
                channels.append([])
                position += 2
            elif token == "End":  # an end site has no channels and no children: skip it
                position = tokens.index("}", position) + 1
            elif token == "{":
                stack.append(len(names) - 1)
                position += 1
            elif token == "}":
                stack.pop()
                position += 1
            elif token == "OFFSET":
                offsets[-1] = [float(v) for v in tokens[position + 1:position + 4]]
                position += 4
            elif token == "CHANNELS":
                count = int(tokens[position + 1])
                channels[-1] = tokens[position + 2:position + 2 + count]
                position += 2 + count
            else:
                position += 1
    except (IndexError, ValueError) as error:
        raise MalformedFileError(path, f"has a malformed HIERARCHY ({error})") from error
    if not names or stack:
        raise MalformedFileError(path, "has an empty or unbalanced HIERARCHY")
    return names, parents, offsets, channels
