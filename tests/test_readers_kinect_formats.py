"""Kinder-Gator, UTD-MHAD and SBU readers on small files generated here (never the real data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.io

from core.data import kinder_gator, sbu, utd_mhad
from core.data.moving_side import lean_side, limb_side
from core.data.sample import MalformedFileError
from core.skeleton.layout import JOINT

from tests.test_readers_formats import STANDING, _frames

KG_NAME = "POSE-p921_03-Wave-your-hand-1455617000000.csv"


def _kinder_gator_text(frames: np.ndarray, step_ms: float = 32.0) -> str:
    """A Kinder-Gator CSV: header from the SDK names, a trailing comma on every line."""
    joints = list(kinder_gator.HEADER_JOINTS)
    header = ["Timestamp"] + [f"{joint}{axis}" for joint in joints for axis in "XYZ"] + ["User-ID", "Action", ""]
    lines = [",".join(header)]
    for t, frame in enumerate(frames):
        values = [f"{1000.0 + step_ms * t:.4f}"] + [f"{v:.4f}" for v in frame.ravel()] + ["921", "Wave-your-hand", ""]
        lines.append(",".join(values))
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- Kinder-Gator ------------------------------------------------------------------------------


def test_kinder_gator_reads_names_fps_and_measures_the_side(tmp_path):
    order = tuple(kinder_gator.HEADER_JOINTS.values())
    path = _write(tmp_path / "kinder-gator" / "Adults" / KG_NAME, _kinder_gator_text(_frames(order, count=6)))
    (sample,) = kinder_gator.read_file(path)
    assert (sample.subject, sample.label, sample.fps) == ("p921", "wave your hand (right)", 31.25)
    assert np.allclose(sample.joints[0, JOINT["left_shoulder"]], STANDING["left_shoulder"], atol=1e-4)
    mirrored = _frames(order, count=6)
    mirrored[:, :, 0] *= -1  # the left hand now rises; the names stay, so the left side moves
    swapped = [order.index(name.replace("left", "#").replace("right", "left").replace("#", "right"))
               for name in order]
    _write(path, _kinder_gator_text(mirrored[:, swapped]))
    assert kinder_gator.read_file(path)[0].label == "wave your hand (left)"


def test_kinder_gator_leaves_unsided_motions_alone_and_strips_words():
    assert kinder_gator.motion_words("Throw-a-ball-") == "throw a ball"
    joints = np.zeros((5, 25, 3))
    assert kinder_gator.sided_label("draw a circle", joints) == "draw a circle"
    assert len(kinder_gator.SIDED_MOTIONS) == 20


@pytest.mark.parametrize("mangle, reason", [
    (lambda text: text[: text.rindex("\n", 0, len(text) - 1) + 40], "columns"),  # last row cut
    (lambda text: text.replace(",921,", ",921,extra,", 1), "columns"),
    (lambda text: text.replace("HeadX", "NoseX"), "header lacks"),
    (lambda text: text.split("\n")[0] + "\n", "fewer than two frames"),
    (lambda text: text.replace("1032.0000", "abc", 1), "not numeric"),
    (lambda text: text.replace("1064.0000", "0.0000", 1), "timestamps"),
])
def test_kinder_gator_malformed_files_are_named(tmp_path, mangle, reason):
    order = tuple(kinder_gator.HEADER_JOINTS.values())
    text = mangle(_kinder_gator_text(_frames(order, count=4)))
    path = _write(tmp_path / "kinder-gator" / "Adults" / KG_NAME, text)
    result = kinder_gator.read_source(tmp_path)
    assert (result.found, len(result.problems)) == (0, 1)
    assert KG_NAME in result.problems[0] and reason in result.problems[0]


def test_side_rules_follow_the_moving_limb_and_the_lean():
    frames = np.repeat(np.array([[STANDING.get(name, (0.0, 0.3, 3.0)) for name in JOINT]]), 8, axis=0)
    legs = frames.copy()
    legs[:, JOINT["left_ankle"], 1] += np.linspace(0, 0.4, 8)
    assert limb_side(legs, "leg") == "left"
    arms = frames.copy()
    arms[:, JOINT["right_wrist"], 1] += np.linspace(0, 0.5, 8)
    arms[:, JOINT["left_wrist"], 0] += np.linspace(0, 0.05, 8)  # a small sway of the other one
    assert limb_side(arms, "arm") == "right"
    lean = frames.copy()
    lean[:, JOINT["head"], 0] += np.linspace(0, -0.3, 8)  # towards smaller X: the subject's left
    assert lean_side(lean) == "left"
    lean[:, JOINT["head"], 0] *= -1
    assert lean_side(lean) == "right"


# -- UTD-MHAD ----------------------------------------------------------------------------------


def test_utd_mhad_reorders_joints_from_head_first(tmp_path):
    frames = _frames(utd_mhad.JOINT_ORDER, count=5)
    path = tmp_path / "Skeleton" / "a3_s2_t1_skeleton.mat"
    path.parent.mkdir()
    scipy.io.savemat(path, {"d_skel": frames.transpose(1, 2, 0)})
    result = utd_mhad.read_source(tmp_path)
    (sample,) = result.samples
    assert (sample.subject, sample.label, sample.fps, len(sample.joints)) == ("s02", "right hand wave", 30.0, 5)
    for name in ("head", "spine_base", "right_wrist", "left_ankle"):
        assert np.allclose(sample.joints[0, JOINT[name]], frames[0, utd_mhad.JOINT_ORDER.index(name)])


@pytest.mark.parametrize("content, reason", [
    ({"skeleton": np.zeros((20, 3, 4))}, "no d_skel"),
    ({"d_skel": np.zeros((15, 3, 4))}, "(20, 3, T)"),
    ({"d_skel": np.full((20, 3, 4), np.nan)}, "NaN"),
    (None, "not a MATLAB"),
])
def test_utd_mhad_malformed_files_are_named(tmp_path, content, reason):
    path = tmp_path / "Skeleton" / "a1_s1_t1_skeleton.mat"
    path.parent.mkdir()
    if content is None:
        path.write_bytes(b"MATLAB 5.0 MAT-file, truncated")
    else:
        scipy.io.savemat(path, content)
    result = utd_mhad.read_source(tmp_path)
    assert result.found == 0 and len(result.problems) == 1
    assert path.name in result.problems[0] and reason in result.problems[0]


# -- SBU ---------------------------------------------------------------------------------------


def _sbu_text(people_m: np.ndarray) -> str:
    """(T, 2, 15, 3) metres -> the dataset's normalised lines, inverting its own formula."""
    offset, scale = np.asarray(sbu.DENORMALISE_MM).T
    normalised = (people_m * 1000.0 - offset) / scale
    return "".join(f"{t + 1}," + ",".join(f"{v:.6f}" for v in frame.ravel()) + "\n"
                   for t, frame in enumerate(normalised))


def _two_people(count: int = 4) -> np.ndarray:
    """Person A as the standing body, person B one metre to its right, at the same depth."""
    one = _frames(sbu.JOINT_ORDER, count=count)
    other = one.copy()
    other[..., 0] += 1.0
    return np.stack([one, other], axis=1)


def test_sbu_keeps_both_people_in_metres(tmp_path):
    people = _two_people()
    _write(tmp_path / "sbu" / "s01s03" / "05" / "002" / "skeleton_pos.txt", _sbu_text(people))
    (sample,) = sbu.read_source(tmp_path).samples
    assert (sample.subject, sample.label, sample.name, sample.bodies) == ("s01s03", "shaking hands", "s01s03_05_002", 2)
    assert sample.joints.shape == (2, 4, 25, 3)
    assert np.allclose(sample.joints[1, :, JOINT["head"]], people[:, 1, 0], atol=1e-4)
    assert np.allclose(sample.joints[0, 0, JOINT["right_ankle"]], STANDING["right_ankle"], atol=1e-4)


def test_sbu_formula_gives_the_documented_millimetres():
    assert np.allclose(sbu.to_metres(np.array([0.5, 0.5, 0.78125])), (0.0, 0.0, 1.0))
    assert np.allclose(sbu.to_metres(np.array([0.0, 0.0, 0.0])), (1.28, 0.96, 0.0))


@pytest.mark.parametrize("mangle, reason", [
    (lambda text: text[:-30], "values, not 91"),  # truncated last line
    (lambda text: text.replace("\n", ",0.5\n", 1), "values, not 91"),
    (lambda text: "1,x" + text[text.index(",", 2):], "not numeric"),
    (lambda text: "", "is empty"),
])
def test_sbu_malformed_files_are_named(tmp_path, mangle, reason):
    _write(tmp_path / "sbu" / "s01s03" / "01" / "001" / "skeleton_pos.txt", mangle(_sbu_text(_two_people())))
    result = sbu.read_source(tmp_path)
    assert result.found == 0 and len(result.problems) == 1
    assert "skeleton_pos.txt" in result.problems[0] and reason in result.problems[0]


def test_sbu_refuses_a_file_outside_the_pair_class_take_layout(tmp_path):
    path = _write(tmp_path / "sbu" / "s01s03" / "09" / "001" / "skeleton_pos.txt", _sbu_text(_two_people()))
    with pytest.raises(MalformedFileError, match="s<AA>s<BB>"):
        sbu.read_file(path)
