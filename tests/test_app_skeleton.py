"""The skeleton-file tab in-process: several sequences in one file, and files it must refuse."""

from __future__ import annotations

import numpy as np
import pytest

from demo.skeleton_tab import analyse_skeleton_file
from tests.conftest import require_data
from tests.e2e.support import small_recognizer


@pytest.fixture(scope="module")
def recognizer(tmp_path_factory):
    return small_recognizer(tmp_path_factory.mktemp("weights"))


@pytest.fixture(scope="module")
def kinect_joints() -> np.ndarray:
    from core.data.ntu import read_skeleton

    return read_skeleton(require_data("ntu", "S001C001P001R001A001.skeleton")).joints


def test_every_sequence_of_an_npz_is_ranked_and_the_first_gets_the_timeline(recognizer, kinect_joints, tmp_path):
    path = tmp_path / "two.npz"
    np.savez(path, drinking=kinect_joints[0], first_half=kinect_joints[:, :50], fps=np.float32(30))
    result = analyse_skeleton_file(path, "drink water, clapping; Clapping", recognizer)
    assert "2 sequence(s)" in result.message
    assert list(result.sequences["sequence"]) == ["drinking", "first_half"]
    assert list(result.sequences["frames"]) == [103, 50]
    assert set(result.clip_scores) == {"drink water", "clapping"}  # the repeat was dropped
    assert result.timeline["time_s"].max() > 1.0
    over_time = result.message.split("Named over time: ")[1]  # a span of a typed label, or nothing stood out
    assert over_time == "no label stood out at any moment." or over_time.split(" ")[0] in {"drink", "clapping"}


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("clip.mp4", b"\x00" * 10, "use the Video tab"),
        ("nan.npy", np.full((5, 25, 3), np.nan, np.float32), "NaN"),
        ("empty.npy", np.zeros((5, 25, 3), np.float32), "no body is present"),
        ("broken.npz", b"PK\x03\x04 not a zip", "not a readable .npz"),
    ],
)
def test_bad_skeleton_files_get_a_message(recognizer, tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        np.save(path, content)
    result = analyse_skeleton_file(path, "clapping", recognizer)
    assert message in result.message and result.clip_scores is None


def test_no_file_and_bad_labels_are_reported(recognizer, kinect_joints, tmp_path):
    assert "Upload" in analyse_skeleton_file(None, "clapping", recognizer).message
    path = tmp_path / "one.npy"
    np.save(path, kinect_joints[0])
    assert "no labels" in analyse_skeleton_file(path, " ,; ", recognizer).message
