"""The reference yardstick: it learns, it scores only the subset's own actions, and its CLI fails clearly."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from core.training.reference import (
    RecognizerModel, ReferenceConfig, ReferenceTCN, class_scores, main, measure, pooled_probabilities, seeds_averaged,
    summary_table, train_reference,
)
from core.model.text_bank import TextBank
from tests.test_recognition import encoder, moving_clip  # noqa: F401 (fixture)
from tests.test_training_data import synthetic_bank, synthetic_task  # noqa: F401 (fixture)

FAST = ReferenceConfig(epochs=12, window=16, width=16, batch_size=4, lr=3e-3)


def test_reference_reads_only_the_fifteen_shared_joints() -> None:
    model = ReferenceTCN(width=8).eval()
    windows = torch.randn(3, 2, 16, 25, 3)
    changed = windows.clone()
    changed[:, :, :, [0, 2, 6, 10, 15, 19, 21, 22, 23, 24]] = 0.0  # joints some sources synthesise
    changed[:, 1] = 5.0  # the second body
    out = model(windows)
    assert out.shape == (3, 384)
    assert torch.allclose(out.norm(dim=-1), torch.ones(3))
    assert torch.allclose(model(changed), out)


def test_the_recogniser_ranks_typed_labels_with_the_yardstick(encoder) -> None:  # noqa: F811
    """The clips benchmark scores the yardstick through the app's Recognizer (core.training.transfer)."""
    from core.recognition.recognizer import Recognizer

    torch.manual_seed(0)
    recognizer = Recognizer(RecognizerModel(ReferenceTCN(width=8).eval(), FAST), "cpu", text_encoder=encoder)
    ranking = recognizer.rank(moving_clip(60, seed=4), ["drink water", "clapping", "juggle three balls"])
    assert sorted(label for label, _ in ranking.entries) == ["clapping", "drink water", "juggle three balls"]
    assert sum(score for _, score in ranking.entries) == pytest.approx(1.0, abs=1e-4)


def test_reference_learns_the_training_actions(synthetic_bank) -> None:
    task = synthetic_task(per_action=8)
    bank = TextBank(synthetic_bank)
    model = train_reference(task, bank, FAST, seed=0)
    clips = task.subset("test_seen")
    from core.protocol.clips import clip_windows

    windows, owners = clip_windows(clips, FAST.policy)
    with torch.no_grad():
        classes = bank.prototypes(task.train_actions, "template")
        scores = class_scores(model(windows), classes, FAST)
    labels = np.array([task.train_actions.index(a) for a in clips.actions])[owners]
    assert (scores.argmax(1).numpy() == labels).mean() >= 0.9


def test_measure_reports_each_held_out_set_and_the_table_aggregates(synthetic_bank) -> None:
    task = synthetic_task(per_action=3)
    bank, config = TextBank(synthetic_bank), ReferenceConfig(epochs=1, window=16, width=8, batch_size=4)
    result, _ = measure(train_reference(task, bank, config, seed=1), task, bank, config, seed=1)
    # One unseen and one validation action: ranking among themselves only, so top-1 is certain.
    assert result["unseen"]["top1"] == 1.0 and result["unseen"]["samples"] == 3
    assert result["validation"]["top1"] == 1.0
    table = summary_table([result, {**result, "seed": 2}])
    assert "| synthetic | 2 | 100.0 ± 0.0 |" in table and "| all | 2 |" in table


def test_the_seeds_read_as_one_average_their_clip_probabilities(synthetic_bank) -> None:
    task = synthetic_task(per_action=3)
    bank = TextBank(synthetic_bank)
    actions = task.train_actions + task.unseen_actions  # more than one class, so a reading can differ
    task = replace(task, unseen_actions=actions)
    models = [train_reference(task, bank, FAST, seed) for seed in (0, 1)]
    each = [pooled_probabilities(model, task, bank, FAST, "test_unseen", actions)[0] for model in models]
    assert not np.allclose(each[0], each[1])
    measured = [measure(model, task, bank, FAST, seed) for seed, model in enumerate(models)]
    one = seeds_averaged([unseen for _, unseen in measured], task, [0, 1])
    averaged = (each[0] + each[1]) / 2
    labels = np.array([actions.index(a) for a in task.subset("test_unseen").actions])
    assert one["unseen"]["top1"] == pytest.approx((averaged.argmax(1) == labels).mean())
    assert "| synthetic, seeds 0, 1 averaged | 1 |" in summary_table([measured[0][0]], [one])


def test_reference_cli_reports_missing_inputs(tmp_path, capsys) -> None:
    assert main(["--corpus", str(tmp_path / "absent"), "--text-bank", str(tmp_path / "absent.safetensors")]) == 2
    assert "text bank not found" in capsys.readouterr().err
    bank = tmp_path / "bank.safetensors"
    bank.write_bytes(b"")
    assert main(["--corpus", str(tmp_path / "absent"), "--text-bank", str(bank)]) == 2
    assert "corpus not found" in capsys.readouterr().err
    assert main(["--corpus", str(tmp_path), "--epochs", "0"]) == 2
    assert "--epochs must be at least 1" in capsys.readouterr().err
    assert main(["--corpus", str(tmp_path), "--average-seeds", "--seeds", "3", "3"]) == 2
    assert "--average-seeds needs at least two different --seeds" in capsys.readouterr().err
