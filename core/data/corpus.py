"""The built training corpus: one packed array file plus a JSON index, and its loader.

Written by ``python -m core corpus build`` (core.data.build); read by training, splits and
evaluation through ``load_corpus``. Sequences are in metres, Kinect convention, not
normalised; most hold one body, two-person interactions (SBU) two.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.data.packing import unpack
from core.skeleton.layout import NUM_JOINTS

ARRAYS_FILE = "corpus.npz"
INDEX_FILE = "index.json"
FORMAT_VERSION = 2  # 2: samples may hold two bodies


class CorpusError(ValueError):
    """A corpus folder that is missing, incomplete or inconsistent."""


@dataclass(frozen=True)
class SampleInfo:
    source: str
    subject: str
    label: str  # the source's original label
    action: str  # canonical action name of the shared vocabulary
    style: str  # motion style (Bandai-Namco only), else ""
    fps: float  # of the stored sequence
    length: int  # frames stored (per body)
    name: str  # unique sample id
    bodies: int = 1  # 2 for a two-person interaction


class Corpus:
    """Indexed access to the packed sequences; decoding happens per sequence, on demand."""

    def __init__(self, index: list[SampleInfo], steps: np.ndarray, offsets: np.ndarray,
                 build: dict[str, Any]):
        self.index = index
        self.build = build
        self._steps = steps
        self._offsets = offsets

    def __len__(self) -> int:
        return len(self.index)

    def sequence(self, i: int) -> np.ndarray:
        """(T, 25, 3) float32 metres of sample ``i``, or (2, T, 25, 3) for a two-body sample."""
        if not -len(self) <= i < len(self):
            raise IndexError(f"sample {i} is out of range for a corpus of {len(self)}")
        i %= len(self)
        return unpack(self._steps, self._offsets, i, self.index[i].bodies)

    def actions(self) -> list[str]:
        return sorted({info.action for info in self.index})


def write_corpus(directory: Path, index: list[SampleInfo], steps: np.ndarray,
                 offsets: np.ndarray, build: dict[str, Any]) -> None:
    """Write both files; the index goes last, so a half-written corpus fails to load."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / INDEX_FILE).unlink(missing_ok=True)
    np.savez_compressed(directory / ARRAYS_FILE, steps=steps, offsets=offsets)
    content = {"format": FORMAT_VERSION, "build": build, "samples": [asdict(s) for s in index]}
    (directory / INDEX_FILE).write_text(json.dumps(content, indent=0))


def read_index(directory: Path | str) -> tuple[list[SampleInfo], dict[str, Any]]:
    """The sample index and build report, without touching the (larger) array file."""
    path = Path(directory) / INDEX_FILE
    if not path.is_file():
        raise CorpusError(
            f"{path} not found: build the corpus first with "
            "`python -m core corpus build --data ../shared/data --out DIR`"
        )
    try:
        content = json.loads(path.read_text())
        if content.get("format") != FORMAT_VERSION:
            raise CorpusError(f"{path} has format {content.get('format')!r}, "
                              f"this code reads {FORMAT_VERSION}: rebuild the corpus")
        index = [SampleInfo(**sample) for sample in content["samples"]]
    except (ValueError, KeyError, TypeError) as error:
        if isinstance(error, CorpusError):
            raise
        raise CorpusError(f"{path} is not a corpus index ({error})") from error
    return index, content.get("build", {})


def load_corpus(directory: Path | str) -> Corpus:
    """Load a corpus folder written by ``python -m core corpus build``."""
    index, build = read_index(directory)
    path = Path(directory) / ARRAYS_FILE
    try:
        with np.load(path) as arrays:
            steps, offsets = arrays["steps"], arrays["offsets"]
    except (OSError, ValueError, KeyError) as error:
        raise CorpusError(f"{path} cannot be read ({error}): rebuild the corpus") from error
    lengths = np.diff(offsets)
    if len(lengths) != len(index) or any(int(n) != s.length * s.bodies for n, s in zip(lengths, index)):
        raise CorpusError(f"{path} does not match {INDEX_FILE}: rebuild the corpus")
    if len(steps) and steps.shape[1:] != (NUM_JOINTS, 3):
        raise CorpusError(f"{path} holds joints of shape {steps.shape[1:]}, not (25, 3)")
    return Corpus(index, steps, offsets, build)
