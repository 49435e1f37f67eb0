"""Penn Action: 13 hand-annotated 2D image joints per frame of YouTube clips, lifted to 3D.

Each ``labels/NNNN.mat`` holds ``action``, the camera view ``pose``, ``x``/``y``/``visibility``
(frames x 13), ``bbox``, ``dimensions`` (height, width, frames), ``nframes`` (uint8, so it wraps)
and ``train`` (1 = official training clip, -1 = official test clip).

Joint order, measured on the data: head, then pairs (right, left) of shoulders, elbows,
wrists, hips, knees and ankles: the first joint of each pair is the person's right. In 95 % of
the clips filmed from the front the first shoulder lies on the image's left, in 76 % of those
filmed from behind on its right, and in bowling and pitching clips the first wrist travels
further in 80 % and 72 % of clips (the share of right-handers). So the dataset's own naming,
"left_shoulder" first, is the viewer's left.

Annotators placed occluded joints too (visibility 0 with an estimated position inside the
image, all but 27 of 469,501). A short gap (up to MAX_GAP_FRAMES) between visible frames is
interpolated from its visible ends; longer ones keep the annotators' estimate; a position at
(0, 0) or outside the image is interpolated from the joint's usable frames. A clip where fewer
than MIN_VISIBLE_SHARE of the joint positions are visible is dropped.

Each clip is made a skeleton by the one landmark path, ``core.pose.landmarks`` (lifted per frame,
camera orientation kept, so a push-up stays horizontal; one length per bone over the clip;
placed like a Kinect recording; completed to NTU-25). There is
no frame-rate field; the YouTube clips are taken as 30 fps. The official train/test flag is the
sample's ``subject`` ("train" or "test"), the only grouping the clips have (no actor ids).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.data.sample import MalformedFileError, Sample, SourceRead, read_each
from core.pose import landmarks, lifting

SOURCE = "penn-action"
EXPECTED = 2326
FPS = 30.0
MAX_GAP_FRAMES = 15
MIN_VISIBLE_SHARE = 0.5
COLUMNS = landmarks.POINT_NAMES["penn"]
SUBJECTS = {1: "train", -1: "test"}
# The parse cache re-reads this source when the lifter's code or weights change.
CODE_DEPENDENCIES = (Path(landmarks.__file__), Path(lifting.__file__), lifting.WEIGHTS)


def read_mat(path: Path) -> dict[str, np.ndarray]:
    """The fields of one annotation file, checked for shape; a bad file raises MalformedFileError."""
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    try:
        content = loadmat(str(path))
    except (MatReadError, OSError, ValueError, TypeError, NotImplementedError) as error:
        raise MalformedFileError(path, f"is not a readable MATLAB file ({error})") from error
    missing = sorted({"action", "x", "y", "visibility", "train", "dimensions"} - set(content))
    if missing:
        raise MalformedFileError(path, f"lacks the fields {missing}")
    x, y, visible = content["x"], content["y"], content["visibility"]
    if x.ndim != 2 or x.shape[1] != len(COLUMNS) or y.shape != x.shape or visible.shape != x.shape or not len(x):
        raise MalformedFileError(path, f"x, y and visibility must be (frames, 13), not {x.shape}, {y.shape}, {visible.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise MalformedFileError(path, "contains NaN or infinite coordinates")
    flag = int(np.ravel(content["train"])[0]) if np.size(content["train"]) else 0
    if flag not in SUBJECTS:
        raise MalformedFileError(path, f"has a train flag {flag}, neither 1 nor -1")
    view = str(np.ravel(content["pose"])[0]) if np.size(content.get("pose", [])) else ""
    return {"action": str(np.ravel(content["action"])[0]), "view": view, "points": np.stack([x, y], axis=-1),
            "visible": visible.astype(bool), "size": np.ravel(content["dimensions"])[:2].astype(float),
            "subject": SUBJECTS[flag]}


def _interpolated(values: np.ndarray, usable: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """(T, 2) values with the ``fill`` frames replaced by interpolation from the ``usable`` ones."""
    frames = np.arange(len(values))
    result = values.copy()
    for axis in range(2):
        result[fill, axis] = np.interp(frames[fill], frames[usable], values[usable, axis])
    return result


def _short_gaps(visible: np.ndarray) -> np.ndarray:
    """Invisible frames inside a run of at most MAX_GAP_FRAMES with a visible frame on both sides."""
    gaps = np.zeros_like(visible)
    shown = np.flatnonzero(visible)
    for before, after in zip(shown[:-1], shown[1:]):
        if 1 < after - before <= MAX_GAP_FRAMES + 1:
            gaps[before + 1:after] = True
    return gaps


def clean_points(path: Path, points: np.ndarray, visible: np.ndarray, size: np.ndarray) -> np.ndarray:
    """(T, 13, 2) image joints with occluded and missing positions filled as the module says."""
    if visible.mean() < MIN_VISIBLE_SHARE:
        raise MalformedFileError(path, f"only {visible.mean():.0%} of its joint positions are visible")
    height, width = size
    inside = ((points > 0).any(axis=-1) & (points[..., 0] <= width) & (points[..., 1] <= height))
    trusted = visible & inside
    cleaned = points.astype(np.float64)
    for joint in range(points.shape[1]):
        if not inside[:, joint].any():
            raise MalformedFileError(path, f"joint {COLUMNS[joint]} has no usable position in any frame")
        if trusted[:, joint].any():
            gaps = _short_gaps(trusted[:, joint])
            cleaned[:, joint] = _interpolated(cleaned[:, joint], trusted[:, joint], gaps)
        lost = ~inside[:, joint]
        cleaned[:, joint] = _interpolated(cleaned[:, joint], inside[:, joint], lost)
    return cleaned


def read_file(path: Path) -> list[Sample]:
    path = Path(path)
    content = read_mat(path)
    points = clean_points(path, content["points"], content["visible"], content["size"])
    joints = landmarks.skeletons_from_landmarks(points[None], np.ones((1, len(points)), bool), "penn")[0]
    return [Sample(SOURCE, content["subject"], content["action"], f"penn_{path.stem}", FPS, joints)]


def read_source(root: Path) -> SourceRead:
    paths = sorted(Path(root).glob("**/penn-action/labels/*.mat"))
    return read_each(paths, read_file, SourceRead(SOURCE, "files", EXPECTED))
