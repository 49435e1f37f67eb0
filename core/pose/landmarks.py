"""One path from 2D pose landmarks of any layout to the NTU-25 skeleton the network scores.

Every 2D pose the project meets goes this way: MediaPipe's 33 landmarks from the live tracker, a
video, the visitor's browser or a MediaPipe-format dataset (pushfit, PosePilot); the annotated
joints of Penn Action (13) and JHMDB (15); OpenPose's BODY_25 (Motions); MD4FD's 11 MediaPipe
joints; and the NTU-25 image joints of the training views seen through virtual cameras.

1. One table per layout (``LAYOUTS``) maps its points onto the lifter's 13 image joints
   (``core.pose.lifting.LIFT_JOINTS``). Each table is a matrix whose rows sum to one, so a joint
   may be a blend of landmarks (MediaPipe's head is the mean of its eyes and ears, its hips sit
   nearer the midline, as Kinect's do: ``core.pose.mapping``); a row of zeros is a joint the
   layout does not have.
2. A joint the layout lacks or the detector lost is filled by one rule (``fill_unseen``): lost
   for a while, it is interpolated from the frames where it was seen; never seen in the clip, it
   hangs from its parent along the torso (arms at the sides, legs straight under the hips, the
   head above the chest), with the lifter's corpus bone lengths scaled to the body's image size.
3. The clip is lifted, given one length per bone and placed like a Kinect recording
   (``core.pose.lifting.skeleton_from_image``); bodies of one scene share one image reference,
   and a video's camera motion, when it is known (``core.pose.camera_motion``), is taken off first.

Points are pixels of a real (not mirrored) view, y down, in any unit that is the same along x
and y (JHMDB's normalised units are; MediaPipe's [0, 1] coordinates must first be multiplied by
the frame's width and height).
"""

from __future__ import annotations

import numpy as np

from core.pose import lifting
from core.pose.mapping import NTU_FROM_MEDIAPIPE
from core.skeleton.layout import JOINT, NUM_JOINTS

_LIFT = lifting.LIFT_JOINTS


def _table(columns: int, recipes: dict[str, dict[int, float]]) -> np.ndarray:
    """(13, columns) matrix from lifter joint -> {column: weight}; joints not named stay zeros."""
    unknown = set(recipes) - set(_LIFT)
    if unknown:
        raise ValueError(f"not lifter joints: {sorted(unknown)}")
    matrix = np.zeros((len(_LIFT), columns), dtype=np.float64)
    for name, recipe in recipes.items():
        for column, weight in recipe.items():
            matrix[_LIFT.index(name), column] = weight
    matrix.setflags(write=False)
    return matrix


_SIDES = ("right", "left")

# Layouts whose k-th point is one lifter joint (None: a point the lifter does not use).
POINT_NAMES: dict[str, tuple[str | None, ...]] = {
    # Penn Action: head, then (right, left) pairs of shoulders, elbows, wrists, hips, knees, ankles.
    "penn": ("head",) + tuple(f"{side}_{limb}" for limb in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
                              for side in _SIDES),
    # JHMDB puppet: neck, belly, face, then (right, left) shoulders, hips, elbows, knees, wrists, ankles.
    "jhmdb": (None, None, "head") + tuple(f"{side}_{limb}" for limb in ("shoulder", "hip", "elbow", "knee", "wrist",
                                                                          "ankle") for side in _SIDES),
    # MD4FD: nose, shoulders, hips, knees, right then left ankle, wrists (from a hand model); no elbows.
    "md4fd": ("head", "left_shoulder", "right_shoulder", "left_hip", "right_hip", "left_knee", "right_knee",
              "right_ankle", "left_ankle", "left_wrist", "right_wrist"),
}

LAYOUTS: dict[str, np.ndarray] = {
    # MediaPipe Pose: the same 25x33 mapping the world landmarks take, rows of the lifter's joints.
    "mediapipe": np.asarray(NTU_FROM_MEDIAPIPE[[JOINT[name] for name in _LIFT]], dtype=np.float64),
    # NTU-25 image joints (the training views of core.training.camera_views).
    "ntu": _table(NUM_JOINTS, {name: {JOINT[name]: 1.0} for name in _LIFT}),
    # OpenPose BODY_25; its head is the mean of eyes and ears, as MediaPipe's is.
    "body25": _table(25, {
        "head": {15: 0.25, 16: 0.25, 17: 0.25, 18: 0.25},
        "right_shoulder": {2: 1.0}, "right_elbow": {3: 1.0}, "right_wrist": {4: 1.0},
        "left_shoulder": {5: 1.0}, "left_elbow": {6: 1.0}, "left_wrist": {7: 1.0},
        "right_hip": {9: 1.0}, "right_knee": {10: 1.0}, "right_ankle": {11: 1.0},
        "left_hip": {12: 1.0}, "left_knee": {13: 1.0}, "left_ankle": {14: 1.0},
    }),
    **{layout: _table(len(names), {name: {k: 1.0} for k, name in enumerate(names) if name is not None})
       for layout, names in POINT_NAMES.items()},
}
_ANCHORS = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")  # a body cannot be placed without them


def lift_points(points: np.ndarray, layout: str) -> np.ndarray:
    """``(..., J, 2)`` points of ``layout`` -> ``(..., 13, 2)`` lifter image joints."""
    table = _layout(layout)
    points = np.asarray(points, dtype=np.float64)
    if points.shape[-2] != table.shape[1]:
        raise ValueError(f"a {layout} pose has {table.shape[1]} points, got shape {points.shape}")
    return np.einsum("lj,...jd->...ld", table, points)


def lift_known(known: np.ndarray, layout: str) -> np.ndarray:
    """``(..., J)`` which points were detected -> ``(..., 13)``: a lifter joint is known when the
    layout has it and every point it is built from was detected."""
    table = _layout(layout)
    known = np.asarray(known, dtype=bool)
    if known.shape[-1] != table.shape[1]:
        raise ValueError(f"a {layout} pose has {table.shape[1]} points, got a mask of shape {known.shape}")
    used = table != 0
    missing = np.einsum("lj,...j->...l", used.astype(np.int64), (~known).astype(np.int64))
    return (missing == 0) & used.any(axis=1)


def _layout(layout: str) -> np.ndarray:
    if layout not in LAYOUTS:
        raise ValueError(f"unknown landmark layout {layout!r}; expected one of {sorted(LAYOUTS)}")
    return LAYOUTS[layout]


def _corpus_lengths() -> dict[tuple[str, str], float]:
    return dict(zip(lifting.BONES, lifting.corpus_bone_lengths()))


def fill_unseen(points: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``(T, 13, 2)`` lifter image joints with every unknown one filled by the rule above.

    Raises ValueError when a shoulder or a hip is never seen: such a body cannot be placed.
    """
    points = np.array(points, dtype=np.float64)
    known = np.asarray(known, dtype=bool)
    if points.shape[1:] != (len(_LIFT), 2) or known.shape != points.shape[:2]:
        raise ValueError(f"expected (T, 13, 2) points and a (T, 13) mask, got {points.shape} and {known.shape}")
    if known.all():
        return points
    frames = np.arange(len(points))
    never = [name for k, name in enumerate(_LIFT) if not known[:, k].any()]
    if lost := [name for name in _ANCHORS if name in never]:
        raise ValueError(f"cannot place a body whose {', '.join(lost)} is never seen")
    for k in range(len(_LIFT)):
        seen = known[:, k]
        if seen.any() and not seen.all():
            for axis in range(2):
                points[~seen, k, axis] = np.interp(frames[~seen], frames[seen], points[seen, k, axis])
    index = {name: k for k, name in enumerate(_LIFT)}
    root = points[:, [index["left_hip"], index["right_hip"]]].mean(axis=1)
    chest = points[:, [index["left_shoulder"], index["right_shoulder"]]].mean(axis=1)
    torso = np.linalg.norm(chest - root, axis=-1, keepdims=True)
    down = (root - chest) / np.maximum(torso, 1e-9)
    lengths = _corpus_lengths()
    scale = torso / lengths[("root", "chest")]
    named = {"root": root, "chest": chest}
    for (parent, child), length in lengths.items():  # parents first
        if child in never:
            direction = -down if child == "head" else down
            points[:, index[child]] = named[parent] + scale * length * direction
        if child in index:
            named[child] = points[:, index[child]]
    return points


def skeletons_from_landmarks(
    points: np.ndarray, present: np.ndarray, layout: str = "mediapipe", known: np.ndarray | None = None,
    camera: np.ndarray | None = None,
) -> np.ndarray:
    """``(M, T, J, 2)`` landmarks of ``layout`` -> ``(M, T, 25, 3)`` float32 NTU skeletons.

    Each body is made a skeleton over the frames it is ``present`` in ``(M, T)``; elsewhere it
    stays zeros. ``known`` ``(M, T, J)`` says which points were detected (default: all of them).
    All bodies are placed against one image reference, so people keep their distance apart.
    ``camera`` ``(T, 2)``, in the points' units, is how far a moving camera had carried the scene
    by each frame (``core.pose.camera_motion``); it is taken off, so a pan is not read as travel
    (default: a camera that stands still).
    """
    lifted = lift_points(points, layout)
    if camera is not None:
        camera = np.asarray(camera, dtype=np.float64)
        if camera.shape != (lifted.shape[1], 2):
            raise ValueError(f"camera offsets {camera.shape} do not match {lifted.shape[1]} frames")
        lifted = lifted - camera[None, :, None, :]
    present = np.asarray(present, dtype=bool)
    if present.shape != lifted.shape[:2]:
        raise ValueError(f"presence {present.shape} does not match landmarks {np.shape(points)}")
    seen = np.ones(lifted.shape[:-1], dtype=bool) if known is None else lift_known(known, layout)
    out = np.zeros(lifted.shape[:2] + (NUM_JOINTS, 3), dtype=np.float32)
    views = {body: fill_unseen(lifted[body][present[body]], seen[body][present[body]])
             for body in range(len(lifted)) if present[body].any()}
    if not views:
        return out
    reference = np.median(np.concatenate([lifting.image_root(view) for view in views.values()]), axis=0)
    for body, view in views.items():
        out[body][present[body]] = lifting.skeleton_from_image(view, reference)
    return out
