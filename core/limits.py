"""Every bound the public app and the loaders it shares enforce, in one place.

The app runs as a public Space: anyone may upload anything and many people stream at once, so
each resource a visitor can make it spend (memory, disk, CPU time, landmarkers) has a limit here.
Each may be changed by the environment variable named beside it (read once, at import), which
lets a Space operator raise or lower it without touching code; a value that is not a positive
number stops the program with a one-line message naming the variable.
"""

from __future__ import annotations

import os

ENV_PREFIX = "SKELETONCONTEXT_"


def _positive(name: str, default: float, kind: type = int) -> float:
    variable = ENV_PREFIX + name
    raw = os.environ.get(variable)
    if raw is None or raw.strip() == "":
        return kind(default)
    try:
        value = kind(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise SystemExit(f"error: ${variable} must be a positive {'whole ' if kind is int else ''}number, got {raw!r}")
    return value


def env_name(name: str) -> str:
    """The environment variable that overrides the limit ``name`` (quoted in refusal messages)."""
    return ENV_PREFIX + name


# -- uploads ----------------------------------------------------------------------------------
MAX_UPLOAD_MB = _positive("MAX_UPLOAD_MB", 200)  # Gradio refuses bigger uploads before they reach us
MAX_VIDEO_S = _positive("MAX_VIDEO_S", 600.0, float)  # a video longer than this is refused
MAX_FRAMES = _positive("MAX_FRAMES", 18_000)  # frames of one video or skeleton sequence (10 min at 30 fps)
MAX_SKELETON_FILE_MB = _positive("MAX_SKELETON_FILE_MB", 64)  # an NTU .skeleton text file (300 frames: ~2 MB)
MAX_ARRAY_DATA_MB = _positive("MAX_ARRAY_DATA_MB", 256)  # all arrays of one .npy/.npz, as their headers declare
MAX_ARRAYS_PER_FILE = _positive("MAX_ARRAYS_PER_FILE", 256)  # sequences in one .npz
MAX_FRAME_PIXELS = _positive("MAX_FRAME_PIXELS", 100_000_000)  # one video or webcam frame (about 10k x 10k)

# -- labels -----------------------------------------------------------------------------------
MAX_LABELS = _positive("MAX_LABELS", 120)  # room for the whole NTU-120 preset; more is unreadable
MAX_LABEL_CHARS = _positive("MAX_LABEL_CHARS", 100)  # the longest written action name or alias has 35
TEXT_CACHE_MAX_ENTRIES = _positive("TEXT_CACHE_MAX_ENTRIES", 20_000)  # typed-label sentences on disk (~4 KB each)

# -- sessions and queues ----------------------------------------------------------------------
# Webcam streams at once (each 1-2 landmarkers, ~146 MB each). Sessions share one process, and on
# 2 cores two kept 14.7 frames/s each while four fell to 2 each (README, soak), so 2 by default.
MAX_LIVE_SESSIONS = _positive("MAX_LIVE_SESSIONS", 2)
# Live streams whose pose runs in the visitor's browser: the server only windows and scores their
# landmarks. On 2 cores with nothing else running, 20 such streams kept every ranking within 0.5 s
# (p95 0.08-0.11 s, the scorer busy 28-34 %), also beside the 2 server-pose streams; with training
# jobs loading the machine to 5-6, 16 did and 20 just did not (README, Soak:
# python -m demo.soak --browser). A Space's cores are the app's own, so 20 by default.
MAX_BROWSER_SESSIONS = _positive("MAX_BROWSER_SESSIONS", 20)
MAX_POSE_MESSAGE_KB = _positive("MAX_POSE_MESSAGE_KB", 16)  # one message: two people's landmarks ~1.3 KB, 120 labels ~12 KB
MAX_POSE_MESSAGES_PER_S = _positive("MAX_POSE_MESSAGES_PER_S", 60)  # per session; a 60 Hz camera sends no more
UPLOAD_WORKERS = _positive("UPLOAD_WORKERS", 2)  # video/skeleton uploads analysed at once; the rest wait in the queue
MAX_QUEUE = _positive("MAX_QUEUE", 32)  # requests waiting beyond that are refused by Gradio ("queue is full")


def mb(value_mb: float) -> int:
    """Bytes in ``value_mb`` megabytes (10^6, as Gradio counts them)."""
    return int(value_mb * 1_000_000)
