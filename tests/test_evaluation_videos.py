"""The real-video benchmark: pose cache, scoring, seen/unseen split, reports; one real clip."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from core.evaluation.pose_cache import cached_video_pose
from core.evaluation.videos import (
    camera_tilted, evaluate_clips, main, read_clips, seen_status, summarise, untrained_by_name, untrained_with_templates,
)
from core.model.checkpoint import save_checkpoint, training_classes
from core.model.network import ModelConfig, SkeletonContext
from core.model.prototypes import NAME_TEMPLATES
from core.model.shiftgcn import BackboneConfig
from core.pose.video import VideoPose
from core.recognition.recognizer import DEFAULT_WEIGHTS, Recognizer
from core.recognition.smoothing import SteadyRule
from core.recognition.windows import MOMENT_TEMPI
from tests.conftest import require_data

TINY = ModelConfig(backbone=BackboneConfig(channels=(8, 8, 8, 8, 16, 16, 16, 16, 16, 16)), window=16, kpd_hidden=8)


class FakeExtractor:
    """Stands in for MediaPipe: a swaying body, or nobody for files named 'empty'."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, path, mirrored: bool = False) -> VideoPose:
        self.calls += 1
        frames = 75
        skeleton = np.zeros((2, frames, 25, 3), np.float32)
        if "empty" not in path.name:
            rng = np.random.default_rng(len(path.name))
            sway = 0.1 * np.sin(np.linspace(0, 9, frames))[:, None, None]
            skeleton[0] = rng.normal(0, 0.3, (1, 25, 3)) + np.array([0, 0, 3.0]) + sway
        people = int(skeleton.any())
        return VideoPose(skeleton, np.zeros((2, frames, 25, 2), np.float32), np.ones((2, frames, 25), np.float32),
                         25.0, (640, 360), people, "" if people else "nobody was found in any of the 75 frames")


@pytest.fixture()
def clips(tmp_path):
    rows = [("walk.mp4", "walking"), ("clap.mp4", "clapping"), ("empty.mp4", "bicep curl")]
    for name, _ in rows:
        (tmp_path / name).write_bytes(name.encode() * 10)  # distinct contents, distinct cache keys
    table = tmp_path / "clips.tsv"
    table.write_text("file\taction\tview\n" + "".join(f"{n}\t{a}\tfront\n" for n, a in rows), encoding="utf-8")
    return table


def test_poses_are_cached_by_content_not_by_name(tmp_path, clips):
    extractor = FakeExtractor()
    video = clips.parent / "walk.mp4"
    first, hit = cached_video_pose(video, cache=tmp_path / "cache", extractor=extractor)
    assert not hit and extractor.calls == 1
    renamed = tmp_path / "renamed.mp4"
    renamed.write_bytes(video.read_bytes())
    again, hit = cached_video_pose(renamed, cache=tmp_path / "cache", extractor=extractor)
    assert hit and extractor.calls == 1
    assert np.array_equal(again.skeleton, first.skeleton) and again.fps == 25.0 and again.frame_size == (640, 360)
    cached_video_pose(video, mirrored=True, cache=tmp_path / "cache", extractor=extractor)
    assert extractor.calls == 2  # a mirrored extraction is another result


def test_benchmark_scores_every_clip_and_splits_seen_from_unseen(tmp_path, clips):
    torch.manual_seed(0)
    recognizer = Recognizer(SkeletonContext(TINY), device="cpu")
    rows = read_clips(clips)
    labels = ["walking", "clapping", "bicep curl"]
    results = evaluate_clips(rows, labels, recognizer, ["walking"], cache=tmp_path / "cache", extractor=FakeExtractor())
    assert [r.seen for r in results] == ["seen", "unseen", "unseen"]
    walk, clap, empty = results
    assert 1 <= walk.rank <= 3 and walk.windows == 3  # 3 s at 25 fps: 2 s windows at 0, 0.5 and 0.96 s
    assert [label for label, _ in walk.top] == [label for label, _ in recognizer.rank(
        FakeExtractor()(clips.parent / "walk.mp4").skeleton, labels, 25.0).top(3)]
    assert empty.rank is None and "nobody" in empty.note and not empty.top3
    summary = summarise(results)
    assert summary["overall"]["clips"] == 3 and set(summary["by_seen"]) == {"seen", "unseen"}
    assert summary["by_seen"]["seen"]["top1"] == float(walk.top1)
    assert summary["overall"]["top3"] == pytest.approx((walk.top3 + clap.top3) / 3)


# the last rule names the best label at every window, where the app's names none for the untrained tiny
# model: a run that ignored the rule it was given would read walk and clap differently from the rule's answers
@pytest.mark.parametrize("steady_motion, rule", [(True, SteadyRule()), (False, SteadyRule()),
                                                 (True, SteadyRule(min_lift=0.0, keep_lift=0.0, min_gap=0.0))])
def test_shown_is_the_share_of_the_steady_timeline_answers_that_name_the_action(tmp_path, clips, steady_motion, rule):
    from core.recognition.smoothing import steady_answers, window_answers

    torch.manual_seed(0)
    recognizer = Recognizer(SkeletonContext(TINY), device="cpu")
    labels = ["walking", "clapping", "bicep curl"]
    results = evaluate_clips(read_clips(clips), labels, recognizer, None, cache=tmp_path / "cache", extractor=FakeExtractor(),
                             steady_motion=steady_motion, steady_rule=rule)
    walk, clap, empty = results
    label_set = recognizer.encode_labels(labels)
    for result, name in ((walk, "walk.mp4"), (clap, "clap.mp4")):
        scores = recognizer.window_scores(FakeExtractor()(clips.parent / name).skeleton, label_set, 25.0)
        answers = window_answers(scores, label_set.labels, rule) if steady_motion else steady_answers(
            [s.end_s for s in scores], label_set.labels, [s.probabilities for s in scores], rule=rule)  # the time step alone
        named = [a.label for a in answers[1:]]
        assert len(named) == 2  # three windows, the first one left out
        assert result.shown == pytest.approx(named.count(result.action) / 2)
    assert empty.shown is None
    summary = summarise(results)
    assert summary["overall"]["shown"] == pytest.approx((walk.shown + clap.shown) / 2)
    assert summarise([empty])["overall"]["shown"] is None


def test_seen_status_goes_through_the_vocabulary_and_old_checkpoints_are_unknown():
    from core.knowledge.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    canonical = vocabulary.get("walking").name
    assert seen_status("walking", [canonical], vocabulary) == "seen"
    assert seen_status("juggle three balls", [canonical], vocabulary) == "unseen"
    assert seen_status("walking", None, vocabulary) == "unknown"
    assert training_classes({"split": "old"}) is None and training_classes({"train_actions": ["a"]}) == ["a"]


def test_cli_writes_json_and_markdown_and_refuses_a_missing_table(tmp_path, clips, capsys, monkeypatch):
    weights = tmp_path / "tiny.safetensors"
    torch.manual_seed(0)
    save_checkpoint(weights, SkeletonContext(TINY), {"note": "no class list"})
    monkeypatch.setattr("core.evaluation.videos.POSE_CACHE", tmp_path / "cache")
    monkeypatch.setattr("core.evaluation.pose_cache.extract_video", FakeExtractor())
    out = tmp_path / "out"
    assert main(["--clips", str(clips), "--weights", str(weights), "--out", str(out), "--device", "cpu"]) == 0
    report = json.loads((out / "videos.json").read_text())
    assert report["setting"]["window_s"] == TINY.window_s and len(report["clips"]) == 3
    assert report["setting"]["level"] is False  # the checkpoint's own policy
    assert report["setting"]["tempi"] == list(MOMENT_TEMPI)  # the recogniser's reading of a moment
    assert set(report["summary"]["by_seen"]) == {"unknown"}
    assert "| walk.mp4 | walking | unknown |" in (out / "videos.md").read_text()
    assert main(["--clips", str(tmp_path / "absent.tsv")]) == 2
    assert "videos: clips table not found" in capsys.readouterr().err
    assert main(["--clips", str(clips), "--weights", str(weights), "--out", str(out), "--device", "cpu",
                 "--tilts", "-10", "20", "--unseen-bias", "2.5"]) == 0
    report = json.loads((out / "videos.json").read_text())
    assert report["setting"]["unseen_bias"] == 2.5
    assert list(report["tilts"]) == ["0", "-10", "20"] and report["tilts"]["0"]["overall"] == report["summary"]["overall"]
    text = (out / "videos.md").read_text()
    assert "| +20° |" in text and "| mean |" in text
    assert main(["--clips", str(clips), "--weights", str(weights), "--out", str(out), "--device", "cpu",
                 "--untrained-prototypes", "names"]) == 0
    assert json.loads((out / "videos.json").read_text())["setting"]["untrained_prototypes"] == "names"
    assert main(["--clips", str(clips), "--weights", str(weights), "--out", str(out), "--device", "cpu",
                 "--untrained-templates", "1"]) == 0
    assert json.loads((out / "videos.json").read_text())["setting"]["untrained_templates"] == 1
    assert main(["--clips", str(clips), "--weights", str(weights), "--out", str(out), "--device", "cpu",
                 "--untrained-templates", "1", "--untrained-prototypes", "names"]) == 2
    assert "choose one" in capsys.readouterr().err
    assert main(["--clips", str(clips), "--weights", str(weights), "--out", str(out), "--device", "cpu",
                 "--level", "on"]) == 0
    assert json.loads((out / "videos.json").read_text())["setting"]["level"] is True
    assert main(["--clips", str(clips), "--weights", str(weights), "--out", str(out), "--device", "cpu",
                 "--tempi", "1"]) == 0
    assert json.loads((out / "videos.json").read_text())["setting"]["tempi"] == [1.0]
    assert main(["--clips", str(clips), "--weights", str(weights), "--out", str(out), "--device", "cpu",
                 "--tempi", "0.5", "2"]) == 2
    assert "tempi must include 1" in capsys.readouterr().err
    assert report["setting"]["switch_margin"] == SteadyRule().switch_margin  # the app's, unless told
    assert main(["--clips", str(clips), "--weights", str(weights), "--out", str(out), "--device", "cpu",
                 "--switch-margin", "0.06"]) == 0
    assert json.loads((out / "videos.json").read_text())["setting"]["switch_margin"] == 0.06
    assert main(["--clips", str(clips), "--weights", str(weights), "--out", str(out), "--device", "cpu",
                 "--switch-margin", "-1"]) == 2
    assert "invalid steady-answer rule" in capsys.readouterr().err


def test_untrained_labels_can_be_scored_by_name_only_and_trained_ones_keep_their_descriptions():
    from core.recognition.prompts import label_sentences

    recognizer = Recognizer(SkeletonContext(TINY), device="cpu")
    labels = ["walking", "burpee"]  # both described in the knowledge; only walking trains here
    as_app = recognizer.encode_labels(labels).classes
    by_name = untrained_by_name(recognizer, labels, [recognizer.vocabulary.get("walking").name]).classes
    counts = lambda classes: classes.spatial_valid.sum(1).tolist()  # noqa: E731
    templates = label_sentences("burpee", None, recognizer.model.config.prototypes)["spatial"]
    assert counts(by_name) == [counts(as_app)[0], len(templates)] and len(templates) < counts(as_app)[1]
    assert torch.equal(by_name.spatial[0], as_app.spatial[0])
    one_template = untrained_with_templates(recognizer, labels, [recognizer.vocabulary.get("walking").name], 1).classes
    dropped = len(NAME_TEMPLATES) - 1
    assert counts(one_template) == [counts(as_app)[0], counts(as_app)[1] - dropped]
    assert torch.equal(one_template.spatial[1][1:counts(one_template)[1]],
                       as_app.spatial[1][len(NAME_TEMPLATES):counts(as_app)[1]])


def test_a_tilted_camera_leans_the_body_and_leaves_absent_frames_alone():
    skeleton = np.zeros((2, 4, 25, 3), np.float32)
    skeleton[0, :, :, 1] = np.linspace(-1.0, 1.0, 25)  # a vertical line of joints
    skeleton[0, :, :, 2] = 3.0
    assert camera_tilted(skeleton, 0.0) is skeleton
    tilted = camera_tilted(skeleton, 10.0)
    assert np.all(tilted[1] == 0)
    top, bottom = tilted[0, 0, -1], tilted[0, 0, 0]
    assert np.degrees(np.arctan2(top[2] - bottom[2], top[1] - bottom[1])) == pytest.approx(10.0, abs=1e-3)


def test_one_real_clip_through_mediapipe_and_the_shipped_weights(tmp_path):
    """The short standing-up clip (35 frames at 10 fps): real pose extraction, real scoring."""
    clips = require_data("clips", "clips.tsv")
    if not DEFAULT_WEIGHTS.is_file():
        pytest.skip(f"shipped weights absent: {DEFAULT_WEIGHTS}")
    row = next(r for r in read_clips(clips) if r.file.name == "standing_up_01.mp4")
    recognizer = Recognizer.load(device="cpu")
    labels = ["standing up", "sitting down", "walking", "jumping jacks", "push-up"]
    (result,) = evaluate_clips([row], labels, recognizer, ["stand up"], cache=tmp_path / "cache")
    assert result.rank is not None and result.windows >= 2  # 3.5 s of poses: several 2 s windows
    assert len(result.top) == 3 and sum(p for _, p in result.top) <= 1.0 + 1e-6


def test_an_ensemble_averages_its_members_window_probabilities(tmp_path, clips):
    from core.evaluation.ensemble import Ensemble

    members = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        members.append(Recognizer(SkeletonContext(TINY), device="cpu"))
    ensemble = Ensemble(members)
    labels = ["walking", "clapping", "bicep curl"]
    skeleton = FakeExtractor()(clips.parent / "walk.mp4").skeleton
    own = [m.window_scores(skeleton, m.encode_labels(labels), 25.0) for m in members]
    assert not np.allclose(own[0][0].probabilities, own[1][0].probabilities)  # two different networks
    averaged = ensemble.window_scores(skeleton, ensemble.encode_labels(labels), 25.0)
    assert [(s.start_s, s.end_s) for s in averaged] == [(s.start_s, s.end_s) for s in own[0]]
    for window, first, second in zip(averaged, *own):
        assert np.allclose(window.probabilities, (first.probabilities + second.probabilities) / 2)
    results = evaluate_clips(read_clips(clips), labels, ensemble, ["walking"], cache=tmp_path / "cache",
                             extractor=FakeExtractor())
    assert [r.seen for r in results] == ["seen", "unseen", "unseen"] and results[2].rank is None
    alone = Ensemble(members[:1])  # one checkpoint reads exactly as its own recogniser
    for window, first in zip(alone.window_scores(skeleton, alone.encode_labels(labels), 25.0), own[0], strict=True):
        assert np.allclose(window.probabilities, first.probabilities)
    with pytest.raises(ValueError, match="at least one"):
        Ensemble([])


def test_the_cli_scores_several_checkpoints_as_one_and_refuses_different_class_lists(tmp_path, clips, capsys,
                                                                                       monkeypatch):
    monkeypatch.setattr("core.evaluation.videos.POSE_CACHE", tmp_path / "cache")
    monkeypatch.setattr("core.evaluation.pose_cache.extract_video", FakeExtractor())
    paths = []
    for seed, classes in ((0, ["walking"]), (1, ["walking"]), (2, ["clapping"])):
        torch.manual_seed(seed)
        paths.append(tmp_path / f"seed{seed}.safetensors")
        save_checkpoint(paths[-1], SkeletonContext(TINY), {"train_actions": classes})
    out = tmp_path / "out"
    assert main(["--clips", str(clips), "--weights", str(paths[0]), str(paths[1]), "--out", str(out),
                 "--device", "cpu", "--untrained-prototypes", "names"]) == 0
    report = json.loads((out / "videos.json").read_text())
    assert report["setting"]["weights"] == f"{paths[0]}, {paths[1]}" and len(report["clips"]) == 3
    assert set(report["summary"]["by_seen"]) == {"seen", "unseen"}
    assert main(["--clips", str(clips), "--weights", str(paths[0]), str(paths[2]), "--out", str(out),
                 "--device", "cpu"]) == 2
    assert "trained on different actions" in capsys.readouterr().err
