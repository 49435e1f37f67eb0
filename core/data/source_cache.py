"""Unpacked archives and parsed sources kept between builds, so a rebuild takes seconds.

Both are keyed by the archive's size and modification time; parsed sources also by a hash of
the reader code (plus any files a reader lists in ``CODE_DEPENDENCIES``, such as the lifter
weights Penn Action is read through), so changing a reader re-reads its source instead of
serving stale sequences.
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

from core.cache import cache_root
from core.data.packing import pack, unpack
from core.data.sample import Sample, SourceRead

DEFAULT_CACHE = cache_root()
_CODE_DIR = Path(__file__).resolve().parent
_READER_FILES = (
    "sample.py", "synthesis.py", "kinect_v1.py", "openni.py", "bvh.py", "packing.py", "source_cache.py",
    "moving_side.py", "staging.py", "asf_amc.py", "../skeleton/proportions.py",
)


def _archive_key(archive: Path) -> str:
    stat = archive.stat()
    return f"{archive.name.split('.')[0]}-{stat.st_size}-{stat.st_mtime_ns}"


def _code_key(reader) -> str:
    digest = hashlib.sha256()
    shared = [_CODE_DIR / name for name in _READER_FILES]
    for path in (*shared, Path(reader.__file__), *getattr(reader, "CODE_DEPENDENCIES", ())):
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:12]


def unpacked(archive: Path, cache: Path = DEFAULT_CACHE) -> Path:
    """Folder holding the archive's contents, extracting it (like ``tar -xJf``) on first use.

    Extraction goes to a private folder that is renamed into place when complete, so a build
    and a test run unpacking at the same time never see each other's half-written files.
    """
    target = cache / "raw" / _archive_key(archive)
    if target.is_dir():
        return target
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(partial, filter="data")
        os.rename(partial, target)
    except (tarfile.TarError, EOFError) as error:
        raise ValueError(f"{archive.name} cannot be unpacked ({error})") from error
    except OSError as error:
        if not target.is_dir():  # another process finishing first is fine
            raise ValueError(f"{archive.name} cannot be unpacked ({error})") from error
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def read_cached(archive: Path, reader, cache: Path = DEFAULT_CACHE) -> SourceRead:
    """The reader's result for this archive, from the cache when archive and code are unchanged."""
    stem = cache / "parsed" / f"{_archive_key(archive)}-{_code_key(reader)}"
    arrays, meta = stem.with_suffix(".npz"), stem.with_suffix(".json")
    if arrays.exists() and meta.exists():
        return _load(arrays, meta)
    result = reader.read_source(unpacked(archive, cache))
    stem.parent.mkdir(parents=True, exist_ok=True)
    steps, offsets = pack([sample.joints for sample in result.samples])
    bodies = np.array([sample.bodies for sample in result.samples], dtype=np.int64)
    fields = [{k: v for k, v in asdict(s).items() if k != "joints"} for s in result.samples]
    summary = {k: v for k, v in asdict(result).items() if k != "samples"}
    private = f".{os.getpid()}.tmp"
    with open(arrays.with_name(arrays.name + private), "wb") as handle:
        np.savez(handle, steps=steps, offsets=offsets, bodies=bodies)
    meta.with_name(meta.name + private).write_text(json.dumps({"read": summary, "samples": fields}))
    os.replace(arrays.with_name(arrays.name + private), arrays)
    os.replace(meta.with_name(meta.name + private), meta)  # last: it marks the entry complete
    return result


def _load(arrays: Path, meta: Path) -> SourceRead:
    content = json.loads(meta.read_text())
    result = SourceRead(**content["read"])
    with np.load(arrays) as packed:
        steps, offsets, bodies = packed["steps"], packed["offsets"], packed["bodies"]
    result.samples = [
        Sample(**fields, joints=unpack(steps, offsets, i, int(bodies[i])))
        for i, fields in enumerate(content["samples"])
    ]
    return result
