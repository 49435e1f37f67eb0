"""``python -m core train``: train a model, or build the text bank it needs."""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from pathlib import Path

from core.model.text_bank import DEFAULT_TEXT_BANK
from core.protocol.tasks import load_task
from core.training.configs import BODY_JOINTS, CONFIGS, VARIANTS



def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default="cpu", choices=sorted(CONFIGS), help="training configuration")
    parser.add_argument("--split", default="split1",
                        help="split1..3, 'all' (every action: the shipped model) or an NTU split (ntu55-5, ntu48-12, ntu110-10, ntu96-24)")
    parser.add_argument("--variant", default="full", choices=list(VARIANTS), help="model variant (ablations, baseline)")
    parser.add_argument("--corpus", type=Path, help="corpus folder (python -m core corpus build) or NTU .skeleton folder")
    parser.add_argument("--text-bank", type=Path, default=DEFAULT_TEXT_BANK,
                        help=f"text bank file (built here with the local MiniLM when missing; default {DEFAULT_TEXT_BANK})")
    parser.add_argument("--out", type=Path, help="output folder (default runs/<config>-<split>-<variant>)")
    parser.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda when available")
    parser.add_argument("--resume", action="store_true", help="continue from the states saved in --out")
    parser.add_argument("--backbone", type=Path, help="pre-trained backbone file to share between variants (created if missing)")
    parser.add_argument("--pretrain-only", action="store_true", help="stop after pre-training the backbone")
    parser.add_argument("--workers", type=int, help="data-loading processes on CUDA (default: the config's)")
    parser.add_argument("--mirror", action="store_true", help="mirror half the training windows left/right (sided labels swap)")
    parser.add_argument("--motion", action="store_true", help="feed joint motion to the backbone as extra channels")
    parser.add_argument("--no-depth", action="store_true", help="the network sees the image plane only (no depth)")
    parser.add_argument("--canonical-bones", action="store_true",
                        help="give every body the same bone lengths before the network sees it")
    parser.add_argument("--angles", action="store_true", dest="tcn_angles",
                        help="tcn backbone: the body stream also reads the cosines of ten limb angles")
    parser.add_argument("--level", action="store_true",
                        help="stand every window's bodies up when they lean less than 35 degrees as a whole "
                             "(a tilted camera or depth), recorded in the checkpoint")
    parser.add_argument("--tempo", type=float, nargs=2, metavar=("LOW", "HIGH"),
                        help="cut each training window over window-s times a factor drawn log-uniformly in "
                             "[LOW, HIGH] (e.g. 0.67 1.5): repetitions slower and faster than the corpus's")
    parser.add_argument("--repeat-share", type=float, metavar="P",
                        help="share of the windows of repeated exercises (core/knowledge/repeated.json) cut from "
                             "the clip played on as a set of repetitions, slower (default: the config's)")
    parser.add_argument("--max-tilt", type=lambda degrees: math.radians(float(degrees)), metavar="DEG", dest="max_tilt",
                        help="most degrees of camera pitch and roll given to training windows (default about 15)")
    parser.add_argument("--balance", type=float, metavar="B",
                        help="class-balanced sampling, weight count(action)**-B (1: all actions equally often)")
    parser.add_argument("--video-share", type=float, metavar="S",
                        help="in actions recorded both from video and by other sensors, the video samples' "
                             "least share of the action's draws (0: as recorded)")
    parser.add_argument("--lifted-share", type=float, metavar="P",
                        help="share of training windows rebuilt from 2D by the lifter (default: the config's)")
    parser.add_argument("--semantic-smoothing", type=float, metavar="E",
                        help="share of each training target given to the true class's text neighbours (default: the config's)")
    parser.add_argument("--unseen-bias", type=float, metavar="B",
                        help="logit lift for labels the model never trained on, written into the checkpoint "
                             "(choose it with python -m core evaluate on the splits; default: the config's)")
    parser.add_argument("--body-joints", choices=sorted(BODY_JOINTS),
                        help="joints the tcn backbone's body stream reads (default: the config's)")
    parser.add_argument("--window-s", type=float, metavar="S",
                        help="seconds of motion per window, recorded in the checkpoint (default: the config's, 2)")
    parser.add_argument("--input-limit", type=float, metavar="C", dest="tcn_input_limit",
                        help="tcn backbone: positions and velocities pass through C*tanh(x/C) first (0: off)")
    parser.add_argument("--average-epochs", type=int, metavar="K",
                        help="save the weights averaged over the last K epochs (needs --batch-norm-batches)")
    parser.add_argument("--batch-norm-batches", type=int, metavar="N",
                        help="re-estimate the batch-norm statistics over N training batches once training ends")
    parser.add_argument("--prior-windows", type=int, metavar="N",
                        help="training windows kept in the model file for the label prior (0: none; default: the config's)")
    parser.add_argument("--top-k", type=int, metavar="K",
                        help="a class's best sentences whose mean similarity the training loss reads (default: the config's, 3)")
    parser.add_argument("--name-templates", type=int, metavar="K",
                        help="name templates beside each class's descriptions, in training and at inference "
                             "(default: the config's, all 4)")
    parser.add_argument("--seed", type=int, help="random seed of weights, windows and augmentation (default: the config's)")
    parser.add_argument("--quiet", action="store_true", help="log to the JSONL file only")
    parser.add_argument("--build-text-bank", type=Path, metavar="FILE",
                        help="encode the prototypes and prompts of every vocabulary action (only the --corpus's "
                             "actions when --corpus is given) into FILE, then exit")


# Options whose value, when given, replaces the TrainConfig field of the same name.
_CONFIG_FIELDS = ("workers", "seed", "window_s", "semantic_smoothing", "unseen_bias", "body_joints", "lifted_share",
                  "tempo", "repeat_share", "max_tilt", "tcn_input_limit", "batch_norm_batches", "average_epochs", "balance", "prior_windows",
                  "video_share", "top_k", "name_templates")


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (ValueError, FileNotFoundError, ImportError, FloatingPointError) as error:
        print(f"train: {error}", file=sys.stderr)
        return 2


def _build_text_bank(path: Path, corpus: Path | None = None) -> dict[str, float]:
    """All vocabulary actions, or only those a corpus (or an NTU folder) can need: a smaller file."""
    from core.knowledge.vocabulary import load_vocabulary
    from core.model.text import TextEncoder
    from core.protocol.ntu_task import is_ntu_folder
    from core.protocol.tasks import load_training_corpus
    from core.model.text_bank import build_text_bank

    actions = load_vocabulary().actions
    if corpus is not None:
        if is_ntu_folder(corpus):
            wanted = {name for name, action in actions.items() if action.ntu_id is not None}
        else:
            wanted = set(load_training_corpus(corpus).actions())
        missing = sorted(wanted - set(actions))
        if missing:
            raise ValueError(f"the vocabulary has no knowledge for corpus actions {missing[:5]}")
        actions = {name: actions[name] for name in wanted}
    return build_text_bank(path, actions, TextEncoder())


def _run(args: argparse.Namespace) -> int:
    if args.build_text_bank:
        print(f"text bank: {_build_text_bank(args.build_text_bank, args.corpus)} -> {args.build_text_bank}")
        return 0
    if args.corpus is None:
        raise ValueError("--corpus is required (a corpus folder or an NTU .skeleton folder)")

    import torch

    from core.model.inference import resolve_device
    from core.training.configs import get_config
    from core.protocol.tasks import split_folder
    from core.model.text_bank import TextBank
    from core.training.trainer import train

    device = resolve_device(args.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    config = get_config(args.config)
    # Each option given replaces its config field; the config checks the values (TrainConfig.__post_init__).
    overrides = {field: getattr(args, field) for field in _CONFIG_FIELDS if getattr(args, field) is not None}
    overrides.update({field: True for field in ("mirror", "motion", "canonical_bones", "level", "tcn_angles") if getattr(args, field)})
    if args.no_depth:
        overrides["depth"] = False
    if "tempo" in overrides:
        overrides["tempo"] = tuple(overrides["tempo"])
    config = replace(config, **overrides)
    task = load_task(args.corpus, args.split)
    if not args.text_bank.exists():
        print(f"building the text bank {args.text_bank} (once)", file=sys.stderr)
        _build_text_bank(args.text_bank, args.corpus)
    bank = TextBank(args.text_bank, device)
    out = args.out or Path("runs") / f"{args.config}-{split_folder(args.split)}-{args.variant}"
    path = train(task, bank, config, args.variant, out, device, args.resume, args.backbone, args.pretrain_only, args.quiet)
    print(path)
    return 0
