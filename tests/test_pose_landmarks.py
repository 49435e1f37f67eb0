"""The one landmark path: every 2D layout onto the lifter's joints, unseen joints filled by one rule."""

from __future__ import annotations

import numpy as np
import pytest

from core.pose import lifting
from core.pose.landmarks import LAYOUTS, POINT_NAMES, fill_unseen, lift_known, lift_points, skeletons_from_landmarks
from core.pose.mapping import LANDMARK, NTU_FROM_MEDIAPIPE, NUM_LANDMARKS
from core.skeleton.layout import JOINT, NUM_JOINTS

LIFT = lifting.LIFT_JOINTS


def _standing(frames: int = 6) -> np.ndarray:
    """(T, 13, 2) image joints of a person standing facing the camera, swaying a little (y down)."""
    x = {"head": 0, "shoulder": 40, "elbow": 50, "wrist": 55, "hip": 25, "knee": 27, "ankle": 28}
    y = {"head": 0, "shoulder": 60, "elbow": 150, "wrist": 230, "hip": 260, "knee": 400, "ankle": 530}
    pose = []
    for name in LIFT:
        side, _, part = name.partition("_")
        part = part or side
        # a person facing the camera: their left is on the image's right
        sign = {"left": 1, "right": -1}.get(side, 0)
        pose.append((320 + sign * x[part], 50 + y[part]))
    sway = np.sin(np.arange(frames) / 2.0)[:, None, None] * [8.0, 2.0]
    return np.asarray(pose, dtype=np.float64)[None] + sway


def _as_penn(points: np.ndarray) -> np.ndarray:
    """Lifter-ordered joints in Penn Action's point order."""
    return points[..., [LIFT.index(name) for name in POINT_NAMES["penn"]], :]


def test_every_layout_maps_onto_the_lifter_joints_with_rows_that_sum_to_one_or_are_absent():
    for name, table in LAYOUTS.items():
        assert table.shape[0] == len(LIFT), name
        sums = table.sum(axis=1)
        assert np.all(np.isclose(sums, 1.0) | np.isclose(np.abs(table).sum(axis=1), 0.0)), name
    # MediaPipe's rows are the mapping the world landmarks take (one rule for 2D and 3D)
    np.testing.assert_array_equal(LAYOUTS["mediapipe"], NTU_FROM_MEDIAPIPE[[JOINT[j] for j in LIFT]])
    assert not LAYOUTS["md4fd"][LIFT.index("left_elbow")].any()  # MD4FD records no elbows


def test_ordered_layouts_pick_their_named_points():
    for layout, names in POINT_NAMES.items():
        points = np.arange(len(names) * 2, dtype=np.float64).reshape(1, len(names), 2)
        lifted = lift_points(points, layout)[0]
        for k, name in enumerate(names):
            if name is not None:
                np.testing.assert_array_equal(lifted[LIFT.index(name)], points[0, k])


def test_a_joint_is_known_only_when_every_point_it_is_built_from_was_detected():
    known = np.ones(NUM_LANDMARKS, bool)
    known[LANDMARK["left_ear"]] = False
    lifted = lift_known(known, "mediapipe")
    assert not lifted[LIFT.index("head")] and lifted[LIFT.index("left_wrist")]
    assert not lift_known(np.ones(11, bool), "md4fd")[LIFT.index("right_elbow")]


def test_unknown_layouts_and_wrong_shapes_are_refused():
    with pytest.raises(ValueError, match="unknown landmark layout"):
        lift_points(np.zeros((1, 13, 2)), "coco")
    with pytest.raises(ValueError, match="has 15 points"):
        lift_points(np.zeros((1, 13, 2)), "jhmdb")


def test_a_joint_lost_for_a_while_is_interpolated_from_where_it_was_seen():
    points = _standing()
    known = np.ones(points.shape[:2], bool)
    wrist = LIFT.index("left_wrist")
    known[2:4, wrist] = False
    damaged = points.copy()
    damaged[2:4, wrist] = -999.0
    filled = fill_unseen(damaged, known)
    expected = points[1, wrist] + (points[4, wrist] - points[1, wrist]) * np.array([[1 / 3], [2 / 3]])
    np.testing.assert_allclose(filled[2:4, wrist], expected)
    np.testing.assert_array_equal(filled[known], points[known])


def test_limbs_never_seen_hang_along_the_torso_at_the_corpus_proportions():
    points = _standing()
    known = np.ones(points.shape[:2], bool)
    for name in ("left_elbow", "left_wrist", "right_knee", "right_ankle", "head"):
        known[:, LIFT.index(name)] = False
    filled = fill_unseen(points, known)
    lengths = dict(zip(lifting.BONES, lifting.corpus_bone_lengths()))
    index = {name: k for k, name in enumerate(LIFT)}
    root = filled[:, [index["left_hip"], index["right_hip"]]].mean(1)
    chest = filled[:, [index["left_shoulder"], index["right_shoulder"]]].mean(1)
    torso = np.linalg.norm(chest - root, axis=-1)
    down = (root - chest) / torso[:, None]
    forearm = filled[:, index["left_wrist"]] - filled[:, index["left_elbow"]]
    np.testing.assert_allclose(forearm, down * (torso * lengths[("left_elbow", "left_wrist")] / lengths[("root", "chest")])[:, None])
    shin = filled[:, index["right_ankle"]] - filled[:, index["right_knee"]]
    assert np.all((shin * down).sum(-1) > 0)  # straight down the body's axis
    head = filled[:, index["head"]] - chest
    assert np.all((head * down).sum(-1) < 0)  # above the chest
    assert np.isfinite(filled).all()


def test_a_body_without_shoulders_or_hips_cannot_be_placed():
    known = np.ones((6, len(LIFT)), bool)
    known[:, LIFT.index("right_hip")] = False
    with pytest.raises(ValueError, match="right_hip is never seen"):
        fill_unseen(_standing(), known)


def test_skeletons_keep_absent_frames_empty_and_match_the_lifter_on_present_ones():
    points = np.zeros((2, 6, len(LIFT), 2))
    points[0] = _as_penn(_standing())
    points[1] = _as_penn(_standing()) + [200.0, 0.0]
    present = np.ones((2, 6), bool)
    present[1, :2] = False
    skeletons = skeletons_from_landmarks(points, present, layout="penn")
    assert skeletons.shape == (2, 6, NUM_JOINTS, 3) and skeletons.dtype == np.float32
    assert not skeletons[1, :2].any() and np.abs(skeletons[1, 2:]).sum(axis=(1, 2)).all()
    # two people of one scene keep their distance apart (one image reference)
    gap = skeletons[1, 3, JOINT["spine_base"]] - skeletons[0, 3, JOINT["spine_base"]]
    assert 0.35 < abs(gap[0]) < 0.8  # 200 px beside a person 530 px tall
    one = skeletons_from_landmarks(points[:1], present[:1], "penn")
    reference = np.median(np.concatenate([lifting.image_root(lift_points(points[b][present[b]], "penn")) for b in (0, 1)]), 0)
    np.testing.assert_allclose(skeletons[0], lifting.skeleton_from_image(_standing(), reference), atol=1e-6)
    assert one.shape == (1, 6, NUM_JOINTS, 3)
