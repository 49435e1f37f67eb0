"""ASF/AMC, HDM05 and Penn Action readers on small files generated here, malformed ones included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.io import savemat

from core.data import hdm05, penn_action
from core.data.asf_amc import INCH_M, positions, read_amc, read_asf
from core.data.sample import MalformedFileError
from core.pose import lifting
from core.skeleton.layout import JOINT

_ASF = """# a two-bone chain
:version 1.10
:units
  mass 1.0
  length 0.45
  angle deg
:root
   order TX TY TZ RX RY RZ
   axis XYZ
   position 0 0 0
   orientation 0 0 0
:bonedata
  begin
     id 1
     name upper
     direction 0 1 0
     length 9
     axis 0 0 0 XYZ
    dof rx ry rz
  end
  begin
     id 2
     name lower
     direction 1 0 0
     length 4.5
     axis 0 0 90 XYZ
    dof rx
  end
:hierarchy
  begin
    root upper
    upper lower
  end
"""
_AMC = """#!OML:ASF tiny
:FULLY-SPECIFIED
:DEGREES
1
root 0 0 0 0 0 0
upper 0 0 0
lower 0
2
root 45 0 0 0 0 90
upper 0 0 0
lower 90
3
root 0 0 0 90 0 90
upper 0 0 0
lower 0
"""
METRES = INCH_M / 0.45  # one ASF unit under ``length 0.45``


def _write(tmp_path: Path, asf: str = _ASF, amc: str = _AMC) -> tuple[Path, Path]:
    (tmp_path / "tiny.asf").write_text(asf, encoding="latin-1")
    (tmp_path / "tiny.amc").write_text(amc, encoding="latin-1")
    return tmp_path / "tiny.asf", tmp_path / "tiny.amc"


def test_asf_amc_forward_kinematics_units_axis_and_rotation_order(tmp_path):
    asf, amc = _write(tmp_path)
    skeleton = read_asf(asf)
    assert skeleton.metres_per_unit == pytest.approx(METRES) and skeleton.degrees
    ends = positions(skeleton, read_amc(amc, skeleton))
    upper, lower = 9 * METRES, 4.5 * METRES
    # rest pose: bones along their directions, lengths in metres
    assert np.allclose(ends["upper"][0], (0, upper, 0)) and np.allclose(ends["lower"][0], (lower, upper, 0))
    # frame 2: the root moves 45 units along X and turns 90 degrees about Z (Y -> -X); the lower
    # bone's rx turns about its local X, which its axis (0 0 90) points along world Y (X -> -Z)
    assert np.allclose(ends["root"][1], (45 * METRES, 0, 0))
    assert np.allclose(ends["upper"][1], (45 * METRES - upper, 0, 0), atol=1e-9)
    assert np.allclose(ends["lower"][1], (45 * METRES - upper, 0, -lower), atol=1e-9)
    # frame 3: "XYZ" applies X first (Y -> Z), then Z (Z stays): the bone ends up along +Z
    assert np.allclose(ends["upper"][2], (0, 0, upper), atol=1e-9)


@pytest.mark.parametrize("amc, message", [
    (_AMC.replace("lower 90", "lower 90 0"), "does not match the skeleton's dof"),
    (_AMC.replace("upper 0 0 0\nlower 90\n", ""), "lacks some bones"),
    (_AMC.replace("root 45", "root x"), "not numeric"),
    (":FULLY-SPECIFIED\n", "holds no frame"),
])
def test_malformed_amc_files_are_reported(tmp_path, amc, message):
    asf, path = _write(tmp_path, amc=amc)
    with pytest.raises(MalformedFileError, match=message):
        read_amc(path, read_asf(asf))


@pytest.mark.parametrize("asf, message", [
    (_ASF[: _ASF.index(":hierarchy")], "no :hierarchy"),
    (_ASF.replace("upper lower", "upper elbow"), "inconsistent hierarchy"),
    (_ASF.replace("length 4.5", "lenght 4.5"), "without name/direction/length"),
    (_ASF.replace("dof rx\n", "dof rw\n"), "bad direction, axis order or dof"),
])
def test_malformed_asf_files_are_reported(tmp_path, asf, message):
    path, _ = _write(tmp_path, asf=asf)
    with pytest.raises(MalformedFileError, match=message):
        read_asf(path)


def test_hdm05_needs_its_naming_and_the_actor_skeleton(tmp_path):
    stray = tmp_path / "walk.amc"
    stray.write_text(_AMC)
    with pytest.raises(MalformedFileError, match="HDM_<actor>"):
        hdm05.read_file(stray)
    orphan = tmp_path / "HDM_xy_grabHighR_001_120.amc"
    orphan.write_text(_AMC)
    with pytest.raises(MalformedFileError, match="no skeleton HDM_xy.asf"):
        hdm05.read_file(orphan)
    (tmp_path / "HDM_xy.asf").write_text(_ASF)  # a valid ASF, but not a human one
    with pytest.raises(MalformedFileError, match="lacks the bones"):
        hdm05.read_file(orphan)


# A standing person filmed from the front in a real image (y down): their right side is on the
# image's left. Columns in Penn Action's order (head, then right/left pairs).
_FRONT = {
    "head": (100, 40), "right_shoulder": (85, 70), "left_shoulder": (115, 70),
    "right_elbow": (80, 100), "left_elbow": (120, 100), "right_wrist": (78, 130),
    "left_wrist": (122, 130), "right_hip": (92, 140), "left_hip": (108, 140),
    "right_knee": (92, 190), "left_knee": (108, 190), "right_ankle": (92, 240),
    "left_ankle": (108, 240),
}


def _penn(tmp_path: Path, frames: int = 8, drop: str = "", **overrides) -> Path:
    points = np.array([[_FRONT[name] for name in penn_action.COLUMNS]] * frames, dtype=float)
    fields = {"action": "squat", "pose": "front", "x": points[..., 0], "y": points[..., 1],
              "visibility": np.ones((frames, 13), np.uint8), "train": np.array([[-1]]),
              "bbox": np.zeros((frames, 4)), "dimensions": np.array([[270, 200, frames]], np.uint16),
              "nframes": np.array([[frames]], np.uint8)}
    fields.update(overrides)
    fields.pop(drop, None)
    path = tmp_path / "0001.mat"
    savemat(path, fields)
    return path


def test_penn_action_clip_is_lifted_facing_the_camera_with_its_official_half(tmp_path):
    (sample,) = penn_action.read_file(_penn(tmp_path))
    assert (sample.source, sample.subject, sample.label, sample.fps) == ("penn-action", "test", "squat", 30.0)
    joints = sample.joints
    assert joints.shape == (8, 25, 3)
    assert np.all(joints[:, JOINT["right_shoulder"], 0] > joints[:, JOINT["left_shoulder"], 0])
    assert np.all(joints[:, JOINT["head"], 1] > joints[:, JOINT["spine_base"], 1] + 0.3)
    assert np.allclose(joints[:, JOINT["spine_base"]], (0.0, 0.0, lifting.PLACE_DEPTH_M), atol=1e-5)


def test_penn_action_malformed_or_mostly_hidden_clips_are_reported(tmp_path):
    with pytest.raises(MalformedFileError, match=r"lacks the fields \['x'\]"):
        penn_action.read_file(_penn(tmp_path, drop="x"))
    with pytest.raises(MalformedFileError, match="train flag 0"):
        penn_action.read_file(_penn(tmp_path, train=np.array([[0]])))
    hidden = np.zeros((8, 13), np.uint8)
    hidden[:, :5] = 1
    with pytest.raises(MalformedFileError, match="only 38% of its joint positions are visible"):
        penn_action.read_file(_penn(tmp_path, visibility=hidden))
    (tmp_path / "0002.mat").write_text("not a MATLAB file")
    with pytest.raises(MalformedFileError, match="not a readable MATLAB file"):
        penn_action.read_file(tmp_path / "0002.mat")


def test_penn_action_fills_short_gaps_keeps_long_ones_and_replaces_lost_positions(tmp_path):
    frames = 40
    points = np.zeros((frames, 13, 2))
    points[:, :, 0] = np.arange(frames)[:, None] + 10.0  # every joint drifts right, 1 px a frame
    points[:, :, 1] = 50.0
    visible = np.ones((frames, 13), bool)
    visible[5:8, 0] = False  # a 3-frame gap: interpolated from frames 4 and 8
    points[5:8, 0] = 99.0
    visible[10:35, 1] = False  # a 25-frame gap: the annotators' estimate is kept
    points[10:35, 1, 1] = 60.0
    points[20, 2] = 0.0  # lost at (0, 0), although marked visible: interpolated
    cleaned = penn_action.clean_points(Path("x.mat"), points, visible, np.array([100.0, 100.0]))
    assert np.allclose(cleaned[5:8, 0], [[15, 50], [16, 50], [17, 50]])
    assert np.allclose(cleaned[10:35, 1, 1], 60.0)
    assert np.allclose(cleaned[20, 2], (30, 50))
