"""The server bounds glibc's malloc arenas at start-up (demo.process_memory), unless the
environment already says how many."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys
from pathlib import Path

import pytest

from demo.process_memory import bound_malloc_arenas

REPO_ROOT = str(Path(__file__).resolve().parents[1])
GLIBC = "libc.so" in (ctypes.util.find_library("c") or "")


@pytest.mark.skipif(not GLIBC, reason="mallopt's arena limit is glibc's; this C library has none")
def test_the_arena_limit_is_set_here_unless_the_environment_sets_it() -> None:
    probe = "from demo.process_memory import bound_malloc_arenas; print(bound_malloc_arenas())"
    env_free = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                              env={"PATH": "/usr/bin:/bin", "PYTHONPATH": REPO_ROOT})
    assert env_free.stdout.strip() == "True"
    told = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": REPO_ROOT, "MALLOC_ARENA_MAX": "4"})
    assert told.stdout.strip() == "False"  # the environment rules


def test_a_process_needs_at_least_one_arena() -> None:
    with pytest.raises(ValueError, match="at least one malloc arena"):
        bound_malloc_arenas(0)
