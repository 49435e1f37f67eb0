"""Training-time changes that make depth-sensor and motion-capture windows look like the app's input.

The app sees MediaPipe skeletons from one webcam; training sees Kinect and motion capture. Each
augmentation imitates one way MediaPipe's bodies differ, sized by what was measured on the one
clip filmed by both (core/pose/noise_profile.py), and fires with its own probability from the
window's generator, so a window stays reproducible from (seed, key). Windows are prepared
(core/model/inputs.py): torso-sized, facing the camera, gravity kept, so the camera's depth axis
is Z for a body that faced it (the depth noise assumes so). Frames without a body stay all zeros.
The wobble's correlation time was measured in frames at 30 frames/s and is applied in window
frames, whose duration varies with the clip.
"""

from __future__ import annotations

import numpy as np

from core.pose.noise_profile import (
    BIAS_TORSOS,
    DEPTH_NOISE_TORSOS,
    TRAVEL_DEPTH_SCALE_ERROR,
    WOBBLE_FRAMES,
    WOBBLE_TORSOS,
)
from core.skeleton.layout import JOINT
from core.skeleton.transforms import as_bodies, present_frames, rotate, rotation_matrix

MAX_TILT_RAD = 0.26  # about 15 degrees of pitch and roll: how far a webcam looks up or down, or leans
JOINT_NOISE_P = 0.5
DEPTH_NOISE_P = 0.5
HIP_CENTRED_P = 0.3
TRAVEL_LOST_P = 0.05  # per frame: the travel solver fails and the last translation is kept
TRAVEL_LOST_FRAMES = 5  # at most, per failure
DROPPED_FRAMES_P = 0.3
DROPPED_SHARE = 0.1  # of the frames, when a window has dropped frames
WAIST_UP_P = 0.15
SITTING_SHARE = 0.5  # of waist-up windows whose guessed legs sit rather than stand

_LEGS = {
    side: tuple(JOINT[f"{side}_{part}"] for part in ("hip", "knee", "ankle", "foot"))
    for side in ("left", "right")
}


def augment(window: np.ndarray, rng: np.random.Generator, max_tilt: float = MAX_TILT_RAD) -> np.ndarray:
    """One prepared window ``(M, T, 25, 3)`` as MediaPipe might have seen it, from any side."""
    bodies = as_bodies(window).copy()
    if rng.random() < WAIST_UP_P:
        bodies = guessed_legs(bodies, rng, sitting=rng.random() < SITTING_SHARE)
    if rng.random() < HIP_CENTRED_P:
        bodies = hip_centred_travel(bodies, rng)
    if rng.random() < JOINT_NOISE_P:
        bodies = joint_noise(bodies, rng)
    if rng.random() < DEPTH_NOISE_P:
        bodies = depth_noise(bodies, rng)
    if rng.random() < DROPPED_FRAMES_P:
        bodies = dropped_frames(bodies, rng)
    return rotate(bodies, random_view(rng, max_tilt))


def _only_present(changed: np.ndarray, bodies: np.ndarray) -> np.ndarray:
    """``changed`` where ``bodies`` hold a body, zeros (not present) elsewhere."""
    return np.where(present_frames(bodies)[..., None, None], changed, 0.0).astype(np.float32)


def random_view(rng: np.random.Generator, max_tilt: float = MAX_TILT_RAD) -> np.ndarray:
    """Any turn about the vertical, and pitch and roll of at most ``max_tilt``: a body stays lying
    or standing, seen from any side by a camera that may look a little up or down."""
    pitch, roll = rng.uniform(-max_tilt, max_tilt, size=2)
    turn = rotation_matrix(np.array([0.0, rng.uniform(-np.pi, np.pi), 0.0]))
    return turn @ rotation_matrix(np.array([pitch, 0.0, roll]))  # the turn last: it keeps the tilt


def joint_noise(bodies: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """MediaPipe's per-joint error: a constant offset per joint and a slow wobble (measured sizes)."""
    frames = bodies.shape[1]
    bias = rng.normal(size=bodies.shape[:1] + (1,) + bodies.shape[2:]) * np.float32(BIAS_TORSOS)[:, None]
    wobble = smooth_noise(rng, bodies.shape, WOBBLE_FRAMES) * np.float32(WOBBLE_TORSOS)[:, None]
    return _only_present(bodies + bias + wobble[:, :frames], bodies)


def smooth_noise(rng: np.random.Generator, shape: tuple[int, ...], half_correlation_frames: int) -> np.ndarray:
    """Unit-variance noise over axis 1 whose autocorrelation falls to one half at the given lag.

    White noise through a Gaussian kernel of width s has autocorrelation exp(-lag^2 / 4s^2).
    """
    width = max(half_correlation_frames / (2.0 * np.sqrt(np.log(2.0))), 1e-3)
    reach = int(np.ceil(3 * width))
    kernel = np.exp(-0.5 * (np.arange(-reach, reach + 1) / width) ** 2)
    kernel /= np.sqrt((kernel**2).sum())
    white = rng.normal(size=(shape[0], shape[1] + 2 * reach) + tuple(shape[2:]))
    smooth = np.apply_along_axis(lambda row: np.convolve(row, kernel, mode="valid"), 1, white)
    return smooth.astype(np.float32)


def depth_noise(bodies: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The extra error MediaPipe makes along the camera's depth axis, per joint (measured sizes)."""
    out = bodies.copy()
    shape = bodies.shape[:1] + (1, bodies.shape[2])
    out[..., 2] += rng.normal(size=shape).astype(np.float32) * np.float32(DEPTH_NOISE_TORSOS)
    return _only_present(out, bodies)


def hip_centred_travel(bodies: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The body as the tracker rebuilds it: hip-centred pose plus recovered travel, whose depth
    is off by a scale factor and which holds still for a few frames where the solver failed."""
    hips = bodies[:, :, JOINT["spine_base"]]  # (M, T, 3)
    start = hips[:, :1]
    scale = np.array([1.0, 1.0, 1.0 + rng.normal() * TRAVEL_DEPTH_SCALE_ERROR], dtype=np.float32)
    travel = start + (hips - start) * scale
    frames = bodies.shape[1]
    frame = 1
    while frame < frames:
        if rng.random() < TRAVEL_LOST_P:
            stop = min(frames, frame + int(rng.integers(1, TRAVEL_LOST_FRAMES + 1)))
            travel[:, frame:stop] = travel[:, frame - 1 : frame]
            frame = stop
        frame += 1
    return _only_present(bodies - hips[:, :, None] + travel[:, :, None], bodies)


def dropped_frames(bodies: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A stalling webcam: some frames repeat the one before (where a body is in both)."""
    out = bodies.copy()
    present = present_frames(bodies)
    for frame in np.flatnonzero(rng.random(bodies.shape[1]) < DROPPED_SHARE):
        if frame == 0:
            continue
        both = present[:, frame] & present[:, frame - 1]
        out[both, frame] = out[both, frame - 1]
    return out


def guessed_legs(bodies: np.ndarray, rng: np.random.Generator, sitting: bool) -> np.ndarray:
    """A person framed from the waist up: MediaPipe guesses still legs, standing or sitting.

    The legs keep their lengths and follow the hips, along the torso's mean axes (still, however
    the torso moves), bending at the knee at a right angle when sitting, with MediaPipe's constant per-joint offset added.
    """
    out = bodies.copy()
    up = (out[:, :, JOINT["spine_shoulder"]] - out[:, :, JOINT["spine_base"]]).mean(axis=1, keepdims=True)
    up /= np.maximum(np.linalg.norm(up, axis=-1, keepdims=True), 1e-6)
    right = (out[:, :, JOINT["right_hip"]] - out[:, :, JOINT["left_hip"]]).mean(axis=1, keepdims=True)
    right -= (right * up).sum(-1, keepdims=True) * up
    right /= np.maximum(np.linalg.norm(right, axis=-1, keepdims=True), 1e-6)
    forward = np.cross(up, right)
    for side, (hip, knee, ankle, foot) in _LEGS.items():
        lengths = [
            np.linalg.norm(out[:, :, b] - out[:, :, a], axis=-1).mean(axis=1)[:, None, None]
            for a, b in ((hip, knee), (knee, ankle), (ankle, foot))
        ]
        thigh_direction = forward if sitting else -up
        out[:, :, knee] = out[:, :, hip] + lengths[0] * thigh_direction
        out[:, :, ankle] = out[:, :, knee] - lengths[1] * up
        out[:, :, foot] = out[:, :, ankle] + lengths[2] * forward
        for joint in (knee, ankle, foot):
            offset = rng.normal(size=(out.shape[0], 1, 3)) * BIAS_TORSOS[joint]
            out[:, :, joint] += offset.astype(np.float32)
    return _only_present(out, bodies)
