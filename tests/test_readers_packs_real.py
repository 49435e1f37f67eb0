"""Evidence on the real data that the six converted packs are read right: counts, sides, poses.

Each source is read whole through the reader the build uses (from the build's unpack cache) and
checked against the motion itself: the bow arm of a violin is the right arm, a push-up lies
horizontal, a fall ends low, a sword is swung by the right hand, and a clip's landmarks give the
same skeleton through the app's live window as through the reader.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from core.data import posepilot, pushfit
from core.data.packs import load_arrays, pack_folder, table_rows
from core.data.source_cache import unpacked
from core.data.sources import SOURCES
from core.skeleton.layout import JOINT
from tests.conftest import require_data


@lru_cache(maxsize=8)
def _read(source: str):
    archive, reader = SOURCES[source]
    return reader.read_source(unpacked(require_data("raw", archive)))


def _samples(source: str, label: str | None = None) -> list:
    return [s for s in _read(source).samples if label is None or s.label == label]


def _present(joints: np.ndarray) -> np.ndarray:
    return joints[np.abs(joints).sum(axis=(1, 2)) > 0]


def _wrist_travel(joints: np.ndarray, side: str) -> float:
    relative = joints[:, JOINT[f"{side}_wrist"]] - joints[:, JOINT["spine_base"]]
    return float(np.linalg.norm(np.diff(relative, axis=0), axis=-1).sum())


def _spine_tilt_deg(joints: np.ndarray) -> np.ndarray:
    """Per frame, the spine's angle from the camera's vertical (Y up)."""
    spine = joints[:, JOINT["spine_shoulder"]] - joints[:, JOINT["spine_base"]]
    cosine = spine[:, 1] / np.maximum(np.linalg.norm(spine, axis=-1), 1e-9)
    return np.degrees(np.arccos(np.clip(cosine, -1, 1)))


@pytest.mark.parametrize("source, found, expected, problems", [
    ("jhmdb", 609, 609, 0), ("posepilot-yoga", 199, 199, 0), ("pushfit", 261, 265, 4),
    ("md4fd", 102, 102, 0), ("motions", 1472, 1472, 0), ("ase", 87, 90, 3),
])
def test_every_pack_reads_what_it_holds_and_names_what_it_leaves_out(source, found, expected, problems):
    read = _read(source)
    assert (read.found, read.expected, len(read.problems)) == (found, expected, problems), read.problems
    assert len(read.samples) == found
    for sample in read.samples:
        joints = _present(sample.joints)
        assert len(joints) >= 2 and np.isfinite(joints).all()
        height = joints[:, JOINT["head"], 1] - np.minimum(joints[:, JOINT["left_ankle"], 1], joints[:, JOINT["right_ankle"], 1])
        assert 0.0 < float(np.median(np.abs(height))) < 2.2, sample.name  # metres, a person's size


def test_pushfit_leaves_out_exactly_the_clips_without_a_frame_size():
    assert sorted(p.split(".")[0] for p in _read("pushfit").problems) == ["correct114", "wrong108", "wrong109", "wrong110"]


def test_a_push_up_lies_horizontal_and_a_standing_yoga_pose_stands():
    push_ups = [np.median(_spine_tilt_deg(_present(s.joints))) for s in _samples("pushfit")]
    assert np.mean(np.array(push_ups) > 50) > 0.9, np.percentile(push_ups, [10, 50, 90])
    trees = [np.median(_spine_tilt_deg(_present(s.joints))) for s in _samples("posepilot-yoga", "tree")]
    assert np.mean(np.array(trees) < 30) > 0.9, np.percentile(trees, [10, 50, 90])


def test_the_bow_arm_and_the_strumming_hand_are_the_right_arm():
    for label, share in (("violin", 0.95), ("guitar", 0.9)):
        clips = _samples("motions", label)
        right = [_wrist_travel(s.joints, "right") > _wrist_travel(s.joints, "left") for s in clips]
        assert np.mean(right) >= share, (label, np.mean(right))


def test_motions_are_split_by_person_and_keep_the_official_test_people_apart():
    from core.knowledge.splits import OFFICIAL_TEST_SUBJECTS

    subjects = {s.subject for s in _samples("motions")}
    assert len(subjects) == 33 and set(OFFICIAL_TEST_SUBJECTS["motions"]) <= subjects


def test_jhmdb_subjects_are_the_split_1_roles():
    counts = {role: sum(s.subject == role for s in _samples("jhmdb")) for role in ("train", "test")}
    assert counts == {"train": 433, "test": 176}


def test_md4fd_falls_end_lower_than_they_start_and_windows_stay_in_their_session():
    falls = _samples("md4fd", "fall")
    recordings = {s.subject for s in _read("md4fd").samples}
    assert len(falls) == 60 and len(recordings) == 45 and "le2i_home_02-005" in recordings
    tilted = [np.max(_spine_tilt_deg(_present(s.joints))) > 45 for s in falls]
    assert np.mean(tilted) > 0.6, np.mean(tilted)


def test_ase_sword_is_in_the_right_hand_and_falls_go_where_the_label_map_says():
    slashes = _samples("ase")
    slashes = [s for s in slashes if s.label.startswith(("Atk_Slash", "Atk_2xCombo", "Atk_3xCombo"))]
    assert len(slashes) == 16
    assert np.mean([_wrist_travel(s.joints, "right") > _wrist_travel(s.joints, "left") for s in slashes]) > 0.8
    from core.knowledge.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    for clip in _samples("ase"):
        if not clip.label.startswith("Fall_") or "Spin" in clip.label or "Backward" in clip.label:
            continue
        joints = clip.joints  # faced to the camera at frame 0: the performer's right is +X
        lowest = int(np.argmin(joints[:, JOINT["spine_base"], 1]))
        sideways = joints[lowest, JOINT["spine_base"], 0] - joints[0, JOINT["spine_base"], 0]
        expected = "fall to the right" if sideways > 0 else "fall to the left"
        assert vocabulary.canonical("ase", clip.label) == expected, (clip.label, sideways)
    assert {s.label for s in _samples("ase") if s.label.startswith("Idle")} == {"Idle_Alert", "Idle_Battle", "Idle_Ready"}


def _aspect(landmarks: np.ndarray) -> float:
    """The frame aspect (width / height) at which MediaPipe's bones (x, y, depth) keep the steadiest length.

    Not the true aspect (MediaPipe's depth is not metric), but it keeps setups apart: see below.
    """
    bones = [(11, 13), (13, 15), (12, 14), (14, 16), (23, 25), (25, 27), (24, 26), (26, 28), (11, 12), (23, 24),
             (11, 23), (12, 24)]
    points = landmarks[np.isfinite(landmarks[..., :3]).all(axis=(1, 2))]
    best = (np.inf, 0.0)
    for aspect in np.linspace(0.4, 2.5, 85):
        spread = 0.0
        for a, b in bones:
            step = points[:, a, :3] - points[:, b, :3]
            step[:, 1] /= aspect
            spread += np.std(np.log(np.linalg.norm(step, axis=-1) + 1e-6))
        best = min(best, (spread, aspect))
    return best[1]


def _median_aspect(folder: Path, rows: list[dict]) -> float:
    return float(np.median([_aspect(load_arrays(folder / row["file"], ("landmarks",))["landmarks"]) for row in rows]))


def test_posepilot_frame_aspects_are_the_ones_its_landmarks_point_to():
    """The measurement behind core.data.posepilot's frame sizes, calibrated on pushfit's known sizes."""
    push = pack_folder(unpacked(require_data("raw", "pushfit.tar.xz")), "pushfit")
    push_rows = table_rows((push / "clips.tsv").read_text(), "pushfit")
    wide = _median_aspect(push, [r for r in push_rows if (r["width"], r["height"]) == ("640", "360")][::6])
    narrow = _median_aspect(push, [r for r in push_rows if (r["width"], r["height"]) == ("320", "240")][::6])
    assert narrow < 1.0 < 1.2 < wide, (narrow, wide)
    yoga = pack_folder(unpacked(require_data("raw", "posepilot-yoga.tar.xz")), "posepilot-yoga")
    yoga_rows = table_rows((yoga / "clips.tsv").read_text(), "posepilot-yoga")
    for camera in ("cam_0", "cam_1", "cam_2", "cam_3"):
        pose = _median_aspect(yoga, [r for r in yoga_rows if r["view"] == camera][::4])
        assert abs(pose - narrow) < abs(pose - wide), (camera, pose, narrow, wide)
    suns = _median_aspect(yoga, [r for r in yoga_rows if r["label"] == posepilot.SUN_SALUTATION])
    assert abs(suns - wide) < abs(suns - narrow), (suns, narrow, wide)
    assert posepilot.POSE_FRAME[0] / posepilot.POSE_FRAME[1] == 4 / 3
    assert posepilot.SUN_SALUTATION_FRAME[0] / posepilot.SUN_SALUTATION_FRAME[1] == 16 / 9


def test_a_mediapipe_pack_and_the_live_window_make_the_same_skeleton_from_the_same_landmarks():
    from demo.pose_window import PoseWindow

    folder = pack_folder(unpacked(require_data("raw", "pushfit.tar.xz")), "pushfit")
    row = next(r for r in table_rows((folder / "clips.tsv").read_text(), "pushfit") if r["file"] == "correct1.npz")
    sample = pushfit.read_row(folder / row["file"], row, pushfit.subject(row))[0]
    landmarks = load_arrays(folder / row["file"], ("landmarks",))["landmarks"][..., :2]
    pixels = (landmarks * [float(row["width"]), float(row["height"])]).astype(np.float32)
    window = PoseWindow(seconds=len(pixels))
    for frame, points in enumerate(pixels):
        window.add(frame / float(row["fps"]), points[None], [1])
    live = window.snapshot()()
    assert live.shape == (1,) + sample.joints.shape
    np.testing.assert_allclose(live[0], sample.joints, atol=1e-4)
