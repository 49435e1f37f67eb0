"""Acclaim ASF skeletons and AMC motions (Vicon, CMU, HDM05): parsing and forward kinematics.

An ASF bone has a rest ``direction`` and ``length`` in its parent's frame, a local frame given by
``axis`` (three angles and their order) and the rotational ``dof`` its AMC values drive. The
rotations named in an order such as ``XYZ`` are applied about fixed axes in that order, so the
matrix is Rz @ Ry @ Rx; a bone's rotation in world space is R_parent @ C @ M @ C^-1 (C from the
axis, M from the frame's dof values) and its end point is the parent's end point plus that
rotation applied to direction * length. The root's ``order`` lists its AMC channels
(translations and rotations) and its rotation order alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.data.bvh import axis_rotation
from core.data.sample import MalformedFileError

INCH_M = 0.0254
_AXES = "XYZ"


@dataclass
class AsfBone:
    name: str
    direction: np.ndarray  # (3,) unit vector in the world frame at rest
    length: float  # ASF length units
    axis: np.ndarray  # (3,) angles of the bone's local frame
    axis_order: str  # e.g. "XYZ"
    dof: list[str]  # e.g. ["rx", "ry", "rz"], the order of this bone's AMC values


@dataclass
class AsfSkeleton:
    metres_per_unit: float
    degrees: bool
    root_order: list[str]  # e.g. ["TX", "TY", "TZ", "RX", "RY", "RZ"]
    root_axis: str
    root_orientation: np.ndarray
    bones: dict[str, AsfBone] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)  # "root" included

    def order(self) -> list[tuple[str, str]]:
        """(parent, bone) pairs, parents before their children."""
        pairs, pending = [], ["root"]
        while pending:
            parent = pending.pop(0)
            for child in self.children.get(parent, []):
                pairs.append((parent, child))
                pending.append(child)
        return pairs


def euler_matrices(angles: np.ndarray, order: str, degrees: bool = True) -> np.ndarray:
    """(T, 3, 3) rotations for (T, len(order)) angles applied about fixed axes in ``order``."""
    angles = np.radians(angles) if degrees else np.asarray(angles, dtype=np.float64)
    matrices = np.broadcast_to(np.eye(3), (len(angles), 3, 3))
    for column, axis in enumerate(order.upper()):
        matrices = axis_rotation(_AXES.index(axis), angles[:, column]) @ matrices
    return matrices


def _sections(path: Path, text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(":"):
            keyword, _, rest = line[1:].partition(" ")
            current = keyword.lower()
            sections[current] = [rest] if rest.strip() else []
        elif current is not None:
            sections[current].append(line)
    for needed in ("units", "root", "bonedata", "hierarchy"):
        if needed not in sections:
            raise MalformedFileError(path, f"has no :{needed} section")
    return sections


def _key_values(lines: list[str]) -> dict[str, list[str]]:
    return {parts[0].lower(): parts[1:] for parts in (line.split() for line in lines) if parts}


def _units(path: Path, lines: list[str]) -> tuple[float, bool]:
    """Metres per ASF length unit (``length 0.45`` means unit * (1 / 0.45) inches) and degrees."""
    values = _key_values(lines)
    try:
        length = float(values.get("length", ["1.0"])[0])
    except ValueError as error:
        raise MalformedFileError(path, f"has an unreadable :units length ({error})") from error
    if not length > 0:
        raise MalformedFileError(path, f":units length must be positive, not {length}")
    angle = values.get("angle", ["deg"])[0].lower()
    return INCH_M / length, angle.startswith("deg")


def _bone(path: Path, lines: list[str]) -> AsfBone:
    values = _key_values(lines)
    try:
        name = values["name"][0]
        direction = np.array([float(v) for v in values["direction"][:3]])
        length = float(values["length"][0])
        axis_fields = values.get("axis", ["0", "0", "0", "XYZ"])
        axis = np.array([float(v) for v in axis_fields[:3]])
        axis_order = axis_fields[3].upper()
    except (KeyError, IndexError, ValueError) as error:
        raise MalformedFileError(path, f"has a bone without name/direction/length/axis ({error!r})") from error
    dof = [d.lower() for d in values.get("dof", [])]
    if direction.shape != (3,) or sorted(axis_order) != list(_AXES) or any(
        d not in ("rx", "ry", "rz") for d in dof
    ):
        raise MalformedFileError(path, f"bone {name} has a bad direction, axis order or dof {dof}")
    norm = np.linalg.norm(direction)
    return AsfBone(name, direction / norm if norm > 0 else direction, length, axis, axis_order, dof)


def read_asf(path: Path) -> AsfSkeleton:
    """Parse an ASF file; a missing section or a broken bone raises MalformedFileError."""
    try:
        text = Path(path).read_text(encoding="latin-1")
    except OSError as error:
        raise MalformedFileError(path, f"cannot be read ({error})") from error
    sections = _sections(path, text)
    metres, degrees = _units(path, sections["units"])
    root = _key_values(sections["root"])
    try:
        skeleton = AsfSkeleton(
            metres, degrees, [c.upper() for c in root["order"]], root.get("axis", ["XYZ"])[0].upper(),
            np.array([float(v) for v in root.get("orientation", ["0", "0", "0"])[:3]]),
        )
    except (KeyError, ValueError) as error:
        raise MalformedFileError(path, f"has an unreadable :root ({error!r})") from error
    block: list[str] | None = None
    for line in sections["bonedata"]:
        if line == "begin":
            block = []
        elif line == "end" and block is not None:
            bone = _bone(path, block)
            skeleton.bones[bone.name] = bone
            block = None
        elif block is not None:
            block.append(line)
    for line in sections["hierarchy"]:
        parent, *children = line.split()
        if parent not in ("begin", "end"):
            skeleton.children[parent] = children
    named = {child for children in skeleton.children.values() for child in children}
    unknown = sorted((named | set(skeleton.children)) - set(skeleton.bones) - {"root"})
    if not skeleton.bones or "root" not in skeleton.children or unknown:
        raise MalformedFileError(path, f"has an empty or inconsistent hierarchy (unknown bones {unknown})")
    return skeleton


def read_amc(path: Path, skeleton: AsfSkeleton) -> dict[str, np.ndarray]:
    """Per bone (and "root") the (T, values) AMC channels, checked against the skeleton's dof."""
    try:
        lines = Path(path).read_text(encoding="latin-1").splitlines()
    except OSError as error:
        raise MalformedFileError(path, f"cannot be read ({error})") from error
    widths = {"root": len(skeleton.root_order)}
    widths.update({name: len(bone.dof) for name, bone in skeleton.bones.items() if bone.dof})
    frames: list[dict[str, list[float]]] = []
    for number, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts or line.startswith(("#", ":")):
            continue
        if len(parts) == 1 and parts[0].isdigit():
            frames.append({})
            continue
        name = parts[0]
        if not frames or name not in widths or len(parts) - 1 != widths[name]:
            raise MalformedFileError(path, f"line {number} ({name}) does not match the skeleton's dof")
        try:
            frames[-1][name] = [float(v) for v in parts[1:]]
        except ValueError as error:
            raise MalformedFileError(path, f"line {number} is not numeric") from error
    if not frames:
        raise MalformedFileError(path, "holds no frame")
    incomplete = [k for k, frame in enumerate(frames, start=1) if len(frame) != len(widths)]
    if incomplete:
        raise MalformedFileError(path, f"frame {incomplete[0]} lacks some bones (truncated?)")
    channels = {name: np.array([frame[name] for frame in frames]) for name in widths}
    if not all(np.isfinite(values).all() for values in channels.values()):
        raise MalformedFileError(path, "contains NaN or infinite values")
    return channels


def positions(skeleton: AsfSkeleton, channels: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """World (T, 3) positions in metres: "root" and the end point of every bone."""
    root = channels["root"]
    frames = len(root)
    order = skeleton.root_order
    translation = np.stack([root[:, order.index(f"T{a}")] for a in _AXES], axis=1)
    rotation_columns = [k for k, c in enumerate(order) if c.startswith("R")]
    root_axis = euler_matrices(skeleton.root_orientation[None], skeleton.root_axis, skeleton.degrees)
    motion = euler_matrices(root[:, rotation_columns], "".join(order[k][1] for k in rotation_columns),
                            skeleton.degrees)
    rotations = {"root": root_axis @ motion @ root_axis.transpose(0, 2, 1)}
    ends = {"root": translation * skeleton.metres_per_unit}
    for parent, name in skeleton.order():
        bone = skeleton.bones[name]
        axis = euler_matrices(bone.axis[None], bone.axis_order, skeleton.degrees)
        if bone.dof:
            local = euler_matrices(channels[name], "".join(d[1] for d in bone.dof), skeleton.degrees)
            local = axis @ local @ axis.transpose(0, 2, 1)
        else:
            local = np.broadcast_to(np.eye(3), (frames, 3, 3))
        rotations[name] = rotations[parent] @ local
        offset = bone.direction * bone.length * skeleton.metres_per_unit
        ends[name] = ends[parent] + rotations[name] @ offset
    return ends
