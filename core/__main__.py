"""Command-line entry point: ``python -m core COMMAND ...``.

Each command lives in its own module, which provides ``add_arguments(parser)`` and
``run(args) -> int``; modules are imported only when their command runs, so a command
never pays for another one's heavy imports.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "extract": ("core.pose.cli", "extract NTU-25 skeletons from a video"),
    "corpus": ("core.data.cli", "build or inspect the training corpus"),
    "splits": ("core.knowledge.cli", "print the zero-shot splits"),
    "train": ("core.training.cli", "train a model from a configuration"),
    "label-prior": ("core.training.prior_cli", "keep training windows in a checkpoint for the label prior"),
    "evaluate": ("core.evaluation.cli", "zero-shot evaluation of a checkpoint"),
    "classify": ("core.recognition.cli", "rank labels for videos or skeleton files"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m core", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        subparsers.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] not in COMMANDS:
        parser.parse_args(argv)  # prints usage or the unknown-command error, then exits
    module = importlib.import_module(COMMANDS[argv[0]][0])
    command_parser = argparse.ArgumentParser(prog=f"python -m core {argv[0]}")
    module.add_arguments(command_parser)
    args = command_parser.parse_args(argv[1:])
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
