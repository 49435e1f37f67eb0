"""pushfit: MediaPipe Pose landmarks of real push-up videos (three public Kaggle sets).

Each clip's fps and frame size come from its video (``clips.tsv``); the landmarks become a
skeleton by the app's own rule (core.data.mediapipe_pack). The correct/faulty ``form`` is not a
label: the form classes come from different video sets, so their fps and size give the form away.
For the same reason the clips have no actor ids but a recording setup, and the setup (fps and
frame size) is the ``subject``, so held-out test subjects are whole video sets. Four clips whose
video is absent from the source have no known frame size, so their landmarks cannot be made
pixels: they are reported and left out.
"""

from __future__ import annotations

from pathlib import Path

from core.data.mediapipe_pack import landmark_skeleton
from core.data.packs import Row, read_pack
from core.data.sample import MalformedFileError, Sample, SourceRead
from core.pose import landmarks

SOURCE = "pushfit"
EXPECTED = 265
CODE_DEPENDENCIES = (Path(landmarks.__file__),)


def subject(row: Row) -> str:
    """The recording setup: ``<fps>fps-<width>x<height>``, or "unknown" without a video."""
    if not (row.get("fps") and row.get("width") and row.get("height")):
        return "unknown"
    return f"{float(row['fps']):.0f}fps-{row['width']}x{row['height']}"


def read_row(path: Path, row: Row) -> list[Sample]:
    if subject(row) == "unknown":
        raise MalformedFileError(path, "has no known frame size or fps (its video is absent from the source)")
    joints = landmark_skeleton(path, (float(row["width"]), float(row["height"])))
    return [Sample(SOURCE, subject(row), row["label"], f"pushfit_{path.stem}", float(row["fps"]), joints)]


def read_source(root: Path) -> SourceRead:
    return read_pack(root, "pushfit", read_row, SourceRead(SOURCE, "clips", EXPECTED))
