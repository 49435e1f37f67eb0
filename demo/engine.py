"""The one recogniser every browser session shares, and where its weights come from.

Loading the network and the text encoder takes seconds and hundreds of megabytes, so the app
holds a single instance; a lock serialises scoring because sessions call it from several
worker threads at once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

WEIGHTS_ENV = "SKELETONCONTEXT_WEIGHTS"
MAX_LABELS = 120  # room for the whole NTU-120 preset; more makes the ranking unreadable


def weights_path(explicit: str | Path | None = None) -> Path | None:
    """The weights to load: an explicit path, else $SKELETONCONTEXT_WEIGHTS, else the default."""
    chosen = explicit or os.environ.get(WEIGHTS_ENV) or None
    return Path(chosen) if chosen else None


class SharedRecognizer:
    """A lazily loaded Recognizer whose label encoding and ranking are thread-safe."""

    def __init__(self, weights: str | Path | None = None, device: str | None = None) -> None:
        self.weights = weights_path(weights)
        self.device = device
        self._recognizer = None
        self._lock = threading.Lock()

    def load(self):
        """Load the recogniser now (the app calls this before serving, to fail early)."""
        with self._lock:
            return self._loaded()

    def _loaded(self):
        if self._recognizer is None:
            from core.recognition.recognizer import Recognizer

            self._recognizer = Recognizer.load(self.weights, device=self.device)
        return self._recognizer

    def encode_labels(self, labels: Sequence[str]):
        with self._lock:
            return self._loaded().encode_labels(list(labels))

    def rank(self, skeleton: np.ndarray, labels):
        with self._lock:
            return self._loaded().rank(skeleton, labels)
