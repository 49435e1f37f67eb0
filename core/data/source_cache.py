"""Unpacked archives and parsed sources kept between builds, so a rebuild takes seconds.

Both are keyed by the archive's size and modification time; parsed sources also by a hash of
the reader code, so changing a reader re-reads its source instead of serving stale sequences.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
from dataclasses import asdict
from pathlib import Path

import numpy as np

from core.data.packing import pack, unpack
from core.data.sample import Sample, SourceRead

DEFAULT_CACHE = Path(os.environ.get("SKELETONCONTEXT_CACHE", Path.home() / ".cache" / "skeletoncontext"))
_CODE_DIR = Path(__file__).resolve().parent
_READER_FILES = ("sample.py", "synthesis.py", "kinect_v1.py", "openni.py", "bvh.py", "packing.py")


def _archive_key(archive: Path) -> str:
    stat = archive.stat()
    return f"{archive.name.split('.')[0]}-{stat.st_size}-{stat.st_mtime_ns}"


def _code_key(module_file: str) -> str:
    digest = hashlib.sha256()
    for name in (*_READER_FILES, Path(module_file).name):
        digest.update((_CODE_DIR / name).read_bytes())
    return digest.hexdigest()[:12]


def unpacked(archive: Path, cache: Path = DEFAULT_CACHE) -> Path:
    """Folder holding the archive's contents, extracting it (like ``tar -xJf``) on first use."""
    target = cache / "raw" / _archive_key(archive)
    marker = target / ".complete"
    if marker.exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(target, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        shutil.rmtree(target, ignore_errors=True)
        raise ValueError(f"{archive.name} cannot be unpacked ({error})") from error
    marker.touch()
    return target


def read_cached(archive: Path, reader, cache: Path = DEFAULT_CACHE) -> SourceRead:
    """The reader's result for this archive, from the cache when archive and code are unchanged."""
    stem = cache / "parsed" / f"{_archive_key(archive)}-{_code_key(reader.__file__)}"
    arrays, meta = stem.with_suffix(".npz"), stem.with_suffix(".json")
    if arrays.exists() and meta.exists():
        return _load(arrays, meta)
    result = reader.read_source(unpacked(archive, cache))
    stem.parent.mkdir(parents=True, exist_ok=True)
    steps, offsets = pack([sample.joints for sample in result.samples])
    np.savez(arrays, steps=steps, offsets=offsets)
    fields = [{k: v for k, v in asdict(s).items() if k != "joints"} for s in result.samples]
    summary = {k: v for k, v in asdict(result).items() if k != "samples"}
    meta.write_text(json.dumps({"read": summary, "samples": fields}))
    return result


def _load(arrays: Path, meta: Path) -> SourceRead:
    content = json.loads(meta.read_text())
    result = SourceRead(**content["read"])
    with np.load(arrays) as packed:
        steps, offsets = packed["steps"], packed["offsets"]
    result.samples = [
        Sample(**fields, joints=unpack(steps, offsets, i))
        for i, fields in enumerate(content["samples"])
    ]
    return result
