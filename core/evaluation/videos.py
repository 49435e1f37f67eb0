"""Recognition on real people in real video: ``python -m core.evaluation.videos``.

Every clip of a clips table (``file``, ``action`` and more, tab-separated, as in
``shared/data/clips/clips.tsv``) goes through the app's own path: MediaPipe pose extraction
(``core.pose.video.extract_video``; ordinary camera views, not mirrored), then
``Recognizer.rank``'s sliding windows and pooling, against a label list (default: every action
of the table). It reports top-1 and top-3 per clip, per action and overall, the main confusions,
and for each action whether the checkpoint was trained on it, seen and unseen apart. The clips
are for measuring and tuning only, never for training. Extracted skeletons are cached by the
video's sha256 (``core.evaluation.pose_cache``), so a rerun takes seconds.

With 31 clips one answer is 3 points, and a clip whose top two labels are close flips on a hair.
``--tilts`` scores every clip again with the camera turned about its horizontal axis by each
angle (a camera that looks a little more up or down, which no model should care about) and
reports each and their mean, so that two models can be compared on more than one draw.
``--weights A B ...`` scores the clips with several checkpoints' window probabilities averaged
(``core.evaluation.ensemble``): whether seeds averaged beat one. ``--untrained-prototypes names``
scores the labels the checkpoint never trained on through their names' templates alone, their
written descriptions left out: what the descriptions add for the actions that are zero-shot;
``--untrained-templates K`` keeps their descriptions and only K of their four name templates: how
far the name's wording, read four times over, outweighs the descriptions.

Beside the pooled ranking, each clip's windows also go through the steady-answer rule
(``core.recognition.smoothing``) as the Video tab's timeline and the live view show them: "shown"
is the share of those answers, after the first window, that name the clip's action (a "no clear
match" counts against it), the offline reading of the live issue's "top label shown" figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from core.evaluation.pose_cache import POSE_CACHE, Extractor, cached_video_pose
from core.model.prototypes import NAME_TEMPLATES, with_name_templates
from core.recognition.labels import LabelError, parse_labels
from core.recognition.prompts import label_sentences
from core.recognition.smoothing import SteadyRule, steady_answers
from core.recognition.windows import DEFAULT_POOLING, POOLINGS
from core.skeleton.transforms import rotate, rotation_matrix

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CLIPS = Path(os.environ.get("SKELETONCONTEXT_DATA", REPO_ROOT.parent / "shared" / "data")) / "clips" / "clips.tsv"
DEFAULT_OUT = REPO_ROOT / "runs" / "videos"
TOP = 3
SHOWN_CONFUSIONS = 10


@dataclass(frozen=True)
class ClipRow:
    file: Path
    action: str


@dataclass(frozen=True)
class ClipResult:
    file: str
    action: str
    seen: str  # "seen", "unseen" or "unknown" (the checkpoint does not record its classes)
    top: list[tuple[str, float]]  # best labels first
    rank: int | None  # 1-based rank of the true action; None when the clip could not be scored
    windows: int
    note: str = ""
    shown: float | None = None  # share of the steady answers after the first window naming the action

    @property
    def top1(self) -> bool:
        return self.rank == 1

    @property
    def top3(self) -> bool:
        return self.rank is not None and self.rank <= TOP


def read_clips(path: Path) -> list[ClipRow]:
    """The clips table: a header with at least ``file`` and ``action``; files relative to it."""
    if not path.is_file():
        raise ValueError(f"clips table not found: {path}")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if not rows or not {"file", "action"} <= set(rows[0]):
        raise ValueError(f"{path}: expected a tab-separated table with 'file' and 'action' columns")
    return [ClipRow(path.parent / row["file"], row["action"].strip()) for row in rows]


def seen_status(action: str, trained: Collection[str] | None, vocabulary) -> str:
    """Whether the action, by its canonical name in the vocabulary, is among the trained classes."""
    if trained is None:
        return "unknown"
    return "seen" if vocabulary.name_of(action) in set(trained) else "unseen"


def camera_tilted(skeleton: np.ndarray, degrees: float) -> np.ndarray:
    """The skeleton as a camera tilted by ``degrees`` about its horizontal axis sees it (positive: the
    top of the body goes away from the camera, as when the camera looks less down)."""
    if not degrees:
        return skeleton
    return rotate(skeleton, rotation_matrix(np.array([math.radians(degrees), 0.0, 0.0])))


def untrained_by_name(recognizer, labels: list[str], trained: Collection[str] | None):
    """The labels' prototypes with every untrained label's written descriptions left out (its
    name's templates only), trained labels as the app builds them."""
    kind = recognizer.model.config.prototypes
    return _untrained_read(recognizer, labels, trained, lambda label: label_sentences(label, None, kind))


def untrained_with_templates(recognizer, labels: list[str], trained: Collection[str] | None, templates: int):
    """The labels' prototypes with every untrained label's name templates cut to ``templates``
    (``with_name_templates``), its descriptions kept; trained labels as the app builds them."""
    kind = recognizer.model.config.prototypes

    def cut(label: str) -> dict[str, list[str]]:
        sentences = label_sentences(label, recognizer.vocabulary.get(label), kind)
        return {branch: with_name_templates(texts, templates) for branch, texts in sentences.items()}

    return _untrained_read(recognizer, labels, trained, cut)


def _untrained_read(recognizer, labels: list[str], trained: Collection[str] | None,
                    untrained_sentences: Callable[[str], dict[str, list[str]]]):
    """The labels' prototypes: the untrained ones' sentences from ``untrained_sentences``, the
    trained ones' as the app builds them."""
    known = set(trained or [])
    vocabulary = recognizer.vocabulary
    kind = recognizer.model.config.prototypes
    per_label = [label_sentences(label, vocabulary.get(label), kind, recognizer.model.config.name_templates)
                 if vocabulary.name_of(label) in known
                 else untrained_sentences(label) for label in labels]
    prototypes = recognizer.encode_sentences(per_label)
    return recognizer.label_set(labels, [p[0] for p in prototypes], [p[1] for p in prototypes])


def evaluate_clips(
    clips: list[ClipRow], labels: list[str], recognizer, trained: Collection[str] | None,
    pooling: str = DEFAULT_POOLING, cache: Path = POSE_CACHE, extractor: Extractor | None = None,
    tilt_deg: float = 0.0, label_set=None, steady_motion: bool = True, steady_rule: SteadyRule = SteadyRule(),
) -> list[ClipResult]:
    """Rank ``labels`` for every clip (seen by a camera tilted by ``tilt_deg``; prototypes from
    ``label_set`` when given, else the app's); a clip without anybody in it is a miss with a note.
    The steady answers weigh windows by their motion as the app's do, or with ``steady_motion``
    False by their time step alone (to measure what the motion adds); ``steady_rule`` is the app's
    unless a tuning run says otherwise."""
    from core.pose.errors import PoseInputError
    from core.recognition.recognizer import pooled_ranking

    label_set = recognizer.encode_labels(labels) if label_set is None else label_set
    results = []
    for clip in clips:
        status = seen_status(clip.action, trained, recognizer.vocabulary)
        try:
            pose, _ = cached_video_pose(clip.file, mirrored=False, cache=cache, extractor=extractor)
        except (OSError, PoseInputError) as error:
            results.append(ClipResult(clip.file.name, clip.action, status, [], None, 0, f"unreadable: {error}"))
            continue
        if pose.people_found == 0:
            results.append(ClipResult(clip.file.name, clip.action, status, [], None, 0, pose.note or "nobody found"))
            continue
        scores = recognizer.window_scores(camera_tilted(pose.skeleton, tilt_deg), label_set, pose.fps)
        ranking = pooled_ranking(scores, label_set.labels, pooling)
        names = [name.casefold() for name, _ in ranking.entries]
        rank = names.index(clip.action.casefold()) + 1 if clip.action.casefold() in names else None
        motions = [s.motion for s in scores] if steady_motion else None
        answers = steady_answers([s.end_s for s in scores], label_set.labels, [s.probabilities for s in scores], motions,
                                 steady_rule)
        results.append(ClipResult(clip.file.name, clip.action, status, ranking.top(TOP), rank, len(scores),
                                  shown=_shown_share(answers[1:], clip.action)))
    return results


def _shown_share(answers, action: str) -> float | None:
    """Share of the steady answers that name ``action`` (None without any answer)."""
    if not answers:
        return None
    return sum(a.label is not None and a.label.casefold() == action.casefold() for a in answers) / len(answers)


def _accuracy(results: list[ClipResult]) -> dict[str, float | int]:
    """Top-1, top-3, the mean rank of the true action (finer than top-k on a few clips) and the
    mean share of steady answers naming it (clips of one window have none)."""
    n = len(results)
    ranks = [r.rank for r in results if r.rank is not None]
    shown = [r.shown for r in results if r.shown is not None]
    return {"clips": n, "top1": sum(r.top1 for r in results) / n if n else 0.0,
            "top3": sum(r.top3 for r in results) / n if n else 0.0,
            "mean_rank": sum(ranks) / len(ranks) if ranks else None,
            "shown": sum(shown) / len(shown) if shown else None}


def summarise(results: list[ClipResult]) -> dict:
    """Overall, seen/unseen/unknown, per-action figures and the commonest wrong top-1 answers."""
    actions = sorted({r.action for r in results})
    wrong = [r for r in results if r.top and not r.top1]
    confusions = Counter((r.action, r.top[0][0]) for r in wrong)
    sinks = Counter(r.top[0][0] for r in wrong)  # labels that soak up other actions' clips
    return {
        "overall": _accuracy(results),
        "by_seen": {group: _accuracy([r for r in results if r.seen == group])
                    for group in ("seen", "unseen", "unknown") if any(r.seen == group for r in results)},
        "per_action": {a: {**_accuracy([r for r in results if r.action == a]),
                           "seen": next(r.seen for r in results if r.action == a)} for a in actions},
        "confusions": [{"action": a, "predicted": p, "clips": n} for (a, p), n in confusions.most_common(SHOWN_CONFUSIONS)],
        "wrong_top1_labels": [{"predicted": p, "clips": n} for p, n in sinks.most_common(SHOWN_CONFUSIONS)],
    }


def markdown(results: list[ClipResult], summary: dict, setting: dict) -> str:
    lines = ["# Real-video recognition", "", "Setting: " + ", ".join(f"{k} {v}" for k, v in setting.items()), ""]
    o = summary["overall"]
    lines += [f"**Overall**: {o['clips']} clips, top-1 {o['top1']:.2f}, top-3 {o['top3']:.2f}, "
              f"mean rank {_rank(o['mean_rank'])}, shown {_share(o['shown'])}", ""]
    lines += ["| group | clips | top-1 | top-3 | mean rank | shown |", "|---|---|---|---|---|---|"]
    lines += [f"| {g} | {a['clips']} | {a['top1']:.2f} | {a['top3']:.2f} | {_rank(a['mean_rank'])} | {_share(a['shown'])} |"
              for g, a in summary["by_seen"].items()]
    lines += ["", "| action | seen | clips | top-1 | top-3 |", "|---|---|---|---|---|"]
    lines += [f"| {a} | {v['seen']} | {v['clips']} | {v['top1']:.2f} | {v['top3']:.2f} |"
              for a, v in summary["per_action"].items()]
    lines += ["", "| clip | action | seen | windows | rank | shown | top-3 |", "|---|---|---|---|---|---|---|"]
    for r in results:
        top = ", ".join(f"{label} {p:.2f}" for label, p in r.top) or r.note
        lines.append(f"| {r.file} | {r.action} | {r.seen} | {r.windows} | {r.rank or '-'} | {_share(r.shown)} | {top} |")
    lines += ["", "Main confusions (true -> predicted top-1, clips):", ""]
    lines += [f"- {c['action']} -> {c['predicted']}: {c['clips']}" for c in summary["confusions"]] or ["- none"]
    lines += ["", "Labels most often wrongly ranked first (clips):", ""]
    lines += [f"- {c['predicted']}: {c['clips']}" for c in summary["wrong_top1_labels"]] or ["- none"]
    return "\n".join(lines) + "\n"


def tilt_table(by_tilt: dict[float, dict]) -> str:
    """Markdown: the overall, seen and unseen figures at each camera tilt, and their mean."""
    groups = ("seen", "unseen")
    lines = ["| camera tilt | top-1 | top-3 | mean rank | seen top-1 / top-3 | unseen top-1 / top-3 |",
             "|---|---|---|---|---|---|"]

    def row(name: str, summaries: list[dict]) -> str:
        def mean(pick) -> float:
            values = [pick(s) for s in summaries]
            return sum(values) / len(values)
        overall = [f"{mean(lambda s: s['overall'][key]):.2f}" for key in ("top1", "top3")]
        rank = mean(lambda s: s["overall"]["mean_rank"] or 0.0)
        apart = [f"{mean(lambda s: s['by_seen'][g]['top1']):.2f} / {mean(lambda s: s['by_seen'][g]['top3']):.2f}"
                 if all(g in s["by_seen"] for s in summaries) else "-" for g in groups]
        return f"| {name} | {overall[0]} | {overall[1]} | {rank:.1f} | {apart[0]} | {apart[1]} |"

    lines += [row(f"{tilt:+g}°", [summary]) for tilt, summary in by_tilt.items()]
    lines.append(row("mean", list(by_tilt.values())))
    return "\n".join(lines) + "\n"


def _rank(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.evaluation.videos", description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=Path, default=DEFAULT_CLIPS, help=f"clips table (default {DEFAULT_CLIPS})")
    parser.add_argument("--labels", help='labels to rank, ";"- or ","-separated (default: every action of the table)')
    parser.add_argument("--weights", type=Path, nargs="+", default=None,
                        help="checkpoint (default: the shipped one); several: their window probabilities averaged "
                             "(core.evaluation.ensemble; they must have trained on the same actions)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder for videos.json and videos.md (default {DEFAULT_OUT})")
    parser.add_argument("--pooling", choices=sorted(POOLINGS), default=DEFAULT_POOLING, help="how window scores are pooled")
    parser.add_argument("--steady", choices=("motion", "time"), default="motion",
                        help="how the steady answer (the shown column) weighs windows: by the body's motion in "
                             "them (the app's rule, core.recognition.motion) or by their time step alone")
    parser.add_argument("--switch-margin", type=float, default=SteadyRule().switch_margin,
                        help="how far another label must lead the named one to replace it in the steady answer "
                             "(default: the app's, %(default)s; tuning)")
    parser.add_argument("--window-s", type=float, help="override the checkpoint's window seconds (tuning)")
    parser.add_argument("--stride-s", type=float, help="override the stride between windows (tuning)")
    parser.add_argument("--level", choices=("on", "off"),
                        help="override whether windows are levelled (ModelConfig.level) whatever the checkpoint says (tuning)")
    parser.add_argument("--tempi", type=float, nargs="+", metavar="F",
                        help="override the tempi each moment is read at, as factors of the window seconds "
                             "(1 alone: the trained tempo only; tuning)")
    parser.add_argument("--device", default=None, help="torch device (default: GPU when present)")
    parser.add_argument("--unseen-bias", type=float, metavar="B",
                        help="logit lift for labels the checkpoint never trained on, instead of its own (sweeping it)")
    parser.add_argument("--tilts", type=float, nargs="+", metavar="DEG",
                        help="also score every clip with the camera tilted by each angle (degrees) and report "
                             "each and their mean with the untilted run (e.g. --tilts -10 10 20)")
    parser.add_argument("--untrained-prototypes", choices=("descriptions", "names"), default="descriptions",
                        help="score untrained labels through their written descriptions (the app) or their names only")
    parser.add_argument("--untrained-templates", type=int, choices=range(len(NAME_TEMPLATES) + 1), metavar="K",
                        help=f"score untrained labels with only K of their {len(NAME_TEMPLATES)} name templates beside "
                             "their descriptions (measuring; default: all, as the app)")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except (ValueError, OSError, LabelError, RuntimeError) as error:
        print(f"videos: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from core.evaluation.ensemble import Ensemble
    from core.recognition.recognizer import DEFAULT_WEIGHTS, Recognizer

    steady_rule = SteadyRule(switch_margin=args.switch_margin)  # a bad margin is refused before any loading
    clips = read_clips(args.clips)
    labels = parse_labels(args.labels) if args.labels else list(dict.fromkeys(c.action for c in clips))
    weights = args.weights or [DEFAULT_WEIGHTS]
    members = [Recognizer.load(path, device=args.device) for path in weights]
    overrides = {k: v for k, v in (("duration_s", args.window_s), ("stride_s", args.stride_s),
                                   ("tempi", None if args.tempi is None else tuple(args.tempi))) if v is not None}
    if args.level is not None:
        overrides["level"] = args.level == "on"
    for member in members:
        member.policy = replace(member.policy, **overrides)
        if args.unseen_bias is not None:
            member.unseen_bias = args.unseen_bias
    first = members[0]
    if any(member.trained != first.trained for member in members):
        raise ValueError("the checkpoints trained on different actions, so seen and unseen would differ between them")
    trained = first.trained
    recognizer = Ensemble(members)
    label_set = None
    if args.untrained_prototypes == "names" and args.untrained_templates is not None:
        raise ValueError("--untrained-templates cuts the templates beside the descriptions, which "
                         "--untrained-prototypes names leaves out: choose one")
    if args.untrained_prototypes == "names":
        label_set = recognizer.label_sets(labels, [untrained_by_name(member, labels, trained) for member in members])
    elif args.untrained_templates is not None:
        label_set = recognizer.label_sets(labels, [untrained_with_templates(member, labels, trained, args.untrained_templates)
                                                   for member in members])
    steady_motion = args.steady == "motion"
    results = evaluate_clips(clips, labels, recognizer, trained, args.pooling, cache=POSE_CACHE, label_set=label_set,
                             steady_motion=steady_motion, steady_rule=steady_rule)
    summary = summarise(results)
    setting = {"weights": ", ".join(map(str, weights)), "labels": len(labels), "unseen_bias": first.unseen_bias,
               "pooling": args.pooling, "steady": args.steady, "switch_margin": args.switch_margin,
               "window_s": first.policy.duration_s, "stride_s": first.policy.stride_s,
               "min_poses": first.policy.min_poses, "level": first.policy.level,
               "tempi": list(first.policy.tempi),
               "untrained_prototypes": args.untrained_prototypes}
    if args.untrained_templates is not None:
        setting["untrained_templates"] = args.untrained_templates
    text = markdown(results, summary, setting)
    by_tilt = {0.0: summary}
    for tilt in args.tilts or []:
        by_tilt[tilt] = summarise(evaluate_clips(clips, labels, recognizer, trained, args.pooling, POSE_CACHE,
                                                 tilt_deg=tilt, label_set=label_set, steady_motion=steady_motion,
                                                 steady_rule=steady_rule))
    if len(by_tilt) > 1:
        text += "\nThe same clips seen by a tilted camera (about its horizontal axis):\n\n" + tilt_table(by_tilt)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "videos.md").write_text(text, encoding="utf-8")
    payload = {"setting": setting, "labels": labels, "summary": summary, "clips": [asdict(r) for r in results],
               "tilts": {f"{tilt:g}": {"overall": s["overall"], "by_seen": s["by_seen"]} for tilt, s in by_tilt.items()}}
    (args.out / "videos.json").write_text(json.dumps(payload, indent=1), encoding="utf-8")
    print(text, end="")
    print(f"saved {args.out / 'videos.md'} and {args.out / 'videos.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
