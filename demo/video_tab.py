"""The video tab: one uploaded clip in, an annotated video, a timeline and downloads out.

Every refusal (unreadable file, nobody in it, bad labels) comes back as a message with empty
outputs, so the page stays usable for the next try.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.recognition.labels import LabelError, parse_labels
from demo.engine import MAX_LABELS
from demo.render import render_video
from demo.timeline import named_over_time, timeline_frame, window_predictions, write_csv

TOP_K = 5
# Shares of the progress bar given to each stage (pose extraction dominates on a CPU).
_EXTRACT, _SCORE = 0.7, 0.1

Progress = Callable[[float, str], None]
SCRATCH = Path(tempfile.gettempdir()) / "skeletoncontext-video"
KEEP_S = 3600  # Gradio copies results into its own cache at once; older scratch is garbage


def _scratch_dir() -> Path:
    """A fresh folder for one request's files, after removing those of requests long past."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    for old in SCRATCH.iterdir():
        if time.time() - old.stat().st_mtime > KEEP_S:
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(dir=SCRATCH))


@dataclass
class VideoResult:
    message: str
    video: str | None = None
    timeline: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["time_s", "label", "probability"]))
    clip_scores: dict[str, float] | None = None
    skeleton_file: str | None = None
    predictions_file: str | None = None


def analyse_video(
    path: str | Path | None,
    labels_text: str,
    recognizer,
    mirrored: bool = False,
    progress: Progress | None = None,
    workdir: Path | None = None,
) -> VideoResult:
    """Pose, score and annotate one video for the labels typed in the label box."""
    report = progress or (lambda fraction, text: None)
    if not path:
        return VideoResult("Upload a video first.")
    try:
        labels = parse_labels(labels_text, max_labels=MAX_LABELS)
    except LabelError as error:
        return VideoResult(f"⚠️ Labels: {error}")

    from core.pose.video import extract_video

    report(0.0, "Finding people in the video")
    try:
        pose = extract_video(
            Path(path), mirrored=mirrored,
            progress=lambda done, total: report(_EXTRACT * done / total if total else 0.0,
                                                f"Finding people in the video (frame {done})"),
        )
    except ValueError as error:  # PoseInputError: unreadable, empty or not a video
        return VideoResult(f"⚠️ Could not read this video: {error}")

    out = Path(workdir) if workdir else _scratch_dir()
    skeleton_file = out / f"{Path(path).stem}_skeleton.npz"
    pose.save_npz(skeleton_file)
    skeleton_file = str(skeleton_file)
    if pose.people_found == 0:
        return VideoResult(f"⚠️ Nothing to recognise: {pose.note or 'nobody was found in this video'}.",
                           skeleton_file=skeleton_file)

    label_set = recognizer.encode_labels(labels)
    from core.recognition.recognizer import pooled_ranking

    scores = recognizer.window_scores(
        pose.skeleton, label_set, pose.fps,
        progress=lambda done, total: report(_EXTRACT + _SCORE * done / total, "Scoring windows"),
    )
    if not scores:
        return VideoResult("⚠️ A person was seen too briefly to recognise an action.", skeleton_file=skeleton_file)
    predictions = window_predictions(scores, label_set.labels)
    clip = pooled_ranking(scores, label_set.labels)  # the whole clip: its windows pooled, as classify does
    predictions_file = write_csv(predictions, labels, out / f"{Path(path).stem}_predictions.csv")
    video = render_video(
        Path(path), out / f"{Path(path).stem}_skeleton.webm", pose.image, pose.visibility, pose.fps, predictions,
        progress=lambda done, total: report(_EXTRACT + _SCORE + (1 - _EXTRACT - _SCORE) * done / total, "Drawing"),
    )
    top_label, top_probability = clip.entries[0]
    message = (
        f"{pose.skeleton.shape[1]} frames at {pose.fps:g} frames/s, {pose.people_found} "
        f"{'person' if pose.people_found == 1 else 'people'} found; {len(predictions)} windows scored. "
        f"Whole clip: **{top_label}** ({top_probability:.0%}). Named over time: {named_over_time(predictions)}"
    )
    return VideoResult(message, str(video), timeline_frame(predictions, labels), dict(clip.top(TOP_K)),
                       skeleton_file, str(predictions_file))
