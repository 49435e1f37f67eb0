"""Evaluation: metric functions, calibration on calibration data only, reports, CLI errors."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from core.__main__ import main
from core.evaluation import evaluate as evaluate_module
from core.evaluation.metrics import (
    choose_calibration, class_mean_accuracy, gzsl_accuracy, harmonic_mean, per_class_results, topk_accuracy,
)
from core.evaluation.report import markdown, supervised_markdown, write_report
from core.model.checkpoint import load_checkpoint
from core.training import trainer
from core.training.configs import get_config
from core.model.text_bank import TextBank
from core.model.prototypes import NAME_TEMPLATES
from tests.test_training_data import SYNTHETIC_ACTIONS, synthetic_bank, synthetic_task  # noqa: F401 (fixture)

TINY = replace(get_config("tiny"), pretrain_epochs=1, context_epochs=1)


def test_class_mean_accuracy_weighs_every_class_once() -> None:
    scores = np.eye(3)[[0, 0, 0, 1, 2]]  # predictions 0, 0, 0, 1, 2
    labels = np.array([0, 0, 0, 2, 2])  # class 0: 3/3 right, class 2: 1/2 right
    assert class_mean_accuracy(scores, labels) == pytest.approx(0.75)
    assert topk_accuracy(scores, labels, 1) == pytest.approx(0.8)


def test_per_class_results_name_each_class_and_its_main_confusion() -> None:
    scores = np.eye(3)[[0, 1, 1, 2, 0]]  # predictions a, b, b, c, a
    rows = per_class_results(scores, np.array([0, 0, 1, 2, 2]), ["a", "b", "c"])
    assert rows == [
        {"action": "a", "samples": 2, "top1": 0.5, "most_confused_with": "b"},
        {"action": "b", "samples": 1, "top1": 1.0, "most_confused_with": None},
        {"action": "c", "samples": 2, "top1": 0.5, "most_confused_with": "a"},
    ]


def test_topk_accuracy() -> None:
    scores = np.array([[0.1, 0.5, 0.4], [0.9, 0.05, 0.05], [0.2, 0.3, 0.5]])
    labels = np.array([2, 0, 0])
    assert topk_accuracy(scores, labels, 1) == pytest.approx(1 / 3)
    assert topk_accuracy(scores, labels, 2) == pytest.approx(2 / 3)
    assert topk_accuracy(scores, labels, 5) == 1.0
    assert np.isnan(topk_accuracy(np.zeros((0, 3)), np.zeros(0, dtype=int)))


def test_gzsl_accuracy_and_the_seen_offset() -> None:
    seen_mask = np.array([True, True, False])
    scores = np.array([[2.0, 0.0, 1.0], [0.0, 3.0, 0.0], [1.5, 0.0, 1.0], [0.0, 0.5, 1.0]])
    labels = np.array([0, 1, 2, 2])
    plain = gzsl_accuracy(scores, labels, seen_mask)
    assert (plain.seen, plain.unseen) == (1.0, 0.5)
    assert plain.harmonic == pytest.approx(harmonic_mean(1.0, 0.5)) == pytest.approx(2 / 3)
    shifted = gzsl_accuracy(scores, labels, seen_mask, calibration=0.75)
    assert (shifted.seen, shifted.unseen) == (1.0, 1.0)
    with pytest.raises(ValueError, match="both seen and unseen"):
        gzsl_accuracy(scores, labels, np.ones(3, dtype=bool))


def test_choose_calibration_maximises_h_and_prefers_small_offsets() -> None:
    seen_mask = np.array([True, True, False])
    scores = np.array([[2.0, 0.0, 1.0], [0.0, 3.0, 0.0], [1.5, 0.0, 1.0], [0.0, 0.5, 1.0]])
    labels = np.array([0, 1, 2, 2])
    offset = choose_calibration(scores, labels, seen_mask)
    assert gzsl_accuracy(scores, labels, seen_mask, offset).harmonic == 1.0
    assert 0.5 < offset < 1.0  # between the unseen sample's lead (0.5) and the next seen lead (1.0)
    balanced = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert choose_calibration(balanced, np.array([0, 2]), seen_mask) == 0.0
    with pytest.raises(ValueError, match="both seen and unseen"):
        choose_calibration(scores, np.array([0, 1, 0, 1]), seen_mask)


def test_evaluate_calibrates_on_calibration_data_only(tmp_path, synthetic_bank, monkeypatch) -> None:
    task = synthetic_task()
    bank = TextBank(synthetic_bank)
    path = trainer.train(task, bank, TINY, "full", tmp_path / "run", torch.device("cpu"), quiet=True)
    model, metadata = load_checkpoint(path)
    seen_calls = []
    real_choose = evaluate_module.choose_calibration

    def spy(scores, labels, seen_mask):
        seen_calls.append((scores.shape, list(seen_mask)))
        return real_choose(scores, labels, seen_mask)

    monkeypatch.setattr(evaluate_module, "choose_calibration", spy)
    results = evaluate_module.evaluate([model], [metadata], task, bank)
    calibration_count = len(task.subset("calibration_seen")) + len(task.subset("calibration_unseen"))
    assert seen_calls == [((calibration_count, 3), [True, True, False])]  # train + validation actions
    assert 0.0 <= results["zsl"]["top1"] <= results["zsl"]["top5"] == 1.0  # one unseen class
    cal = results["gzsl"]["calibrated"]
    assert cal["harmonic"] == pytest.approx(harmonic_mean(cal["seen"], cal["unseen"]))
    lifted = results["unseen_bias"]
    assert lifted["bias"] in evaluate_module.UNSEEN_BIASES and lifted["chosen_on"] == "calibration_seen + calibration_unseen"
    json_path, md_path = write_report(results, tmp_path / "report")
    assert json.loads(json_path.read_text())["split"] == "synthetic"
    assert "| ZSL top-1 |" in md_path.read_text() and markdown(results) == md_path.read_text()

    other = replace(task, train_actions=["march", "nod"])
    with pytest.raises(ValueError, match="trained on another split"):
        evaluate_module.evaluate([model], [metadata], other, bank)


def test_the_untrained_classes_can_be_read_with_fewer_name_templates(synthetic_bank) -> None:
    bank = TextBank(synthetic_bank)
    names = list(SYNTHETIC_ACTIONS)
    full = bank.prototypes(names, "descriptions")
    cut = bank.untrained_templates(names[:-1], 1).prototypes(names, "descriptions")  # the last one untrained
    counts = lambda classes: classes.spatial_valid.sum(1).tolist()  # noqa: E731
    assert counts(cut)[:-1] == counts(full)[:-1] and counts(cut)[-1] == counts(full)[-1] - (len(NAME_TEMPLATES) - 1)
    kept = full.spatial[-1][[0, *range(len(NAME_TEMPLATES), counts(full)[-1])]]
    assert torch.equal(cut.spatial[-1][: counts(cut)[-1]], kept)  # the first template and every description
    one = bank.prototypes(names, "descriptions", templates=1)  # a model trained with one template
    assert counts(one) == [count - (len(NAME_TEMPLATES) - 1) for count in counts(full)]
    assert counts(bank.untrained_templates(names[:-1], 0).prototypes(names, "descriptions", templates=1)) == \
        counts(one)[:-1] + [counts(full)[-1] - len(NAME_TEMPLATES)]  # the model's count for the trained ones


def test_evaluate_cli_scores_the_untrained_classes_with_fewer_name_templates(tmp_path, synthetic_bank, monkeypatch,
                                                                            capsys) -> None:
    task = synthetic_task()
    path = trainer.train(task, TextBank(synthetic_bank), TINY, "full", tmp_path / "run", torch.device("cpu"), quiet=True)
    monkeypatch.setattr("core.protocol.tasks.load_task", lambda corpus, split: task)
    args = ["evaluate", "--checkpoint", str(path), "--corpus", str(tmp_path), "--text-bank", str(synthetic_bank),
            "--device", "cpu", "--out", str(tmp_path / "cut")]
    assert main([*args, "--untrained-templates", "0"]) == 0
    assert json.loads((tmp_path / "cut" / "evaluation.json").read_text())["untrained_templates"] == 0
    with pytest.raises(SystemExit):
        main([*args, "--untrained-templates", "5"])
    assert "invalid choice" in capsys.readouterr().err


def test_several_checkpoints_are_read_as_one_their_clip_probabilities_averaged(tmp_path, synthetic_bank, monkeypatch) -> None:
    task = synthetic_task()
    bank = TextBank(synthetic_bank)
    paths = [trainer.train(task, bank, replace(TINY, seed=seed), "full", tmp_path / f"run{seed}", torch.device("cpu"), quiet=True)
             for seed in (0, 1)]
    models = [load_checkpoint(path)[0] for path in paths]
    clips, classes = task.subset("test_unseen"), task.train_actions + task.unseen_actions
    each = [np.exp(evaluate_module._log_scores([model], evaluate_module._embed([model], clips), clips.actions, bank,
                                               classes)[0]) for model in models]
    both, _ = evaluate_module._log_scores(models, evaluate_module._embed(models, clips), clips.actions, bank, classes)
    assert not np.allclose(each[0], each[1])  # two seeds, two readings
    np.testing.assert_allclose(np.exp(both), (each[0] + each[1]) / 2, rtol=1e-5)

    monkeypatch.setattr("core.protocol.tasks.load_task", lambda corpus, split: task)
    args = ["evaluate", "--checkpoint", *map(str, paths), "--corpus", str(tmp_path), "--text-bank", str(synthetic_bank),
            "--device", "cpu"]
    assert main(args) == 2  # nowhere to write: each checkpoint's folder would hold the other's reading
    assert main([*args, "--out", str(tmp_path / "both")]) == 0
    report = json.loads((tmp_path / "both" / "evaluation.json").read_text())
    assert report["checkpoints"] == list(map(str, paths))
    assert "2 checkpoints read as one" in (tmp_path / "both" / "evaluation.md").read_text()


def test_evaluate_cli_reports_bad_checkpoints(tmp_path, capsys) -> None:
    broken = tmp_path / "model.safetensors"
    broken.write_bytes(b"\x00" * 10)
    assert main(["evaluate", "--checkpoint", str(broken), "--corpus", str(tmp_path)]) == 2
    assert "not a readable safetensors model file" in capsys.readouterr().err
    assert main(["evaluate", "--checkpoint", str(tmp_path / "absent.safetensors"), "--corpus", str(tmp_path)]) == 2
    assert "not found" in capsys.readouterr().err


def test_the_supervised_check_ranks_held_out_clips_of_trained_actions(tmp_path, synthetic_bank) -> None:
    task = synthetic_task()
    bank = TextBank(synthetic_bank)
    model, metadata = load_checkpoint(trainer.train(task, bank, TINY, "full", tmp_path / "run", torch.device("cpu"), quiet=True))
    results = evaluate_module.supervised_check([model], [metadata], task, bank)
    assert results["samples"] == len(task.subset("test_seen")) and results["classes"] == 2
    check = results["supervised"]
    assert 0.0 <= check["top1"] <= check["top5"] == 1.0  # two classes: the right one is always in the top 5
    assert [row["action"] for row in check["per_action"]] == task.train_actions
    json_path, md_path = write_report(results, tmp_path / "report", "supervised", supervised_markdown)
    assert json_path.name == "supervised.json" and "| top-1 | top-5 |" in md_path.read_text()
    empty = replace(task, subsets={**task.subsets, "test_seen": type(task.subset("train"))()})
    with pytest.raises(ValueError, match="holds no test clips"):
        evaluate_module.supervised_check([model], [metadata], empty, bank)


def test_the_unseen_bias_lifts_only_the_labels_a_model_never_trained_on(tmp_path, synthetic_bank) -> None:
    from core.recognition.recognizer import Recognizer

    task = synthetic_task()
    bank = TextBank(synthetic_bank)
    model, _ = load_checkpoint(trainer.train(task, bank, TINY, "full", tmp_path / "run", torch.device("cpu"), quiet=True))
    labels = task.train_actions + task.unseen_actions
    spatial = [bank.prototypes([name], "descriptions").spatial[0].numpy() for name in labels]
    temporal = [bank.prototypes([name], "descriptions").temporal[0].numpy() for name in labels]
    window = torch.randn(3, 2, TINY.window, 25, 3)
    plain = Recognizer(model, "cpu", trained=task.train_actions)
    lifted = Recognizer(model, "cpu", trained=task.train_actions, unseen_bias=2.0)
    assert plain.label_set(labels, spatial, temporal).logit_bias is None
    bias = lifted.label_set(labels, spatial, temporal).logit_bias
    assert bias.tolist() == [0.0] * len(task.train_actions) + [2.0] * len(task.unseen_actions)
    before, _ = plain.score_windows(window, plain.label_set(labels, spatial, temporal))
    after, _ = lifted.score_windows(window, lifted.label_set(labels, spatial, temporal))
    unseen = slice(len(task.train_actions), None)
    assert (after[:, unseen] > before[:, unseen]).all() and np.allclose(after.sum(-1), 1.0, atol=1e-5)
