"""MD4FD: 90-frame windows of falls and everyday activity (Le2i, UR Fall), 11 MediaPipe joints.

Each window holds ``landmarks`` (90, 11, 2), x and y normalised by the frame's width and height
(measured per window, ``clips.tsv``), and the body's aspect ratio, NaN where MediaPipe found
nobody (the source then repeats the previous frame's joints): the body is absent there. The
joints are nose, shoulders, hips, knees, ankles and two wrists from a hand model that almost
never found a hand (the source then puts the wrist by the hip), so the wrists are treated as
unseen, and there are no elbows: the one landmark path (``core.pose.landmarks``, layout
``md4fd``) hangs both arms along the torso. Only the falls are used; "everyday activity" names
no action (the label map excludes it).

Windows start 15 frames apart and overlap, so a window's ``subject`` is its recording: the windows
of one source file (le2i_home_01, le2i_home_02, ur_fall_FALL) that share an identical frame,
directly or through each other, named after the first of them (``le2i_home_02-005``). Overlapping
windows are never split between training and test; the 102 windows make 45 recordings, the groups
the source's documentation lists. 30 fps, as the source states.
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
_WINDOW = re.compile(r"^(?P<session>.+)_(?P<index>\d+)$")


def subjects(folder: Path, rows: list[Row]) -> list[str]:
    """Each row's recording (see above): windows of one session linked by a shared frame."""
    root: dict[str, str] = {}

    def find(name: str) -> str:
        while root[name] != name:
            name = root[name] = root[root[name]]
        return name

    first_owner: dict[tuple[str, bytes], str] = {}
    for row in rows:
        name = Path(row["file"]).stem
        match = _WINDOW.match(name)
        if not match:
            raise ValueError(f"{row['file']}: not named <session>_<k>.npz")
        root[name] = name
        try:
            frames = load_arrays(folder / row["file"], ("landmarks",))["landmarks"]
        except MalformedFileError:
            continue  # read_row names the damaged file
        for frame in frames:
            key = (match.group("session"), frame.tobytes())
            if key in first_owner:
                a, b = sorted((find(name), find(first_owner[key])))
                root[b] = a
            else:
                first_owner[key] = name
    return [_recording(find(Path(row["file"]).stem)) for row in rows]


def _recording(first_window: str) -> str:
    match = _WINDOW.match(first_window)
    return f"{match.group('session')}-{match.group('index')}"


def read_row(path: Path, row: Row, subject_name: str) -> list[Sample]:
    arrays = load_arrays(path, ("landmarks", "aspect"))
    points, aspect = arrays["landmarks"], arrays["aspect"]
    if points.ndim != 3 or points.shape[1:] != (11, 2) or aspect.shape != points.shape[:1]:
        raise MalformedFileError(path, f"landmarks must be (frames, 11, 2) with one aspect per frame, not "
                                       f"{points.shape} and {aspect.shape}")
    try:
        size = (float(row["width"]), float(row["height"]))
    except (KeyError, ValueError) as error:
        raise MalformedFileError(path, f"has no usable frame size in clips.tsv ({error})") from error
    known = np.ones(points.shape[:2], bool)
    known[:, list(WRISTS)] = False
    joints = image_skeleton(path, points * size, "md4fd", present=np.isfinite(aspect), known=known)
    return [Sample(SOURCE, subject_name, row["label"], f"md4fd_{path.stem}", FPS, joints)]


def read_source(root: Path) -> SourceRead:
    return read_pack(root, "md4fd", read_row, SourceRead(SOURCE, "windows", EXPECTED), subjects)
