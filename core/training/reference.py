"""A yardstick for the zero-shot splits: a plain temporal-convolution alignment network.

The issue that set the ZSL target quotes a quick prototype of this kind (a small temporal
convolution net over 15 joints, cosine against label-name templates) at about 58 % on comparable
splits. This is such a prototype, trained end to end in about a minute per split on a CPU, so the
SkeletonContext numbers can be read against it on exactly the same splits and samples, and so a
new split can be judged easy or hard before anyone tunes on it.

    python -m core.training.reference --corpus artifacts/corpus --splits split1 split2 split3 --seeds 0 1 2

With ``--clips`` it is instead trained on every action, as the shipped model is (split "all"),
and scored on the real clips beside a checkpoint (default: the shipped weights), through the
app's pose path, windows and pooling (core.evaluation.videos), in one run:

    python -m core.training.reference --corpus artifacts/corpus --clips [--weights FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.evaluation.metrics import zsl_accuracy
from core.model.network import ModelConfig
from core.model.scoring import ClassPrototypes, class_logits
from core.model.text import EMBEDDING_DIM
from core.recognition.windows import WindowPolicy
from core.skeleton.layout import JOINT, NUM_JOINTS
from core.protocol.clips import ZeroShotTask, clip_windows, pool_by_clip
from core.training.data import EpochSampler, TrainWindows
from core.protocol.tasks import ALL_ACTIONS, corpus_task, load_training_corpus, split_folder
from core.model.text_bank import TextBank

# The joints that every source records (OpenNI exports have only these 15; see core/data/openni.py),
# so no input depends on how a source's missing joints were synthesised.
REFERENCE_JOINTS = (
    "head", "spine_shoulder", "spine_mid", "left_shoulder", "left_elbow", "left_hand", "right_shoulder",
    "right_elbow", "right_hand", "left_hip", "left_knee", "left_ankle", "right_hip", "right_knee", "right_ankle",
)
VELOCITY_SCALE = 4.0  # frame-to-frame motion of a 32-frame window is a few hundredths of a torso


@dataclass(frozen=True)
class ReferenceConfig:
    epochs: int = 15
    window: int = 32
    window_s: float = ModelConfig.window_s  # the models' default, so both cut windows alike
    width: int = 128
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-2
    dropout: float = 0.3
    temperature: float = 0.1
    top_k: int = 3
    prototypes: str = "template"

    @property
    def policy(self) -> WindowPolicy:
        return WindowPolicy(self.window_s, self.window)


class ReferenceTCN(nn.Module):
    """Positions and velocities of the first body's 15 joints -> a unit vector in the text space."""

    def __init__(self, width: int = 128, dropout: float = 0.3, embed_dim: int = EMBEDDING_DIM) -> None:
        super().__init__()
        self.register_buffer("joints", torch.tensor([JOINT[name] for name in REFERENCE_JOINTS]), persistent=False)
        channels = [len(REFERENCE_JOINTS) * 6, width, width, 2 * width, 2 * width, 2 * width]
        layers: list[nn.Module] = []
        for index, (inputs, outputs) in enumerate(zip(channels, channels[1:])):
            stride = 2 if index in (2, 4) else 1
            layers += [nn.Conv1d(inputs, outputs, 5, stride, 2), nn.BatchNorm1d(outputs), nn.ReLU()]
        self.convolutions = nn.Sequential(*layers)
        self.dropout = nn.Dropout(dropout)
        self.projection = nn.Linear(channels[-1], embed_dim)

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        """``(N, M, T, 25, 3)`` prepared windows -> ``(N, embed_dim)`` normalised embeddings."""
        body = windows[:, 0][:, :, self.joints]
        velocity = torch.diff(body, dim=1, prepend=body[:, :1])
        x = torch.cat([body.flatten(2), VELOCITY_SCALE * velocity.flatten(2)], dim=2).transpose(1, 2)
        pooled = self.convolutions(x).mean(-1)
        return nn.functional.normalize(self.projection(self.dropout(pooled)), dim=-1)


class RecognizerModel(nn.Module):
    """The yardstick in the shape ``core.recognition.Recognizer`` scores: the same windows, label
    encoding (template prototypes) and pooling as any checkpoint, so the two meet on the clips."""

    def __init__(self, network: ReferenceTCN, config: ReferenceConfig) -> None:
        super().__init__()
        self.network = network
        self.config = ModelConfig(use_kpd=False, use_cpm=False, prototypes=config.prototypes, window=config.window,
                                  window_s=config.window_s, top_k=config.top_k, temperature=config.temperature)

    def forward(self, windows: torch.Tensor) -> dict[str, torch.Tensor]:
        spatial = self.network(windows)
        return {"spatial": spatial, "importance": spatial.new_full((len(spatial), NUM_JOINTS), 1.0 / NUM_JOINTS)}

    def with_prior(self, classes: ClassPrototypes) -> ClassPrototypes:
        """``classes`` unchanged: the yardstick keeps no training windows, so it has no label prior."""
        return classes

    def probabilities(
        self, outputs: dict[str, torch.Tensor], classes: ClassPrototypes, logit_bias: torch.Tensor | None = None,
    ) -> torch.Tensor:
        config = self.config
        logits = class_logits(outputs["spatial"], classes.spatial, classes.spatial_valid, config.top_k, config.temperature)
        return torch.softmax(logits if logit_bias is None else logits + logit_bias, dim=-1)


def class_scores(embeddings: torch.Tensor, classes: ClassPrototypes, config: ReferenceConfig) -> torch.Tensor:
    """Logits against the classes' prototype sentences, by the same rule as the SkeletonContext heads."""
    return class_logits(embeddings, classes.spatial, classes.spatial_valid, config.top_k, config.temperature)


def train_reference(task: ZeroShotTask, bank: TextBank, config: ReferenceConfig, seed: int) -> ReferenceTCN:
    """Cosine cross-entropy against the training actions' prototypes, the whole network at once."""
    torch.manual_seed(seed)
    model = ReferenceTCN(config.width, config.dropout)
    classes = bank.prototypes(task.train_actions, config.prototypes)
    dataset = TrainWindows(task.subset("train"), task.train_actions, config.policy, seed)
    sampler = EpochSampler(len(dataset), seed)
    loader = torch.utils.data.DataLoader(dataset, batch_size=config.batch_size, sampler=sampler,
                                         drop_last=len(dataset) >= config.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, config.epochs)
    for epoch in range(config.epochs):
        sampler.epoch = epoch
        model.train()
        for windows, labels in loader:
            loss = nn.functional.cross_entropy(class_scores(model(windows), classes, config), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        schedule.step()
    return model.eval()


@torch.no_grad()
def pooled_probabilities(
    model: ReferenceTCN, task: ZeroShotTask, bank: TextBank, config: ReferenceConfig, subset: str, actions: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Each clip of one subset: its windows' prediction over ``actions`` pooled as the app pools, and
    the index of its own action."""
    clips = task.subset(subset)
    labels = np.array([actions.index(action) for action in clips.actions])
    classes = bank.prototypes(actions, config.prototypes)
    windows, owners = clip_windows(clips, config.policy)
    probabilities = torch.softmax(class_scores(model(windows), classes, config), dim=-1)
    return pool_by_clip(probabilities, owners, len(labels)).numpy(), labels


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """ZSL top-1, top-5 and class-mean top-1 of pooled clip predictions."""
    return {**zsl_accuracy(np.log(np.clip(probabilities, 1e-12, None)), labels), "samples": int(len(labels))}


def zero_shot_scores(
    model: ReferenceTCN, task: ZeroShotTask, bank: TextBank, config: ReferenceConfig, subset: str, actions: list[str]
) -> dict[str, float]:
    """ZSL top-1, top-5 and class-mean top-1 of one subset against its own actions only."""
    return accuracy(*pooled_probabilities(model, task, bank, config, subset, actions))


def measure(model: ReferenceTCN, task: ZeroShotTask, bank: TextBank, config: ReferenceConfig,
            seed: int) -> tuple[dict[str, object], tuple[np.ndarray, np.ndarray]]:
    """A trained yardstick's unseen (and validation) actions, each against its own list, and its
    pooled predictions of the unseen clips (``pooled_probabilities``), which ``seeds_averaged`` reads."""
    unseen = pooled_probabilities(model, task, bank, config, "test_unseen", task.unseen_actions)
    result: dict[str, object] = {"split": split_folder(task.name), "seed": seed, "unseen": accuracy(*unseen)}
    if task.validation_actions:
        result["validation"] = zero_shot_scores(
            model, task, bank, config, "calibration_unseen", task.validation_actions)
    return result, unseen


def seeds_averaged(unseen: list[tuple[np.ndarray, np.ndarray]], task: ZeroShotTask, seeds: list[int]) -> dict[str, object]:
    """The seeds' yardsticks read as one on the unseen actions, from each seed's ``measure``d
    predictions (their clip probabilities averaged), as ``python -m core evaluate`` reads several
    checkpoints, so an ensemble of products meets one of yardsticks."""
    return {"split": split_folder(task.name), "seeds": seeds,
            "unseen": accuracy(np.mean([probabilities for probabilities, _ in unseen], axis=0), unseen[0][1])}


def _mean_std(values: list[float]) -> str:
    return f"{100 * np.mean(values):.1f} ± {100 * np.std(values):.1f}"


def summary_table(results: list[dict[str, object]], averaged: list[dict[str, object]] = ()) -> str:
    """Markdown: one row per split (mean ± std over seeds), then all splits together, then each
    split's seeds read as one (``--average-seeds``)."""
    rows = ["| split | runs | ZSL top-1 | ZSL top-5 | class mean | validation-action top-1 |", "|---|---|---|---|---|---|"]
    groups = {name: [r for r in results if r["split"] == name] for name in dict.fromkeys(r["split"] for r in results)}
    groups["all"] = results
    for name, group in groups.items():
        unseen = [r["unseen"] for r in group]
        validation = [r["validation"]["top1"] for r in group if "validation" in r]
        rows.append(f"| {name} | {len(group)} | {_mean_std([u['top1'] for u in unseen])} "
                    f"| {_mean_std([u['top5'] for u in unseen])} | {_mean_std([u['class_mean_top1'] for u in unseen])} "
                    f"| {_mean_std(validation) if validation else '-'} |")
    for one in averaged:
        unseen = one["unseen"]
        rows.append(f"| {one['split']}, seeds {', '.join(map(str, one['seeds']))} averaged | 1 | {100 * unseen['top1']:.1f} "
                    f"| {100 * unseen['top5']:.1f} | {100 * unseen['class_mean_top1']:.1f} | - |")
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.training.reference", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="corpus folder (python -m core corpus build)")
    parser.add_argument("--text-bank", type=Path, default=Path("runs/text_bank.safetensors"),
                        help="text bank file (python -m core train --build-text-bank FILE)")
    parser.add_argument("--splits", nargs="+", default=["split1", "split2", "split3"], help="split names or JSON files")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--epochs", type=int, default=ReferenceConfig.epochs)
    parser.add_argument("--average-seeds", action="store_true",
                        help="also read each split's seeds as one, their clip probabilities averaged")
    parser.add_argument("--out", type=Path, help="JSON file for every run's numbers (with --clips: a folder)")
    parser.add_argument("--clips", action="store_true",
                        help="train on every action and score the real clips beside --weights, instead of the splits")
    parser.add_argument("--weights", type=Path, help="checkpoint scored beside the yardstick with --clips (default: shipped)")
    args = parser.parse_args(argv)
    try:
        if args.epochs < 1:
            raise ValueError("--epochs must be at least 1")
        if args.average_seeds and len(set(args.seeds)) < 2:
            raise ValueError("--average-seeds needs at least two different --seeds")
        if not args.text_bank.exists():
            raise FileNotFoundError(f"text bank not found: {args.text_bank} "
                                    f"(build it with: python -m core train --build-text-bank {args.text_bank})")
        corpus = load_training_corpus(args.corpus)
        bank = TextBank(args.text_bank)
        config = ReferenceConfig(epochs=args.epochs)
        if args.clips:
            return clip_duel(corpus, bank, config, args.seeds[0], args.weights, args.out or Path("runs/reference-clips"))
        results, averaged = [], []
        for split in args.splits:
            task = corpus_task(corpus, split)
            pooled = []
            for seed in args.seeds:
                result, unseen_pooled = measure(train_reference(task, bank, config, seed), task, bank, config, seed)
                results.append(result)
                pooled.append(unseen_pooled)
                unseen = result["unseen"]
                print(f"{split_folder(task.name)} seed {seed}: ZSL top-1 {100 * unseen['top1']:.1f}, "
                      f"class mean {100 * unseen['class_mean_top1']:.1f}", file=sys.stderr, flush=True)
            if args.average_seeds:
                averaged.append(seeds_averaged(pooled, task, args.seeds))
    except (ValueError, FileNotFoundError) as error:
        print(f"reference: {error}", file=sys.stderr)
        return 2
    print(summary_table(results, averaged), end="")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"config": asdict(config), "runs": results, "seeds_averaged": averaged}, indent=2) + "\n")
    return 0


def clip_duel(corpus, bank: TextBank, config: ReferenceConfig, seed: int, weights: Path | None, out: Path) -> int:
    """Train the yardstick on every action, score it and a checkpoint on the real clips, print both."""
    from core.evaluation.pose_cache import POSE_CACHE
    from core.evaluation.videos import DEFAULT_CLIPS, evaluate_clips, markdown, read_clips, summarise
    from core.recognition.recognizer import DEFAULT_WEIGHTS, Recognizer

    task = corpus_task(corpus, ALL_ACTIONS)
    clips = read_clips(DEFAULT_CLIPS)
    labels = list(dict.fromkeys(clip.action for clip in clips))
    weights = weights or DEFAULT_WEIGHTS
    checkpoint = Recognizer.load(weights, "cpu")
    contenders = {
        "reference": (Recognizer(RecognizerModel(train_reference(task, bank, config, seed), config), "cpu"),
                      task.train_actions),
        "checkpoint": (checkpoint, checkpoint.trained),
    }
    out.mkdir(parents=True, exist_ok=True)
    rows = ["| model | clips | top-1 | top-3 | mean rank | seen top-1 / top-3 | unseen top-1 / top-3 |",
            "|---|---|---|---|---|---|---|"]
    for name, (recognizer, trained) in contenders.items():
        results = evaluate_clips(clips, labels, recognizer, trained, cache=POSE_CACHE)
        summary = summarise(results)
        described = "reference yardstick (trained here on every action)" if name == "reference" else str(weights)
        (out / f"{name}.md").write_text(markdown(results, summary, {"model": described, "labels": len(labels)}))
        overall, groups = summary["overall"], summary["by_seen"]
        apart = [f"{groups[g]['top1']:.2f} / {groups[g]['top3']:.2f}" if g in groups else "-" for g in ("seen", "unseen")]
        rows.append(f"| {described} | {overall['clips']} | {overall['top1']:.2f} | {overall['top3']:.2f} | "
                    f"{overall['mean_rank']:.1f} | {apart[0]} | {apart[1]} |")
    table = "\n".join(rows) + "\n"
    (out / "duel.md").write_text(table)
    print(table, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
