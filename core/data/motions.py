"""Motions: webcam recordings of elderly people miming five charades, OpenPose BODY_25.

Each repetition holds ``joints`` (T, 25, 3): x, y pixels of a 640x480 frame and a confidence,
0 where OpenPose found nothing (its x, y then drift and mean nothing). The people sit and are
filmed from the waist up: the ankles are never found and the knees in about a quarter of the
frames. So a point is known where its confidence is above 0, and the one landmark path
(``core.pose.landmarks``, layout ``body25``) interpolates a joint lost for a while and hangs the
never-seen shins straight under the knees, as it would for any waist-up view.

The frames are real views, not mirrored: the violin's bow arm and the guitar's strumming hand
(a right-hander's) is OpenPose's right wrist in 290 of 290 and 285 of 291 repetitions.
``subject`` is the person (``p<id>``); the source's six test people are an official test set,
kept out of training (core.knowledge.splits.OFFICIAL_TEST_SUBJECTS). The frame rate is not
stated; the source's example video plays its frames at 30 fps, which is used.
"""

from __future__ import annotations

from pathlib import Path

from core.data.packs import Row, image_skeleton, load_arrays, per_row, read_pack
from core.data.sample import MalformedFileError, Sample, SourceRead
from core.pose import landmarks

SOURCE = "motions"
EXPECTED = 1472
FPS = 30.0
CODE_DEPENDENCIES = (Path(landmarks.__file__),)


def subject(row: Row) -> str:
    return row["subject"]


subjects = per_row(subject)


def read_row(path: Path, row: Row, subject_name: str) -> list[Sample]:
    joints = load_arrays(path, ("joints",))["joints"]
    if joints.ndim != 3 or joints.shape[1:] != (25, 3):
        raise MalformedFileError(path, f"joints must be (frames, 25, 3), not {joints.shape}")
    skeleton = image_skeleton(path, joints[..., :2], "body25", known=joints[..., 2] > 0)
    return [Sample(SOURCE, subject_name, row["label"], f"motions_{path.stem}", FPS, skeleton)]


def read_source(root: Path) -> SourceRead:
    return read_pack(root, "motions", read_row, SourceRead(SOURCE, "files", EXPECTED), subjects)
