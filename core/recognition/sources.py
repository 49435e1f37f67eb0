"""Reading the skeleton sequences held in a file given to ``classify``.

One file may hold several sequences (an ``.npz`` of named samples, a video with several people
is one two-body sequence), so every reader returns a list of named sequences. Every failure is a
SourceError naming the file and the reason, which the CLI prints without a traceback.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.recognition.validation import SkeletonInputError, check_skeleton

DEFAULT_FPS = 30.0
VIDEO_SUFFIXES = frozenset({".avi", ".mp4", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"})
# The arrays of a pose-extraction archive (core.pose.video.VideoPose.save_npz) besides fps.
EXTRACTION_KEYS = {"skeleton", "image", "visibility"}
SKELETON_SUFFIXES = (".npy", ".npz", ".skeleton")
SUPPORTED = ", ".join(SKELETON_SUFFIXES) + " (NTU RGB+D) and videos (" + ", ".join(sorted(VIDEO_SUFFIXES)) + ")"


class SourceError(ValueError):
    """A file that cannot be read as skeleton sequences."""


@dataclass(frozen=True)
class SkeletonSequence:
    """One sequence to recognise: ``skeleton`` is ``(M, T, 25, 3)`` float32 in metres."""

    input: str
    key: str | None
    skeleton: np.ndarray
    fps: float

    @property
    def duration_s(self) -> float:
        return self.skeleton.shape[1] / self.fps


def read_sequences(path: Path | str, mirrored: bool = False) -> list[SkeletonSequence]:
    """All sequences in one file, validated; ``mirrored`` applies to videos only."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    if not path.is_file():
        raise SourceError(f"{path}: not a file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return [_sequence(path, None, _load_npy(path), DEFAULT_FPS)]
        if suffix == ".npz":
            return _read_npz(path)
        if suffix == ".skeleton":
            return [_read_ntu(path)]
        if suffix in VIDEO_SUFFIXES:
            return [_read_video(path, mirrored)]
    except SkeletonInputError as error:
        raise SourceError(str(error)) from None
    raise SourceError(f"{path}: unsupported file type {suffix or '(none)'}; supported: {SUPPORTED}")


def _sequence(path: Path, key: str | None, array: object, fps: float) -> SkeletonSequence:
    name = f"{path}" if key is None else f"{path} [{key}]"
    return SkeletonSequence(str(path), key, check_skeleton(array, name), fps)


def _load_npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise SourceError(f"{path}: not a readable .npy array ({error})") from None


def _read_npz(path: Path) -> list[SkeletonSequence]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise SourceError(f"{path}: not a readable .npz archive ({error})") from None
    fps = _npz_fps(path, arrays.pop("fps", None))
    if EXTRACTION_KEYS <= arrays.keys():
        # Written by `python -m core extract` or the app's video tab: one skeleton plus the
        # image joints, visibility and frame facts that describe it.
        arrays = {"skeleton": arrays["skeleton"]}
    if not arrays:
        raise SourceError(f"{path}: the archive holds no skeleton arrays")
    return [_sequence(path, key, array, fps) for key, array in arrays.items()]


def _npz_fps(path: Path, value: np.ndarray | None) -> float:
    if value is None:
        return DEFAULT_FPS
    if np.size(value) != 1 or not np.issubdtype(np.asarray(value).dtype, np.number):
        raise SourceError(f"{path}: 'fps' must be a single number, got an array of shape {np.shape(value)}")
    fps = float(np.asarray(value).reshape(()))
    if not np.isfinite(fps) or fps <= 0:
        raise SourceError(f"{path}: 'fps' must be a positive frame rate, got {fps}")
    return fps


def _read_ntu(path: Path) -> SkeletonSequence:
    from core.data.ntu import read_skeleton

    try:
        joints = read_skeleton(path).joints
    except (OSError, ValueError, IndexError, UnicodeDecodeError) as error:
        raise SourceError(f"{path}: not a readable NTU .skeleton file ({error})") from None
    return _sequence(path, None, joints, DEFAULT_FPS)


def _read_video(path: Path, mirrored: bool) -> SkeletonSequence:
    from core.pose.errors import PoseInputError, PoseModelError
    from core.pose.video import extract_video

    try:
        pose = extract_video(path, mirrored=mirrored)
    except (PoseInputError, PoseModelError) as error:
        raise SourceError(str(error)) from None
    if pose.people_found == 0:
        raise SourceError(f"{path}: {pose.note or 'nobody was found in the video'}")
    return _sequence(path, None, pose.skeleton, float(pose.fps) or DEFAULT_FPS)
