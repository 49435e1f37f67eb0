"""Train and evaluate every variant on every split, plus the shipped all-actions model.

``python -m core.training.experiments --corpus DIR --text-bank FILE --out DIR --device cuda --jobs K``

With a two-stage config each split's backbone is pre-trained once and shared by its variants
(the variants differ only in the heads trained on top of the frozen backbone); a one-stage config
(no pre-training epochs) trains every variant whole. Up to K trainings run at once as separate
processes on the same GPU: single small trainings leave most of an H100/H200 idle.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from core.evaluation.report import percent
from core.training.configs import CONFIGS, VARIANTS
from core.protocol.tasks import ALL_ACTIONS, split_folder

SPLITS = ("split1", "split2", "split3")
METRICS = (("ZSL top-1", ("zsl", "top1")), ("ZSL top-5", ("zsl", "top5")),
           ("ZSL class mean", ("zsl", "class_mean_top1")),
           ("GZSL S", ("gzsl", "calibrated", "seen")), ("GZSL U", ("gzsl", "calibrated", "unseen")),
           ("GZSL H", ("gzsl", "calibrated", "harmonic")))


@dataclass
class Job:
    """A chain of commands run one after the other in one worker slot."""

    name: str
    commands: list[list[str]]
    log: Path
    after: str | None = None  # name of the job that must finish first
    seconds: float = 0.0
    failed: str = ""


def plan(args: argparse.Namespace) -> list[Job]:
    """Pre-training jobs per split (two-stage configs), then one train+evaluate job per (split, variant)."""
    common = ["--config", args.config, "--corpus", str(args.corpus), "--text-bank", str(args.text_bank),
              "--quiet", "--workers", str(args.workers)] + (["--device", args.device] if args.device else []) \
        + (["--mirror"] if args.mirror else []) + (["--motion"] if args.motion else []) \
        + (["--balance", str(args.balance)] if args.balance is not None else [])
    train = [sys.executable, "-m", "core", "train"]
    jobs = []
    splits = list(args.splits) + ([ALL_ACTIONS] if args.shipped else [])
    one_stage = CONFIGS[args.config].end_to_end
    for split in splits:
        folder = args.out / split_folder(split)
        backbone = folder / "backbone.pt"
        shared = [] if one_stage else ["--backbone", str(backbone)]
        if not one_stage:
            jobs.append(Job(f"{split}/pretrain", [train + common + ["--split", split, "--out", str(folder / "pretrain"),
                                                                   "--pretrain-only"] + shared], folder / "pretrain.log"))
        variants = ["full"] if split == ALL_ACTIONS else args.variants
        for variant in variants:
            out = folder / variant
            commands = [train + common + ["--split", split, "--variant", variant, "--out", str(out)] + shared]
            if split != ALL_ACTIONS:
                commands.append([sys.executable, "-m", "core", "evaluate", "--checkpoint", str(out / "model.safetensors"),
                                 "--corpus", str(args.corpus), "--text-bank", str(args.text_bank), "--out", str(out)]
                                + (["--device", args.device] if args.device else []))
            jobs.append(Job(f"{split}/{variant}", commands, out.with_suffix(".log"),
                            after=None if one_stage else f"{split}/pretrain"))
    return jobs


def run_job(job: Job) -> Job:
    started = time.time()
    job.log.parent.mkdir(parents=True, exist_ok=True)
    with job.log.open("w") as log:
        for command in job.commands:
            log.write("$ " + " ".join(command) + "\n")
            log.flush()
            code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT).returncode
            if code != 0:
                job.failed = f"exit code {code} (see {job.log})"
                break
    job.seconds = time.time() - started
    return job


def run_all(jobs: list[Job], slots: int) -> list[Job]:
    """Run jobs K at a time, starting each as soon as the job it depends on has succeeded."""
    waiting = list(jobs)
    done: dict[str, Job] = {}
    running: dict[Future, Job] = {}
    with ThreadPoolExecutor(max_workers=slots) as pool:
        while waiting or running:
            for job in list(waiting):
                if len(running) >= slots:
                    break
                if job.after is None or job.after in done:
                    waiting.remove(job)
                    if job.after is not None and done[job.after].failed:
                        job.failed = f"skipped: {job.after} failed"
                        done[job.name] = job
                        continue
                    running[pool.submit(run_job, job)] = job
            if not running:
                continue
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                job = future.result()
                del running[future]
                done[job.name] = job
                status = f"FAILED {job.failed}" if job.failed else "ok"
                print(f"[{time.strftime('%H:%M:%S')}] {job.name}: {status} in {job.seconds:.0f} s", flush=True)
    return [done[job.name] for job in jobs]


def _value(results: dict, path: tuple[str, ...]) -> float:
    """One metric of an evaluation.json; NaN when that evaluation predates the metric."""
    for key in path:
        if key not in results:
            return float("nan")
        results = results[key]
    return float(results)


def summarise(out: Path, splits: list[str], variants: list[str]) -> tuple[str, dict]:
    """Markdown table of mean and standard deviation over splits, per variant."""
    table: dict[str, dict[str, list[float]]] = {}
    for variant in variants:
        for split in splits:
            path = out / split_folder(split) / variant / "evaluation.json"
            if not path.exists():
                continue
            results = json.loads(path.read_text())
            for label, key in METRICS:
                table.setdefault(variant, {}).setdefault(label, []).append(_value(results, key))
    lines = ["| variant | splits | " + " | ".join(label for label, _ in METRICS) + " |",
             "|---|---|" + "---|" * len(METRICS)]
    for variant, columns in table.items():
        cells = []
        for label, _ in METRICS:
            values = [v for v in columns[label] if not math.isnan(v)]
            mean = statistics.fmean(values) if values else float("nan")
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{percent(mean)} ± {100 * spread:.1f}")
        lines.append(f"| {variant} | {len(columns[METRICS[0][0]])} | " + " | ".join(cells) + " |")
    text = "Mean ± standard deviation over splits, accuracies in %, one prediction per sample; " \
           "GZSL offset chosen on each split's calibration sets.\n\n" + "\n".join(lines) + "\n"
    return text, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.training.experiments", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--text-bank", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("runs/experiments"))
    parser.add_argument("--config", default="full", choices=sorted(CONFIGS))
    parser.add_argument("--device", choices=("cpu", "cuda"))
    parser.add_argument("--jobs", type=int, default=4, help="trainings running at once")
    parser.add_argument("--workers", type=int, default=3, help="data-loading processes per training")
    parser.add_argument("--splits", nargs="+", default=list(SPLITS))
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--no-shipped", dest="shipped", action="store_false", help="skip the all-actions model")
    parser.add_argument("--mirror", action="store_true", help="train with left/right mirror augmentation")
    parser.add_argument("--balance", type=float, help="class-balanced sampling exponent passed to every training")
    parser.add_argument("--motion", action="store_true", help="feed joint motion to the backbone in every training")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if not args.text_bank.exists():
        parser.error(f"text bank not found: {args.text_bank} (python -m core train --build-text-bank FILE --corpus DIR)")
    started = time.time()
    jobs = run_all(plan(args), args.jobs)
    text, table = summarise(args.out, args.splits, args.variants)
    timing = {job.name: {"seconds": round(job.seconds, 1), "failed": job.failed} for job in jobs}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.md").write_text(f"# Experiments (config {args.config})\n\n{text}\n"
                                         f"Wall time: {time.time() - started:.0f} s with {args.jobs} jobs at once.\n")
    (args.out / "results.json").write_text(json.dumps({"table": table, "jobs": timing}, indent=2))
    print(text)
    print(f"total {time.time() - started:.0f} s; results in {args.out / 'results.md'}")
    return 1 if any(job.failed for job in jobs) else 0


if __name__ == "__main__":
    sys.exit(main())
