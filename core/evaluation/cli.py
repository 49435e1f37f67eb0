"""``python -m core evaluate``: ZSL and GZSL accuracy of a checkpoint (or of several read as one) on a
split's held-out actions, or, for the shipped all-actions model, a supervised check on the official
test clips of its trained actions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.model.prototypes import NAME_TEMPLATES
from core.model.text_bank import DEFAULT_TEXT_BANK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--split", help="split name (default: the one the checkpoint was trained on)")
    parser.add_argument("--checkpoint", type=Path, nargs="+", required=True,
                        help="model file (model.safetensors); several are read as one, their clip probabilities "
                             "averaged (all trained on the same split; --out required)")
    parser.add_argument("--corpus", type=Path, required=True, help="corpus folder or NTU .skeleton folder")
    parser.add_argument("--text-bank", type=Path, default=DEFAULT_TEXT_BANK, help="text bank with the actions' prototypes")
    parser.add_argument("--out", type=Path, help="output folder (default: the checkpoint's folder, for one checkpoint)")
    parser.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda when available")
    parser.add_argument("--untrained-templates", type=int, choices=range(len(NAME_TEMPLATES) + 1), metavar="K",
                        help=f"score the never-trained actions with only K of their {len(NAME_TEMPLATES)} name templates beside "
                             "their descriptions (measuring; default: all, as the app)")


def run(args: argparse.Namespace) -> int:
    from core.model.checkpoint import CheckpointError

    try:
        return _run(args)
    except (CheckpointError, ValueError, FileNotFoundError) as error:
        print(f"evaluate: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from core.evaluation.evaluate import evaluate, supervised_check
    from core.model.inference import resolve_device
    from core.evaluation.report import markdown, supervised_markdown, write_report
    from core.model.checkpoint import load_checkpoint
    from core.protocol.tasks import load_task
    from core.model.text_bank import TextBank

    if len(args.checkpoint) > 1 and args.out is None:
        raise ValueError("several checkpoints read as one need --out (no single checkpoint folder to write to)")
    device = resolve_device(args.device)
    models, metadata = zip(*(load_checkpoint(path, device) for path in args.checkpoint))
    split = args.split or metadata[0].get("split")
    if not split:
        raise ValueError("the checkpoint names no split; pass --split")
    task = load_task(args.corpus, split)
    bank = TextBank(args.text_bank, device)
    if not task.unseen_actions:  # no held-out actions: check the trained ones on their official test clips
        results = supervised_check(models, metadata, task, bank)
        name, render = "supervised", supervised_markdown
    else:
        if args.untrained_templates is not None:
            bank = bank.untrained_templates(task.train_actions, args.untrained_templates)
        results = evaluate(models, metadata, task, bank)
        results["untrained_templates"] = args.untrained_templates
        name, render = "evaluation", markdown
    results["checkpoints"] = [str(path) for path in args.checkpoint]
    json_path, _ = write_report(results, args.out or args.checkpoint[0].parent, name, render)
    print(render(results))
    print(f"written: {json_path}")
    return 0
