"""Geometric and temporal transforms of NTU-25 skeleton sequences.

Every function accepts one body ``(T, 25, 3)`` or several ``(M, T, 25, 3)`` and returns the same
rank. Frames where a body is all zeros mean "not present" and stay zeros, as in NTU's files.
"""

from __future__ import annotations

import numpy as np

from core.skeleton.layout import JOINT, JOINT_NAMES, KINEMATIC_TREE, MIRROR_PERMUTATION, NUM_JOINTS

_EPS = 1e-6
# The feet decide which way a body faces when their mean forward reach is at least this share
# of the hip-plus-shoulder line's length (both on the ground plane).
FACING_FEET_MIN = 0.1
# ``levelled`` stands a body's long axis up only when it leans less than this from vertical: a
# standing person seen by a tilted camera or rebuilt with a tilted depth, not a lying or falling one.
LEVEL_MAX_TILT_DEG = 35.0
# ...measured over the frames where the body is most stretched out (this share of them).
LEVEL_FRAME_SHARE = 0.2


def as_bodies(sequence: np.ndarray) -> np.ndarray:
    """View a sequence as ``(M, T, 25, 3)`` float32, validating its shape."""
    array = np.asarray(sequence, dtype=np.float32)
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[-2:] != (NUM_JOINTS, 3):
        raise ValueError(
            f"expected a skeleton of shape (T, 25, 3) or (M, T, 25, 3), got {np.shape(sequence)}"
        )
    return array


def _like_input(bodies: np.ndarray, sequence: np.ndarray) -> np.ndarray:
    return bodies[0] if np.ndim(sequence) == 3 else bodies


def present_frames(bodies: np.ndarray) -> np.ndarray:
    """Boolean ``(M, T)``: which frames hold a tracked body."""
    return np.abs(bodies).sum(axis=(-1, -2)) > _EPS


def _facing_right_axis(main: np.ndarray) -> np.ndarray | None:
    """Unit ground-plane direction of the body's right side, or None when it has none.

    MediaPipe swaps the left and right labels on some frames of a side view, which flips that
    frame's hip and shoulder lines. So the axis is the principal direction of the per-frame lines
    projected on the ground (blind to their sign), and its sign comes from a cue that a swap
    leaves alone: the feet point forward. Where the feet say nothing (lying on the back, toes up)
    the sign most frames agree with decides.
    """
    lines = (
        main[:, JOINT["right_hip"]] - main[:, JOINT["left_hip"]]
        + main[:, JOINT["right_shoulder"]] - main[:, JOINT["left_shoulder"]]
    )[:, [0, 2]].astype(np.float64)
    scatter = lines.T @ lines
    values, vectors = np.linalg.eigh(scatter)
    if values[1] < _EPS:
        return None
    axis = vectors[:, 1]
    feet = (
        main[:, JOINT["left_foot"]] - main[:, JOINT["left_ankle"]]
        + main[:, JOINT["right_foot"]] - main[:, JOINT["right_ankle"]]
    )[:, [0, 2]].astype(np.float64)
    # Kinect convention: with right = (x, z) on the ground, forward (towards the camera for a
    # body facing it) is (z, -x), the cross product of up and right.
    forward = np.array([axis[1], -axis[0]])
    along = feet.mean(axis=0).dot(forward)
    if abs(along) > FACING_FEET_MIN * np.sqrt(values[1] / len(lines)):
        sign = np.sign(along)
    else:
        sign = np.sign((lines @ axis).sum()) or 1.0
    return axis * sign


def body_frame(sequence: np.ndarray, face_camera: bool = True) -> tuple[np.ndarray, np.ndarray] | None:
    """Origin and rotation that make the first body face the camera, keeping the camera's up.

    Only the rotation about the vertical (Y) axis is removed: a push-up stays horizontal, a fall
    keeps its tilt. One rigid transform for the whole clip keeps the motion (turns, travel)
    intact. Without ``face_camera`` the rotation is the identity (the camera's view is kept).
    Returns None when no frame holds a body.
    """
    bodies = as_bodies(sequence)
    main = bodies[0][present_frames(bodies)[0]]
    if len(main) == 0:
        return None
    origin = main[0, JOINT["spine_mid"]].astype(np.float32)
    right = _facing_right_axis(main) if face_camera else None
    if right is None:
        return origin, np.eye(3, dtype=np.float32)
    x, z = right
    rotation = np.array([[x, 0.0, z], [0.0, 1.0, 0.0], [-z, 0.0, x]], dtype=np.float32)
    return origin, rotation


def torso_length(sequence: np.ndarray) -> float:
    """Mean spine length (base to shoulder) of the first body, the unit of body size."""
    bodies = as_bodies(sequence)
    main = bodies[0][present_frames(bodies)[0]]
    if len(main) == 0:
        return 0.0
    spine = main[:, JOINT["spine_shoulder"]] - main[:, JOINT["spine_base"]]
    return float(np.linalg.norm(spine, axis=-1).mean())


def normalize(sequence: np.ndarray, unit_scale: bool = False, face_camera: bool = True) -> np.ndarray:
    """Centre on the first frame's spine and turn about the vertical to face the camera.

    Gravity stays: the camera's Y axis is kept as up, so lying, bending and falling bodies look
    it. Idempotent: the normalised body already has its origin at zero and faces the camera.
    With ``unit_scale`` the torso length becomes 1, which removes the subject's size. Without
    ``face_camera`` the body keeps the camera's view of it (for a network that sees the image
    plane only, where turning a side view to the front would need the depth it does not trust).
    """
    bodies = as_bodies(sequence)
    frame = body_frame(bodies, face_camera)
    if frame is None:
        return _like_input(bodies.copy(), sequence)
    origin, rotation = frame
    present = present_frames(bodies)[..., None, None]
    out = (bodies - origin) @ rotation.T
    if unit_scale:
        length = torso_length(out)
        if length > _EPS:
            out = out / length
    out = np.where(present, out, 0.0).astype(np.float32)
    return _like_input(out, sequence)


def mirror(sequence: np.ndarray) -> np.ndarray:
    """Left/right mirror: negate X and swap each left joint with its right twin.

    A mirrored left hand wave becomes a right hand wave, so labels must be swapped by the caller.
    """
    bodies = as_bodies(sequence)
    out = bodies[:, :, MIRROR_PERMUTATION].copy()
    out[..., 0] *= -1.0
    return _like_input(out, sequence)


def retarget(sequence: np.ndarray, lengths: dict[str, float]) -> np.ndarray:
    """Give every body the same bones: each keeps its direction and gets ``lengths[child]``.

    Rebuilt from the spine base (which keeps its place) outwards along ``KINEMATIC_TREE``, so a
    pose and its motion stay and only the proportions change. A bone of no length (a joint on its
    parent) stays so. Absent frames stay zeros.
    """
    bodies = as_bodies(sequence).astype(np.float64)
    out = bodies.copy()
    for child, parent in KINEMATIC_TREE:
        bone = bodies[..., child, :] - bodies[..., parent, :]
        norm = np.linalg.norm(bone, axis=-1, keepdims=True)
        unit = np.where(norm > _EPS, bone / np.maximum(norm, _EPS), 0.0)
        out[..., child, :] = out[..., parent, :] + lengths[JOINT_NAMES[child]] * unit
    out = np.where(present_frames(bodies)[..., None, None], out, 0.0).astype(np.float32)
    return _like_input(out, sequence)


def _turning_onto_up(direction: np.ndarray) -> np.ndarray | None:
    """The rotation taking the unit ``direction`` onto +Y by the shortest way (Rodrigues), or None
    when it already points straight up."""
    turn = np.cross(direction, [0.0, 1.0, 0.0])  # sin(angle) times the unit rotation axis
    sine = np.linalg.norm(turn)
    if sine < _EPS:
        return None
    cross = np.array([[0.0, -turn[2], turn[1]], [turn[2], 0.0, -turn[0]], [-turn[1], turn[0], 0.0]])
    return np.eye(3) + cross + cross @ cross * ((1.0 - direction[1]) / sine**2)


def _levelling(main: np.ndarray, max_tilt_deg: float) -> np.ndarray | None:
    """The rotation that stands ``main`` (one body's present frames) up, or None when it should keep its tilt."""
    feet = (main[:, JOINT["left_ankle"]] + main[:, JOINT["right_ankle"]]) / 2
    axes = main[:, JOINT["spine_shoulder"]] - feet
    lengths = np.linalg.norm(axes, axis=1)
    longest = axes[lengths >= np.quantile(lengths, 1.0 - LEVEL_FRAME_SHARE)].mean(axis=0)
    norm = np.linalg.norm(longest)
    if norm < _EPS:
        return None
    axis = longest / norm
    if np.degrees(np.arccos(np.clip(axis[1], -1.0, 1.0))) >= max_tilt_deg:
        return None
    return _turning_onto_up(axis)


def levelled(sequence: np.ndarray, max_tilt_deg: float = LEVEL_MAX_TILT_DEG) -> np.ndarray:
    """Every body turned so that the first one's long axis is vertical, when it leans less than ``max_tilt_deg``.

    The long axis runs from between the ankles to the top of the spine, over the frames where it
    is longest (the body most upright). A person standing in front of a phone comes out leaning
    10-25 degrees after the lifter rebuilds the depth (measured on the real clips; MediaPipe's
    own world landmarks lean less), and Kinect cameras look down at their subjects: neither is
    the motion. A body whose axis leans more than the limit (lying, falling, a push-up) keeps
    its tilt, so gravity still tells those apart.
    """
    bodies = as_bodies(sequence)
    main = bodies[0][present_frames(bodies)[0]].astype(np.float64)
    rotation = _levelling(main, max_tilt_deg) if len(main) else None
    if rotation is None:
        return _like_input(bodies.copy(), sequence)
    return rotate(sequence, rotation)


def rotation_matrix(angles_rad: np.ndarray) -> np.ndarray:
    """Rotation about X, then Y, then Z by the given angles."""
    ax, ay, az = np.asarray(angles_rad, dtype=np.float64)
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    return (rz @ ry @ rx).astype(np.float32)


def rotate(sequence: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """Rotate every joint about the origin by a 3x3 matrix."""
    bodies = as_bodies(sequence)
    out = (bodies @ np.asarray(rotation, dtype=np.float32).T).astype(np.float32)
    return _like_input(out, sequence)


def resample(sequence: np.ndarray, length: int) -> np.ndarray:
    """Linearly interpolate to ``length`` frames (up- or down-sampling)."""
    if length < 1:
        raise ValueError(f"length must be at least 1, got {length}")
    bodies = as_bodies(sequence)
    frames = bodies.shape[1]
    if frames == 0:
        raise ValueError("cannot resample a sequence with no frames")
    if frames == 1:
        return _like_input(np.repeat(bodies, length, axis=1), sequence)
    position = np.linspace(0.0, frames - 1, length)
    lower = np.floor(position).astype(int)
    upper = np.minimum(lower + 1, frames - 1)
    weight = (position - lower).astype(np.float32)[None, :, None, None]
    out = bodies[:, lower] * (1.0 - weight) + bodies[:, upper] * weight
    return _like_input(out.astype(np.float32), sequence)
