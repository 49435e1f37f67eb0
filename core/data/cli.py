"""``python -m core corpus {build,info,montage}``: build, inspect and eyeball the corpus."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from core.data.corpus import ARRAYS_FILE, INDEX_FILE, CorpusError, read_index

MIB = 1024 * 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = commands.add_parser("build", help="unpack, read and pack every source")
    build.add_argument("--data", type=Path, required=True, help="the shared data folder")
    build.add_argument("--out", type=Path, required=True, help="corpus folder to write")
    build.add_argument("--cache", type=Path, default=None,
                       help="unpacked archives and parsed sources (default ~/.cache/skeletoncontext)")
    info = commands.add_parser("info", help="print the tables of a built corpus")
    info.add_argument("corpus", type=Path)
    info.add_argument("--actions", nargs="+", metavar="NAME",
                      help="instead: for each action (a name or alias), its samples from video and from other "
                           "sensors, per source")
    montage = commands.add_parser("montage", help="render one stick figure per source to a PNG")
    montage.add_argument("corpus", type=Path)
    montage.add_argument("--out", type=Path, required=True, help="PNG file to write")


def format_tables(build: dict[str, Any], samples: list[Any]) -> str:
    """Per-source table (found vs expected, frames, actions), then samples per action."""
    header = (f"{'source':<16}{'unit':<10}{'expected':>9}{'found':>7}{'found%':>8}"
              f"{'problems':>9}{'samples':>9}{'excluded':>9}{'frames':>9}{'hours':>7}{'actions':>8}")
    lines = [header, "-" * len(header)]
    for row in build["sources"]:
        share = 100.0 * row["found"] / row["expected"] if row["expected"] else 0.0
        lines.append(
            f"{row['source']:<16}{row['unit']:<10}{row['expected']:>9}{row['found']:>7}"
            f"{share:>7.1f}%{len(row['problems']):>9}{row['samples']:>9}{row['excluded']:>9}"
            f"{row['frames']:>9}{row['seconds'] / 3600:>7.2f}{row['actions']:>8}"
        )
    lines.append(f"{len(samples)} samples, {len(build['actions'])} actions; stored at most "
                 f"{build['max_fps']:g} fps, {build['max_seconds']:g} s per sample")
    counts: dict[str, int] = {}
    for sample in samples:
        counts[sample.action] = counts.get(sample.action, 0) + 1
    lines.append("samples per action: " + ", ".join(f"{a} {n}" for a, n in sorted(counts.items())))
    for row in build["sources"]:
        for problem in row["problems"]:
            lines.append(f"  {row['source']}: {problem}")
    return "\n".join(lines)


def format_action_sources(samples: list[Any], actions: list[str], canonical: dict[str, str],
                          video_sources: frozenset[str]) -> str:
    """Per typed action: its corpus name, samples from ordinary video against other sensors, and per source.

    What an action's recognition on a webcam can be expected to rest on: actions only depth
    sensors or motion capture recorded transfer poorly to the app's input (README)."""
    by_action: dict[str, dict[str, int]] = {}
    for sample in samples:
        sources = by_action.setdefault(sample.action, {})
        sources[sample.source] = sources.get(sample.source, 0) + 1
    lines = [f"{'action':<22}{'in the corpus as':<22}{'video':>7}{'other':>7}  sources"]
    for typed in actions:
        name = canonical[typed]
        sources = by_action.get(name, {})
        video = sum(count for source, count in sources.items() if source in video_sources)
        listed = ", ".join(f"{source} {count}" for source, count in sorted(sources.items())) or "none: not trained"
        lines.append(f"{typed:<22}{name:<22}{video:>7}{sum(sources.values()) - video:>7}  {listed}")
    return "\n".join(lines)


def _below(build: dict[str, Any], fraction: float) -> list[str]:
    return [row["source"] for row in build["sources"] if row["found"] <= fraction * row["expected"]]


def _run_build(args: argparse.Namespace) -> int:
    from core.data.build import build_corpus
    from core.data.source_cache import DEFAULT_CACHE

    if not (args.data / "raw").is_dir():
        print(f"error: {args.data}/raw not found: --data must be the shared data folder "
              "holding raw/*.tar.xz", file=sys.stderr)
        return 2
    started = time.perf_counter()
    build = build_corpus(args.data, args.out, args.cache or DEFAULT_CACHE,
                         progress=lambda message: print(message, file=sys.stderr, flush=True))
    samples, _ = read_index(args.out)
    print(format_tables(build, samples))
    size = (args.out / ARRAYS_FILE).stat().st_size + (args.out / INDEX_FILE).stat().st_size
    print(f"wrote {args.out} ({size / MIB:.1f} MiB) in {time.perf_counter() - started:.1f} s")
    short = [source for source in _below(build, 0.99) if source not in _below(build, 0.0)]
    if short:
        print(f"WARNING: fewer than 99 % of the expected sequences loaded for {short}; "
              "see the problems listed above", file=sys.stderr)
    missing = _below(build, 0.0)
    if missing:
        print(f"ERROR: nothing could be read for {missing}; the corpus lacks them",
              file=sys.stderr)
        return 1
    return 0


def _run_info(args: argparse.Namespace) -> int:
    samples, build = read_index(args.corpus)
    if args.actions:
        from core.data.sources import LIFTED_SOURCES
        from core.knowledge.vocabulary import load_vocabulary

        vocabulary = load_vocabulary()
        canonical = {typed: vocabulary.name_of(typed) for typed in args.actions}
        print(format_action_sources(samples, args.actions, canonical, frozenset(LIFTED_SOURCES)))
        return 0
    print(format_tables(build, samples))
    size = sum((args.corpus / name).stat().st_size for name in (ARRAYS_FILE, INDEX_FILE)
               if (args.corpus / name).exists())
    print(f"{args.corpus}: {size / MIB:.1f} MiB")
    return 0


def _run_montage(args: argparse.Namespace) -> int:
    from core.data.corpus import load_corpus
    from core.data.montage import render_montage

    render_montage(load_corpus(args.corpus), args.out)
    print(f"wrote {args.out}")
    return 0


def run(args: argparse.Namespace) -> int:
    handlers = {"build": _run_build, "info": _run_info, "montage": _run_montage}
    try:
        return handlers[args.action](args)
    except (CorpusError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
