"""Two-person samples (SBU) through the parse cache, the corpus build and the loader."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.data import build as build_module
from core.data.build import build_corpus, compact
from core.data.corpus import CorpusError, load_corpus
from core.data.packing import pack, unpack
from core.data.sample import Sample
from core.data.source_cache import read_cached
from core.data import sbu

from tests.test_corpus_build import _kard_text, _write_archive
from tests.test_readers_kinect_formats import _sbu_text, _two_people

SBU_MEMBER = "sbu/s01s03/05/001/skeleton_pos.txt"


class _EveryLabelIsAnAction:
    """Stands in for the label map, which may not list the new sources' labels yet."""

    def canonical(self, source: str, label: str) -> str:
        return label


@pytest.fixture
def two_source_data(tmp_path, monkeypatch):
    """A KARD take (one body) and an SBU clip of 40 frames (two bodies) as small archives."""
    monkeypatch.setattr(build_module, "load_vocabulary", _EveryLabelIsAnAction)
    data = tmp_path / "data"
    _write_archive(data / "raw" / "kard.tar.xz", {"kard_realworld/a02_s01_e01_realworld.txt": _kard_text(8)})
    _write_archive(data / "raw" / "sbu.tar.xz", {SBU_MEMBER: _sbu_text(_two_people(40))})
    return data


def test_two_body_sample_round_trips_through_cache_build_and_load(two_source_data, tmp_path):
    read = read_cached(two_source_data / "raw" / "sbu.tar.xz", sbu, tmp_path / "cache")
    again = read_cached(two_source_data / "raw" / "sbu.tar.xz", sbu, tmp_path / "cache")  # from the cache
    assert again.samples[0].joints.shape == (2, 40, 25, 3)
    assert np.allclose(again.samples[0].joints, read.samples[0].joints, atol=1e-3)

    build_corpus(two_source_data, tmp_path / "corpus", cache=tmp_path / "cache")
    corpus = load_corpus(tmp_path / "corpus")
    by_source = {info.source: i for i, info in enumerate(corpus.index)}
    pair, single = by_source["sbu"], by_source["kard"]
    assert (corpus.index[pair].bodies, corpus.index[pair].length) == (2, 40)
    assert corpus.index[single].bodies == 1 and corpus.sequence(single).shape == (4, 25, 3)  # 30 fps thinned
    stored = corpus.sequence(pair)
    assert stored.shape == (2, 40, 25, 3)
    assert np.allclose(stored, read.samples[0].joints, atol=1e-3)  # whole millimetres
    assert not np.allclose(stored[0], stored[1])  # two different people, in their own slots


def test_old_or_mismatched_corpus_asks_for_a_rebuild(two_source_data, tmp_path):
    build_corpus(two_source_data, tmp_path / "corpus", cache=tmp_path / "cache")
    index_path = tmp_path / "corpus" / "index.json"
    content = json.loads(index_path.read_text())
    for sample in content["samples"]:
        sample["bodies"] = 1  # a two-body sample read back as one body no longer fits
    index_path.write_text(json.dumps(content))
    with pytest.raises(CorpusError, match="does not match"):
        load_corpus(tmp_path / "corpus")
    content["format"] = 1
    index_path.write_text(json.dumps(content))
    with pytest.raises(CorpusError, match="rebuild the corpus"):
        load_corpus(tmp_path / "corpus")


def test_compact_thins_and_cuts_both_bodies_alike():
    joints = np.random.default_rng(0).normal(size=(2, 30 * 45, 25, 3)).astype(np.float32)
    pieces = compact(Sample("sbu", "s01s03", "hugging", "long", 30.0, joints))
    assert len(pieces) == 3 and all(part.shape[0] == 2 for _, _, part in pieces)
    assert sum(part.shape[1] for _, _, part in pieces) == 15 * 45
    assert np.array_equal(pieces[0][2][1, 1], joints[1, 2])  # every second frame, per body


def test_pack_keeps_bodies_apart():
    one = np.zeros((3, 25, 3), dtype=np.float32)
    two = np.stack([np.full((5, 25, 3), 0.5), np.full((5, 25, 3), -1.25)]).astype(np.float32)
    steps, offsets = pack([one, two])
    assert list(offsets) == [0, 3, 13]
    assert unpack(steps, offsets, 0).shape == (3, 25, 3)
    assert np.allclose(unpack(steps, offsets, 1, bodies=2), two)
    with pytest.raises(ValueError, match="multiple of 3 bodies"):
        unpack(steps, offsets, 1, bodies=3)


def test_sample_refuses_three_bodies():
    with pytest.raises(ValueError, match=r"\(2, T, 25, 3\)"):
        Sample("sbu", "s", "l", "n", 15.0, np.zeros((3, 4, 25, 3), dtype=np.float32))


def test_training_windows_of_a_two_body_sample_hold_both_people(two_source_data, tmp_path):
    from core.recognition.windows import WindowPolicy
    from core.training.data import TrainWindows
    from core.protocol.tasks import corpus_task

    build_corpus(two_source_data, tmp_path / "corpus", cache=tmp_path / "cache")
    task = corpus_task(load_corpus(tmp_path / "corpus"), "all")
    clips = task.subset("train")
    windows = TrainWindows(clips, task.train_actions, WindowPolicy(2.0, 16), seed=0)
    by_action = {action: windows[i][0].numpy() for i, action in enumerate(clips.actions)}
    pair, single = by_action["shaking hands"], by_action["high arm wave"]
    assert pair.shape == single.shape == (2, 16, 25, 3)
    assert np.abs(pair[1]).sum() > 0 and np.abs(single[1]).sum() == 0  # second slot: partner / empty


def test_montage_draws_a_two_body_sample(two_source_data, tmp_path):
    from core.data.montage import pick_samples, render_montage

    build_corpus(two_source_data, tmp_path / "corpus", cache=tmp_path / "cache")
    corpus = load_corpus(tmp_path / "corpus")
    assert sorted(corpus.index[i].label for i in pick_samples(corpus)) == ["high arm wave", "shaking hands"]
    assert render_montage(corpus, tmp_path / "montage.png").read_bytes()[:4] == b"\x89PNG"
