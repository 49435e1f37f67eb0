"""What every source reader produces: NTU-25 sequences with their labels, plus read problems."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from core.skeleton.layout import MAX_BODIES, NUM_JOINTS


class MalformedFileError(ValueError):
    """A data file that cannot be read; the build reports it by name and goes on."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{Path(path).name}: {reason}")
        self.path = Path(path)
        self.reason = reason


@dataclass
class Sample:
    """One labelled sequence of one source, metres, Kinect convention.

    ``joints`` is (T, 25, 3) for one body, or (2, T, 25, 3) for a two-person interaction
    (SBU), both bodies over the same frames.
    """

    source: str
    subject: str
    label: str
    name: str
    fps: float
    joints: np.ndarray  # (T, 25, 3) or (2, T, 25, 3) float32
    style: str = ""

    def __post_init__(self) -> None:
        shape = self.joints.shape
        if shape[-2:] != (NUM_JOINTS, 3) or not (
            self.joints.ndim == 3 or (self.joints.ndim == 4 and shape[0] == MAX_BODIES)
        ):
            raise ValueError(f"{self.name}: expected (T, 25, 3) or (2, T, 25, 3) joints, got {shape}")

    @property
    def bodies(self) -> int:
        return 1 if self.joints.ndim == 3 else self.joints.shape[0]

    @property
    def frames(self) -> int:
        return self.joints.shape[-3]


@dataclass
class SourceRead:
    """Everything one reader got out of one source, and what it had to leave out."""

    source: str
    unit: str  # what `expected` and `found` count: files, segments, windows or clips
    expected: int
    found: int = 0
    samples: list[Sample] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_finite(path: Path, values: np.ndarray) -> np.ndarray:
    """Refuse NaN or infinite coordinates, which would poison training silently."""
    if not np.isfinite(values).all():
        raise MalformedFileError(path, "contains NaN or infinite coordinates")
    return values


def joint_frames(path: Path, rows: list[list[float]], joints: int) -> np.ndarray:
    """One joint per row (x y z first) grouped into ``(T, joints, 3)`` frames; refuses a partial frame."""
    if len(rows) % joints:
        raise MalformedFileError(
            path, f"{len(rows)} joint rows is not a whole number of {joints}-joint frames (partial frame)"
        )
    return check_finite(path, np.asarray([row[:3] for row in rows], dtype=np.float64).reshape(-1, joints, 3))


def load_number_rows(path: Path) -> list[list[float]]:
    """Whitespace-separated numbers, one list per non-empty line, with a readable error."""
    rows = []
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise MalformedFileError(path, f"cannot be read ({error})") from error
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append([float(value) for value in line.split()])
        except ValueError as error:
            raise MalformedFileError(path, f"line {number} is not numeric") from error
    if not rows:
        raise MalformedFileError(path, "is empty")
    return rows


Item = TypeVar("Item")


def read_each(
    items: Iterable[Item], read_one: Callable[[Item], list[Sample]], result: SourceRead
) -> SourceRead:
    """Read file after file (or table row after row); a malformed one becomes a named problem instead of an abort."""
    for item in items:
        try:
            samples = read_one(item)
        except MalformedFileError as error:
            result.problems.append(str(error))
            continue
        result.samples.extend(samples)
        result.found += 1
    return result
