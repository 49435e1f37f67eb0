"""The six pack readers on small synthetic packs: damaged rows are named, absent frames stay absent."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.data import ase, jhmdb, md4fd, motions, pushfit
from core.skeleton.layout import JOINT
from tests.test_pose_landmarks import _standing


def _pack(root: Path, name: str, header: str, rows: list[str], arrays: dict[str, dict[str, np.ndarray]]) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "clips.tsv").write_text("\n".join([header] + rows) + "\n")
    for file, content in arrays.items():
        if isinstance(content, bytes):
            (folder / file).write_bytes(content)
        else:
            np.savez(folder / file, **content)
    return root


def _body(layout_names: tuple, frames: int = 8) -> np.ndarray:
    """Points of a standing person in a layout given by lifter-joint names (None: filler)."""
    from core.pose.lifting import LIFT_JOINTS

    standing = _standing(frames)
    return np.stack([standing[:, LIFT_JOINTS.index(n)] if n else standing[:, 0] for n in layout_names], axis=1)


def test_jhmdb_reads_a_clip_and_names_a_damaged_or_misshapen_one(tmp_path):
    from core.pose.landmarks import POINT_NAMES

    good = _body(POINT_NAMES["jhmdb"]) / 500.0  # normalised units: any scale works
    root = _pack(tmp_path, "jhmdb", "file\tlabel\tsubject\tsplit\tframes\tfps\tsource",
                 ["a.npz\twave\t\t1:test 2:train 3:train\t8\t\tx", "b.npz\twave\t\t1:train\t8\t\tx",
                  "c.npz\twave\t\t1:train\t8\t\tx", "d.npz\twave\t\t2:train\t8\t\tx"],
                 {"a.npz": {"joints": good}, "b.npz": {"joints": good[:, :13]}, "c.npz": b"not a zip"})
    read = jhmdb.read_source(root)
    assert read.found == 1 and [s.subject for s in read.samples] == ["test"]
    assert read.samples[0].joints.shape == (8, 25, 3) and np.isfinite(read.samples[0].joints).all()
    problems = " | ".join(read.problems)
    assert "b.npz: joints must be (frames, 15, 2)" in problems and "c.npz: is not a readable .npz" in problems
    assert "d.npz" in problems and "no split-1 role" in problems


def test_pushfit_keeps_frames_without_a_person_absent(tmp_path):
    landmarks = np.random.default_rng(0).uniform(0.3, 0.7, (8, 33, 4))
    landmarks[3] = np.nan
    root = _pack(tmp_path, "pushfit", "file\tlabel\tsubject\tview\tform\tfps\twidth\theight\tframes\tsource",
                 ["a.npz\tpush-up\t\t\tcorrect\t25\t640\t360\t8\tx", "b.npz\tpush-up\t\t\twrong\t\t\t\t8\tx"],
                 {"a.npz": {"landmarks": landmarks}, "b.npz": {"landmarks": landmarks}})
    read = pushfit.read_source(root)
    (sample,) = read.samples
    assert sample.subject == "a" and sample.fps == 25.0
    assert not sample.joints[3].any() and np.abs(sample.joints[[2, 4]]).sum() > 0
    assert read.problems == ["b.npz: has no known frame size or fps (its video is absent from the source)"]


def test_md4fd_hangs_the_arms_it_never_saw_and_drops_frames_without_a_body(tmp_path):
    from core.pose.landmarks import POINT_NAMES

    points = _body(POINT_NAMES["md4fd"]) / [640.0, 480.0]
    aspect = np.full(8, 2.5)
    aspect[0] = np.nan
    root = _pack(tmp_path, "md4fd", "file\tlabel\tsubject\tview\tform\tfps\twidth\theight\tframes\tsource",
                 ["ur_fall_FALL_003.npz\tfall\t\t\t\t30\t640\t480\t8\tx"],
                 {"ur_fall_FALL_003.npz": {"landmarks": points, "aspect": aspect}})
    (sample,) = md4fd.read_source(root).samples
    assert sample.subject == "ur_fall_FALL-003" and not sample.joints[0].any()
    body = sample.joints[1:]
    for side in ("left", "right"):  # arms at the sides: the wrist below the elbow below the shoulder
        shoulder, elbow, wrist = (body[:, JOINT[f"{side}_{part}"], 1] for part in ("shoulder", "elbow", "wrist"))
        assert np.all(shoulder > elbow) and np.all(elbow > wrist)


def test_motions_fills_the_legs_openpose_never_found(tmp_path):
    from core.pose.lifting import LIFT_JOINTS

    standing = _standing(8)
    joints = np.zeros((8, 25, 3))
    body25 = {"right_shoulder": 2, "right_elbow": 3, "right_wrist": 4, "left_shoulder": 5, "left_elbow": 6,
              "left_wrist": 7, "right_hip": 9, "left_hip": 12}
    for name, index in body25.items():
        joints[:, index, :2] = standing[:, LIFT_JOINTS.index(name)]
        joints[:, index, 2] = 0.9
    for index in (15, 16, 17, 18):  # eyes and ears around the head
        joints[:, index, :2] = standing[:, 0] + [(-1) ** index * 5.0, 0.0]
        joints[:, index, 2] = 0.9
    joints[:, 10, :2] = 123.0  # a knee point with confidence 0: drift, not a detection
    root = _pack(tmp_path, "motions", "file\tlabel\tsubject\tsplit\tframes\tfps\tsource",
                 ["train/p3_rowing_01.npz\trowing\tp3\ttrain\t8\t\tx"], {})
    (root / "motions" / "train").mkdir()
    np.savez(root / "motions" / "train" / "p3_rowing_01.npz", joints=joints, width=640, height=480)
    (sample,) = motions.read_source(root).samples
    knees, hips = sample.joints[:, JOINT["right_knee"], 1], sample.joints[:, JOINT["right_hip"], 1]
    assert sample.subject == "p3" and np.all(knees < hips - 0.2)  # straight under the hips, not at the drifting point


def test_ase_leaves_out_a_byte_identical_copy_and_names_it_by_its_motion(tmp_path):
    rng = np.random.default_rng(1)
    joints = rng.normal(0, 0.3, (5, 17, 3)) + [0.0, 0.0, 1.0]
    root = _pack(tmp_path, "ase", "file\tlabel\tsubject\tsplit\tframes\tfps\tsource",
                 ["RL_Idle_Ready(0).npz\tIdle_Ready(0)\t\t\t5\t30\tx", "RL_Idle_Ready.npz\tIdle_Ready\t\t\t5\t30\tx"],
                 {"RL_Idle_Ready(0).npz": {"joints": joints, "fps": np.float64(30)},
                  "RL_Idle_Ready.npz": {"joints": joints, "fps": np.float64(30)}})
    read = ase.read_source(root)
    assert [(s.label, s.subject) for s in read.samples] == [("Idle_Ready", "reallusion")]
    assert read.problems == ["RL_Idle_Ready.npz: the same motion as RL_Idle_Ready(0).npz, left out"]


def test_md4fd_windows_that_share_a_frame_are_one_recording(tmp_path):
    from core.pose.landmarks import POINT_NAMES

    frames = _body(POINT_NAMES["md4fd"], 12) / [640.0, 480.0]
    windows = {"s_000.npz": frames[0:6], "s_001.npz": frames[4:10], "s_002.npz": frames[9:12] + 0.01,
               "t_003.npz": frames[0:6]}  # shares frames with s_000, but is another session
    header = "file\tlabel\tsubject\tview\tform\tfps\twidth\theight\tframes\tsource"
    root = _pack(tmp_path, "md4fd", header, [f"{name}\tfall\t\t\t\t30\t640\t480\t6\tx" for name in windows],
                 {name: {"landmarks": points, "aspect": np.full(len(points), 2.0)} for name, points in windows.items()})
    assert [s.subject for s in md4fd.read_source(root).samples] == ["s-000", "s-000", "s-002", "t-003"]
