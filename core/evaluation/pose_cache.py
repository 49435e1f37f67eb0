"""Skeletons extracted from a video, kept on disk by the video's content.

Pose extraction of a 20 s clip costs tens of seconds of CPU, the scoring a fraction of one, so a
benchmark that is rerun while tuning must not extract twice. The key is the sha256 of the file's
bytes (a renamed or re-copied clip is still found; an edited one is not) plus the extraction
settings that change the result, and of the lifter weights that turned its 2D into the skeleton.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.cache import cache_root
from core.pose.lifting import WEIGHTS as LIFTER_WEIGHTS
from core.pose.video import VideoPose, extract_video

POSE_CACHE = cache_root() / "video_poses"
CACHE_VERSION = "stand-in1"  # changes whenever the extraction's result does (here: a lost person's stand-in)
Extractor = Callable[..., VideoPose]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _extraction_version() -> str:
    """CACHE_VERSION and the lifter's own digest: a retrained lifter gives other skeletons."""
    return f"{CACHE_VERSION}-{file_sha256(LIFTER_WEIGHTS)[:10]}"


def cached_video_pose(
    path: Path, mirrored: bool = False, cache: Path = POSE_CACHE, extractor: Extractor | None = None
) -> tuple[VideoPose, bool]:
    """The video's skeletons and whether they came from the cache (else extracted now and stored).

    ``extractor`` defaults to ``extract_video``, the app's pose pipeline.
    """
    target = cache / f"{file_sha256(path)}-{'mirrored' if mirrored else 'plain'}-{_extraction_version()}.npz"
    if target.is_file():
        return _load(target), True
    pose = (extractor or extract_video)(path, mirrored=mirrored)
    cache.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".partial.npz")
    pose.save_npz(temporary)
    temporary.replace(target)
    return pose, False


def _load(path: Path) -> VideoPose:
    with np.load(path, allow_pickle=False) as archive:
        return VideoPose(
            skeleton=archive["skeleton"],
            world=archive["world"] if "world" in archive.files else None,
            camera=archive["camera"] if "camera" in archive.files else None,
            image=archive["image"],
            visibility=archive["visibility"],
            fps=float(archive["fps"]),
            frame_size=tuple(int(v) for v in archive["frame_size"]),
            people_found=int(archive["people_found"]),
            note=str(archive["note"]),
        )
