"""Training: text bank prompts, loss on a fixed batch, stages, resume, NTU smoke run, CLI errors."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest
import torch

from core.__main__ import main
from core.model.checkpoint import load_checkpoint
from core.model.cpm import ContextPromptHead
from core.model.network import SkeletonContext
from core.training import trainer
from core.training.configs import VARIANTS, get_config
from core.recognition.windows import MOMENT_TEMPI, WindowPolicy
from core.training.data import TrainWindows
from core.model.text_bank import MASK_PATTERNS, TextBank, prompt_text
from tests.conftest import require_data
from tests.test_training_data import SYNTHETIC_ACTIONS, synthetic_bank, synthetic_task  # noqa: F401 (fixture)

TINY = replace(get_config("tiny"), pretrain_epochs=2, context_epochs=2)


def test_prompt_text_masks_the_chosen_slots() -> None:
    assert prompt_text(("kitchen", "cup", "mouth"), (False, True, False)) == (
        "Environment: kitchen | Manipulable object: [MASK] | Target object: mouth"
    )
    assert [sum(p) for p in MASK_PATTERNS] == [1, 1, 1, 2, 2, 2, 3]


def test_prompts_follow_the_curriculum_and_the_true_action(synthetic_bank) -> None:
    bank = TextBank(synthetic_bank)
    names = list(SYNTHETIC_ACTIONS)
    rows = bank.indices(names * 8)
    generator = torch.Generator().manual_seed(0)
    for stage in (1, 2, 3):
        batch = bank.prompts(rows, stage, generator)
        assert batch.slot_masked.sum(1).tolist() == [stage] * len(rows)
        assert torch.all((batch.mask_positions >= 0) == batch.slot_masked)
        for i, name in enumerate(names * 8):
            own = [[bank_ids for bank_ids in triplet] for triplet in bank.slot_targets[bank.position[name]].tolist()]
            assert batch.targets[i].tolist() in own  # the context of the sample's own action
    all_masked = bank.prompts(rows[:2], 3, generator)
    assert torch.equal(all_masked.states[0], all_masked.states[1])  # inference-time prompt is one constant
    with pytest.raises(ValueError, match="no entry"):
        bank.indices(["fly"])


def test_text_bank_errors_are_clear(tmp_path) -> None:
    with pytest.raises(ValueError, match="not found"):
        TextBank(tmp_path / "absent.safetensors")
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"not a bank")
    with pytest.raises(ValueError, match="not a readable text bank"):
        TextBank(broken)


def test_context_loss_decreases_on_a_fixed_batch(synthetic_bank) -> None:
    torch.manual_seed(0)
    bank = TextBank(synthetic_bank)
    task = synthetic_task()
    model_config = TINY.model_config("full")
    model = SkeletonContext(model_config)
    head = ContextPromptHead(model_config.embed_dim, bank.slot_vocab_size)
    dataset = TrainWindows(task.subset("train"), task.train_actions, WindowPolicy.of(model_config), seed=0)
    items = [dataset[i] for i in range(len(dataset))]
    windows, labels = torch.stack([w for w, _ in items]), torch.as_tensor([label for _, label in items])
    prototypes = bank.prototypes(task.train_actions, "descriptions")
    rows = bank.indices(task.train_actions)
    parameters = [p for m in (model.spatial, model.temporal, head) for p in m.parameters()]
    optimizer = torch.optim.SGD(parameters, lr=0.05, momentum=0.9)
    model.train()
    model.backbone.eval()
    totals = []
    for step in range(25):
        losses, _ = trainer.context_losses(
            model, head, bank, prototypes, rows, windows, labels, 3, torch.Generator().manual_seed(1), TINY
        )
        assert set(losses) == {"ce_0", "ce_1", "calibration", "mlm"}
        loss = sum(losses.values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        totals.append(float(loss.detach()))
    assert totals[-1] < 0.7 * totals[0]


def test_variants_change_only_their_switches() -> None:
    assert TINY.model_config("no-kpd").use_kpd is False and TINY.model_config("no-kpd").use_cpm is True
    assert TINY.model_config("no-cpm").use_cpm is False
    assert TINY.model_config("names").prototypes == "names"
    baseline = TINY.model_config("baseline")
    assert (baseline.use_kpd, baseline.use_cpm, baseline.prototypes, baseline.linear_projection) == (False, False, "template", True)
    assert set(VARIANTS) == {"full", "no-kpd", "no-cpm", "names", "baseline"}


def _read_log(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_train_writes_a_model_and_resume_gives_the_same_weights(tmp_path, synthetic_bank, monkeypatch) -> None:
    task = synthetic_task()
    bank = TextBank(synthetic_bank)
    straight = trainer.train(task, bank, TINY, "full", tmp_path / "straight", torch.device("cpu"), quiet=True)
    model, metadata = load_checkpoint(straight)
    assert metadata["train_actions"] == task.train_actions and metadata["variant"] == "full"
    assert metadata["recipe"] == {"mirror": False, "balance": 0.0, "motion": False, "lifted_share": 0.0,
                                  "depth": True, "body_joints": "all", "canonical_bones": False, "level": False, "tempo": [1.0, 1.0],
                                  "repeat_share": 0.0, "max_tilt": 0.26, "semantic_smoothing": 0.0, "average_epochs": 0, "batch_norm_batches": 0,
                                  "prior_windows": len(task.subset("train")), "video_share": 0.0,
                                  "backbone": "trained in this run"}
    # the label prior: one window of each training clip (fewer than 512), embedded by the trained model
    assert model.config.prior_windows == len(task.subset("train"))
    assert torch.allclose(model.prior_spatial.float().norm(dim=-1), torch.ones(len(task.subset("train"))), atol=1e-3)
    records = _read_log(tmp_path / "straight" / "train_log.jsonl")
    assert [r["epoch"] for r in records if r.get("stage") == "context"] == [1, 2]
    assert all("validation_zsl" in r for r in records if r.get("stage") == "context")

    original_write = trainer.RunLog.write

    def crash_at_second_context_epoch(self, **record):
        if record.get("stage") == "context" and record.get("epoch") == 2:
            raise KeyboardInterrupt
        original_write(self, **record)

    monkeypatch.setattr(trainer.RunLog, "write", crash_at_second_context_epoch)
    with pytest.raises(KeyboardInterrupt):
        trainer.train(task, bank, TINY, "full", tmp_path / "resumed", torch.device("cpu"), quiet=True)
    monkeypatch.setattr(trainer.RunLog, "write", original_write)
    resumed = trainer.train(task, bank, TINY, "full", tmp_path / "resumed", torch.device("cpu"), resume=True, quiet=True)
    again, resumed_metadata = load_checkpoint(resumed)
    assert resumed_metadata["recipe"]["backbone"] == "trained in this run"
    for (name, a), (_, b) in zip(model.state_dict().items(), again.state_dict().items()):
        assert torch.allclose(a.float(), b.float(), atol=1e-5), name
    events = [r.get("event") for r in _read_log(tmp_path / "resumed" / "train_log.jsonl")]
    assert "resume" in events


TINY_ONE_STAGE = replace(get_config("tcn"), tcn_width=8, tcn_joint_channels=8, window=16, batch_size=8, context_epochs=2)


def test_a_one_stage_config_trains_the_temporal_convolution_backbone_with_the_heads(tmp_path, synthetic_bank) -> None:
    from core.model.tcn import TCNConfig
    from core.recognition.recognizer import Recognizer

    task = synthetic_task()
    bank = TextBank(synthetic_bank)
    torch.manual_seed(TINY_ONE_STAGE.seed + 1)  # the initial weights train_context starts from
    initial = SkeletonContext(TINY_ONE_STAGE.model_config("full")).backbone.state_dict()
    path = trainer.train(task, bank, TINY_ONE_STAGE, "full", tmp_path / "run", torch.device("cpu"), quiet=True)
    model, metadata = load_checkpoint(path)
    assert isinstance(model.config.backbone, TCNConfig) and metadata["recipe"]["backbone"] == "trained with the heads"
    assert metadata["pretrain_epochs"] == 0 and not (tmp_path / "run" / "backbone.pt").exists()
    changed = [name for name, value in model.backbone.state_dict().items()
               if value.dtype.is_floating_point and not torch.equal(value, initial[name])]
    assert any(name.startswith("body.") for name in changed) and any(name.startswith("joint.") for name in changed)
    stages = [r.get("stage") for r in _read_log(tmp_path / "run" / "train_log.jsonl") if "stage" in r]
    assert stages == ["context", "context"]
    ranking = Recognizer(model).rank(torch.randn(20, 25, 3).numpy(), list(task.train_actions))
    assert sorted(name for name, _ in ranking.entries) == sorted(task.train_actions)
    with pytest.raises(ValueError, match="trains in one stage"):
        trainer.train(task, bank, TINY_ONE_STAGE, "full", tmp_path / "again", torch.device("cpu"), pretrain_only=True)


def test_averaged_weights_are_the_last_epochs_mean_with_batch_norm_estimated_afresh(
        tmp_path, synthetic_bank, monkeypatch) -> None:
    task = synthetic_task()
    bank = TextBank(synthetic_bank)
    config = replace(TINY_ONE_STAGE, context_epochs=3, average_epochs=2, batch_norm_batches=2)
    epochs: list[dict[str, torch.Tensor]] = []
    original_save = trainer.torch.save

    def keep_each_epochs_weights(state, path):
        epochs.append({name: value.clone() for name, value in state["model"].items()})
        original_save(state, path)

    monkeypatch.setattr(trainer.torch, "save", keep_each_epochs_weights)
    path = trainer.train(task, bank, config, "full", tmp_path / "run", torch.device("cpu"), quiet=True)
    model, metadata = load_checkpoint(path)
    assert len(epochs) == 3 and metadata["recipe"]["average_epochs"] == 2
    saved = model.state_dict()
    for name, _ in model.named_parameters():
        assert torch.allclose(saved[name].float(), (epochs[1][name].float() + epochs[2][name].float()) / 2, atol=1e-6), name
        assert not torch.allclose(saved[name].float(), epochs[2][name].float()), name
    statistics = [name for name in saved if name.endswith("running_mean")]
    assert statistics and all(not torch.allclose(saved[name], epochs[2][name]) for name in statistics)
    final = [r for r in _read_log(tmp_path / "run" / "train_log.jsonl") if r.get("stage") == "final"]
    assert final and final[0]["averaged_epochs"] == 2 and "validation_zsl" in final[0]


def test_a_finished_run_resumed_gets_fresh_batch_norm_statistics_and_nothing_else(tmp_path, synthetic_bank) -> None:
    task = synthetic_task()
    bank = TextBank(synthetic_bank)
    run = tmp_path / "run"
    before, _ = load_checkpoint(trainer.train(task, bank, TINY_ONE_STAGE, "full", run, torch.device("cpu"), quiet=True))
    fresh = replace(TINY_ONE_STAGE, batch_norm_batches=2)
    after, metadata = load_checkpoint(trainer.train(task, bank, fresh, "full", run, torch.device("cpu"), resume=True, quiet=True))
    assert metadata["recipe"]["batch_norm_batches"] == 2
    old, new = before.state_dict(), after.state_dict()
    assert all(torch.equal(old[name], new[name]) for name, _ in before.named_parameters())
    assert any(not torch.allclose(old[name], new[name]) for name in old if name.endswith("running_var"))
    averaged = replace(TINY_ONE_STAGE, average_epochs=1, batch_norm_batches=2)
    with pytest.raises(ValueError, match="holds no averaged weights"):
        trainer.train(task, bank, averaged, "full", run, torch.device("cpu"), resume=True, quiet=True)


def test_averaging_needs_fresh_batch_norm_statistics_and_fits_the_epochs() -> None:
    with pytest.raises(ValueError, match="batch_norm_batches"):
        replace(TINY_ONE_STAGE, average_epochs=1)
    with pytest.raises(ValueError, match="between 0 and the 2 context epochs"):
        replace(TINY_ONE_STAGE, average_epochs=3, batch_norm_batches=1)
    with pytest.raises(ValueError, match="cannot be negative"):
        replace(TINY_ONE_STAGE, batch_norm_batches=-1)


def test_the_camera_tilt_option_bounds_the_training_windows_view() -> None:
    task = synthetic_task(per_action=2)
    policy = WindowPolicy(2.0, TINY.window)
    assert trainer._train_windows(task, TINY, policy, seed=0).max_angle == 0.26  # what every run before had
    windows = trainer._train_windows(task, replace(TINY, max_tilt=math.radians(40)), policy, seed=0)
    assert windows.max_angle == pytest.approx(math.radians(40))


def test_a_shared_backbone_is_reused_and_checked(tmp_path, synthetic_bank) -> None:
    task = synthetic_task()
    bank = TextBank(synthetic_bank)
    backbone = tmp_path / "shared" / "backbone.pt"
    trainer.train(task, bank, TINY, "full", tmp_path / "a", torch.device("cpu"), backbone_path=backbone,
                  pretrain_only=True, quiet=True)
    assert backbone.exists() and not (tmp_path / "a" / "model.safetensors").exists()
    reused = trainer.train(task, bank, replace(TINY, lifted_share=0.5), "baseline", tmp_path / "b",
                           torch.device("cpu"), backbone_path=backbone, quiet=True)
    recipe = load_checkpoint(reused)[1]["recipe"]
    assert recipe["backbone"] == "backbone.pt"  # the swap runs say where it came from
    assert recipe["lifted_share"] == 0.5
    assert not any(r.get("stage") == "pretrain" for r in _read_log(tmp_path / "b" / "train_log.jsonl"))
    for other in (replace(TINY, channels=(4,) * 10), replace(TINY, motion=True), replace(TINY, depth=False)):
        with pytest.raises(ValueError, match="another config or split"):
            trainer.train(task, bank, other, "full", tmp_path / "c", torch.device("cpu"), backbone_path=backbone,
                          quiet=True)


def test_an_image_plane_model_is_trained_and_scored_without_depth_and_in_the_cameras_view(tmp_path, synthetic_bank) -> None:
    from core.recognition.recognizer import Recognizer

    path = trainer.train(synthetic_task(), TextBank(synthetic_bank), replace(TINY, depth=False, context_epochs=1),
                         "full", tmp_path / "plane", torch.device("cpu"), quiet=True)
    model, metadata = load_checkpoint(path)
    assert not model.config.backbone.depth and metadata["recipe"]["depth"] is False
    assert Recognizer(model, "cpu").policy == WindowPolicy(model.config.window_s, model.config.window, face_camera=False,
                                                           tempi=MOMENT_TEMPI)


def test_ntu_folder_trains_one_tiny_epoch(tmp_path, capsys) -> None:
    folder = require_data("ntu")
    bank = tmp_path / "ntu_bank.safetensors"
    assert main(["train", "--build-text-bank", str(bank), "--corpus", str(folder)]) == 0
    code = main(["train", "--config", "tiny", "--split", "ntu55-5", "--corpus", str(folder), "--text-bank", str(bank),
                 "--out", str(tmp_path / "ntu"), "--device", "cpu", "--quiet", "--window-s", "3", "--prior-windows", "0", "--top-k", "1",
                 "--name-templates", "1"])
    assert code == 0
    path = tmp_path / "ntu" / "model.safetensors"
    model, metadata = load_checkpoint(path)
    assert metadata["split"] == "ntu55-5" and len(metadata["train_actions"]) == 55
    assert len(metadata["unseen_actions"]) == 5
    assert model.config.window_s == 3.0  # the recogniser cuts 3 s windows for it
    assert (model.config.top_k, model.config.scoring_top_k) == (1, 1)  # trained on each class's best sentence
    assert model.config.name_templates == 1  # and scored, by the app too, with the one template it trained with
    assert model.config.prior_windows == 0 and metadata["recipe"]["prior_windows"] == 0
    # a checkpoint trained without the label prior gets it afterwards, from its own split's training clips
    assert main(["label-prior", "--checkpoint", str(path), "--corpus", str(folder), "--windows", "2",
                 "--out", str(tmp_path / "prior.safetensors")]) == 0
    primed, primed_metadata = load_checkpoint(tmp_path / "prior.safetensors")
    assert primed.config.prior_windows == 2 and primed_metadata["recipe"]["prior_windows"] == 2
    assert primed.config.window_s == 3.0 and primed_metadata["train_actions"] == metadata["train_actions"]
    for name, value in model.state_dict().items():
        assert torch.equal(primed.state_dict()[name], value), name
    assert main(["label-prior", "--checkpoint", str(path), "--corpus", str(folder), "--windows", "0"]) == 2
    assert "--windows must be at least 1" in capsys.readouterr().err
    assert main(["label-prior", "--checkpoint", str(tmp_path / "absent.safetensors"), "--corpus", str(folder)]) == 2
    assert "model file not found" in capsys.readouterr().err


def test_train_cli_reports_bad_input(tmp_path, capsys) -> None:
    assert main(["train", "--corpus", str(tmp_path / "absent"), "--text-bank", str(tmp_path / "b.safetensors")]) == 2
    assert "corpus not found" in capsys.readouterr().err
    assert main(["train", "--config", "tiny", "--split", "ntu00-1", "--corpus", str(require_data("ntu"))]) == 2
    assert "unknown NTU split" in capsys.readouterr().err
    assert main(["train", "--config", "tiny", "--window-s", "0", "--corpus", str(require_data("ntu"))]) == 2
    assert "window_s must be positive" in capsys.readouterr().err
    assert main(["train", "--config", "tiny", "--tempo", "2", "1", "--corpus", str(require_data("ntu"))]) == 2
    assert "tempo needs 0 < low <= high" in capsys.readouterr().err
    assert main(["train", "--config", "tiny", "--repeat-share", "1.5", "--corpus", str(require_data("ntu"))]) == 2
    assert "repeat_share must be between 0 and 1" in capsys.readouterr().err
    assert main(["train", "--config", "tiny", "--max-tilt", "120", "--corpus", str(require_data("ntu"))]) == 2
    assert "max_tilt must be between 0 and 90 degrees" in capsys.readouterr().err
    assert main(["train", "--config", "tiny", "--prior-windows", "-1", "--corpus", str(require_data("ntu"))]) == 2
    assert "prior_windows cannot be negative" in capsys.readouterr().err
    assert main(["train", "--config", "tiny", "--top-k", "0", "--corpus", str(require_data("ntu"))]) == 2
    assert "top_k must be at least 1" in capsys.readouterr().err
    assert main(["train", "--config", "tiny", "--name-templates", "5", "--corpus", str(require_data("ntu"))]) == 2
    assert "name_templates must be 0 to 4" in capsys.readouterr().err


class _RunsCode:
    """What a crafted pickle does on load: call any function it names (here, make a folder)."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        import os

        return os.mkdir, (self.marker,)


@pytest.mark.parametrize("file_name, resume", [("backbone.pt", False), ("pretrain_state.pt", True)])
def test_a_crafted_pickle_in_the_run_folder_is_refused_not_run(tmp_path, synthetic_bank, file_name, resume) -> None:
    marker = tmp_path / "the-pickle-ran"
    run = tmp_path / "run"
    run.mkdir()
    torch.save({"backbone": _RunsCode(marker), "epoch": 0}, run / file_name)
    with pytest.raises(ValueError, match=f"{file_name}: refused, not a file this trainer saved"):
        trainer.train(synthetic_task(), TextBank(synthetic_bank), TINY, "full", run, torch.device("cpu"),
                      resume=resume, quiet=True)
    assert not marker.exists()
    torch.load(run / file_name, weights_only=False)  # what the trainer used to do: the file's code runs
    assert marker.exists()


def test_semantic_neighbours_put_a_class_nearest_itself_then_its_text_neighbours() -> None:
    from core.model.scoring import ClassPrototypes

    import numpy as np

    vectors = [np.array([[1.0, 0.0, 0.0]]), np.array([[0.9, 0.436, 0.0]]), np.array([[0.0, 0.0, 1.0]])]
    classes = ClassPrototypes.from_arrays(["walk", "stroll", "swim"], vectors, vectors)
    near = trainer.semantic_neighbours(classes, temperature=0.1)
    assert torch.allclose(near.sum(-1), torch.ones(3))
    assert near[0].argmax() == 0 and near[0, 1] > 10 * near[0, 2]


def test_semantic_smoothing_changes_the_loss_only_when_asked(synthetic_bank) -> None:
    bank = TextBank(synthetic_bank)
    task = synthetic_task()
    model = SkeletonContext(TINY.model_config("baseline")).eval()
    windows = torch.randn(4, 2, TINY.window, 25, 3)
    labels = torch.tensor([0, 1, 0, 1])
    prototypes = bank.prototypes(task.train_actions, "template")
    rows = bank.indices(task.train_actions)
    plain, _ = trainer.context_losses(model, None, bank, prototypes, rows, windows, labels, 1, None, TINY)
    smooth, _ = trainer.context_losses(model, None, bank, prototypes, rows, windows, labels, 1, None,
                                       replace(TINY, semantic_smoothing=0.3))
    assert not torch.isclose(plain["ce_0"], smooth["ce_0"])
