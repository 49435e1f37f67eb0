"""Training windows rebuilt the way the app rebuilds a webcam's people: from 2D image joints.

The app lifts MediaPipe's image landmarks with the project's own lifter
(``core.pose.landmarks.skeletons_from_landmarks``), so what the network sees from a webcam carries the
lifter's errors: depth guessed from one view, a side view's far limbs folded, bone lengths that
are a corpus average. A depth sensor's 3D has none of these. ``lifted_view`` gives a training
window the same history: each body is turned to a random view (any yaw about its own vertical,
a camera pitched up to MAX_PITCH_DEG), put PLACE_DISTANCE_M away, projected through a pinhole
camera, given 2D detector error (a constant offset and a little jitter per joint, as a share of
the body's image size), and rebuilt by the app's rule. Bodies of one window share the view and
the image reference, so two people keep their distance apart. Frames without a body stay zeros.
"""

from __future__ import annotations

import numpy as np

from core.pose.landmarks import skeletons_from_landmarks
from core.skeleton.layout import JOINT
from core.skeleton.transforms import as_bodies, present_frames, rotation_matrix

MAX_PITCH_DEG = 15.0
PLACE_DISTANCE_M = (2.5, 5.0)
OFFSET_SHARE = 0.02  # of the body's RMS image spread: the detector's constant error per joint
JITTER_SHARE = 0.01  # the same, drawn afresh every frame
MIN_FRAMES = 2  # a body seen in fewer frames is left as it is
_ROOT = JOINT["spine_base"]


def lifted_view(window: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A raw (camera-frame, not yet prepared) ``(M, T, 25, 3)`` window, as the app would rebuild it."""
    bodies = as_bodies(window).astype(np.float64)
    present = present_frames(bodies)
    if present.sum(axis=1).max(initial=0) < MIN_FRAMES:
        return as_bodies(window).copy()
    centre = bodies[present][:, _ROOT].mean(axis=0)
    pitch = np.radians(rng.uniform(-MAX_PITCH_DEG, MAX_PITCH_DEG))
    turn = rotation_matrix(np.array([pitch, 0.0, 0.0])) @ rotation_matrix(np.array([0.0, rng.uniform(-np.pi, np.pi), 0.0]))
    camera = (bodies - centre) @ turn.T + [0.0, 0.0, rng.uniform(*PLACE_DISTANCE_M)]
    image = np.zeros(bodies.shape[:-1] + (2,))
    for body in range(len(bodies)):
        if present[body].any():
            image[body][present[body]] = _detected(_project(camera[body][present[body]]), rng)
    return skeletons_from_landmarks(image, present, layout="ntu")


def _project(camera: np.ndarray) -> np.ndarray:
    """Kinect camera coordinates (X to the image's left, Y up, Z away) -> real-image points, y down."""
    return -camera[..., :2] / np.maximum(camera[..., 2:], 0.1)


def _detected(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(T, 25, 2) image joints with a 2D detector's error: a constant offset per joint plus jitter."""
    root = points[:, _ROOT]
    spread = float(np.median(np.sqrt(((points - root[:, None]) ** 2).sum(-1).mean(-1))))
    offset = rng.normal(size=(1,) + points.shape[1:]) * OFFSET_SHARE * spread
    jitter = rng.normal(size=points.shape) * JITTER_SHARE * spread
    return points + offset + jitter
