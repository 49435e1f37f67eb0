"""The converted packs of the shared data: a folder with a ``clips.tsv`` and one ``.npz`` per sequence.

Six sources come this way (jhmdb, posepilot-yoga, pushfit, md4fd, motions, ase): each archive
unpacks into a folder of its name holding a README, a tab-separated ``clips.tsv`` (``file``,
``label``, ``subject`` and per-source columns) and the arrays. A reader turns one table row into
samples; a row whose file is missing or damaged becomes a named problem, never an abort. The 2D
packs become skeletons through the one landmark path (``core.pose.landmarks``), as the app's
webcam poses do.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.data.sample import MalformedFileError, Sample, SourceRead, read_each
from core.pose.landmarks import skeletons_from_landmarks

TABLE = "clips.tsv"
MIN_FRAMES = 2  # fewer poses than this cannot make a motion

Row = dict[str, str]
Subjects = Callable[[Path, list[Row]], list[str]]  # (pack folder, its rows) -> each row's subject


def table_rows(text: str, where: str) -> list[Row]:
    """The rows of a clips table; one without ``file`` and ``label`` columns is refused."""
    rows = list(csv.DictReader(io.StringIO(text), delimiter="\t"))
    if not rows or not {"file", "label"} <= set(rows[0]):
        raise ValueError(f"{where}: expected a tab-separated table with 'file' and 'label' columns")
    return rows


def pack_folder(root: Path, name: str) -> Path:
    """The unpacked folder holding ``name/clips.tsv`` under ``root``."""
    found = sorted(Path(root).glob(f"**/{name}/{TABLE}"))
    if not found:
        raise ValueError(f"no {name}/{TABLE} under {root}")
    return found[0].parent


def load_arrays(path: Path, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The named arrays of one ``.npz`` as float64; a missing or damaged file raises MalformedFileError."""
    try:
        with np.load(path, allow_pickle=False) as content:
            missing = [name for name in names if name not in content.files]
            if missing:
                raise MalformedFileError(path, f"lacks the arrays {missing}")
            return {name: np.asarray(content[name], dtype=np.float64) for name in names}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise MalformedFileError(path, f"is not a readable .npz file ({error})") from error


def per_row(subject: Callable[[Row], str]) -> Subjects:
    """The subjects rule of a pack whose table tells each row's subject on its own."""
    return lambda folder, rows: [subject(row) for row in rows]


def pack_rows(root: Path, name: str) -> tuple[Path, list[Row]]:
    """The unpacked pack folder and its clips table."""
    folder = pack_folder(root, name)
    return folder, table_rows((folder / TABLE).read_text(encoding="utf-8"), str(folder / TABLE))


def read_pack(
    root: Path, name: str, read_row: Callable[[Path, Row, str], list[Sample]], result: SourceRead, subjects: Subjects,
) -> SourceRead:
    """Every row of ``name``'s clips table through ``read_row(npz path, row, subject)``."""
    folder, rows = pack_rows(root, name)
    items = [(folder / row["file"], row, subject) for row, subject in zip(rows, subjects(folder, rows))]
    return read_each(items, lambda item: read_row(*item), result)


def image_skeleton(
    path: Path, points: np.ndarray, layout: str, present: np.ndarray | None = None, known: np.ndarray | None = None,
) -> np.ndarray:
    """(T, 25, 3) skeleton of one body from (T, J, 2) image points of ``layout`` (isotropic units).

    Frames not ``present`` (nobody detected) stay zeros, as absent bodies do everywhere; a clip
    with too few poses, non-finite points where a body is present, or a body that cannot be
    placed (no shoulders or hips) raises MalformedFileError.
    """
    present = np.ones(len(points), bool) if present is None else np.asarray(present, bool)
    if present.sum() < MIN_FRAMES:
        raise MalformedFileError(path, f"has {int(present.sum())} frames with a pose, fewer than {MIN_FRAMES}")
    if not np.isfinite(points[present]).all():
        raise MalformedFileError(path, "contains NaN or infinite coordinates where a body is present")
    clean = np.where(present[:, None, None], points, 0.0)
    try:
        return skeletons_from_landmarks(clean[None], present[None], layout, None if known is None else known[None])[0]
    except ValueError as error:
        raise MalformedFileError(path, str(error)) from error
