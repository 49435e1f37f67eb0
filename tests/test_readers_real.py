"""Evidence on the real data that every reader gets joint order, scale and sides right.

Each test reads a handful of real files (linked into a temporary folder, never copied into the
repository) through the same reader the build uses, then checks the result against the motion
itself: a one-handed action must move that hand most, the right shoulder must lie at larger X
for a subject facing the camera, and the real bones must keep their lengths over time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.data import bandai, cad60, kard, msr_action3d, nwucla, utkinect
from core.data.source_cache import unpacked
from core.skeleton.layout import JOINT
from tests.conftest import require_data

SIDES = ("left", "right")


def _root(archive: str) -> Path:
    """The unpacked archive (shared with the build's cache, so only the first run pays)."""
    return unpacked(require_data("raw", archive))


def _subset(root: Path, folder: str, names: list[str], tmp_path: Path) -> Path:
    """A folder holding links to a few real files, laid out the way the reader expects."""
    source = next(root.glob(f"**/{folder}"))
    target = tmp_path / source.relative_to(root)
    target.mkdir(parents=True)
    for name in names:
        (target / name).symlink_to(source / name)
    return tmp_path


def _travel(joints: np.ndarray, joint: str) -> float:
    """Path length of a joint relative to the pelvis: how much a limb moves, not the body."""
    relative = joints[:, JOINT[joint]] - joints[:, JOINT["spine_base"]]
    return float(np.linalg.norm(np.diff(relative, axis=0), axis=-1).sum())


def _moving_side(joints: np.ndarray) -> str:
    travel = {side: _travel(joints, f"{side}_wrist") for side in SIDES}
    return max(travel, key=travel.get)


def _faces_camera(joints: np.ndarray) -> bool:
    across = joints[:, JOINT["right_shoulder"], 0] - joints[:, JOINT["left_shoulder"], 0]
    return float(np.median(across)) > 0.05


def _bones_keep_their_length(joints: np.ndarray, bones: list[tuple[str, str]], limit: float):
    for child, parent in bones:
        lengths = np.linalg.norm(joints[:, JOINT[child]] - joints[:, JOINT[parent]], axis=-1)
        assert lengths.std() / lengths.mean() < limit, (child, parent, lengths.mean(), lengths.std())


# Plausible adult segment lengths in metres; pairing a joint with the wrong neighbour (the other
# side's elbow, a hand with a knee) lands far outside them.
SEGMENT_RANGES = {("elbow", "shoulder"): (0.18, 0.42), ("knee", "hip"): (0.3, 0.65),
                  ("ankle", "knee"): (0.22, 0.55)}


def _segments_are_anatomical(joints: np.ndarray) -> None:
    for (child, parent), (low, high) in SEGMENT_RANGES.items():
        for side in SIDES:
            length = np.median(np.linalg.norm(
                joints[:, JOINT[f"{side}_{child}"]] - joints[:, JOINT[f"{side}_{parent}"]], axis=-1))
            assert low < length < high, (side, child, parent, length)


def _limbs_are_symmetric(joints: np.ndarray, limbs: list[tuple[str, str]], tolerance: float):
    for child, parent in limbs:
        left, right = (
            np.median(np.linalg.norm(joints[:, JOINT[f"{side}_{child}"]]
                                     - joints[:, JOINT[f"{side}_{parent}"]], axis=-1))
            for side in SIDES
        )
        assert abs(left - right) / max(left, right) < tolerance, (child, left, right)


def _upright_and_metric(joints: np.ndarray) -> None:
    """Head above pelvis above ankles, a body between 1.2 and 2.2 m tall, 1-6 m from the camera."""
    height = np.median(joints[:, JOINT["head"], 1] - joints[:, JOINT["left_ankle"], 1])
    assert 1.2 < height < 2.2, height
    assert np.median(joints[:, JOINT["spine_base"], 1]) > np.median(joints[:, JOINT["left_knee"], 1])
    assert 1.0 < np.median(joints[:, JOINT["spine_base"], 2]) < 6.0


OPENNI_BONES = [("head", "spine_shoulder"), ("right_elbow", "right_shoulder"),
                ("left_elbow", "left_shoulder"), ("right_hand", "right_elbow"),
                ("left_hand", "left_elbow"), ("right_knee", "right_hip"),
                ("left_knee", "left_hip"), ("right_ankle", "right_knee"),
                ("left_ankle", "left_knee")]
LIMBS = [("elbow", "shoulder"), ("knee", "hip"), ("ankle", "knee")]


def test_kard_order_scale_and_sides(tmp_path):
    names = [f"a02_s{s:02d}_e01_realworld.txt" for s in (1, 4, 7)]  # high arm wave
    names += ["a15_s02_e01_realworld.txt", "a16_s05_e02_realworld.txt"]  # phone call, drink
    result = kard.read_source(_subset(_root("kard.tar.xz"), "kard_realworld", names, tmp_path))
    assert result.found == len(names) and not result.problems
    for sample in result.samples:
        _upright_and_metric(sample.joints)
        _bones_keep_their_length(sample.joints, OPENNI_BONES, limit=0.25)  # OpenNI jitters
        _segments_are_anatomical(sample.joints)
        _limbs_are_symmetric(sample.joints, LIMBS, tolerance=0.2)
        assert _faces_camera(sample.joints), sample.name
        assert _moving_side(sample.joints) == "right", sample.name


def test_kard_elbows_swapped_across_sides_would_fail_the_segment_check(tmp_path):
    """Control: the length check does tell a wrong pairing (elbows swapped) from the right one."""
    names = ["a03_s01_e01_realworld.txt"]  # two hand wave
    root = _subset(_root("kard.tar.xz"), "kard_realworld", names, tmp_path)
    joints = kard.read_source(root).samples[0].joints
    _segments_are_anatomical(joints)
    swapped = joints.copy()
    swapped[:, [JOINT["left_elbow"], JOINT["right_elbow"]]] = joints[
        :, [JOINT["right_elbow"], JOINT["left_elbow"]]]
    with pytest.raises(AssertionError):
        _segments_are_anatomical(swapped)


def test_cad60_order_scale_and_sides(tmp_path):
    people = ("p1", "p2", "p4")  # p3 is the left-handed subject, checked below
    names = [f"a04_drinking_water_{k}_{p}.txt" for p in (*people, "p3") for k in range(1, 6)]
    root = _subset(_root("cad-60.tar.xz"), "cad60_ori", names, tmp_path)
    result = cad60.read_source(root)
    assert result.found == len(names) and len(result.samples) == 4
    by_person = {sample.subject: sample for sample in result.samples}
    for person, sample in by_person.items():
        _upright_and_metric(sample.joints)
        _bones_keep_their_length(sample.joints, OPENNI_BONES, limit=0.25)  # OpenNI jitters
        _segments_are_anatomical(sample.joints)
        _limbs_are_symmetric(sample.joints, LIMBS, tolerance=0.2)
        assert _faces_camera(sample.joints), person
        assert _moving_side(sample.joints) == ("left" if person == "p3" else "right"), person


KINECT_BONES = OPENNI_BONES + [("right_wrist", "right_elbow"), ("left_wrist", "left_elbow")]


def test_msr_action3d_order_scale_and_sides(tmp_path):
    names = [f"a01_s{s:02d}_e01_skeleton3D.txt" for s in (1, 3, 5, 7)]  # high arm wave
    names.append("a05_s02_e01_skeleton3D.txt")  # forward punch
    root = _subset(_root("msr-action3d.tar.xz"), "real_world_coordinates", names, tmp_path)
    result = msr_action3d.read_source(root)
    assert result.found == len(names)
    for sample in result.samples:
        _upright_and_metric(sample.joints)
        _bones_keep_their_length(sample.joints, KINECT_BONES, limit=0.25)
        _segments_are_anatomical(sample.joints)
        assert _faces_camera(sample.joints), sample.name
        assert _moving_side(sample.joints) == "right", sample.name


def test_nwucla_order_scale_and_sides(tmp_path):
    """Throws seen from view 3, which the subjects face.

    In view 1 the throwing arm often comes out as the left one: Kinect v1 fits every body as if
    it faced the sensor, so a subject turned away has its sides swapped in the source itself.
    """
    names = [f"a11_s{s:02d}_e00_v03.json" for s in (1, 2, 3, 4, 6)]
    result = nwucla.read_source(_subset(_root("nw-ucla.tar.xz"), "all_sqe", names, tmp_path))
    assert result.found == len(names)
    sides = [_moving_side(sample.joints) for sample in result.samples]
    assert sides.count("right") >= 4, sides
    for sample in result.samples:
        _upright_and_metric(sample.joints)
        assert _faces_camera(sample.joints), sample.name


def test_utkinect_segments_and_sides():
    result = utkinect.read_source(_root("utkinect.tar.xz"))
    # The corrected annotation (actionLabel_modified.txt) fixes the mistyped bounds; only the
    # segment with NaN bounds stays unusable.
    assert result.found == 199 and result.expected == 200
    assert len(result.problems) == 1 and "not frame numbers" in result.problems[0]
    one_handed = [s for s in result.samples if s.label in ("throw", "push", "pull")]
    sides = [_moving_side(sample.joints) for sample in one_handed]
    assert sides.count("right") >= 0.85 * len(sides), sides
    for sample in one_handed[:10]:
        _upright_and_metric(sample.joints)
        assert _faces_camera(sample.joints), sample.name


BANDAI_CLIPS = {
    "wave-right-hand": "right", "raise-up-right-hand": "right",
    "wave-left-hand": "left", "raise-up-left-hand": "left",
}


def test_bandai_forward_kinematics_scale_and_sides(tmp_path):
    names = [f"dataset-2_{content}_normal_00{k}.{ext}"
             for content in BANDAI_CLIPS for k in (1, 2) for ext in ("bvh", "json")]
    root = _root("bandai-namco.tar.xz")
    subset = _subset(root, "Bandai-Namco-Research-Motiondataset-2/data", names, tmp_path)
    (subset / "bandai-namco" / "Bandai-Namco-Research-Motiondataset-2" / "cfg").symlink_to(
        next(root.glob("**/Bandai-Namco-Research-Motiondataset-2/cfg")))
    result = bandai.read_source(subset)
    assert result.found == len(names) // 2 and not result.problems
    bones = KINECT_BONES + [("right_foot", "right_ankle"), ("left_foot", "left_ankle")]
    for sample in result.samples:
        assert sample.fps == 30.0 and sample.style == "normal"
        _upright_and_metric(sample.joints)
        _bones_keep_their_length(sample.joints, bones, limit=0.01)  # rigid skeleton
        _segments_are_anatomical(sample.joints)
        _limbs_are_symmetric(sample.joints, LIMBS, tolerance=0.05)
        assert _faces_camera(sample.joints[:1]), sample.name
        assert _moving_side(sample.joints) == BANDAI_CLIPS[sample.label], sample.name
        # toes point towards the camera: the body faces -Z, as in a Kinect recording
        toes = sample.joints[0, JOINT["right_foot"], 2] - sample.joints[0, JOINT["right_ankle"], 2]
        assert toes < -0.03, sample.name
