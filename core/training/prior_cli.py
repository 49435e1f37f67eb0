"""``python -m core label-prior``: keep a sample of training windows in a checkpoint trained
without them, so the app and evaluation score its labels against the label prior."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.training.configs import TrainConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", type=Path, required=True, help="model file (model.safetensors)")
    parser.add_argument("--corpus", type=Path, required=True, help="the corpus folder the checkpoint was trained on")
    parser.add_argument("--windows", type=int, default=TrainConfig.prior_windows,
                        help=f"training windows to keep (default {TrainConfig.prior_windows})")
    parser.add_argument("--out", type=Path, help="where to write the model (default: replace --checkpoint)")


def run(args: argparse.Namespace) -> int:
    from core.model.checkpoint import CheckpointError

    try:
        return _run(args)
    except (CheckpointError, ValueError, FileNotFoundError) as error:
        print(f"label-prior: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from core.model.checkpoint import load_checkpoint, save_checkpoint
    from core.protocol.tasks import load_task
    from core.training.trainer import with_training_prior

    if args.windows < 1:
        raise ValueError(f"--windows must be at least 1, got {args.windows}")
    model, metadata = load_checkpoint(args.checkpoint, "cpu")
    if not metadata.get("split"):
        raise ValueError(f"{args.checkpoint} names no split, so which clips it trained on is unknown")
    task = load_task(args.corpus, metadata["split"])
    task.check_trained_on(metadata)
    model = with_training_prior(model, task, args.windows, int(metadata.get("seed", 0)))
    kept = model.config.prior_windows
    metadata["recipe"] = {**metadata.get("recipe", {}), "prior_windows": kept}
    out = args.out or args.checkpoint
    save_checkpoint(out, model, metadata)
    print(f"{out}: label prior over {kept} training windows of {metadata['split']!r}")
    return 0
