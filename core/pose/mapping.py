"""MediaPipe's 33 pose landmarks onto the NTU/Kinect v2 25-joint layout.

Every NTU joint is a fixed affine combination of MediaPipe landmarks (weights summing to one),
so one 25x33 matrix maps 3D world points and 2D image points alike and commutes with
translation. Joints MediaPipe has are copied; the others follow where the Kinect SDK puts them:

- spine base at the middle of the hips; Kinect's hip joints sit closer to the midline than the
  hip-joint centres MediaPipe marks (its hip width is about 60 % of MediaPipe's);
- spine shoulder between the shoulders; spine mid, neck and hand tip by the rule every source
  shares (core/skeleton/proportions.py);
- head at the centre of the skull: the mean of ears and eyes;
- shoulders a little lower than MediaPipe's (Kinect marks the joint, MediaPipe the shoulder top);
- hand centre beyond the wrist along the hand (towards the middle of MediaPipe's index and
  pinky points), hand tip further along; the thumb is MediaPipe's thumb;
- foot half-way from the ankle to the toes.
"""

from __future__ import annotations

import numpy as np

from core.skeleton.layout import JOINT, NUM_JOINTS
from core.skeleton.proportions import HAND_TIP_EXTENSION, NECK_FRACTION, SPINE_MID_FRACTION

NUM_LANDMARKS = 33
LANDMARK = {
    name: index
    for index, name in enumerate(
        (
            "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner",
            "right_eye", "right_eye_outer", "left_ear", "right_ear", "mouth_left",
            "mouth_right", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
            "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index",
            "right_index", "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee",
            "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
            "left_foot_index", "right_foot_index",
        )
    )
}

HIP_WIDTH_RATIO = 0.6  # Kinect hip width / MediaPipe hip width
SHOULDER_DROP = 0.05  # of the hip-to-shoulder distance
HAND_REACH = 1.5  # hand centre = wrist + HAND_REACH * (knuckles - wrist)
FOOT_POSITION = 0.5  # from ankle (0) to toes (1)

Recipe = dict[str, float]  # landmark name -> weight


def _point(name: str) -> Recipe:
    return {name: 1.0}


def _blend(a: Recipe, b: Recipe, t: float) -> Recipe:
    """a + t * (b - a): interpolation for 0 <= t <= 1, extrapolation otherwise."""
    return _shift(a, a, b, t)


def _shift(base: Recipe, start: Recipe, end: Recipe, t: float) -> Recipe:
    """base + t * (end - start): moves a point along a body direction."""
    out = dict(base)
    for recipe, weight in ((start, -t), (end, t)):
        for name, value in recipe.items():
            out[name] = out.get(name, 0.0) + weight * value
    return out


def _mean(*names: str) -> Recipe:
    return {name: 1.0 / len(names) for name in names}


def _recipes() -> dict[str, Recipe]:
    hips = _mean("left_hip", "right_hip")
    shoulders = _mean("left_shoulder", "right_shoulder")
    head = _mean("left_ear", "right_ear", "left_eye", "right_eye")
    recipes = {
        "spine_base": hips,
        "spine_shoulder": shoulders,
        "spine_mid": _blend(hips, shoulders, SPINE_MID_FRACTION),
        "head": head,
        "neck": _blend(shoulders, head, NECK_FRACTION),
    }
    for side in ("left", "right"):
        knuckles = _mean(f"{side}_index", f"{side}_pinky")
        wrist = _point(f"{side}_wrist")
        shoulder = _point(f"{side}_shoulder")
        recipes[f"{side}_shoulder"] = _shift(shoulder, shoulders, hips, SHOULDER_DROP)
        recipes[f"{side}_elbow"] = _point(f"{side}_elbow")
        recipes[f"{side}_wrist"] = wrist
        hand = _blend(wrist, knuckles, HAND_REACH)
        recipes[f"{side}_hand"] = hand
        recipes[f"{side}_hand_tip"] = _shift(hand, wrist, hand, HAND_TIP_EXTENSION)
        recipes[f"{side}_thumb"] = _point(f"{side}_thumb")
        recipes[f"{side}_hip"] = _blend(hips, _point(f"{side}_hip"), HIP_WIDTH_RATIO)
        recipes[f"{side}_knee"] = _point(f"{side}_knee")
        recipes[f"{side}_ankle"] = _point(f"{side}_ankle")
        recipes[f"{side}_foot"] = _blend(
            _point(f"{side}_ankle"), _point(f"{side}_foot_index"), FOOT_POSITION
        )
    return recipes


def _matrix() -> np.ndarray:
    matrix = np.zeros((NUM_JOINTS, NUM_LANDMARKS), dtype=np.float32)
    for joint, recipe in _recipes().items():
        for name, weight in recipe.items():
            matrix[JOINT[joint], LANDMARK[name]] += weight
    return matrix


# NTU_FROM_MEDIAPIPE @ landmarks (33, D) -> joints (25, D); every row sums to one.
NTU_FROM_MEDIAPIPE: np.ndarray = _matrix()
NTU_FROM_MEDIAPIPE.setflags(write=False)
# Which landmarks each NTU joint is built from (its visibility is the least visible of them).
_LANDMARKS_USED: np.ndarray = NTU_FROM_MEDIAPIPE != 0
_LANDMARKS_USED.setflags(write=False)


def landmarks_to_ntu(landmarks: np.ndarray) -> np.ndarray:
    """Map ``(..., 33, D)`` MediaPipe points (any D) to ``(..., 25, D)`` NTU joints."""
    landmarks = np.asarray(landmarks, dtype=np.float32)
    if landmarks.shape[-2:-1] != (NUM_LANDMARKS,):
        raise ValueError(f"expected (..., 33, D) landmarks, got {landmarks.shape}")
    return np.einsum("jl,...ld->...jd", NTU_FROM_MEDIAPIPE, landmarks)


def visibility_to_ntu(visibility: np.ndarray) -> np.ndarray:
    """``(..., 33)`` landmark visibilities to ``(..., 25)``: a synthesised joint is as visible
    as the least visible landmark it is built from."""
    visibility = np.asarray(visibility, dtype=np.float32)
    masked = np.where(_LANDMARKS_USED, visibility[..., None, :], np.inf)
    return masked.min(axis=-1).astype(np.float32)


def world_to_kinect(world: np.ndarray) -> np.ndarray:
    """MediaPipe camera-aligned axes (x image-right, y down, z away) to Kinect's (X towards
    the subject's right when facing the camera, Y up, Z away): a half turn about Z."""
    out = np.array(world, dtype=np.float32, copy=True)
    out[..., 0] *= -1.0
    out[..., 1] *= -1.0
    return out
