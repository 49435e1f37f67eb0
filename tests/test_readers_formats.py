"""Source readers on small files generated here: parsing, geometry, and malformed input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.data import bandai, cad60, kard, msr_action3d, nwucla, utkinect
from core.data.bvh import read_bvh
from core.data.packing import pack, unpack
from core.data.sample import MalformedFileError
from core.data.synthesis import complete_skeleton
from core.skeleton.proportions import SPINE_MID_FRACTION
from core.skeleton.layout import JOINT

# A standing body facing the camera, in metres: NTU names -> (x, y, z).
STANDING = {
    "head": (0.0, 0.75, 3.0), "spine_shoulder": (0.0, 0.5, 3.0), "spine_mid": (0.0, 0.25, 3.0),
    "spine_base": (0.0, 0.0, 3.0),
    "left_shoulder": (-0.2, 0.5, 3.0), "left_elbow": (-0.25, 0.25, 3.0),
    "left_wrist": (-0.27, 0.02, 3.0), "left_hand": (-0.28, -0.05, 3.0),
    "left_hip": (-0.1, 0.0, 3.0), "left_knee": (-0.1, -0.45, 3.0),
    "left_ankle": (-0.1, -0.85, 3.0), "left_foot": (-0.1, -0.9, 2.9),
}
STANDING.update({name.replace("left", "right"): (-x, y, z)
                 for name, (x, y, z) in list(STANDING.items()) if name.startswith("left")})


def _frames(order: tuple[str, ...], count: int = 4, scale: float = 1.0) -> np.ndarray:
    """(count, J, 3) of the standing body in a source's joint order, the right hand waving."""
    frames = np.array([[STANDING[name] for name in order]] * count, dtype=np.float64)
    for t in range(count):
        for j, name in enumerate(order):
            if name in ("right_hand", "right_wrist"):
                frames[t, j, 1] += 0.1 * t
    return frames * scale


def _write_rows(path: Path, rows: np.ndarray) -> Path:
    path.write_text("\n".join(" ".join(f"{v:.4f}" for v in row) for row in rows) + "\n")
    return path


# -- synthesis -------------------------------------------------------------------------------


def test_complete_skeleton_places_synthesised_joints_between_neighbours():
    known = {name: np.array([xyz]) for name, xyz in STANDING.items()
             if name not in ("spine_mid", "spine_shoulder")}
    skeleton = complete_skeleton(known)
    assert skeleton.shape == (1, 25, 3) and skeleton.dtype == np.float32
    assert np.allclose(skeleton[0, JOINT["spine_shoulder"]], (0.0, 0.5, 3.0))
    assert np.isclose(skeleton[0, JOINT["spine_mid"], 1], 0.5 * SPINE_MID_FRACTION)
    neck = skeleton[0, JOINT["neck"], 1]
    assert 0.5 < neck < 0.75
    # hand tips continue the wrist -> hand direction; thumbs lean towards the camera (front)
    assert skeleton[0, JOINT["right_hand_tip"], 1] < skeleton[0, JOINT["right_hand"], 1]
    assert skeleton[0, JOINT["left_thumb"], 2] < skeleton[0, JOINT["left_hand"], 2]


def test_complete_skeleton_puts_a_missing_foot_in_front_of_the_ankle():
    known = {name: np.array([xyz]) for name, xyz in STANDING.items() if "foot" not in name}
    skeleton = complete_skeleton(known)
    assert skeleton[0, JOINT["left_foot"], 2] < skeleton[0, JOINT["left_ankle"], 2]
    assert skeleton[0, JOINT["left_foot"], 1] < skeleton[0, JOINT["left_ankle"], 1]


def test_complete_skeleton_refuses_incomplete_or_unknown_joints():
    with pytest.raises(ValueError, match="without"):
        complete_skeleton({"head": np.zeros((1, 3))})
    known = {name: np.array([xyz]) for name, xyz in STANDING.items()}
    with pytest.raises(ValueError, match="unknown joint"):
        complete_skeleton({**known, "tail": np.zeros((1, 3))})


# -- packing -------------------------------------------------------------------------------


def test_pack_round_trip_keeps_millimetres():
    rng = np.random.default_rng(0)
    sequences = [rng.normal(0, 1, (n, 25, 3)).astype(np.float32) + 3 for n in (1, 7, 30)]
    steps, offsets = pack(sequences)
    assert steps.dtype == np.int16 and list(offsets) == [0, 1, 8, 38]
    for i, sequence in enumerate(sequences):
        assert np.abs(unpack(steps, offsets, i) - sequence).max() <= 0.0005 + 1e-6


def test_pack_refuses_coordinates_beyond_int16_millimetres():
    with pytest.raises(ValueError, match="int16"):
        pack([np.full((2, 25, 3), 40.0)])


# -- one reader per format ---------------------------------------------------------------------


def test_nwucla_reads_json_and_reports_bad_files(tmp_path):
    folder = tmp_path / "NW-UCLA" / "all_sqe"
    folder.mkdir(parents=True)
    from core.data.kinect_v1 import KINECT_V1_JOINTS

    good = {"file_name": "a11_s02_e01_v03", "skeletons": _frames(KINECT_V1_JOINTS).tolist()}
    (folder / "a11_s02_e01_v03.json").write_text(json.dumps(good))
    (folder / "a11_s02_e02_v03.json").write_text('{"skeletons": [[1, 2')
    nan = {"skeletons": _frames(KINECT_V1_JOINTS).tolist()}
    nan["skeletons"][1][3][0] = float("nan")
    (folder / "a11_s02_e03_v03.json").write_text(json.dumps(nan))
    result = nwucla.read_source(tmp_path)
    assert result.found == 1 and len(result.samples) == 1
    sample = result.samples[0]
    assert (sample.subject, sample.label, sample.fps) == ("s02", "throw", 30.0)
    assert np.allclose(sample.joints[0, JOINT["left_shoulder"]], STANDING["left_shoulder"])
    assert any("a11_s02_e02_v03.json" in p and "JSON" in p for p in result.problems)
    assert any("a11_s02_e03_v03.json" in p and "NaN" in p for p in result.problems)


def test_kard_converts_openni_millimetres_and_mirrors_x(tmp_path):
    folder = tmp_path / "kard_realworld"
    folder.mkdir()
    raw = _frames(kard.JOINT_ORDER, scale=1000.0)
    raw[..., 0] *= -1.0  # OpenNI's X points to the subject's left
    _write_rows(folder / "a02_s03_e01_realworld.txt", raw.reshape(-1, 3))
    _write_rows(folder / "a02_s03_e02_realworld.txt", raw.reshape(-1, 3)[:-4])  # partial frame
    bad = raw.reshape(-1, 3).copy()
    bad[5, 1] = np.nan
    _write_rows(folder / "a02_s03_e03_realworld.txt", bad)
    result = kard.read_source(tmp_path)
    assert result.found == 1
    joints = result.samples[0].joints
    assert result.samples[0].label == "high arm wave"
    assert np.allclose(joints[0, JOINT["right_shoulder"]], STANDING["right_shoulder"], atol=1e-4)
    assert np.allclose(joints[0, JOINT["right_knee"]], STANDING["right_knee"], atol=1e-4)
    assert any("e02" in p and "partial frame" in p for p in result.problems)
    assert any("e03" in p and "NaN" in p for p in result.problems)


def test_msr_reads_its_own_order_and_skips_files_without_tracked_frames(tmp_path):
    folder = tmp_path / "real_world_coordinates"
    folder.mkdir()
    frames = _frames(msr_action3d.JOINT_ORDER)
    rows = np.concatenate([frames.reshape(-1, 3), np.ones((frames.size // 3, 1))], axis=1)
    _write_rows(folder / "a01_s01_e01_skeleton3D.txt", rows)
    _write_rows(folder / "a01_s01_e02_skeleton3D.txt", np.zeros((40, 4)))
    (folder / "a01_s01_e03_skeleton3D.txt").write_text("1 2 x 4\n")
    result = msr_action3d.read_source(tmp_path)
    assert result.found == 1
    assert np.allclose(result.samples[0].joints[0, JOINT["head"]], STANDING["head"])
    assert any("e02" in p and "no tracked frame" in p for p in result.problems)
    assert any("e03" in p and "not numeric" in p for p in result.problems)


def test_utkinect_cuts_segments_on_a_regular_grid_and_reports_bad_labels(tmp_path):
    from core.data.kinect_v1 import KINECT_V1_JOINTS

    folder = tmp_path / "utkinect" / "joints"
    folder.mkdir(parents=True)
    frames = _frames(KINECT_V1_JOINTS, count=6).reshape(6, -1)
    indices = np.array([10, 10, 14, 16, 22, 24])  # a repeated index and irregular steps
    _write_rows(folder / "joints_s01_e01.txt", np.column_stack([indices, frames]))
    (folder / "actionLabel.txt").write_text(
        "s01_e01\nwalk: 10 16\ncarry:  NaN NaN\nthrow: 30 40\npush: 14 24\npull: 16 22\n"
        "s02_e01\nwalk: 1 5\n"
    )
    result = utkinect.read_source(tmp_path)
    assert result.found == 2
    sample = result.samples[0]
    assert (sample.name, sample.fps, len(sample.joints)) == ("s01_e01_walk", 15.0, 4)
    assert np.allclose(sample.joints[1], (sample.joints[0] + sample.joints[2]) / 2, atol=1e-6)
    assert result.samples[1].name == "s01_e01_pull"
    assert len(result.problems) == 4
    assert any("carry" in p and "not frame numbers" in p for p in result.problems)
    assert any("s01_e01_push" in p and "contains the whole pull" in p for p in result.problems)
    assert any("joints_s02_e01.txt" in p for p in result.problems)


def _cad_window(frames: np.ndarray, path: Path, padding: bool = False) -> None:
    rows = []
    for frame in frames:
        for joint in frame:
            rows.append(list(joint) + [1.0] + [0.5] * 8)  # position, then orientation numbers
    text = "\n".join(" ".join(f"{v:.3f}" for v in row) for row in rows)
    if padding:
        text += "\n" + " ".join(["0"] * 18) + "\n" + " ".join(["0"] * 18)
    path.write_text(text + "\n")


def test_cad60_joins_consecutive_windows_and_splits_at_gaps(tmp_path):
    folder = tmp_path / "cad60_ori"
    folder.mkdir()
    raw = _frames(cad60.JOINT_ORDER, count=3, scale=1000.0)
    raw[..., 0] *= -1.0
    for k in (1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12):
        _cad_window(raw, folder / f"a04_drinking_water_{k}_p1.txt", padding=k == 12)
    (folder / "a04_drinking_water_4_p1.txt").write_text("1 2 3\n" * 14)  # a partial frame
    _cad_window(raw, folder / "a17_random1_1_p2.txt")
    result = cad60.read_source(tmp_path)
    assert result.found == 12 and result.expected == 2790
    names = sorted(sample.name for sample in result.samples)
    assert names == ["a04_drinking_water_p1_w01-03", "a04_drinking_water_p1_w05-09",
                     "a04_drinking_water_p1_w10-12", "a17_random1_p2_w01-01"]
    by_name = {sample.name: sample for sample in result.samples}
    assert len(by_name["a04_drinking_water_p1_w05-09"].joints) == 15
    assert by_name["a17_random1_p2_w01-01"].label == "random"
    assert by_name["a04_drinking_water_p1_w10-12"].subject == "p1"
    assert any("_4_p1.txt" in p and "partial frame" in p for p in result.problems)


# -- BVH ----------------------------------------------------------------------------------------

_BVH = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Arm
  {
    OFFSET 10 0 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT Hand
    {
      OFFSET 0 5 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      End Site
      {
        OFFSET 0 1 0
      }
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.0333333
1 2 3 0 0 0 0 0 0 0 0 0
0 0 0 90 0 0 0 90 0 0 0 0
"""


def test_bvh_forward_kinematics_follows_the_channel_order(tmp_path):
    path = tmp_path / "tiny.bvh"
    path.write_text(_BVH)
    motion = read_bvh(path)
    assert motion.names == ["Hips", "Arm", "Hand"] and motion.parents == [-1, 0, 1]
    assert motion.fps == pytest.approx(30.0)
    positions = motion.positions()
    assert np.allclose(positions["Hips"][0], (1, 2, 3))
    assert np.allclose(positions["Hand"][0], (11, 7, 3))
    # frame 1: the root turns 90 degrees about Z (X -> Y), the arm 90 degrees about X (Y -> Z)
    assert np.allclose(positions["Arm"][1], (0, 10, 0), atol=1e-9)
    assert np.allclose(positions["Hand"][1], (0, 10, 5), atol=1e-9)


def test_bvh_truncated_or_inconsistent_files_are_reported(tmp_path):
    truncated = tmp_path / "truncated.bvh"
    truncated.write_text(_BVH[: _BVH.index("0 0 0 90")])
    with pytest.raises(MalformedFileError, match="declares 2 frames"):
        read_bvh(truncated)
    no_motion = tmp_path / "no_motion.bvh"
    no_motion.write_text(_BVH[: _BVH.index("MOTION")])
    with pytest.raises(MalformedFileError, match="no MOTION"):
        read_bvh(no_motion)
    nan = tmp_path / "nan.bvh"
    nan.write_text(_BVH.replace("1 2 3 0", "nan 2 3 0"))
    with pytest.raises(MalformedFileError, match="NaN"):
        read_bvh(nan)


def test_bandai_reports_a_truncated_clip_by_name_and_reads_the_rest(tmp_path):
    data = tmp_path / "Bandai-Namco-Research-Motiondataset-2" / "data"
    cfg = data.parent / "cfg"
    data.mkdir(parents=True)
    cfg.mkdir()
    (cfg / "content_label.txt").write_text("dataset-2_walk\ndataset-2_wave-right-hand\n")
    (cfg / "style_label.txt").write_text("dataset-2_active\n")
    (data / "dataset-2_walk_active_001.bvh").write_text(_BVH[:-30])
    (data / "dataset-2_walk_active_001.json").write_text('{"content": 0, "style": 0}')
    (data / "dataset-2_wave-right-hand_active_001.bvh").write_text(_BVH)
    (data / "dataset-2_wave-right-hand_active_001.json").write_text('{"content": 0, "style": 0}')
    result = bandai.read_source(tmp_path)
    assert result.found == 0
    assert any("walk_active_001.bvh" in p and "truncated" in p for p in result.problems)
    assert any("wave-right-hand_active_001.bvh" in p and "unlike the file name" in p
               for p in result.problems)
