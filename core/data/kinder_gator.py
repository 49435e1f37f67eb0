"""Kinder-Gator (10 adults, 10 children): one CSV per motion trial, Kinect v1 joints in metres.

Each file is ``POSE-p<participant>_<nn>-<Motion-words>-<unix ms>.csv`` with a header naming the
columns: ``Timestamp`` (ms), X Y Z of 20 Kinect SDK joints, ``User-ID``, ``Action`` and a trailing
comma. Coordinates are already in the Kinect camera convention (ShoulderLeft at the smaller X,
Y up, Z the distance), so they are only renamed. The frame rate is measured from the timestamps
(about 31 Hz). Twenty motions name no side ("wave your hand", "wave your other hand"); their
label gets " (left)" or " (right)" from the limb that moves (core.data.moving_side).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from core.data.moving_side import lean_side, limb_side
from core.data.sample import MalformedFileError, Sample, SourceRead, check_finite, read_each
from core.data.synthesis import complete_skeleton

SOURCE = "kinder-gator"
EXPECTED = 1159
MS_PER_S = 1000.0
# Kinect SDK joint names of the header -> NTU names (sided ones are "<Part><Side>").
CENTRE_JOINTS = {"HipCenter": "spine_base", "Spine": "spine_mid",
                 "ShoulderCenter": "spine_shoulder", "Head": "head"}
SIDED_PARTS = ("Shoulder", "Elbow", "Wrist", "Hand", "Hip", "Knee", "Ankle", "Foot")
HEADER_JOINTS = {**CENTRE_JOINTS, **{f"{part}{side}": f"{side.lower()}_{part.lower()}"
                                     for part in SIDED_PARTS for side in ("Left", "Right")}}
# Motions whose side is measured, and what moves: an arm, a leg, or the trunk leaning.
SIDED_MOTIONS = {
    **dict.fromkeys((
        "raise your hand", "raise your other hand", "wave your hand", "wave your other hand",
        "raise your arm to one side", "raise your arm to the other side", "throw a ball",
        "throw a ball as far as you can", "throw a ball as far as you can with the other arm",
        "throw a ball with your other arm"), "arm"),
    **dict.fromkeys((
        "bend your knee while raising your leg", "bend your other knee while raising your leg",
        "kick a ball", "kick a ball as far as you can",
        "kick a ball as far as you can with the other leg", "kick a ball with the other leg",
        "lift your leg to one side", "lift your leg to the other side"), "leg"),
    **dict.fromkeys((
        "put your hands on your hips and lean to the side",
        "put your hands on your hips and lean to the other side"), "lean"),
}
_NAME = re.compile(r"^POSE-p(\d+)_\d+-(.+)-\d+$")


def motion_words(words: str) -> str:
    """File-name motion words -> label: hyphens to spaces, lower case, outer spaces stripped."""
    return words.replace("-", " ").lower().strip()


def sided_label(label: str, joints: np.ndarray) -> str:
    """The label with " (left)" / " (right)" for the motions that name no side; others as is."""
    part = SIDED_MOTIONS.get(label)
    if part is None:
        return label
    side = lean_side(joints) if part == "lean" else limb_side(joints, part)
    return f"{label} ({side})"


def read_table(path: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Timestamps in ms (T,) and each NTU-named joint's (T, 3) metres."""
    try:
        lines = [line for line in Path(path).read_text().splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as error:
        raise MalformedFileError(path, f"cannot be read ({error})") from error
    if len(lines) < 3:
        raise MalformedFileError(path, "holds fewer than two frames")
    header = [name.strip() for name in lines[0].split(",")]
    columns = {name: i for i, name in enumerate(header)}
    wanted = ["Timestamp"] + [f"{joint}{axis}" for joint in HEADER_JOINTS for axis in "XYZ"]
    absent = [name for name in wanted if name not in columns]
    if absent:
        raise MalformedFileError(path, f"header lacks columns {absent[:3]}")
    picked = [columns[name] for name in wanted]
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split(",")
        if len(cells) != len(header):
            raise MalformedFileError(path, f"line {number} has {len(cells)} columns, the header {len(header)}")
        try:
            rows.append([float(cells[i]) for i in picked])
        except ValueError as error:
            raise MalformedFileError(path, f"line {number} is not numeric") from error
    table = check_finite(path, np.asarray(rows))
    stamps, coordinates = table[:, 0], table[:, 1:].reshape(len(table), len(HEADER_JOINTS), 3)
    # 88 rows of the archive repeat the previous timestamp with a new pose (the logger stamped two
    # frames alike): they are kept; only a clock running backwards is refused.
    if (np.diff(stamps) < 0).any() or not np.median(np.diff(stamps)) > 0:
        raise MalformedFileError(path, "timestamps do not increase")
    return stamps, {name: coordinates[:, i] for i, name in enumerate(HEADER_JOINTS.values())}


def read_file(path: Path) -> list[Sample]:
    match = _NAME.match(path.stem)
    if not match:
        raise MalformedFileError(path, "name is not POSE-p<id>_<nn>-<Motion-words>-<ms>")
    stamps, known = read_table(path)
    joints = complete_skeleton(known)
    fps = MS_PER_S / float(np.median(np.diff(stamps)))
    label = sided_label(motion_words(match.group(2)), joints)
    return [Sample(SOURCE, f"p{match.group(1)}", label, path.stem, round(fps, 2), joints)]


def read_source(root: Path) -> SourceRead:
    """Every ``POSE-*.csv`` under the unpacked archive's Adults/ and Children/ folders."""
    paths = sorted(Path(root).glob("**/kinder-gator/*/POSE-*.csv"))
    return read_each(paths, read_file, SourceRead(SOURCE, "files", EXPECTED))
