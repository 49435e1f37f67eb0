"""Reading the skeleton sequences held in a file given to ``classify``.

One file may hold several sequences (an ``.npz`` of named samples, a video with several people
is one two-body sequence), so every reader returns a list of named sequences. Every failure is a
SourceError naming the file and the reason, which the CLI prints without a traceback.

The app reads what strangers upload with these same readers, so nothing is read before its size
is known to be within core.limits: ``.npy``/``.npz`` arrays are checked by their headers (shape,
dtype) before any data is read, since a few compressed megabytes can declare gigabytes of zeros,
and an NTU ``.skeleton`` file by its size and declared frame count.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core import limits
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


def _declared_bytes(stream, name: str) -> int:
    """Bytes of data an .npy stream's header declares, refusing non-numbers and too many frames."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, _, dtype = fmt.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unsupported .npy format version {version[0]}.{version[1]}")
    except (OSError, ValueError, EOFError) as error:
        raise SourceError(f"{name}: not a readable .npy array ({error})") from None
    if dtype.hasobject or dtype.kind == "V":
        raise SourceError(f"{name}: not a readable .npy array (it holds {dtype} values, not numbers)")
    if len(shape) >= 3 and shape[-3] > limits.MAX_FRAMES:
        raise SourceError(
            f"{name}: declares {shape[-3]:,} frames; at most {limits.MAX_FRAMES:,} are accepted "
            f"(${limits.env_name('MAX_FRAMES')})"
        )
    return int(np.prod(shape, dtype=np.float64) * dtype.itemsize)


def _check_declared(path: Path, declared_bytes: list[int]) -> None:
    if len(declared_bytes) > limits.MAX_ARRAYS_PER_FILE:
        raise SourceError(
            f"{path}: holds {len(declared_bytes):,} arrays; at most {limits.MAX_ARRAYS_PER_FILE:,} are accepted "
            f"(${limits.env_name('MAX_ARRAYS_PER_FILE')})"
        )
    total = sum(declared_bytes)
    if total > limits.mb(limits.MAX_ARRAY_DATA_MB):
        raise SourceError(
            f"{path}: declares {total / 1e6:,.0f} MB of array data; at most {limits.MAX_ARRAY_DATA_MB:,} MB are "
            f"accepted (${limits.env_name('MAX_ARRAY_DATA_MB')})"
        )


def _load_npy(path: Path) -> np.ndarray:
    with open(path, "rb") as stream:
        _check_declared(path, [_declared_bytes(stream, str(path))])
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise SourceError(f"{path}: not a readable .npy array ({error})") from None


def _check_npz_headers(path: Path) -> None:
    """Every member's declared size, read from the member headers only (no data is inflated)."""
    with zipfile.ZipFile(path) as archive:
        declared = []
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                declared.append(info.file_size)  # numpy would hand it over as raw bytes
                continue
            with archive.open(info) as member:
                declared.append(_declared_bytes(member, f"{path} [{info.filename[:-4]}]"))
    _check_declared(path, declared)


def _read_npz(path: Path) -> list[SkeletonSequence]:
    try:
        _check_npz_headers(path)
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except SourceError:
        raise
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


def _check_ntu_size(path: Path) -> None:
    """Bounds the whole-file read: the size, then the frame count the first line declares."""
    size = path.stat().st_size
    if size > limits.mb(limits.MAX_SKELETON_FILE_MB):
        raise SourceError(
            f"{path}: {size / 1e6:,.1f} MB; .skeleton files of at most {limits.MAX_SKELETON_FILE_MB:,} MB are "
            f"accepted (${limits.env_name('MAX_SKELETON_FILE_MB')})"
        )
    with open(path, "rb") as handle:
        first = handle.readline(32).strip()
    if first.isdigit() and int(first) > limits.MAX_FRAMES:
        raise SourceError(
            f"{path}: declares {int(first):,} frames; at most {limits.MAX_FRAMES:,} are accepted "
            f"(${limits.env_name('MAX_FRAMES')})"
        )


def _read_ntu(path: Path) -> SkeletonSequence:
    from core.data.ntu import read_skeleton

    _check_ntu_size(path)
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
