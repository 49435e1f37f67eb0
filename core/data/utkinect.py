"""UTKinect-Action3D: long takes ``joints_sNN_eNN.txt`` cut into segments by the action labels.

Rows are ``frame_index`` followed by 20 Kinect v1 joints (metres). The index counts 30 fps video
frames but skeletons arrive at irregular steps (sometimes twice for one index), so each segment
is interpolated onto a regular 15 fps grid (every second video frame).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from core.data.kinect_v1 import KINECT_V1_JOINTS, from_kinect_v1
from core.data.sample import (
    MalformedFileError, Sample, SourceRead, check_finite, load_number_rows,
)

SOURCE = "utkinect"
EXPECTED = 200
VIDEO_FPS = 30.0
FPS = 15.0
LABELS = ("walk", "sitDown", "standUp", "pickUp", "carry", "throw", "push", "pull",
          "waveHands", "clapHands")
_TAKE = re.compile(r"^(s\d\d)_e\d\d$")
_SEGMENT = re.compile(r"^(\w+):\s*(\S+)\s+(\S+)\s*$")


def parse_action_labels(path: Path) -> dict[str, list[tuple[str, str, str]]]:
    """Segments per take as (label, first, last) strings, in file order."""
    takes: dict[str, list[tuple[str, str, str]]] = {}
    current = None
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if _TAKE.match(line):
            current = takes.setdefault(line, [])
        elif (match := _SEGMENT.match(line)) and current is not None:
            current.append(match.groups())
        elif line:
            raise MalformedFileError(path, f"unexpected line {line!r}")
    return takes


def _swallowed(segments: list[tuple[str, str, str]], label: str, first: float, last: float) -> str:
    """Name of another segment lying wholly inside this one (a sign of a mistyped bound), or ''."""
    for other, other_first, other_last in segments:
        if other != label and first <= float(other_first) and float(other_last) <= last:
            return f"{other} ({other_first}-{other_last})"
    return ""


def read_take(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Frame indices (unique, increasing) and (N, 20, 3) joints of one take."""
    rows = load_number_rows(path)
    if any(len(row) != 1 + 3 * len(KINECT_V1_JOINTS) for row in rows):
        raise MalformedFileError(path, "every row must hold a frame index and 20 x y z joints")
    table = check_finite(path, np.asarray(rows))
    indices, first = np.unique(table[:, 0], return_index=True)
    return indices, table[first, 1:].reshape(-1, len(KINECT_V1_JOINTS), 3)


def cut_segment(indices: np.ndarray, frames: np.ndarray, first: float, last: float) -> np.ndarray:
    """Joints of video frames first..last, linearly interpolated at 15 fps."""
    inside = (indices >= first) & (indices <= last)
    if inside.sum() < 2:
        raise ValueError(f"fewer than two skeleton frames between {first:g} and {last:g}")
    step = VIDEO_FPS / FPS
    grid = np.arange(indices[inside][0], indices[inside][-1] + 1e-9, step)
    flat = frames.reshape(len(frames), -1)
    resampled = np.stack([np.interp(grid, indices, column) for column in flat.T], axis=1)
    return resampled.reshape(len(grid), len(KINECT_V1_JOINTS), 3)


def read_source(root: Path) -> SourceRead:
    result = SourceRead(SOURCE, "segments", EXPECTED)
    # The archive's corrected annotation fixes mistyped bounds of actionLabel.txt (two push
    # segments that swallow a neighbour, seven bounds in all); prefer it when present.
    label_files = sorted(Path(root).glob("**/joints/actionLabel_modified.txt")) or sorted(
        Path(root).glob("**/joints/actionLabel.txt"))
    if not label_files:
        result.problems.append("actionLabel.txt not found: no segment can be cut")
        return result
    label_name = label_files[0].name
    try:
        takes = parse_action_labels(label_files[0])
    except MalformedFileError as error:
        result.problems.append(str(error))
        return result
    for take, segments in takes.items():
        take_path = label_files[0].parent / f"joints_{take}.txt"
        try:
            indices, frames = read_take(take_path)
        except MalformedFileError as error:
            result.problems.append(f"{error} ({len(segments)} segments lost)")
            continue
        for label, first, last in segments:
            name = f"{take}_{label}"
            try:
                if label not in LABELS:
                    raise ValueError(f"unknown action {label!r}")
                bounds = float(first), float(last)
                if not np.isfinite(bounds).all():
                    raise ValueError(f"segment bounds {first!r} {last!r} are not frame numbers")
                if inner := _swallowed(segments, label, *bounds):
                    raise ValueError(f"{first}-{last} contains the whole {inner} segment; "
                                     "a bound is probably mistyped")
                joints = from_kinect_v1(cut_segment(indices, frames, *bounds))
            except ValueError as error:
                result.problems.append(f"{label_name} segment {name}: {error}")
                continue
            subject = _TAKE.match(take).group(1)
            result.samples.append(Sample(SOURCE, subject, label, name, FPS, joints))
            result.found += 1
    return result
