"""MSR Action3D ``real_world_coordinates``: 20 joints per frame as ``x y z confidence`` rows.

Columns are x, y (up) and depth in metres; the joint order is MSR's own (see its drawskt.m
bone list), and its labelled right side is the one at larger X that waves in "high arm wave".
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from core.data.sample import (
    MalformedFileError, Sample, SourceRead, joint_frames, load_number_rows, read_each,
)
from core.data.synthesis import complete_skeleton

SOURCE = "msr-action3d"
EXPECTED = 567
FPS = 15.0
JOINT_ORDER: tuple[str, ...] = (
    "left_shoulder", "right_shoulder", "spine_shoulder", "spine_mid",
    "left_hip", "right_hip", "spine_base",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hand", "right_hand",
    "left_knee", "right_knee", "left_ankle", "right_ankle", "left_foot", "right_foot",
    "head",
)
LABELS = {
    f"a{number:02d}": label
    for number, label in enumerate(
        (
            "high arm wave", "horizontal arm wave", "hammer", "hand catch", "forward punch",
            "high throw", "draw x", "draw tick", "draw circle", "hand clap", "two hand wave",
            "side-boxing", "bend", "forward kick", "side kick", "jogging", "tennis swing",
            "tennis serve", "golf swing", "pick up & throw",
        ),
        start=1,
    )
}
_NAME = re.compile(r"^(a\d\d)_(s\d\d)_e\d\d_skeleton3D$")


def read_file(path: Path) -> list[Sample]:
    match = _NAME.match(path.stem)
    if not match or match.group(1) not in LABELS:
        raise MalformedFileError(path, "name is not aNN_sNN_eNN_skeleton3D with a known action")
    rows = load_number_rows(path)
    if any(len(row) != 4 for row in rows):
        raise MalformedFileError(path, "every row must hold x y z confidence")
    frames = joint_frames(path, rows, len(JOINT_ORDER))
    frames = frames[np.abs(frames).sum(axis=(1, 2)) > 0]  # untracked frames are all zeros
    if len(frames) == 0:
        raise MalformedFileError(path, "holds no tracked frame")
    joints = complete_skeleton({name: frames[:, i] for i, name in enumerate(JOINT_ORDER)})
    return [Sample(SOURCE, match.group(2), LABELS[match.group(1)], path.stem, FPS, joints)]


def read_source(root: Path) -> SourceRead:
    paths = sorted(Path(root).glob("**/real_world_coordinates/a*_skeleton3D.txt"))
    return read_each(paths, read_file, SourceRead(SOURCE, "files", EXPECTED))
