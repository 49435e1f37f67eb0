"""Training the SkeletonContext network, in two stages or in one.

Two stages (the paper's schedule): the backbone is pre-trained as a classifier of the seen
actions, then frozen while the KPD and CPM heads learn. One stage (a configuration with no
pre-training epochs): backbone and heads learn together from the start, against the text
prototypes, as the reference yardstick does. Each stage saves its state after every epoch, so
``resume`` continues where a run stopped and draws the same windows it would have drawn.
"""

from __future__ import annotations

import itertools
import json
import pickle
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, update_bn
from tqdm import tqdm

from core.data.sources import LIFTED_SOURCES
from core.model.inference import autocast, class_probabilities, embed_windows
from core.model.checkpoint import save_checkpoint
from core.model.cpm import ContextPromptHead, mlm_loss
from core.model.kpd import calibration_loss
from core.model.label_prior import with_label_prior
from core.model.network import ModelConfig, SkeletonContext, combine_branches
from core.model.scoring import ClassPrototypes
from core.model.shiftgcn import ShiftGCN, masked_body_mean
from core.training.configs import TrainConfig
from core.recognition.windows import WindowPolicy
from core.protocol.clips import ZeroShotTask, clip_windows, pool_by_clip, sampled_windows
from core.training.data import EpochSampler, TrainWindows, mirror_targets, sampling_weights
from core.model.text_bank import TextBank

MODEL_FILE = "model.safetensors"
BACKBONE_FILE = "backbone.pt"
# What backbone files saved before a switch existed were trained with.
_IDENTITY_BEFORE_RECORDED = {"motion": False, "depth": True}


class RunLog:
    """One JSON line per event in ``train_log.jsonl``, echoed as a short line on stderr."""

    def __init__(self, path: Path, quiet: bool = False) -> None:
        self.path = path
        self.quiet = quiet
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, **record: Any) -> None:
        record = {"time": round(time.time(), 2), **record}
        with self.path.open("a") as handle:
            handle.write(json.dumps(record) + "\n")
        if not self.quiet:
            shown = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in record.items() if k != "time"}
            tqdm.write(" ".join(f"{k}={v}" for k, v in shown.items()))


def _loader(dataset: TrainWindows, sampler: EpochSampler, config: TrainConfig, device: torch.device):
    workers = config.workers if device.type == "cuda" else 0
    return torch.utils.data.DataLoader(
        dataset,
        batch_size=config.batch_size,
        sampler=sampler,
        num_workers=workers,
        pin_memory=device.type == "cuda",
        persistent_workers=workers > 0,
        drop_last=len(dataset) >= config.batch_size,
    )


def _optimizer(parameters, config: TrainConfig, epochs: int):
    """The config's optimizer: SGD with Nesterov momentum and step decay, or AdamW with a cosine schedule."""
    if config.optimizer == "adamw":
        optimizer = torch.optim.AdamW(parameters, lr=config.lr, weight_decay=config.weight_decay, foreach=True)
        return optimizer, torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max(epochs, 1))
    optimizer = torch.optim.SGD(
        parameters, lr=config.lr, momentum=config.momentum, nesterov=True, weight_decay=config.weight_decay,
        foreach=True,
    )
    milestones = sorted({max(1, int(round(f * epochs))) for f in config.decay_at})
    return optimizer, torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones, gamma=0.1)


def _train_windows(task: ZeroShotTask, config: TrainConfig, policy: WindowPolicy, seed: int) -> TrainWindows:
    from core.knowledge.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    mirror_to = mirror_targets(task.train_actions, vocabulary.mirror_twin) if config.mirror else None
    return TrainWindows(task.subset("train"), task.train_actions, policy, seed, mirror_to=mirror_to,
                        lifted_share=config.lifted_share, tempo=config.tempo,
                        repeat_share=config.repeat_share, repeated=vocabulary.repeated,
                        max_angle=config.max_tilt)


def _sampler(dataset: TrainWindows, config: TrainConfig, seed: int) -> EpochSampler:
    weights = sampling_weights(dataset.labels, config.balance, dataset.sources, config.video_share,
                               frozenset(LIFTED_SOURCES))
    return EpochSampler(len(dataset), seed, weights)


def load_saved_state(path: Path, device: torch.device | str) -> dict:
    """A state or backbone file this trainer saved: tensors, numbers, text and containers only.

    ``weights_only`` refuses every other pickled object, so a crafted file left in a run folder
    cannot run code when a run resumes; the refusal is one line naming the file.
    """
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, AttributeError) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ValueError(f"{path}: refused, not a file this trainer saved ({reason}); delete it to start over") from None


def _step(loss: torch.Tensor, optimizer, parameters, config: TrainConfig) -> None:
    if not torch.isfinite(loss):
        raise FloatingPointError("the training loss became NaN or infinite; lower the learning rate")
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(parameters, config.clip_norm)
    optimizer.step()


def pretrain_backbone(
    task: ZeroShotTask, config: TrainConfig, model_config: ModelConfig, device: torch.device,
    out_dir: Path, log: RunLog, resume: bool = False,
) -> dict[str, torch.Tensor]:
    """Stage 1: the backbone as a plain classifier of the training actions."""
    torch.manual_seed(config.seed)
    classes = task.train_actions
    backbone = ShiftGCN(model_config.backbone).to(device)
    head = nn.Linear(model_config.backbone.out_channels, len(classes)).to(device)
    parameters = list(backbone.parameters()) + list(head.parameters())
    optimizer, scheduler = _optimizer(parameters, config, config.pretrain_epochs)
    state_path = out_dir / "pretrain_state.pt"
    start = 0
    if resume and state_path.exists():
        state = load_saved_state(state_path, device)
        backbone.load_state_dict(state["backbone"])
        head.load_state_dict(state["head"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        start = state["epoch"] + 1
        log.write(event="resume", stage="pretrain", epoch=start)
    dataset = _train_windows(task, config, WindowPolicy.of(model_config), config.seed)
    sampler = _sampler(dataset, config, config.seed)
    loader = _loader(dataset, sampler, config, device)
    for epoch in range(start, config.pretrain_epochs):
        sampler.epoch = epoch
        torch.manual_seed(config.seed * 1000 + epoch)
        backbone.train()
        head.train()
        total, correct, seen = 0.0, 0, 0
        for windows, labels in tqdm(loader, desc=f"pretrain {epoch + 1}/{config.pretrain_epochs}", leave=False):
            windows, labels = windows.to(device, non_blocking=True), labels.to(device, non_blocking=True)
            with autocast(device):
                features, present = backbone(windows)
                logits = head(masked_body_mean(features.mean((3, 4)), present))
                loss = nn.functional.cross_entropy(logits.float(), labels)
            _step(loss, optimizer, parameters, config)
            total += float(loss.detach()) * len(labels)
            correct += int((logits.argmax(-1) == labels).sum())
            seen += len(labels)
        scheduler.step()
        log.write(stage="pretrain", epoch=epoch + 1, loss=total / max(seen, 1), train_acc=correct / max(seen, 1))
        torch.save(
            {"backbone": backbone.state_dict(), "head": head.state_dict(), "optimizer": optimizer.state_dict(),
             "scheduler": scheduler.state_dict(), "epoch": epoch},
            state_path,
        )
    return {name: tensor.detach().cpu() for name, tensor in backbone.state_dict().items()}


def semantic_neighbours(classes: ClassPrototypes, temperature: float) -> torch.Tensor:
    """``(C, C)`` rows summing to one: how near each class's text is to every class's (its own included).

    Mixed into the training targets, they teach that a near-synonym is less wrong than an
    unrelated action, so the embedding keeps the text space's neighbourhoods, which is all an
    unseen action has to be found by.
    """
    valid = classes.spatial_valid.unsqueeze(-1).float()
    centres = nn.functional.normalize((classes.spatial * valid).sum(1) / valid.sum(1).clamp(min=1.0), dim=-1)
    return torch.softmax(centres @ centres.T / temperature, dim=-1)


def context_losses(
    model: SkeletonContext, prompt_head: ContextPromptHead | None, bank: TextBank, prototypes, rows: torch.Tensor,
    windows: torch.Tensor, labels: torch.Tensor, curriculum: int, generator: torch.Generator, config: TrainConfig,
) -> tuple[dict[str, torch.Tensor], list[torch.Tensor]]:
    """Weighted loss terms of one batch (CE per branch, KPD calibration, CPM MLM) and the branch logits.

    The backbone learns too unless it is frozen (``requires_grad`` off, the two-stage schedule).
    """
    with torch.set_grad_enabled(any(p.requires_grad for p in model.backbone.parameters())):
        features, present = model.backbone(windows)
    out = model.heads(features, present)
    branch_logits = model.branch_logits(out, prototypes)
    targets = labels
    if config.semantic_smoothing > 0:
        onehot = nn.functional.one_hot(labels, len(prototypes.names)).float()
        targets = (1 - config.semantic_smoothing) * onehot + config.semantic_smoothing * semantic_neighbours(
            prototypes, model.config.temperature)[labels]
    losses = {f"ce_{i}": nn.functional.cross_entropy(logits, targets) for i, logits in enumerate(branch_logits)}
    if model.config.use_kpd:
        losses["calibration"] = config.calibration_weight * calibration_loss(out["importance"], bank.part_masks(rows[labels]))
    if prompt_head is not None:
        prompt = bank.prompts(rows[labels], curriculum, generator)
        logits = prompt_head(prompt.states, prompt.padding, out["token"].float(), prompt.mask_positions)
        losses["mlm"] = config.mlm_weight * mlm_loss(logits, prompt.targets, prompt.slot_masked)
    return losses, branch_logits


def train_context(
    task: ZeroShotTask, bank: TextBank, config: TrainConfig, model_config: ModelConfig,
    backbone_state: dict[str, torch.Tensor] | None, device: torch.device, out_dir: Path, log: RunLog,
    resume: bool = False,
) -> SkeletonContext:
    """KPD and CPM on top of the pre-trained, frozen backbone; or, without one, with the backbone learning too."""
    torch.manual_seed(config.seed + 1)
    classes = task.train_actions
    model = SkeletonContext(model_config).to(device)
    frozen = backbone_state is not None
    if frozen:
        model.backbone.load_state_dict(backbone_state)
        model.backbone.requires_grad_(False)
    prompt_head = ContextPromptHead(model_config.embed_dim, bank.slot_vocab_size).to(device) if model_config.use_cpm else None
    modules = [model.spatial] + ([model.temporal, prompt_head] if prompt_head is not None else [])
    if not frozen:
        modules.append(model.backbone)
    parameters = [p for module in modules for p in module.parameters()]
    optimizer, scheduler = _optimizer(parameters, config, config.context_epochs)
    prototypes = bank.prototypes(classes, model_config.prototypes, model_config.name_templates)
    rows = bank.indices(classes)
    state_path = out_dir / "context_state.pt"
    averaged = AveragedModel(model) if config.average_epochs else None
    start = 0
    if resume and state_path.exists():
        state = load_saved_state(state_path, device)
        model.load_state_dict(state["model"])
        if prompt_head is not None:
            prompt_head.load_state_dict(state["prompt_head"])
        if averaged is not None:
            if "averaged" not in state:
                raise ValueError(f"{state_path} holds no averaged weights: --average-epochs must be set from the run's start")
            averaged.load_state_dict(state["averaged"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        start = state["epoch"] + 1
        log.write(event="resume", stage="context", epoch=start)
    validation = _validation_probe(task, bank, model_config)
    dataset = _train_windows(task, config, WindowPolicy.of(model_config), config.seed + 1)
    sampler = _sampler(dataset, config, config.seed + 1)
    loader = _loader(dataset, sampler, config, device)
    for epoch in range(start, config.context_epochs):
        sampler.epoch = epoch
        curriculum = min(3, 1 + 3 * epoch // max(config.context_epochs, 1))
        generator = torch.Generator().manual_seed(config.seed * 1000 + epoch)
        torch.manual_seed(config.seed * 1000 + epoch)  # dropout draws, so a resumed epoch repeats exactly
        model.train()
        if frozen:
            model.backbone.eval()  # keep its batch-norm statistics
        if prompt_head is not None:
            prompt_head.train()
        sums: dict[str, float] = {}
        correct, seen = 0, 0
        for windows, labels in tqdm(loader, desc=f"context {epoch + 1}/{config.context_epochs}", leave=False):
            windows, labels = windows.to(device, non_blocking=True), labels.to(device, non_blocking=True)
            with autocast(device):
                losses, branch_logits = context_losses(
                    model, prompt_head, bank, prototypes, rows, windows, labels, curriculum, generator, config
                )
                loss = sum(losses.values())
            _step(loss, optimizer, parameters, config)
            for key, value in losses.items():
                sums[key] = sums.get(key, 0.0) + float(value.detach()) * len(labels)
            probabilities = combine_branches([logits.detach().float() for logits in branch_logits])
            correct += int((probabilities.argmax(-1) == labels).sum())
            seen += len(labels)
        scheduler.step()
        if averaged is not None and epoch >= config.context_epochs - config.average_epochs:
            averaged.update_parameters(model)
        record = {key: value / max(seen, 1) for key, value in sums.items()}
        record.update(train_acc=correct / max(seen, 1))
        if validation is not None:
            record["validation_zsl"] = _probe_accuracy(model, validation)
        log.write(stage="context", epoch=epoch + 1, curriculum=curriculum, **record)
        state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "scheduler": scheduler.state_dict(), "epoch": epoch}
        if prompt_head is not None:
            state["prompt_head"] = prompt_head.state_dict()
        if averaged is not None:
            state["averaged"] = averaged.state_dict()
        torch.save(state, state_path)
    if averaged is not None:
        model.load_state_dict(averaged.module.state_dict())
    if config.batch_norm_batches:
        update_bn(itertools.islice(loader, config.batch_norm_batches), model, device)
        final = {"averaged_epochs": config.average_epochs, "batch_norm_batches": config.batch_norm_batches}
        if validation is not None:
            final["validation_zsl"] = _probe_accuracy(model.eval(), validation)
        log.write(stage="final", **final)
    return model.eval()


def _validation_probe(task: ZeroShotTask, bank: TextBank, model_config: ModelConfig):
    """Windows and prototypes of the validation actions (never trained on) to watch zero-shot progress."""
    clips = task.subset("calibration_unseen")
    if len(clips) == 0 or not task.validation_actions:
        return None
    classes = bank.prototypes(task.validation_actions, model_config.prototypes, model_config.name_templates)
    labels = torch.as_tensor([task.validation_actions.index(a) for a in clips.actions])
    windows, owners = clip_windows(clips, WindowPolicy.of(model_config))
    return windows, owners, labels, classes


def _probe_accuracy(model: SkeletonContext, probe) -> float:
    windows, owners, labels, classes = probe
    probabilities = pool_by_clip(class_probabilities(model, embed_windows(model, windows), classes), owners, len(labels))
    return float((probabilities.argmax(-1).cpu() == labels).float().mean())


def _pretrained_backbone(
    task: ZeroShotTask, config: TrainConfig, model_config: ModelConfig, device: torch.device, out_dir: Path,
    log: RunLog, resume: bool, backbone_path: Path, started: float,
) -> tuple[dict[str, torch.Tensor], str]:
    """Stage 1's backbone: reused from ``backbone_path`` when it matches, else trained and saved there."""
    # What a saved backbone must match to be reused, saved beside its weights.
    backbone_identity = {"channels": list(model_config.backbone.channels), "motion": model_config.backbone.motion,
                         "depth": model_config.backbone.depth, "classes": task.train_actions}
    if backbone_path.exists():
        saved = load_saved_state(backbone_path, "cpu")
        if any(saved.get(key, _IDENTITY_BEFORE_RECORDED.get(key)) != value for key, value in backbone_identity.items()):
            raise ValueError(f"{backbone_path} was pre-trained for another config or split; delete it or pass another --backbone")
        log.write(event="backbone", source=str(backbone_path))
        source = "trained in this run" if backbone_path.parent == out_dir else backbone_path.name  # resumed or shared
        return saved["backbone"], source
    backbone_state = pretrain_backbone(task, config, model_config, device, out_dir, log, resume)
    backbone_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = backbone_path.with_name(backbone_path.name + ".tmp")
    torch.save({"backbone": backbone_state, **backbone_identity}, temporary)
    temporary.replace(backbone_path)
    log.write(event="pretrained", seconds=round(time.time() - started, 1))
    return backbone_state, "trained in this run"


def with_training_prior(model: SkeletonContext, task: ZeroShotTask, count: int, seed: int) -> SkeletonContext:
    """``model`` keeping ``count`` of the task's training windows for the label prior, one from each
    of as many clips drawn with ``seed``: what the trainer stores, and ``python -m core label-prior``
    adds to a checkpoint trained before."""
    windows = sampled_windows(task.subset("train"), WindowPolicy.of(model.config), count, seed)
    return with_label_prior(model, windows)


def train(
    task: ZeroShotTask, bank: TextBank, config: TrainConfig, variant: str, out_dir: Path, device: torch.device,
    resume: bool = False, backbone_path: Path | None = None, pretrain_only: bool = False, quiet: bool = False,
) -> Path:
    """Both stages (or the one), then the model file; returns its path (or the backbone's with ``pretrain_only``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    log = RunLog(out_dir / "train_log.jsonl", quiet)
    model_config = config.model_config(variant)
    if config.end_to_end and (pretrain_only or backbone_path is not None):
        raise ValueError(f"the {config.name} config trains in one stage: it has no backbone to pre-train or reuse")
    backbone_path = backbone_path or out_dir / BACKBONE_FILE
    started = time.time()
    # The options that change what the network saw: in the log and in the checkpoint's metadata.
    options = {"mirror": config.mirror, "balance": config.balance, "motion": config.motion,
               "lifted_share": config.lifted_share, "depth": config.depth, "body_joints": config.body_joints,
               "canonical_bones": config.canonical_bones, "level": config.level, "tempo": list(config.tempo),
               "repeat_share": config.repeat_share, "max_tilt": config.max_tilt,
               "semantic_smoothing": config.semantic_smoothing, "average_epochs": config.average_epochs,
               "batch_norm_batches": config.batch_norm_batches, "prior_windows": config.prior_windows,
               "video_share": config.video_share}
    log.write(event="start", config=config.name, **options,
              variant=variant, split=task.name, device=str(device), train_clips=len(task.subset("train")),
              classes=len(task.train_actions))
    if config.end_to_end:
        backbone_state, backbone_source = None, "trained with the heads"
    else:
        backbone_state, backbone_source = _pretrained_backbone(
            task, config, model_config, device, out_dir, log, resume, backbone_path, started)
        if pretrain_only:
            return backbone_path
    model = train_context(task, bank, config, model_config, backbone_state, device, out_dir, log, resume)
    if config.prior_windows:
        model = with_training_prior(model, task, config.prior_windows, config.seed)
    path = out_dir / MODEL_FILE
    # With where a reused backbone came from (the README's backbone-swap runs differ there) and the
    # label prior's windows as kept (fewer than asked when the split has fewer training clips), so
    # that a checkpoint says how it was trained.
    recipe = {**options, "prior_windows": model.config.prior_windows, "backbone": backbone_source}
    save_checkpoint(path, model, {
        "split": task.name, "variant": variant, "config": config.name, "seed": config.seed,
        "train_actions": task.train_actions, "validation_actions": task.validation_actions,
        "unseen_actions": task.unseen_actions, "pretrain_epochs": config.pretrain_epochs,
        "context_epochs": config.context_epochs, "recipe": recipe, "unseen_bias": config.unseen_bias,
    })
    log.write(event="done", model=str(path), seconds=round(time.time() - started, 1))
    return path
