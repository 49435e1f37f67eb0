"""``python -m core evaluate``: ZSL and GZSL accuracy of a checkpoint on a split's held-out actions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.training.cli import DEFAULT_TEXT_BANK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--split", help="split name (default: the one the checkpoint was trained on)")
    parser.add_argument("--checkpoint", type=Path, required=True, help="model file (model.safetensors)")
    parser.add_argument("--corpus", type=Path, required=True, help="corpus folder or NTU .skeleton folder")
    parser.add_argument("--text-bank", type=Path, default=DEFAULT_TEXT_BANK, help="text bank with the actions' prototypes")
    parser.add_argument("--out", type=Path, help="output folder (default: the checkpoint's folder)")
    parser.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda when available")


def run(args: argparse.Namespace) -> int:
    from core.model.checkpoint import CheckpointError

    try:
        return _run(args)
    except (CheckpointError, ValueError, FileNotFoundError) as error:
        print(f"evaluate: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from core.evaluation.evaluate import evaluate
    from core.evaluation.inference import resolve_device
    from core.evaluation.report import markdown, write_report
    from core.model.checkpoint import load_checkpoint
    from core.training.cli import load_task
    from core.training.text_bank import TextBank

    device = resolve_device(args.device)
    model, metadata = load_checkpoint(args.checkpoint, device)
    split = args.split or metadata.get("split")
    if not split or split == "all":
        raise ValueError("a model trained on every action has no held-out actions; pass --split with a zero-shot split")
    task = load_task(args.corpus, split)
    results = evaluate(model, metadata, task, TextBank(args.text_bank, device))
    json_path, _ = write_report(results, args.out or args.checkpoint.parent)
    print(markdown(results))
    print(f"written: {json_path}")
    return 0
