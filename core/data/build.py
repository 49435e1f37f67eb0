"""Build the training corpus from the shared data archives.

Every source is unpacked and read (or taken from the cache), its labels mapped to the shared
vocabulary, and its sequences made compact: frame rates above MAX_FPS are thinned by an integer
stride (the model resamples every window to 64 frames anyway) and sequences longer than
MAX_SECONDS are cut into equal consecutive parts. A source that fails is reported in the table,
never allowed to stop the others.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.data.corpus import ARRAYS_FILE, SampleInfo, write_corpus
from core.data.packing import pack
from core.data.sample import Sample, SourceRead
from core.data.source_cache import DEFAULT_CACHE, read_cached
from core.data.sources import SOURCES
from core.knowledge.vocabulary import UnknownLabelError, load_vocabulary

MAX_FPS = 15.0
MAX_SECONDS = 20.0


@dataclass
class SourceRow:
    """One line of the build table."""

    source: str
    unit: str = "files"
    expected: int = 0
    found: int = 0
    samples: int = 0
    excluded: int = 0
    frames: int = 0
    seconds: float = 0.0
    actions: int = 0
    problems: list[str] = field(default_factory=list)


def compact(sample: Sample) -> list[tuple[str, float, np.ndarray]]:
    """(name, fps, joints) pieces of a sample after thinning and cutting (every body alike)."""
    stride = max(1, math.ceil(sample.fps / MAX_FPS - 1e-6))
    fps = sample.fps / stride
    joints = sample.joints[..., ::stride, :, :]
    frames = joints.shape[-3]
    limit = int(MAX_SECONDS * fps)
    parts = math.ceil(frames / limit)
    if parts <= 1:
        return [(sample.name, fps, joints)]
    bounds = np.linspace(0, frames, parts + 1).round().astype(int)
    return [
        (f"{sample.name}_part{k + 1}", fps, joints[..., bounds[k]:bounds[k + 1], :, :])
        for k in range(parts)
    ]


def _read_source(source: str, data: Path, cache: Path) -> SourceRead:
    archive_name, reader = SOURCES[source]
    archive = data / "raw" / archive_name
    if not archive.is_file():
        result = SourceRead(source, "files", reader.EXPECTED)
        result.problems.append(f"{archive} not found: the whole source is missing")
        return result
    try:
        return read_cached(archive, reader, cache)
    except (ValueError, OSError) as error:
        result = SourceRead(source, "files", reader.EXPECTED)
        result.problems.append(f"{archive_name}: {error}")
        return result


def build_corpus(
    data: Path, out: Path, cache: Path = DEFAULT_CACHE,
    progress: Callable[[str], None] = lambda message: None,
) -> dict[str, Any]:
    """Read every source, write OUT/corpus.npz and OUT/index.json; return the build report."""
    started = time.perf_counter()
    vocabulary = load_vocabulary()
    index: list[SampleInfo] = []
    sequences: list[np.ndarray] = []
    rows = []
    for source in SOURCES:
        progress(f"reading {source} ...")
        read = _read_source(source, Path(data), Path(cache))
        row = SourceRow(source, read.unit, read.expected, read.found, problems=list(read.problems))
        unmapped: set[str] = set()
        actions = set()
        for sample in read.samples:
            try:
                action = vocabulary.canonical(source, sample.label)
            except UnknownLabelError:
                unmapped.add(sample.label)
                action = None
            if action is None:
                row.excluded += 1
                continue
            actions.add(action)
            for name, fps, joints in compact(sample):
                frames = joints.shape[-3]
                index.append(SampleInfo(source, sample.subject, sample.label, action,
                                        sample.style, fps, frames, name, sample.bodies))
                sequences.append(joints)
                row.samples += 1
                row.frames += frames
                row.seconds += frames / fps
        row.problems += [f"label {label!r} is not in the label map" for label in sorted(unmapped)]
        row.actions = len(actions)
        rows.append(row)
    steps, offsets = pack(sequences)
    report = {
        "data": str(Path(data).resolve()),
        "max_fps": MAX_FPS,
        "max_seconds": MAX_SECONDS,
        "sources": [row.__dict__ for row in rows],
        "actions": sorted({info.action for info in index}),
    }
    write_corpus(Path(out), index, steps, offsets, report)
    report["seconds_taken"] = round(time.perf_counter() - started, 1)
    report["size_bytes"] = (Path(out) / ARRAYS_FILE).stat().st_size
    return report
