"""Evaluation results as JSON plus a Markdown table a person can read."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any


def percent(value: float) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{100 * value:.1f}"


def _members(results: dict[str, Any]) -> list[str]:
    """A line naming the checkpoints when several were read as one."""
    checkpoints = results.get("checkpoints") or []
    if len(checkpoints) < 2:
        return []
    return ["", f"{len(checkpoints)} checkpoints read as one (clip probabilities averaged): {', '.join(checkpoints)}."]


def markdown(results: dict[str, Any]) -> str:
    zsl, gzsl = results["zsl"], results["gzsl"]
    cal, raw = gzsl["calibrated"], gzsl["uncalibrated"]
    lines = [
        f"# Zero-shot evaluation: {results['split']} ({results.get('variant')}, config {results.get('config')})",
        *_members(results),
        "",
        "| ZSL top-1 | ZSL top-5 | ZSL top-1 class mean | GZSL S | GZSL U | GZSL H | offset | H uncalibrated |",
        "|---|---|---|---|---|---|---|---|",
        f"| {percent(zsl['top1'])} | {percent(zsl['top5'])} | {percent(zsl['class_mean_top1'])} "
        f"| {percent(cal['seen'])} | {percent(cal['unseen'])} "
        f"| {percent(cal['harmonic'])} | {cal['calibration']:.3f} | {percent(raw['harmonic'])} |",
        "",
        f"Unseen actions: {', '.join(results['unseen_actions'])}.",
        f"GZSL offset chosen on: {gzsl['calibration_source']}. Accuracies in %, one prediction per sample; "
        "the class mean averages the unseen actions' own top-1, so small actions weigh as much as large ones.",
        "Samples: " + ", ".join(f"{name} {count}" for name, count in results["counts"].items()) + ".",
    ]
    if "unseen_bias" in results:
        lifted = results["unseen_bias"]
        lines += ["", f"Unseen bias (logit lift of never-trained labels, as the recogniser applies it) chosen on "
                      f"{lifted['chosen_on']}: {lifted['bias']:g}; GZSL with it: S {percent(lifted['gzsl']['seen'])}, "
                      f"U {percent(lifted['gzsl']['unseen'])}, H {percent(lifted['gzsl']['harmonic'])}."]
    lines += ["", "ZSL per unseen action:", "", "| action | samples | top-1 | most often taken for |", "|---|---|---|---|"]
    lines += [f"| {row['action']} | {row['samples']} | {percent(row['top1'])} | {row['most_confused_with'] or '-'} |"
              for row in zsl["per_action"]]
    return "\n".join(lines) + "\n"


def supervised_markdown(results: dict[str, Any]) -> str:
    check = results["supervised"]
    lines = [
        f"# Supervised check: {results['split']} ({results.get('variant')}, config {results.get('config')})",
        *_members(results),
        "",
        f"{results['samples']} held-out test clips of trained actions, each ranked among all {results['classes']} "
        "trained actions (one pooled prediction per clip, accuracies in %).",
        "",
        "| top-1 | top-5 | top-1 class mean |",
        "|---|---|---|",
        f"| {percent(check['top1'])} | {percent(check['top5'])} | {percent(check['class_mean_top1'])} |",
        "", "| action | samples | top-1 | most often taken for |", "|---|---|---|---|",
    ]
    lines += [f"| {row['action']} | {row['samples']} | {percent(row['top1'])} | {row['most_confused_with'] or '-'} |"
              for row in check["per_action"]]
    return "\n".join(lines) + "\n"


def write_report(results: dict[str, Any], out_dir: Path, name: str = "evaluation",
                 render: Callable[[dict[str, Any]], str] = markdown) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / f"{name}.json", out_dir / f"{name}.md"
    json_path.write_text(json.dumps(results, indent=2))
    md_path.write_text(render(results))
    return json_path, md_path
