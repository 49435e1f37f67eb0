"""The shared recogniser's scoring worker: rankings waiting together are ranked in one batch,
each stream gets its own answer or its own error, and typed labels never hold rankings up."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from demo.landmark_streams import synthetic
from demo.pose_window import PoseWindow
from tests.e2e.support import small_recognizer


@pytest.fixture(scope="module")
def recognizer(tmp_path_factory):
    return small_recognizer(tmp_path_factory.mktemp("weights"))


def _window(offset: int) -> PoseWindow:
    stream = synthetic(seconds=3.0, fps=15.0)
    window = PoseWindow(2.0)
    for frame in range(25):
        window.add(frame / 15, stream.points[frame + offset, :1] * np.float32(stream.size), [0])
    return window


def test_waiting_rankings_are_batched_and_each_gets_its_own_result(recognizer):
    labels = recognizer.encode_labels(["squat", "walking"])
    windows = [_window(offset) for offset in range(6)]
    gate = threading.Event()

    def held():  # the first request holds the worker, so the others queue up behind it
        gate.wait(10)
        raise ValueError("this body could not be placed")

    ranked_before = recognizer.ranked
    first = recognizer.submit_rank(held, labels)
    futures = [recognizer.submit_rank(w.snapshot(), labels, times=w.times()) for w in windows]
    time.sleep(0.2)
    gate.set()
    with pytest.raises(ValueError, match="could not be placed"):
        first.result(timeout=30)
    results = [future.result(timeout=30) for future in futures]
    for (ranking, batch_ms), window in zip(results, windows):
        alone = recognizer.rank(window.snapshot()(), labels, times=window.times())
        assert [label for label, _ in ranking.entries] == [label for label, _ in alone.entries]
        assert batch_ms > 0
    assert len({batch_ms for _, batch_ms in results}) == 1  # the six waited together: one batch
    assert recognizer.ranked == ranked_before + len(windows)


def test_labels_being_encoded_do_not_hold_up_rankings(recognizer, monkeypatch):
    labels = recognizer.encode_labels(["squat", "walking"])
    loaded = recognizer.load()
    encode = loaded.encode_labels
    entered, release = threading.Event(), threading.Event()

    def slow_encode(names):
        entered.set()
        release.wait(10)
        return encode(names)

    monkeypatch.setattr(loaded, "encode_labels", slow_encode)
    pending = recognizer.submit_encode(["clapping"])
    assert entered.wait(10)
    window = _window(0)
    ranking, _ = recognizer.submit_rank(window.snapshot(), labels, times=window.times()).result(timeout=10)
    assert not pending.done() and {label for label, _ in ranking.entries} == {"squat", "walking"}
    release.set()
    assert pending.result(timeout=30).labels == ("clapping",)
