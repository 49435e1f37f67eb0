"""Zero-shot (ZSL) and generalized zero-shot (GZSL) evaluation of one model, or of several read as
one (their clip probabilities averaged), on one task."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from core.model.inference import class_probabilities, embed_windows, unseen_lift
from core.evaluation.metrics import choose_calibration, gzsl_accuracy, per_class_results, zsl_accuracy
from core.model.network import SkeletonContext
from core.recognition.windows import WindowPolicy
from core.protocol.clips import LabelledClips, ZeroShotTask, clip_windows, pool_by_clip
from core.model.text_bank import PrototypeSource


OneModel = tuple[dict[str, torch.Tensor], np.ndarray]  # a model's window embeddings, and the clip each window is of
Embedded = list[OneModel]  # one per model


def _embed(models: Sequence[SkeletonContext], clips: LabelledClips) -> Embedded:
    """Branch embeddings of every clip's sliding windows by each model; computed once per subset,
    scored against several class lists. Models that window alike share one cut of the clips."""
    cut: dict[WindowPolicy, tuple[torch.Tensor, np.ndarray]] = {}
    embedded = []
    for model in models:
        policy = WindowPolicy.of(model.config)
        if policy not in cut:
            cut[policy] = clip_windows(clips, policy)
        windows, owners = cut[policy]
        embedded.append((embed_windows(model, windows), owners))
    return embedded


def _log_scores(models: Sequence[SkeletonContext], embedded: Embedded, actions: list[str], bank: PrototypeSource,
                classes: list[str], logit_bias: torch.Tensor | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Log of the clip's pooled prediction over ``classes`` (as the app pools), averaged over the
    models, and each clip's class index."""
    pooled = [pool_by_clip(class_probabilities(model, embeddings, bank.prototypes(classes, model.config.prototypes, model.config.name_templates), logit_bias),
                           owners, len(actions))
              for model, (embeddings, owners) in zip(models, embedded)]
    probabilities = torch.stack(pooled).mean(dim=0)
    position = {name: i for i, name in enumerate(classes)}
    labels = np.asarray([position[action] for action in actions], dtype=np.int64)
    return torch.log(probabilities.clamp(min=1e-12)).cpu().numpy(), labels


def _joined(*subsets: Embedded) -> Embedded:
    """Each model's embeddings of several subsets, in order, clips renumbered; an empty subset (no
    branch keys) adds nothing."""
    return [_joined_one(per_model) for per_model in zip(*subsets)]


def _joined_one(embedded: Sequence[OneModel]) -> OneModel:
    parts, owners, offset = [], [], 0
    for embeddings, clip_of in embedded:
        if len(embeddings["spatial"]):
            parts.append(embeddings)
            owners.append(clip_of + offset)
            offset += int(clip_of.max()) + 1
    if not parts:
        return embedded[0]
    return {key: torch.cat([part[key] for part in parts]) for key in parts[0]}, np.concatenate(owners)


def _check_trained_on(task: ZeroShotTask, metadata: Sequence[dict[str, Any]]) -> None:
    for one in metadata:
        task.check_trained_on(one)


def supervised_check(models: Sequence[SkeletonContext], metadata: Sequence[dict[str, Any]], task: ZeroShotTask,
                     bank: PrototypeSource) -> dict[str, Any]:
    """Top-1/top-5 of held-out test clips of trained actions (Penn Action's official test half for the
    shipped model), ranked among every trained action: what the model learnt, not zero-shot."""
    _check_trained_on(task, metadata)
    clips = task.subset("test_seen")
    if len(clips) == 0:
        raise ValueError(f"split {task.name!r} holds no test clips of its trained actions to check")
    scores, labels = _log_scores(models, _embed(models, clips), clips.actions, bank, task.train_actions)
    return {
        "split": task.name, "variant": metadata[0].get("variant"), "config": metadata[0].get("config"),
        "samples": len(clips), "classes": len(task.train_actions),
        "supervised": {**zsl_accuracy(scores, labels), "per_action": per_class_results(scores, labels, task.train_actions)},
    }


def evaluate(models: Sequence[SkeletonContext], metadata: Sequence[dict[str, Any]], task: ZeroShotTask,
             bank: PrototypeSource) -> dict[str, Any]:
    """ZSL top-1/top-5 on unseen actions; GZSL S/U/H with the offset chosen on calibration data only.
    Several models (each with its metadata) are read as one: their clip probabilities averaged."""
    _check_trained_on(task, metadata)
    unseen_clips = task.subset("test_unseen")
    if len(unseen_clips) == 0 or not task.unseen_actions:
        raise ValueError(f"split {task.name!r} has no unseen test samples to evaluate on")
    results: dict[str, Any] = {
        "split": task.name, "variant": metadata[0].get("variant"), "config": metadata[0].get("config"),
        "counts": {name: len(clips) for name, clips in task.subsets.items()},
        "unseen_actions": task.unseen_actions,
    }
    unseen = _embed(models, unseen_clips)
    scores, labels = _log_scores(models, unseen, unseen_clips.actions, bank, task.unseen_actions)
    results["zsl"] = {**zsl_accuracy(scores, labels),
                      "per_action": per_class_results(scores, labels, task.unseen_actions)}

    gzsl_classes = task.train_actions + task.unseen_actions
    seen_clips = task.subset("test_seen")
    test = _joined(_embed(models, seen_clips), unseen)
    test_actions = seen_clips.actions + unseen_clips.actions
    scores, labels = _log_scores(models, test, test_actions, bank, gzsl_classes)
    seen_mask = np.arange(len(gzsl_classes)) < len(task.train_actions)
    calibration_seen, calibration_unseen = task.subset("calibration_seen"), task.subset("calibration_unseen")
    calibrated = bool(task.validation_actions and len(calibration_seen) and len(calibration_unseen))
    if calibrated:
        calibration_classes = task.train_actions + task.validation_actions
        calibration = _joined(_embed(models, calibration_seen), _embed(models, calibration_unseen))
        calibration_actions = calibration_seen.actions + calibration_unseen.actions
        cal_scores, cal_labels = _log_scores(models, calibration, calibration_actions, bank, calibration_classes)
        offset = choose_calibration(cal_scores, cal_labels, np.arange(len(calibration_classes)) < len(task.train_actions))
        source = "calibration_seen + calibration_unseen"
    else:
        offset, source = 0.0, "none (the task has no calibration sets)"
    results["gzsl"] = {
        "calibrated": gzsl_accuracy(scores, labels, seen_mask, offset).__dict__,
        "uncalibrated": gzsl_accuracy(scores, labels, seen_mask, 0.0).__dict__,
        "calibration_source": source,
    }
    if calibrated:
        bias = choose_unseen_bias(models, task, bank, calibration, calibration_actions)
        lift = _lift(len(task.train_actions), len(task.unseen_actions), bias)
        scores, labels = _log_scores(models, test, test_actions, bank, gzsl_classes, lift)
        results["unseen_bias"] = {"bias": bias, "chosen_on": source,
                                  "gzsl": gzsl_accuracy(scores, labels, seen_mask, 0.0).__dict__}
    return results


UNSEEN_BIASES = tuple(np.round(np.arange(0.0, 5.01, 0.25), 2))


def _lift(seen: int, unseen: int, bias: float) -> torch.Tensor:
    """Classes are ordered trained first, then the held-out ones."""
    return unseen_lift([False] * seen + [True] * unseen, bias)


def choose_unseen_bias(models: Sequence[SkeletonContext], task: ZeroShotTask, bank: PrototypeSource, embedded: Embedded,
                       actions: list[str]) -> float:
    """The logit lift of never-trained labels (the recogniser's ``unseen_bias``) that maximises the
    harmonic mean of seen and unseen accuracy on the *calibration* clips (training plus validation
    actions), applied as the app applies it: to each branch's logits, before the windows are pooled."""
    classes = task.train_actions + task.validation_actions
    seen_mask = np.arange(len(classes)) < len(task.train_actions)
    best = (-1.0, 0.0)
    for bias in UNSEEN_BIASES:
        lift = _lift(len(task.train_actions), len(task.validation_actions), bias)
        scores, labels = _log_scores(models, embedded, actions, bank, classes, lift)
        harmonic = gzsl_accuracy(scores, labels, seen_mask, 0.0).harmonic
        if harmonic > best[0] + 1e-12:  # ties go to the smaller lift
            best = (harmonic, float(bias))
    return best[1]
