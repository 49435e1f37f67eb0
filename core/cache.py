"""Where the project keeps what it computes once per machine (pose model, text embeddings,
unpacked datasets): ``~/.cache/skeletoncontext`` unless ``$SKELETONCONTEXT_CACHE`` says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "SKELETONCONTEXT_CACHE"


def cache_root() -> Path:
    """The cache folder, read from the environment on every call so tests and operators can move it."""
    return Path(os.environ.get(CACHE_ENV) or "~/.cache/skeletoncontext").expanduser()
