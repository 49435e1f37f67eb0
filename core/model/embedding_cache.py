"""Sentence embeddings kept on disk between runs, one small file per sentence, with a bound.

Every label a visitor types that the shipped knowledge lacks adds a few sentences; unbounded,
typing random labels would fill the disk of a public Space. So the cache holds at most
``core.limits.TEXT_CACHE_MAX_ENTRIES`` files and, past that, forgets the least recently used
(a read refreshes a file's time) down to nine tenths of the bound, so eviction scans the folder
once per tenth of the bound written, not on every write.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from core import limits

_DIGEST_CHARS = 40  # sha1 hex: the stem of every entry; anything else in the folder is not an entry
_KEEP_AFTER_EVICTION = 0.9


class EmbeddingCache:
    def __init__(self, folder: Path, max_entries: int | None = None) -> None:
        self.folder = Path(folder)
        self._max_entries = max_entries
        self._count: int | None = None  # entries on disk, counted once, then kept up to date

    @property
    def max_entries(self) -> int:
        return self._max_entries if self._max_entries is not None else limits.TEXT_CACHE_MAX_ENTRIES

    def _file(self, sentence: str) -> Path:
        digest = hashlib.sha1(sentence.encode("utf-8")).hexdigest()
        return self.folder / digest[:2] / f"{digest}.npy"

    def entries(self) -> list[Path]:
        """The entry files on disk now (temporary files of writers in progress excluded)."""
        if not self.folder.is_dir():
            return []
        return [path for path in self.folder.glob("??/*.npy") if len(path.stem) == _DIGEST_CHARS]

    def get(self, sentence: str) -> np.ndarray | None:
        """The stored embedding, or None when absent or damaged (it is then simply recomputed)."""
        path = self._file(sentence)
        try:
            vector = np.load(path, allow_pickle=False)
            os.utime(path)  # recently used: evicted last
        except (OSError, ValueError):
            return None
        return vector

    def put(self, sentence: str, vector: np.ndarray) -> None:
        """Store atomically (concurrent writers each rename a private file), then keep the bound."""
        path = self._file(sentence)
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        temporary = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(temporary, vector)
        temporary.replace(path)
        if existed:
            return
        if self._count is None:
            self._count = len(self.entries())
        else:
            self._count += 1
        if self._count > self.max_entries:
            self._evict()

    def _evict(self) -> None:
        aged = []
        for path in self.entries():
            try:
                aged.append((path.stat().st_mtime_ns, path.name, path))
            except FileNotFoundError:  # removed by another process meanwhile
                continue
        aged.sort()
        keep = int(self.max_entries * _KEEP_AFTER_EVICTION)
        for _, _, path in aged[: max(0, len(aged) - keep)]:
            path.unlink(missing_ok=True)
        self._count = min(len(aged), keep)
