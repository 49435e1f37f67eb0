"""Where the project keeps what it computes once per machine (pose model, text embeddings,
unpacked datasets): ``~/.cache/skeletoncontext`` unless ``$SKELETONCONTEXT_CACHE`` says otherwise."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

CACHE_ENV = "SKELETONCONTEXT_CACHE"


def cache_root() -> Path:
    """The cache folder, read from the environment on every call so tests and operators can move it."""
    return Path(os.environ.get(CACHE_ENV) or "~/.cache/skeletoncontext").expanduser()


def write_atomically(target: Path, data: bytes) -> None:
    """Concurrent first runs each write a temp file; the rename makes one of them win whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".partial-", suffix=target.suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; what is cached is no secret
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
