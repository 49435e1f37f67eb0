"""The pose model file: found in the cache, downloaded, or built once per machine.

Routes, in order: ``$SKELETONCONTEXT_POSE_MODEL`` (a .task file the user provides), the cached
bundle in ``~/.cache/skeletoncontext/pose`` (or ``$SKELETONCONTEXT_CACHE/pose``), MediaPipe's
published model (short timeout: many networks block it), and a bundle built from the pose models
inside the mediapipe 0.10.21 wheel on PyPI.
"""

from __future__ import annotations

import logging
import os
import urllib.request
from pathlib import Path

from core.cache import CACHE_ENV, cache_root, write_atomically
from core.pose.errors import PoseModelError
from core.pose.model_bundle import build_task_from_wheel, check_task

MODEL_URL = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_full/float16/latest/pose_landmarker_full.task"
)
MODEL_ENV = "SKELETONCONTEXT_POSE_MODEL"
MODEL_FILE = "pose_landmarker_full.task"
DOWNLOAD_TIMEOUT_S = 5.0

_log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    return cache_root() / "pose"


def _download(url: str, timeout_s: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 (fixed https URL)
        return response.read()


def _build() -> bytes:
    _log.warning("building the pose model from the mediapipe 0.10.21 wheel (one-off, ~36 MB)")
    return build_task_from_wheel()


def _is_usable(path: Path) -> bool:
    try:
        check_task(path.read_bytes())
    except (OSError, ValueError):
        return False
    return True


def ensure_pose_model(
    cache_dir: Path | None = None,
    url: str = MODEL_URL,
    download_timeout_s: float = DOWNLOAD_TIMEOUT_S,
) -> Path:
    """Path of a usable pose landmarker .task file, obtaining it on first use."""
    explicit = os.environ.get(MODEL_ENV)
    if explicit:
        path = Path(explicit).expanduser()
        if not _is_usable(path):
            raise PoseModelError(f"${MODEL_ENV} points to {path}, which is not a pose .task bundle")
        return path
    target = (cache_dir or default_cache_dir()) / MODEL_FILE
    if _is_usable(target):
        return target

    failures = []
    routes = (("download", lambda: _download(url, download_timeout_s)), ("build", _build))
    for route, obtain in routes:
        try:
            data = obtain()
            check_task(data)
        except (OSError, ValueError) as error:  # URLError and pip failures are OSErrors
            failures.append(f"{route}: {error}")
            continue
        try:
            write_atomically(target, data)
        except OSError as error:
            raise PoseModelError(
                f"cannot save the pose model to {target} ({error.strerror or error}); "
                f"point ${CACHE_ENV} to a writable folder"
            ) from None
        return target
    raise PoseModelError(
        "the MediaPipe pose model could not be obtained ("
        + "; ".join(failures)
        + f"). Put a pose_landmarker .task file at {target} or point ${MODEL_ENV} to one."
    )
