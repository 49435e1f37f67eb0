"""Geometric and temporal transforms of NTU-25 skeleton sequences.

Every function accepts one body ``(T, 25, 3)`` or several ``(M, T, 25, 3)`` and returns the same
rank. Frames where a body is all zeros mean "not present" and stay zeros, as in NTU's files.
"""

from __future__ import annotations

import numpy as np

from core.skeleton.layout import JOINT, MIRROR_PERMUTATION, NUM_JOINTS

_EPS = 1e-6


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


def body_frame(sequence: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Origin and rotation that put the first body upright, facing the camera.

    The right axis averages the hip and shoulder lines and the up axis is the spine, both over
    all present frames, so a single rigid transform keeps the motion (turns, travel) intact.
    Returns None when no frame holds a body.
    """
    bodies = as_bodies(sequence)
    main = bodies[0][present_frames(bodies)[0]]
    if len(main) == 0:
        return None
    origin = main[0, JOINT["spine_mid"]]
    up = (main[:, JOINT["spine_shoulder"]] - main[:, JOINT["spine_base"]]).mean(axis=0)
    right = (
        main[:, JOINT["right_hip"]] - main[:, JOINT["left_hip"]]
        + main[:, JOINT["right_shoulder"]] - main[:, JOINT["left_shoulder"]]
    ).mean(axis=0)
    up_norm = np.linalg.norm(up)
    if up_norm < _EPS:
        return origin, np.eye(3, dtype=np.float32)
    up = up / up_norm
    right = right - right.dot(up) * up
    right_norm = np.linalg.norm(right)
    if right_norm < _EPS:
        return origin, np.eye(3, dtype=np.float32)
    right = right / right_norm
    rotation = np.stack([right, up, np.cross(right, up)]).astype(np.float32)
    return origin.astype(np.float32), rotation


def torso_length(sequence: np.ndarray) -> float:
    """Mean spine length (base to shoulder) of the first body, the unit of body size."""
    bodies = as_bodies(sequence)
    main = bodies[0][present_frames(bodies)[0]]
    if len(main) == 0:
        return 0.0
    spine = main[:, JOINT["spine_shoulder"]] - main[:, JOINT["spine_base"]]
    return float(np.linalg.norm(spine, axis=-1).mean())


def normalize(sequence: np.ndarray, unit_scale: bool = False) -> np.ndarray:
    """Centre on the first frame's spine and rotate upright, facing the camera.

    Idempotent: the normalised body already has its origin at zero and its axes aligned.
    With ``unit_scale`` the torso length becomes 1, which removes the subject's size.
    """
    bodies = as_bodies(sequence)
    frame = body_frame(bodies)
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
