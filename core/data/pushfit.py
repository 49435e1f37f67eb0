"""pushfit: MediaPipe Pose landmarks of real push-up videos (three public Kaggle sets).

Each clip's fps and frame size come from its video (``clips.tsv``); the landmarks become a
skeleton by the app's own rule (core.data.mediapipe_pack). The correct/faulty ``form`` is not a
label: the form classes come from different video sets, so their fps and size give the form away.
The clips have no actor ids; each clip is its own ``subject``. Four clips whose video is absent
from the source have no known frame size, so their landmarks cannot be made pixels: they are
reported and left out.
"""

from __future__ import annotations

from pathlib import Path

from core.data.mediapipe_pack import landmark_skeleton
from core.data.packs import Row, per_row, read_pack
from core.data.sample import MalformedFileError, Sample, SourceRead
from core.pose import landmarks

SOURCE = "pushfit"
EXPECTED = 265
CODE_DEPENDENCIES = (Path(landmarks.__file__),)


def subject(row: Row) -> str:
    return Path(row["file"]).stem


subjects = per_row(subject)


def read_row(path: Path, row: Row, subject_name: str) -> list[Sample]:
    if not (row.get("fps") and row.get("width") and row.get("height")):
        raise MalformedFileError(path, "has no known frame size or fps (its video is absent from the source)")
    joints = landmark_skeleton(path, (float(row["width"]), float(row["height"])))
    return [Sample(SOURCE, subject_name, row["label"], f"pushfit_{path.stem}", float(row["fps"]), joints)]


def read_source(root: Path) -> SourceRead:
    return read_pack(root, "pushfit", read_row, SourceRead(SOURCE, "clips", EXPECTED), subjects)
