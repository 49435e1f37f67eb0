"""KARD ``kard_realworld`` text files: 15 OpenNI joints per frame, one ``x y z`` row each, mm."""

from __future__ import annotations

import re
from pathlib import Path

from core.data.openni import from_openni
from core.data.sample import (
    MalformedFileError, Sample, SourceRead, joint_frames, load_number_rows, read_each,
)

SOURCE = "kard"
EXPECTED = 540
FPS = 30.0
# Established from the data: heights, bone-length constancy and the waving hand (see openni.py).
JOINT_ORDER: tuple[str, ...] = (
    "head", "spine_shoulder",
    "right_shoulder", "right_elbow", "right_hand",
    "left_shoulder", "left_elbow", "left_hand",
    "spine_mid",
    "right_hip", "right_knee", "right_ankle",
    "left_hip", "left_knee", "left_ankle",
)
LABELS = {
    f"a{number:02d}": label
    for number, label in enumerate(
        (
            "horizontal arm wave", "high arm wave", "two hand wave", "catch cap", "high throw",
            "draw x", "draw tick", "toss paper", "forward kick", "side kick", "take umbrella",
            "bend", "hand clap", "walk", "phone call", "drink", "sit down", "stand up",
        ),
        start=1,
    )
}
_NAME = re.compile(r"^(a\d\d)_(s\d\d)_e\d\d_realworld$")


def read_file(path: Path) -> list[Sample]:
    match = _NAME.match(path.stem)
    if not match or match.group(1) not in LABELS:
        raise MalformedFileError(path, "name is not aNN_sNN_eNN_realworld with a known action")
    rows = load_number_rows(path)
    if any(len(row) != 3 for row in rows):
        raise MalformedFileError(path, "every row must hold exactly x y z")
    joints = from_openni(joint_frames(path, rows, len(JOINT_ORDER)), JOINT_ORDER)
    return [Sample(SOURCE, match.group(2), LABELS[match.group(1)], path.stem, FPS, joints)]


def read_source(root: Path) -> SourceRead:
    paths = sorted(Path(root).glob("**/kard_realworld/*_realworld.txt"))
    return read_each(paths, read_file, SourceRead(SOURCE, "files", EXPECTED))
