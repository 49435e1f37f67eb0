"""The one recogniser every browser session shares, and where its weights come from.

Loading the network and the text encoder takes seconds and hundreds of megabytes, so the app
holds a single instance; locks serialise the network and the text encoder because sessions call
them from several worker threads at once.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
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


MAX_BATCH = 32  # live windows ranked in one pass of the network, at most


@dataclass
class _RankRequest:
    skeleton: np.ndarray | Callable[[], np.ndarray]
    labels: object  # a LabelSet
    times: np.ndarray | None
    future: Future


class SharedRecognizer:
    """A lazily loaded Recognizer whose label encoding and ranking are thread-safe.

    Live streams never wait for the text encoder or the network: ``submit_encode`` runs on a
    label worker and ``submit_rank`` on the scoring worker, which takes every ranking waiting when
    it is free and ranks them in one batch (many browser streams at once cost far less so than
    one by one). Typed labels being encoded never hold up rankings: the text encoder and the
    network each have their own lock.
    """

    def __init__(self, weights: str | Path | None = None, device: str | None = None) -> None:
        self.weights = weights_path(weights)
        self.device = device
        self._recognizer = None
        self._load_lock = threading.Lock()
        self._text_lock = threading.Lock()  # the text encoder and the label cache
        self._model_lock = threading.Lock()  # the skeleton network
        self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="labels")
        self._requests: queue.SimpleQueue[_RankRequest] = queue.SimpleQueue()
        self._scorer: threading.Thread | None = None
        self._scorer_lock = threading.Lock()
        self.ranked = 0  # live rankings done, and the scoring worker's busy seconds (the soak's figures)
        self.busy_s = 0.0

    def load(self):
        """Load the recogniser now (the app calls this before serving, to fail early)."""
        with self._load_lock:
            if self._recognizer is None:
                from core.recognition.recognizer import Recognizer

                self._recognizer = Recognizer.load(self.weights, device=self.device)
            return self._recognizer

    def encode_labels(self, labels: Sequence[str]):
        recognizer = self.load()
        with self._text_lock:
            return recognizer.encode_labels(list(labels))

    @property
    def policy(self):
        """The model's windowing policy (core.recognition.windows): window seconds, pose minimum."""
        return self.load().policy

    def rank(self, skeleton: np.ndarray, labels, times: np.ndarray | None = None):
        """One pooled ranking of a LabelSet; ``times`` are the live frames' seconds (the window is cut by them)."""
        recognizer = self.load()
        with self._model_lock:
            return recognizer.rank(skeleton, labels, times=times)

    def window_scores(self, skeleton: np.ndarray, labels, fps: float, progress=None):
        recognizer = self.load()
        with self._model_lock:
            return recognizer.window_scores(skeleton, labels, fps, progress=progress)

    def submit_encode(self, labels: Sequence[str]) -> Future:
        """Encode labels in the background; the future gives the LabelSet."""
        return self._encoder.submit(self.encode_labels, labels)

    def submit_rank(
        self, skeleton: np.ndarray | Callable[[], np.ndarray], labels, times: np.ndarray | None = None
    ) -> Future:
        """Rank in the background; the future gives ``(ranking, milliseconds its batch took)``.

        ``skeleton`` may be a function that builds it (the live window's lifting), so that work
        is done on the background worker too, not on the frame's thread.
        """
        future: Future = Future()
        self._requests.put(_RankRequest(skeleton, labels, times, future))
        with self._scorer_lock:
            if self._scorer is None:
                self._scorer = threading.Thread(target=self._score_forever, daemon=True, name="scoring")
                self._scorer.start()
        return future

    def _score_forever(self) -> None:
        while True:
            batch = [self._requests.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._requests.get_nowait())
                except queue.Empty:
                    break
            self._rank_batch(batch)

    def _rank_batch(self, batch: list[_RankRequest]) -> None:
        tic = time.perf_counter()
        clips, futures = [], []
        for request in batch:
            if not request.future.set_running_or_notify_cancel():
                continue
            try:
                skeleton = request.skeleton() if callable(request.skeleton) else request.skeleton
            except Exception as error:  # a body the lifter cannot place: that stream's error alone
                request.future.set_exception(error)
                continue
            clips.append((skeleton, request.labels, request.times))
            futures.append(request.future)
        try:
            recognizer = self.load()
            with self._model_lock:
                results = recognizer.rank_latest(clips) if clips else []
        except Exception as error:  # noqa: BLE001 (every waiting stream hears of it; the worker lives on)
            results = [error] * len(futures)
        spent_s = time.perf_counter() - tic
        self.ranked += len(futures)
        self.busy_s += spent_s
        for future, result in zip(futures, results):
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result((result, spent_s * 1000))
