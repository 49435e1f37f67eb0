"""MD4FD: 90-frame windows of falls and everyday activity (Le2i, UR Fall), 11 MediaPipe joints.

Each window holds ``landmarks`` (90, 11, 2), x and y normalised by the frame's width and height
(measured per window, ``clips.tsv``), and the body's aspect ratio, NaN where MediaPipe found
nobody (the source then repeats the previous frame's joints): the body is absent there. The
joints are nose, shoulders, hips, knees, ankles and two wrists from a hand model that almost
never found a hand (the source then puts the wrist by the hip), so the wrists are treated as
unseen, and there are no elbows: the one landmark path (``core.pose.landmarks``, layout
``md4fd``) hangs both arms along the torso. Only the falls are used; "everyday activity" names
no action (the label map excludes it).

Windows start 15 frames apart and overlap, so a window's ``subject`` is its recording session
(the source file it was cut from: le2i_home_01, le2i_home_02, ur_fall_FALL): overlapping windows
are never split between training and test. 30 fps, as the source states.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from core.data.packs import Row, image_skeleton, load_arrays, read_pack
from core.data.sample import MalformedFileError, Sample, SourceRead
from core.pose import landmarks

SOURCE = "md4fd"
EXPECTED = 102
FPS = 30.0
WRISTS = (9, 10)
CODE_DEPENDENCIES = (Path(landmarks.__file__),)
_SESSION = re.compile(r"^(?P<session>.+)_\d+$")


def subject(row: Row) -> str:
    match = _SESSION.match(Path(row["file"]).stem)
    if not match:
        raise ValueError(f"{row['file']}: not named <session>_<k>.npz")
    return match.group("session")


def read_row(path: Path, row: Row) -> list[Sample]:
    arrays = load_arrays(path, ("landmarks", "aspect"))
    points, aspect = arrays["landmarks"], arrays["aspect"]
    if points.ndim != 3 or points.shape[1:] != (11, 2) or aspect.shape != points.shape[:1]:
        raise MalformedFileError(path, f"landmarks must be (frames, 11, 2) with one aspect per frame, not "
                                       f"{points.shape} and {aspect.shape}")
    try:
        size = (float(row["width"]), float(row["height"]))
        session = subject(row)
    except (KeyError, ValueError) as error:
        raise MalformedFileError(path, f"has no usable frame size or name in clips.tsv ({error})") from error
    known = np.ones(points.shape[:2], bool)
    known[:, list(WRISTS)] = False
    joints = image_skeleton(path, points * size, "md4fd", present=np.isfinite(aspect), known=known)
    return [Sample(SOURCE, session, row["label"], f"md4fd_{path.stem}", FPS, joints)]


def read_source(root: Path) -> SourceRead:
    return read_pack(root, "md4fd", read_row, SourceRead(SOURCE, "windows", EXPECTED))
