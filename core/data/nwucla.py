"""NW-UCLA Multiview Action3D as CTR-GCN's ``all_sqe`` JSON files (Kinect v1, metres, 30 fps)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from core.data.kinect_v1 import from_kinect_v1
from core.data.sample import MalformedFileError, Sample, SourceRead, check_finite, read_each

SOURCE = "nw-ucla"
EXPECTED = 1484
FPS = 30.0
LABELS = {
    "a01": "pick up with one hand", "a02": "pick up with two hands", "a03": "drop trash",
    "a04": "walk around", "a05": "sit down", "a06": "stand up", "a08": "donning",
    "a09": "doffing", "a11": "throw", "a12": "carry",
}
_NAME = re.compile(r"^(a\d\d)_(s\d\d)_e\d\d_v\d\d$")


def read_file(path: Path) -> list[Sample]:
    match = _NAME.match(path.stem)
    if not match or match.group(1) not in LABELS:
        raise MalformedFileError(path, "name is not aNN_sNN_eNN_vNN with a known action")
    try:
        content = json.loads(path.read_text())
        frames = np.asarray(content["skeletons"], dtype=np.float64)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise MalformedFileError(path, f"is not a skeleton JSON file ({error})") from error
    if frames.ndim != 3 or frames.shape[1:] != (20, 3) or len(frames) == 0:
        raise MalformedFileError(path, f"expected (T, 20, 3) skeletons, got {frames.shape}")
    joints = from_kinect_v1(check_finite(path, frames))
    return [Sample(SOURCE, match.group(2), LABELS[match.group(1)], path.stem, FPS, joints)]


def read_source(root: Path) -> SourceRead:
    """Read every ``all_sqe/*.json`` under root (the unpacked archive)."""
    paths = sorted(Path(root).glob("**/all_sqe/*.json"))
    return read_each(paths, read_file, SourceRead(SOURCE, "files", EXPECTED))
