"""``python -m core classify`` on a tiny random model: formats, inputs and clear refusals."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from core.__main__ import main
from tests.conftest import REPO_ROOT, require_data
from tests.test_recognition import moving_clip, weights  # noqa: F401  (weights is a fixture)

TEN_LABELS = "drink water; clapping; hand waving; sit down; stand up; jump up; kicking something; phone call; nod head/bow; walking"


@pytest.fixture(autouse=True)
def text_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SKELETONCONTEXT_CACHE", str(tmp_path_factory.getbasetemp() / "text-cache"))


def _classify(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["classify", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_npy_prints_a_readable_ranking(capsys, tmp_path, weights):
    path = tmp_path / "clip.npy"
    np.save(path, moving_clip(40))
    code, out, err = _classify(capsys, str(path), "--labels", "drink water; clapping; sit down", "--weights", str(weights))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"{path}  (40 frames, 1.3 s, 1 body)"
    assert sorted(line.split(".", 1)[1].rsplit(" ", 3)[0].strip() for line in lines[1:4]) == [
        "clapping", "drink water", "sit down"
    ]
    assert sum(float(line.split()[-2]) for line in lines[1:4]) == pytest.approx(100.0, abs=0.05)


def test_npz_json_gives_one_line_per_sequence(capsys, tmp_path, weights):
    path = tmp_path / "clips.npz"
    np.savez(path, first=moving_clip(12), second=np.stack([moving_clip(30, seed=1), moving_clip(30, seed=2)]), fps=np.array(15.0))
    code, out, err = _classify(
        capsys, str(path), "--labels", TEN_LABELS, "--weights", str(weights), "--json", "--top-k", "4"
    )
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["input"], r["key"]) for r in records] == [(str(path), "first"), (str(path), "second")]
    for record in records:
        assert set(record) == {"input", "key", "ranking"}
        scores = [entry["score"] for entry in record["ranking"]]
        assert len(scores) == 4 and scores == sorted(scores, reverse=True)
        assert {entry["label"] for entry in record["ranking"]} <= set(TEN_LABELS.split("; "))


def test_top_k_zero_shows_every_label_and_rank_of_reports_a_rank(capsys, tmp_path, weights):
    path = tmp_path / "clip.npy"
    np.save(path, moving_clip(20))
    labels_file = tmp_path / "labels.txt"
    labels_file.write_text("drink water\nclapping\n\nsit down\n")
    code, out, err = _classify(
        capsys, str(path), "--labels-file", str(labels_file), "--labels", "jump up",
        "--weights", str(weights), "--json", "--top-k", "0", "--rank-of", "Clapping",
    )
    assert code == 0, err
    record = json.loads(out)
    ranked = [entry["label"] for entry in record["ranking"]]
    assert sorted(ranked) == ["clapping", "drink water", "jump up", "sit down"]
    assert record["rank_of"] == {"label": "clapping", "rank": ranked.index("clapping") + 1, "of": 4}


def test_timeline_lists_every_window_with_the_steady_answer(capsys, tmp_path, weights):
    path = tmp_path / "clip.npy"
    np.save(path, moving_clip(180))  # 6 s at 30 fps: 2 s windows starting every 0.5 s, and the tail
    args = [str(path), "--labels", "drink water; clapping; sit down", "--weights", str(weights), "--top-k", "2", "--timeline"]
    code, out, err = _classify(capsys, *args, "--json")
    assert code == 0, err
    record = json.loads(out)
    timeline = record["timeline"]["windows"]
    named = record["timeline"]["named"]
    assert all(span["label"] in {"drink water", "clapping", "sit down"} for span in named)
    assert all(0 <= span["start_s"] < span["end_s"] <= 6.0 for span in named)
    assert [row["start_s"] for row in timeline] == [0.5 * i for i in range(8)] + [round(179 / 30 - 2, 3)]
    assert all(row["end_s"] == pytest.approx(row["start_s"] + 2.0, abs=0.05) for row in timeline)
    for row in timeline:
        scores = [entry["score"] for entry in row["window"]]
        assert len(scores) == 2 and scores == sorted(scores, reverse=True)
        assert row["shown"] in {"drink water", "clapping", "sit down", "no clear match"}
    # the clip's ranking is the mean of its windows' probabilities, as without --timeline
    code, plain, err = _classify(capsys, *[a for a in args if a != "--timeline"], "--json", "--top-k", "0")
    ranking = json.loads(plain)["ranking"]
    assert record["ranking"] == ranking[:2] and "timeline" not in json.loads(plain)
    code, text, err = _classify(capsys, *args)
    lines = text.splitlines()
    assert lines[lines.index("  windows (seconds: shown | the window's own top labels):") - 1].startswith("  named over time: ")
    windows = lines[lines.index("  windows (seconds: shown | the window's own top labels):") + 1:]
    assert len([line for line in windows if line.strip()]) == 9 and windows[0].split()[0] == "0.0-2.0"


def test_ntu_skeleton_file_is_classified(capsys, weights):
    path = require_data("ntu", "S001C003P008R002A058.skeleton")
    code, out, err = _classify(capsys, str(path), "--labels", TEN_LABELS, "--weights", str(weights), "--json")
    assert code == 0, err
    record = json.loads(out)
    assert record["key"] is None and len(record["ranking"]) == 5


def test_video_goes_through_the_pose_pipeline(capsys, weights):
    path = require_data("videos", "S001C001P001R001A001_rgb.avi")
    code, out, err = _classify(capsys, str(path), "--mirrored", "--labels", "drink water; clapping", "--weights", str(weights))
    assert code == 0, err
    assert out.splitlines()[0] == f"{path}  (103 frames, 3.4 s, 1 body)"


def test_damaged_video_is_refused(capsys, tmp_path, weights):
    path = tmp_path / "damaged.mp4"
    path.write_bytes(b"not a video")
    code, out, err = _classify(capsys, str(path), "--labels", "a; b", "--weights", str(weights))
    assert code == 1 and out == ""
    assert f"classify: error: {path}: " in err


@pytest.mark.parametrize(
    "labels, message",
    [
        ("  ; ,", "no labels given"),
        ("clapping; sit down; Clapping", "duplicate label 'Clapping'"),
    ],
)
def test_bad_labels_are_refused(capsys, tmp_path, weights, labels, message):
    path = tmp_path / "clip.npy"
    np.save(path, moving_clip(5))
    code, out, err = _classify(capsys, str(path), "--labels", labels, "--weights", str(weights))
    assert code == 2 and out == ""
    assert err.startswith("classify: error: ") and message in err


def test_usage_problems_are_refused(capsys, tmp_path, weights):
    path = tmp_path / "clip.npy"
    np.save(path, moving_clip(5))
    cases = [
        ((str(path), "--weights", str(weights)), "no labels given"),
        ((str(path), "--labels", "a; b", "--rank-of", "c", "--weights", str(weights)), "--rank-of 'c' is not one of the 2"),
        ((str(path), "--labels", "a; b", "--top-k", "-1", "--weights", str(weights)), "--top-k must be"),
        ((str(path), "--labels-file", str(tmp_path / "none.txt"), "--weights", str(weights)), "cannot read --labels-file"),
        ((str(path), "--labels", "a; b", "--weights", str(tmp_path / "none.safetensors")), "model weights not found"),
        ((str(path), "--labels", "a; b", "--weights", str(weights), "--device", "gpu"), "unknown device 'gpu'"),
    ]
    if not torch.cuda.is_available():
        cases.append(((str(path), "--labels", "a; b", "--weights", str(weights), "--device", "cuda"), "no usable CUDA GPU"))
    for args, message in cases:
        code, out, err = _classify(capsys, *args)
        assert code == 2 and message in err, (args, err)


def test_bad_inputs_are_reported_and_the_good_ones_still_classified(capsys, tmp_path, weights):
    inputs = {
        "empty.npy": (np.zeros((0, 25, 3), np.float32), "0 frames"),
        "shape.npy": (np.zeros((10, 17, 3), np.float32), "expected shape (T, 25, 3)"),
        "nan.npy": (np.where(np.arange(25)[None, :, None] == 3, np.nan, moving_clip(6)), "NaN"),
    }
    paths = []
    for name, (array, _) in inputs.items():
        np.save(tmp_path / name, array)
        paths.append(str(tmp_path / name))
    (tmp_path / "broken.skeleton").write_text("12\nnot a skeleton\n")
    good = tmp_path / "good.npy"
    np.save(good, moving_clip(9))
    args = [*paths, str(tmp_path / "broken.skeleton"), str(tmp_path / "missing.npz"), str(good)]
    code, out, err = _classify(capsys, *args, "--labels", "a; b", "--weights", str(weights), "--json")
    assert code == 1
    assert [json.loads(line)["input"] for line in out.splitlines()] == [str(good)]
    errors = [line for line in err.splitlines() if line.startswith("classify: error: ")]
    assert len(errors) == 5
    for line, (name, (_, message)) in zip(errors, inputs.items()):
        assert name in line and message in line
    assert "broken.skeleton" in errors[3] and "NTU" in errors[3]
    assert "missing.npz: no such file" in errors[4]


def test_the_command_line_prints_no_traceback(tmp_path, weights):
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((3, 25, 4), np.float32))
    result = subprocess.run(
        [sys.executable, "-m", "core", "classify", str(bad), "--labels", "wave; clap", "--weights", str(weights)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"classify: error: {bad}: expected shape" in result.stderr


TRAINED_WEIGHTS = REPO_ROOT / "weights" / "skeletoncontext.safetensors"


@pytest.mark.skipif(not TRAINED_WEIGHTS.exists(), reason=f"trained weights absent: {TRAINED_WEIGHTS}")
@pytest.mark.parametrize(
    "relative, flags",
    [pytest.param(("ntu", "S001C001P001R001A001.skeleton"), [], marks=pytest.mark.xfail(
        strict=True, reason="the shipped weights give clapping 47.5 %, drink water 2nd (11.6 %): Kinect tracks the free "
                            "left hand at the chest (MediaPipe, and the video, at the side), and with that arm taken from "
                            "the video drink water is first (README, NTU A001); issue 19's check is unmet, a pass means "
                            "the weights changed")),
     # windows weighed by their motion (core.recognition.motion), each label read by its best sentence: drink
     # water 35.1 %, phone call 29.1 % (by its best three: 32.2 % against 32.0 %)
     pytest.param(("videos", "S001C001P001R001A001_rgb.avi"), ["--mirrored"])],
    ids=["skeleton-file", "mirrored-video"],
)
def test_trained_model_ranks_drink_water_first_for_ntu_a001(capsys, relative, flags):
    path = require_data(*relative)
    code, out, err = _classify(capsys, str(path), "--labels", TEN_LABELS, "--json", "--top-k", "0", *flags)
    assert code == 0, err
    ranking = json.loads(out)["ranking"]
    print(relative[-1], [(entry["label"], round(entry["score"], 3)) for entry in ranking[:3]])
    assert ranking[0]["label"] == "drink water"
