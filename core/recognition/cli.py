"""``python -m core classify``: rank typed labels for videos and skeleton files.

Every problem a user can cause (labels, weights, files) ends in one readable line on stderr and
a non-zero exit code; one bad input does not stop the others from being classified.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from core.recognition.labels import LabelError, parse_labels
from core.recognition.sources import SUPPORTED, SkeletonSequence, SourceError, read_sequences

if TYPE_CHECKING:
    from core.recognition.recognizer import Ranking, WindowScore

MAX_CLI_LABELS = 1000
EXIT_INPUT_FAILED = 1
EXIT_USAGE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Rank typed action labels for each sequence in the given files."
    parser.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help=f"files to classify: {SUPPORTED}")
    parser.add_argument("--labels", help='actions to rank, separated by ";", "," or new lines, e.g. "drink water; clapping"')
    parser.add_argument("--labels-file", type=Path, help="a text file of labels, one per line (\";\" and \",\" also separate); combines with --labels")
    parser.add_argument("--top-k", type=int, default=5, metavar="K", help="how many labels to show (default 5; 0 = all)")
    parser.add_argument("--json", action="store_true", help="one JSON object per sequence per line")
    parser.add_argument("--mirrored", action="store_true", help="videos are mirror views (NTU RGB videos, selfie cameras)")
    parser.add_argument("--rank-of", metavar="LABEL", help="also report the rank of this label (one of the labels)")
    parser.add_argument("--timeline", action="store_true",
                        help="also show every sliding window: its top labels and the steady answer shown once it "
                             "has ended, as the app's Video tab does (a clip with several actions in turn)")
    parser.add_argument("--weights", type=Path, default=None, help="checkpoint (default weights/skeletoncontext.safetensors)")
    parser.add_argument("--device", default=None, help="torch device, e.g. cpu or cuda (default: GPU when present)")


def run(args: argparse.Namespace) -> int:
    try:
        labels = _labels(args)
        rank_of = _rank_of(args.rank_of, labels)
        if args.top_k < 0:
            raise LabelError(f"--top-k must be 0 (all) or positive, got {args.top_k}")
    except (LabelError, OSError) as error:
        return _fail(error, EXIT_USAGE)

    from core.recognition.recognizer import Recognizer, pooled_ranking

    try:
        recognizer = Recognizer.load(args.weights, device=args.device)
        label_set = recognizer.encode_labels(labels)
    except (OSError, ValueError, RuntimeError) as error:
        return _fail(error, EXIT_USAGE)

    failures = 0
    for path in args.inputs:
        try:
            sequences = read_sequences(path, mirrored=args.mirrored)
        except SourceError as error:
            failures += 1
            _fail(error, EXIT_INPUT_FAILED)
            continue
        for sequence in sequences:
            scores = recognizer.window_scores(sequence.skeleton, label_set, sequence.fps)
            ranking = pooled_ranking(scores, label_set.labels)
            timeline = _timeline(scores, label_set.labels, args.top_k) if args.timeline else None
            _print_ranking(sequence, ranking, args.top_k, rank_of, args.json, timeline)
    return EXIT_INPUT_FAILED if failures else 0


def _labels(args: argparse.Namespace) -> list[str]:
    texts = []
    if args.labels is not None:
        texts.append(args.labels)
    if args.labels_file is not None:
        try:
            texts.append(args.labels_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise LabelError(f"cannot read --labels-file {args.labels_file}: {error}") from None
    if not texts:
        raise LabelError('no labels given: pass --labels "drink water; clapping" or --labels-file FILE')
    return parse_labels("\n".join(texts), max_labels=MAX_CLI_LABELS, duplicates="error")


def _rank_of(label: str | None, labels: list[str]) -> str | None:
    if label is None:
        return None
    matches = [known for known in labels if known.casefold() == label.strip().casefold()]
    if not matches:
        raise LabelError(f"--rank-of {label!r} is not one of the {len(labels)} labels")
    return matches[0]


def _timeline(scores: list[WindowScore], labels: list[str], top_k: int) -> dict:
    """Per window, in time order, its span, its own top labels and the steady answer shown once it
    has ended; and the spans over which that answer named one label."""
    from core.recognition.smoothing import named_spans, window_answers

    answers = window_answers(scores, labels)
    windows = []
    for score, answer in zip(scores, answers):
        entries = score.ranking(labels).entries
        windows.append({"start_s": round(score.start_s, 3), "end_s": round(score.end_s, 3), "shown": answer.text,
                        "window": [{"label": label, "score": round(value, 6)} for label, value in entries[:top_k or None]]})
    spans = named_spans([score.start_s for score in scores], [score.end_s for score in scores], answers)
    return {"named": [{"label": span.label, "start_s": round(span.start_s, 3), "end_s": round(span.end_s, 3)}
                      for span in spans],
            "windows": windows}


def _print_ranking(sequence: SkeletonSequence, ranking: Ranking, top_k: int, rank_of: str | None, as_json: bool,
                   timeline: dict | None = None) -> None:
    shown = ranking.top(top_k) if top_k else ranking.entries
    if as_json:
        record = {
            "input": sequence.input,
            "key": sequence.key,
            "ranking": [{"label": label, "score": round(score, 6)} for label, score in shown],
        }
        if rank_of is not None:
            record["rank_of"] = {"label": rank_of, "rank": ranking.rank_of(rank_of), "of": len(ranking.entries)}
        if timeline is not None:
            record["timeline"] = timeline
        print(json.dumps(record), flush=True)
        return
    bodies = sequence.skeleton.shape[0]  # check_skeleton keeps only bodies that appear
    frames = sequence.skeleton.shape[1]
    name = sequence.input if sequence.key is None else f"{sequence.input} [{sequence.key}]"
    print(f"{name}  ({frames} frames, {sequence.duration_s:.1f} s, {bodies} bod{'y' if bodies == 1 else 'ies'})")
    width = max(len(label) for label, _ in shown)
    for position, (label, score) in enumerate(shown, start=1):
        print(f"  {position:>3}. {label:<{width}}  {100 * score:6.2f} %")
    if rank_of is not None:
        print(f"  rank of {rank_of!r}: {ranking.rank_of(rank_of)} of {len(ranking.entries)}")
    if timeline is not None:
        from core.recognition.smoothing import NamedSpan, spans_text

        print(f"  named over time: {spans_text([NamedSpan(**span) for span in timeline['named']])}")
        print("  windows (seconds: shown | the window's own top labels):")
        for row in timeline["windows"]:
            top = ", ".join(f"{entry['label']} {100 * entry['score']:.0f} %" for entry in row["window"][:3])
            print(f"  {row['start_s']:6.1f}-{row['end_s']:<6.1f} {row['shown']} | {top}")
    print(flush=True)


def _fail(error: BaseException, code: int) -> int:
    print(f"classify: error: {error}", file=sys.stderr)
    return code
