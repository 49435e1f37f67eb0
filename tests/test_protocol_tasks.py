"""The source tasks: the shipped task without one source, and one source's actions left out entirely."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from core.protocol.tasks import corpus_task, split_folder


@dataclass
class Info:
    source: str
    subject: str
    action: str
    fps: float = 30.0


class Corpus:
    def __init__(self, index: list[Info]) -> None:
        self.index = index

    def sequence(self, i: int) -> np.ndarray:
        return np.full((4, 25, 3), float(i), np.float32)


CORPUS = Corpus([
    Info("kard", "s01", "walking"), Info("kard", "s02", "clapping"), Info("jhmdb", "train", "walking"),
    Info("jhmdb", "test", "walking"), Info("jhmdb", "train", "pour"), Info("utd-mhad", "s1", "throw"),
])


def _ids(clips) -> list[int]:
    return [int(sequence[0, 0, 0]) for sequence in clips.sequences]


def test_all_except_a_source_trains_everything_else_and_keeps_the_official_test_halves_apart():
    task = corpus_task(CORPUS, "all-except:utd-mhad")
    assert task.train_actions == ["clapping", "pour", "walking"] and task.unseen_actions == []
    assert _ids(task.subset("train")) == [0, 1, 2, 4] and _ids(task.subset("test_seen")) == [3]
    assert task.subset("train").sources == ["kard", "kard", "jhmdb", "jhmdb"]  # what training weighs draws by
    assert split_folder("all-except:utd-mhad") == "all-except-utd-mhad"


def test_leaving_a_source_out_makes_all_its_actions_unseen_from_every_source():
    task = corpus_task(CORPUS, "leave-out:jhmdb")
    assert task.unseen_actions == ["pour", "walking"]
    assert task.train_actions == ["clapping", "throw"]  # kard's walking is not trained either
    assert _ids(task.subset("train")) == [1, 5] and _ids(task.subset("test_unseen")) == [2, 3, 4]
    assert task.subset("train").sources == ["kard", "utd-mhad"]


def test_an_unknown_source_is_named():
    with pytest.raises(ValueError, match="no source 'penn'"):
        corpus_task(CORPUS, "leave-out:penn")
