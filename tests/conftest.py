"""Shared locations of the real data, which tests read but the project never commits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SKELETONCONTEXT_DATA", REPO_ROOT.parent / "shared" / "data"))


def require_data(*relative: str) -> Path:
    """Path inside the shared data folder, or skip the test saying what is missing."""
    path = SHARED_DATA.joinpath(*relative)
    if not path.exists():
        pytest.skip(f"real data not available: {path} is absent (see ../shared/data/README.md)")
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return require_data()
