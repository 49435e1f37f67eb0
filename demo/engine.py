"""The one recogniser every browser session shares, and where its weights come from.

Loading the network and the text encoder takes seconds and hundreds of megabytes, so the app
holds a single instance; a lock serialises scoring because sessions call it from several
worker threads at once.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from core.limits import MAX_LABELS  # noqa: F401 (the app's label count, imported from here by the tabs)

WEIGHTS_ENV = "SKELETONCONTEXT_WEIGHTS"


def weights_path(explicit: str | Path | None = None) -> Path | None:
    """The weights to load: an explicit path, else $SKELETONCONTEXT_WEIGHTS, else the default."""
    chosen = explicit or os.environ.get(WEIGHTS_ENV) or None
    return Path(chosen) if chosen else None


def share_cpu_with_pose() -> None:
    """Leave half the cores to the pose landmarker: on a 2-core machine two torch threads
    fighting MediaPipe for the CPU made one window take ~6x longer than one thread did."""
    import torch

    torch.set_num_threads(max(1, (os.cpu_count() or 2) // 2))


class SharedRecognizer:
    """A lazily loaded Recognizer whose label encoding and ranking are thread-safe.

    ``submit_encode`` and ``submit_rank`` work on one background worker so the live frames never
    wait for the text encoder or the network; a session shows the newest finished ranking.
    """

    def __init__(self, weights: str | Path | None = None, device: str | None = None) -> None:
        self.weights = weights_path(weights)
        self.device = device
        self._recognizer = None
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scoring")

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

    @property
    def policy(self):
        """The model's windowing policy (core.recognition.windows): window seconds, pose minimum."""
        return self.load().policy

    def rank(self, skeleton: np.ndarray, labels, times: np.ndarray | None = None):
        """One pooled ranking; ``times`` are the live frames' seconds (the window is cut by them)."""
        with self._lock:
            return self._loaded().rank(skeleton, labels, times=times)

    def window_scores(self, skeleton: np.ndarray, labels, fps: float, progress=None):
        with self._lock:
            return self._loaded().window_scores(skeleton, labels, fps, progress=progress)

    def submit_encode(self, labels: Sequence[str]) -> Future:
        """Encode labels in the background; the future gives the LabelSet."""
        return self._worker.submit(self.encode_labels, labels)

    def submit_rank(
        self, skeleton: np.ndarray | Callable[[], np.ndarray], labels, times: np.ndarray | None = None
    ) -> Future:
        """Rank in the background; the future gives ``(ranking, milliseconds spent)``.

        ``skeleton`` may be a function that builds it (the live window's lifting), so that work
        is done on the background worker too, not on the frame's thread.
        """

        def timed():
            tic = time.perf_counter()
            ranking = self.rank(skeleton() if callable(skeleton) else skeleton, labels, times=times)
            return ranking, (time.perf_counter() - tic) * 1000

        return self._worker.submit(timed)
