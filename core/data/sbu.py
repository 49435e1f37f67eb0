"""SBU Kinect Interaction (clean set): two people per clip, both kept, 15 OpenNI joints each.

``sbu/s<AA>s<BB>/<class>/<take>/skeleton_pos.txt``: one line per frame, the frame index then
x, y, z of person A's 15 joints and of person B's. Coordinates are normalised; the dataset's
formula X = 1280 - 2560 x, Y = 960 - 1920 y, Z = 10000 z / 7.8125 (mm) was checked on the data
(tests/test_readers_kinect_real.py): its axis ratios are the ones that keep bone lengths most
constant (a free fit lands within 0.3 % of them), the lengths it gives are adult ones (upper arm
about 0.29 m, thigh 0.43 m), and the frame it gives is the Kinect one, not a mirror image: each
person's chest faces the partner and the labelled right hands are the ones that shake.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from core.data.sample import MalformedFileError, Sample, SourceRead, check_finite, read_each
from core.data.synthesis import complete_skeleton
from core.skeleton.layout import MAX_BODIES

SOURCE = "sbu"
EXPECTED = 282
FPS = 15.0
MM_PER_M = 1000.0
# (offset, scale) per axis of the dataset's formula: mm = offset + scale * normalised
DENORMALISE_MM = ((1280.0, -2560.0), (960.0, -1920.0), (0.0, 10000.0 / 7.8125))
# OpenNI names as NTU ones (see openni.py): neck is spine_shoulder, torso spine_mid, foot ankle.
JOINT_ORDER: tuple[str, ...] = (
    "head", "spine_shoulder", "spine_mid",
    "left_shoulder", "left_elbow", "left_hand",
    "right_shoulder", "right_elbow", "right_hand",
    "left_hip", "left_knee", "left_ankle",
    "right_hip", "right_knee", "right_ankle",
)
LABELS = {f"{number:02d}": label for number, label in enumerate(
    ("approaching", "departing", "kicking", "pushing", "shaking hands", "hugging", "exchanging",
     "punching"), start=1)}
COLUMNS = 1 + MAX_BODIES * len(JOINT_ORDER) * 3
_PAIR = re.compile(r"^s\d\ds\d\d$")


def to_metres(normalised: np.ndarray) -> np.ndarray:
    """(..., 3) normalised SBU coordinates -> metres, Kinect camera convention."""
    offset, scale = np.asarray(DENORMALISE_MM).T
    return (offset + scale * normalised) / MM_PER_M


def read_rows(path: Path) -> np.ndarray:
    """(T, 91) numbers of one skeleton_pos.txt."""
    try:
        lines = [line for line in Path(path).read_text().splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as error:
        raise MalformedFileError(path, f"cannot be read ({error})") from error
    if not lines:
        raise MalformedFileError(path, "is empty")
    rows = []
    for number, line in enumerate(lines, start=1):
        cells = line.split(",")
        if len(cells) != COLUMNS:
            raise MalformedFileError(path, f"line {number} has {len(cells)} values, not {COLUMNS} "
                                           "(frame index and 2 x 15 joints x y z)")
        try:
            rows.append([float(cell) for cell in cells])
        except ValueError as error:
            raise MalformedFileError(path, f"line {number} is not numeric") from error
    return check_finite(path, np.asarray(rows))


def read_file(path: Path) -> list[Sample]:
    take, label_folder, pair = path.parent.name, path.parent.parent.name, path.parent.parent.parent.name
    if not _PAIR.match(pair) or label_folder not in LABELS:
        raise MalformedFileError(path, "is not under s<AA>s<BB>/<class 01-08>/<take>/")
    rows = read_rows(path)
    people = to_metres(rows[:, 1:].reshape(len(rows), MAX_BODIES, len(JOINT_ORDER), 3))
    joints = np.stack([
        complete_skeleton({name: people[:, body, i] for i, name in enumerate(JOINT_ORDER)})
        for body in range(MAX_BODIES)
    ])
    name = f"{pair}_{label_folder}_{take}"
    return [Sample(SOURCE, pair, LABELS[label_folder], name, FPS, joints)]


def read_source(root: Path) -> SourceRead:
    paths = sorted(Path(root).glob("**/sbu/*/*/*/skeleton_pos.txt"))
    return read_each(paths, read_file, SourceRead(SOURCE, "files", EXPECTED))
