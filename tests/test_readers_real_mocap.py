"""Real-data evidence for the mocap and 2D readers (HDM05, Penn Action): order, scale and sides.

Same approach and helpers as tests/test_readers_real.py: a few real files linked into a
temporary folder, checked against the motion itself (the hand that deposits an object on the
floor is the lowest, a push-up lies, a squat stands).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.data import hdm05, penn_action
from core.skeleton.layout import JOINT
from tests.test_readers_real import (
    KINECT_BONES, LIMBS, SIDES, _bones_keep_their_length, _faces_camera, _limbs_are_symmetric,
    _moving_side, _root, _segments_are_anatomical, _subset, _upright_and_metric,
)


HDM05_LABELS = {
    "depositFloorR", "elbowToKnee1RepsLelbowStart", "grabHighR", "hopBothLegs1hops",
    "jogLeftCircle4StepsRstart", "kickLFront1Reps", "lieDownFloor", "rotateArmsBothBackward1Reps",
    "sneak2StepsLStart", "squat1Reps", "throwBasketball",
}


def test_hdm05_reads_every_file_with_its_actor_and_label():
    result = hdm05.read_source(_root("hdm05.tar.xz"))
    assert (result.found, result.expected, result.problems) == (287, 287, [])
    assert {sample.label for sample in result.samples} == HDM05_LABELS
    assert {sample.subject for sample in result.samples} == {"bd", "bk", "dg", "mm", "tr"}
    assert all(sample.fps == 30.0 for sample in result.samples)


def _hdm05_subset(tmp_path: Path, names: dict[str, list[str]]) -> Path:
    """Links to a few AMC files per class folder, with the actor skeletons they need."""
    root = _root("hdm05.tar.xz")
    for folder, files in names.items():
        actors = {f"HDM_{name.split('_')[1]}.asf" for name in files}
        _subset(root, f"hdm05/{folder}", files + sorted(actors), tmp_path)
    return tmp_path


def test_hdm05_forward_kinematics_scale_and_sides(tmp_path):
    names = {
        "train/1": ["HDM_bd_depositFloorR_001_120.amc", "HDM_bk_depositFloorR_007_120.amc"],
        "test/3": ["HDM_mm_grabHighR_018_120.amc", "HDM_tr_grabHighR_025_120.amc"],
    }
    kicks = sorted(_root("hdm05.tar.xz").glob("**/hdm05/train/*/HDM_*_kickLFront1Reps_*.amc"))[:3]
    names[f"train/{kicks[0].parent.name}"] = [path.name for path in kicks]
    result = hdm05.read_source(_hdm05_subset(tmp_path, names))
    assert result.found == 7 and not result.problems
    # single ASF bones only: the head hangs from two neck bones and the hand from a wrist, which bend
    bones = [("neck", "spine_shoulder")] + [
        (f"{side}_{child}", f"{side}_{parent}") for side in SIDES for child, parent in (
            ("elbow", "shoulder"), ("wrist", "elbow"), ("knee", "hip"), ("ankle", "knee"), ("foot", "ankle"))]
    for sample in result.samples:
        joints = sample.joints
        _upright_and_metric(joints[:3])  # each motion starts standing
        _bones_keep_their_length(joints, bones, limit=0.01)  # rigid skeleton
        _segments_are_anatomical(joints)
        _limbs_are_symmetric(joints, LIMBS, tolerance=0.05)
        assert _faces_camera(joints[:1]), sample.name
        # the floor is 1 m below the camera: the feet touch it
        assert -1.05 < joints[:, JOINT["left_foot"], 1].min() < -0.9, sample.name
        lowest = {side: joints[:, JOINT[f"{side}_wrist"], 1].min() for side in SIDES}
        highest = {side: joints[:, JOINT[f"{side}_wrist"], 1].max() for side in SIDES}
        forward = {side: joints[:, JOINT[f"{side}_ankle"], 2].min() for side in SIDES}
        if sample.label == "depositFloorR":
            assert lowest["right"] < lowest["left"] - 0.1, sample.name
        elif sample.label == "grabHighR":
            assert highest["right"] > highest["left"] + 0.1 and _moving_side(joints) == "right", sample.name
        else:  # kickLFront: the left foot goes furthest towards the camera
            assert forward["left"] < forward["right"] - 0.2, sample.name


def _penn_files(action: str, view: str | None = None, count: int = 12) -> list[Path]:
    """The first ``count`` Penn Action clips of an action (and camera view), read by their fields."""
    chosen = []
    for path in sorted(_root("penn-action.tar.xz").glob("**/penn-action/labels/*.mat")):
        content = penn_action.read_mat(path)
        if content["action"] == action and view in (None, content["view"]):
            chosen.append(path)
            if len(chosen) == count:
                break
    return chosen


def test_penn_action_joint_order_and_sides_in_the_image():
    """Front views show the right shoulder on the image's left; bowlers bowl with the right arm."""
    column = penn_action.COLUMNS.index
    front = [penn_action.read_mat(path) for path in _penn_files("jumping_jacks", "front")]
    right_on_left = [np.median(c["points"][:, column("right_shoulder"), 0]
                               < c["points"][:, column("left_shoulder"), 0]) for c in front]
    assert np.mean(right_on_left) >= 0.9, right_on_left
    bowls = [penn_action.read_mat(path)["points"] for path in _penn_files("bowl", count=30)]
    travel = [[np.abs(np.diff(p[:, column(f"{side}_wrist")], axis=0)).sum() for side in SIDES] for p in bowls]
    assert np.mean([right > left for left, right in travel]) >= 0.7, travel


def _spine_tilt_degrees(joints: np.ndarray) -> np.ndarray:
    spine = joints[:, JOINT["spine_shoulder"]] - joints[:, JOINT["spine_base"]]
    return np.degrees(np.arccos(spine[:, 1] / np.linalg.norm(spine, axis=-1)))


def _lifted(paths: list[Path], tmp_path: Path) -> list:
    """The reader's samples for these clips (those it drops as mostly hidden left out)."""
    root = _root("penn-action.tar.xz")
    folder = tmp_path / f"set{len(list(tmp_path.iterdir()))}"
    _subset(root, "penn-action/labels", [path.name for path in paths], folder)
    result = penn_action.read_source(folder)
    assert result.found + len(result.problems) == len(paths)
    assert all("visible" in problem for problem in result.problems), result.problems
    return result.samples


def test_penn_action_lifted_bodies_are_metric_and_keep_their_tilt(tmp_path):
    # Squats filmed from the side lean forward for real (median trunk lean in the 2D image
    # 18-22 degrees, a quarter of the clips beyond 37); filmed from the front they stand upright.
    read = {action: _lifted(_penn_files(action, view), tmp_path)
            for action, view in (("pushup", None), ("squat", "front"), ("jumping_jacks", None))}
    for samples in read.values():
        assert len(samples) >= 8
        for sample in samples:
            assert sample.fps == 30.0 and sample.subject in ("train", "test")
            _segments_are_anatomical(sample.joints)
            _limbs_are_symmetric(sample.joints, LIMBS, tolerance=0.2)
            assert 2.0 < np.median(sample.joints[:, JOINT["spine_base"], 2]) < 4.0
            for child, parent in KINECT_BONES:  # the lifter sets every bone to one length
                lengths = np.linalg.norm(sample.joints[:, JOINT[child]] - sample.joints[:, JOINT[parent]], axis=-1)
                assert lengths.std() / lengths.mean() < 0.01, (sample.name, child, lengths.std() / lengths.mean())
    lying = [np.mean(_spine_tilt_degrees(s.joints) > 45) for s in read["pushup"]]
    standing = [np.mean(_spine_tilt_degrees(s.joints) < 30) for s in read["squat"] + read["jumping_jacks"]]
    assert np.mean(np.array(lying) > 0.5) >= 0.8, lying
    assert np.mean(np.array(standing) > 0.5) >= 0.9, standing


def test_penn_action_lifted_front_views_face_the_camera_and_back_views_do_not(tmp_path):
    """Penn's view field against the lifted body: the sides the reader assigns survive lifting."""
    front = _lifted(_penn_files("jumping_jacks", "front"), tmp_path)
    back = _lifted(_penn_files("pullup", "back"), tmp_path)
    assert np.mean([_faces_camera(sample.joints) for sample in front]) >= 0.8
    assert np.mean([_faces_camera(sample.joints) for sample in back]) <= 0.1
