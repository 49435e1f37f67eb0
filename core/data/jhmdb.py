"""JHMDB: 15 hand-fitted 2D puppet joints per frame of HMDB51 movie and web clips (14 of 21 classes).

The pack (``jhmdb/``) stores each clip once as ``joints`` (T, 15, 2) in JHMDB's normalised image
units: origin at the image centre, x and y both divided by the frame height and the puppet's
scale, y down. Both axes share one unit, so the points go through the one landmark path
(``core.pose.landmarks``, layout ``jhmdb``: neck, belly, face, then right/left shoulders, hips,
elbows, knees, wrists, ankles; the person's own sides) as they are. Every joint always has a
position (occluded ones sit where the annotator's puppet put them).

The clips carry no actor ids, and JHMDB's three official splits hold the same clips. Each clip's
role in split 1 is its ``subject``, "train" or "test", and the test half is kept out of training
as Penn Action's is (core.knowledge.splits.OFFICIAL_TEST_SUBJECTS). No frame rate is stated;
HMDB51 videos are taken as 30 fps.
"""

from __future__ import annotations

import re
from pathlib import Path

from core.data.packs import Row, image_skeleton, load_arrays, per_row, read_pack
from core.data.sample import MalformedFileError, Sample, SourceRead
from core.pose import landmarks

SOURCE = "jhmdb"
EXPECTED = 609
FPS = 30.0
CODE_DEPENDENCIES = (Path(landmarks.__file__),)
_ROLE = re.compile(r"\b1:(train|test)\b")


def subject(row: Row) -> str:
    """The clip's role in JHMDB's split 1, the only grouping the clips have ("" when it has none)."""
    match = _ROLE.search(row.get("split", ""))
    return match.group(1) if match else ""


subjects = per_row(subject)


def read_row(path: Path, row: Row, role: str) -> list[Sample]:
    if not role:
        raise MalformedFileError(path, f"has no split-1 role in {row.get('split')!r}")
    points = load_arrays(path, ("joints",))["joints"]
    if points.ndim != 3 or points.shape[1:] != (15, 2):
        raise MalformedFileError(path, f"joints must be (frames, 15, 2), not {points.shape}")
    joints = image_skeleton(path, points, "jhmdb")
    return [Sample(SOURCE, role, row["label"], f"jhmdb_{path.stem}", FPS, joints)]


def read_source(root: Path) -> SourceRead:
    return read_pack(root, "jhmdb", read_row, SourceRead(SOURCE, "clips", EXPECTED), subjects)
