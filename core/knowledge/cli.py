"""``python -m core splits [NAME] [--corpus DIR]``: show the zero-shot splits.

Prints each split's actions per role and its held-out subjects; with a built corpus it also
counts the samples each role receives, per source.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import warnings
from collections import Counter
from pathlib import Path

from core.knowledge.splits import ROLES, SplitError, ZeroShotSplit, available_splits, load_split, split_index
from core.knowledge.vocabulary import VocabularyError, VocabularyWarning, load_vocabulary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Print the zero-shot splits: actions per role and held-out subjects."
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"split names or split .json files (default: all of {', '.join(available_splits())})")
    parser.add_argument("--corpus", type=Path, metavar="DIR",
                        help="a corpus built by `python -m core corpus build`: also count samples per role")


def _wrapped(title: str, names: list[str]) -> str:
    body = textwrap.fill(", ".join(names) or "-", width=96, initial_indent="    ", subsequent_indent="    ")
    return f"  {title} ({len(names)}):\n{body}"


def describe(split: ZeroShotSplit, actions_with_data: dict[str, list[str]]) -> str:
    """Human-readable summary of one split."""
    train = split.train_actions(list(actions_with_data))
    lines = [f"{split.name} (seed {split.seed})",
             _wrapped("unseen actions", split.unseen),
             _wrapped("validation actions", split.validation),
             _wrapped("training actions", train),
             "  unseen actions per source: " + ", ".join(
                 f"{source} {count}" for source, count in sorted(Counter(
                     source for action in split.unseen for source in actions_with_data.get(action, [])).items())),
             "  held-out subjects (test | validation):"]
    for source in sorted(set(split.test_subjects) | set(split.validation_subjects)):
        test = " ".join(split.test_subjects.get(source, [])) or "-"
        validation = " ".join(split.validation_subjects.get(source, [])) or "-"
        lines.append(f"    {source}: {test} | {validation}")
    return "\n".join(lines)


def count_roles(split: ZeroShotSplit, corpus_dir: Path) -> str:
    """Samples per role and source in a built corpus (reads only its index)."""
    from core.data.corpus import read_index

    index, _ = read_index(corpus_dir)
    roles = split_index(split, index)
    sources = sorted({sample.source for sample in index})
    lines = ["  samples per role: " + ", ".join(f"{role} {len(roles[role])}" for role in ROLES)]
    for source in sources:
        counts = ", ".join(f"{role} {sum(index[i].source == source for i in roles[role])}" for role in ROLES)
        lines.append(f"    {source}: {counts}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", VocabularyWarning)
            actions_with_data = load_vocabulary().action_sources()
        splits = [load_split(name) for name in (args.names or available_splits())]
        if not splits:
            raise SplitError("no split files found in core/knowledge/splits")
        for number, split in enumerate(splits):
            print(("\n" if number else "") + describe(split, actions_with_data))
            if args.corpus is not None:
                print(count_roles(split, args.corpus))
    except (SplitError, VocabularyError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
