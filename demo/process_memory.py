"""Keep a long-running server's memory flat: bound glibc's malloc arenas.

glibc gives threads their own malloc arenas (up to eight per core), and a server whose work moves
between Gradio's, uvicorn's and the scorer's threads leaves memory freed in one arena that another
cannot reuse: the browser soak with 20 visitors for 600 s grew by 226 MB after its warm-up (214 MB
before the motion weights) and with two arenas by 105 MB (README, *Limits for a public Space*).
Called once at start-up, before the serving threads exist; ``MALLOC_ARENA_MAX`` in the environment,
when set, is left to rule, and a C library without ``mallopt`` (not glibc) is left alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

SERVER_MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's mallopt parameter number for the arena count


def bound_malloc_arenas(arenas: int = SERVER_MALLOC_ARENAS) -> bool:
    """Limit this process to ``arenas`` malloc arenas; whether the limit was set here."""
    if arenas < 1:
        raise ValueError(f"need at least one malloc arena, got {arenas}")
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(_M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False
