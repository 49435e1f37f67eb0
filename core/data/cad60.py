"""Cornell CAD-60 as 30-frame windows ``aNN_<activity>_<k>_p<person>.txt`` (OpenNI, mm).

Each row starts with a joint's x y z (orientation numbers follow and are ignored); 15 rows make
a frame. Some windows end with padding rows of zeros, which are dropped. Windows k = 1, 2, ...
of one activity and person are consecutive pieces of one recording, so they are joined back and
cut again into clips of CLIP_WINDOWS windows (about 5 s): long enough to hold several cycles of
these slow activities, short enough that a 64-frame training window still sees most of a clip.
A gap (a malformed or missing window) ends a clip, so no clip jumps in time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import numpy as np

from core.data.openni import from_openni
from core.data.sample import (
    MalformedFileError, Sample, SourceRead, joint_frames, load_number_rows,
)

SOURCE = "cad-60"
EXPECTED = 2790
FPS = 30.0
CLIP_WINDOWS = 5
# Established from the data like KARD's (see openni.py); person p3 is left-handed.
JOINT_ORDER: tuple[str, ...] = (
    "head", "spine_shoulder", "spine_mid",
    "right_shoulder", "right_elbow", "left_shoulder", "left_elbow",
    "right_hip", "right_knee", "left_hip", "left_knee",
    "right_hand", "left_hand", "right_ankle", "left_ankle",
)
_NAME = re.compile(r"^(a\d\d)_(.+)_(\d+)_(p\d)$")


def label_of(activity: str) -> str:
    """File-name activity -> original label: underscores become spaces, random1/2 -> random."""
    label = activity.replace("_", " ")
    return "random" if re.fullmatch(r"random\d*", label) else label


def read_window(path: Path) -> np.ndarray:
    """(30-ish, 15, 3) OpenNI joints in mm of one window file."""
    rows = [row for row in load_number_rows(path) if any(row)]  # all-zero rows are padding
    if any(len(row) < 3 for row in rows):
        raise MalformedFileError(path, "a row holds fewer than three numbers")
    if not rows:
        raise MalformedFileError(path, "holds no joint rows")
    return joint_frames(path, rows, len(JOINT_ORDER))


def _consecutive_runs(numbers: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return runs


def _clip_groups(run: list[int]) -> list[list[int]]:
    """Split a run of window numbers into CLIP_WINDOWS-sized clips; a short tail joins the last."""
    groups = [run[i:i + CLIP_WINDOWS] for i in range(0, len(run), CLIP_WINDOWS)]
    if len(groups) > 1 and len(groups[-1]) < (CLIP_WINDOWS + 1) // 2:
        groups[-2].extend(groups.pop())
    return groups


def read_source(root: Path) -> SourceRead:
    result = SourceRead(SOURCE, "windows", EXPECTED)
    recordings: dict[tuple[str, str, str], dict[int, np.ndarray]] = defaultdict(dict)
    for path in sorted(Path(root).glob("**/cad60_ori/a*_p*.txt")):
        match = _NAME.match(path.stem)
        if not match:
            result.problems.append(f"{path.name}: name is not aNN_<activity>_<k>_p<person>")
            continue
        try:
            window = read_window(path)
        except MalformedFileError as error:
            result.problems.append(str(error))
            continue
        number, activity, window_number, person = match.groups()
        recordings[(number, activity, person)][int(window_number)] = window
        result.found += 1
    for (number, activity, person), windows in sorted(recordings.items()):
        for group in (g for run in _consecutive_runs(sorted(windows)) for g in _clip_groups(run)):
            frames = np.concatenate([windows[k] for k in group])
            name = f"{number}_{activity}_{person}_w{group[0]:02d}-{group[-1]:02d}"
            joints = from_openni(frames, JOINT_ORDER)
            result.samples.append(Sample(SOURCE, person, label_of(activity), name, FPS, joints))
    return result
