"""The Recognizer API on a tiny randomly initialised model and the real MiniLM encoder."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from core.model.checkpoint import CheckpointError, save_checkpoint
from core.model.network import ModelConfig, SkeletonContext
from core.model.prototypes import NAME_TEMPLATES
from core.model.shiftgcn import BackboneConfig
from core.model.text import TextEncoder
from core.recognition.labels import LabelError
from core.recognition.recognizer import LabelSet, Ranking, Recognizer
from core.recognition.validation import SkeletonInputError

TINY = ModelConfig(backbone=BackboneConfig(channels=(8, 8, 8, 8, 16, 16, 16, 16, 16, 16)), window=16, kpd_hidden=8)
LABELS = ["drink water", "clapping", "juggle three balls"]


class CountingEncoder:
    """The real encoder, counting the sentences it is asked for."""

    def __init__(self, encoder: TextEncoder) -> None:
        self.encoder = encoder
        self.requested: list[str] = []

    def encode(self, sentences: list[str]) -> np.ndarray:
        self.requested += sentences
        return self.encoder.encode(sentences)


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    save_checkpoint(path, SkeletonContext(TINY), {"note": "random tiny test model"})
    return path


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    return TextEncoder(cache_dir=tmp_path_factory.mktemp("text-cache"))


@pytest.fixture()
def recognizer(weights, encoder):
    loaded = Recognizer.load(weights, device="cpu")
    loaded._text_encoder = CountingEncoder(encoder)
    return loaded


def moving_clip(frames: int, bodies: int | None = None, seed: int = 0) -> np.ndarray:
    """A rough body a few metres from the camera, swaying smoothly."""
    rng = np.random.default_rng(seed)
    base = rng.normal(0.0, 0.3, size=(25, 3)) + np.array([0.0, 0.0, 3.0])
    wave = 0.1 * np.sin(np.linspace(0, 6, frames))[:, None, None] * rng.normal(size=(1, 25, 3))
    clip = (base[None] + wave).astype(np.float32)
    return clip if bodies is None else np.stack([clip] * bodies)


def _check_ranking(ranking: Ranking, labels: list[str]) -> None:
    assert sorted(label for label, _ in ranking.entries) == sorted(labels)
    scores = [score for _, score in ranking.entries]
    assert scores == sorted(scores, reverse=True)
    assert sum(scores) == pytest.approx(1.0, abs=1e-5)
    assert ranking.joint_importance.shape == (25,)
    assert ranking.joint_importance.sum() == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("frames", [1, 2, 16, 301])
def test_rank_accepts_any_length(recognizer, frames):
    _check_ranking(recognizer.rank(moving_clip(frames), LABELS), LABELS)


def test_rank_accepts_several_bodies(recognizer):
    two = moving_clip(20, bodies=2)
    two[1, 10:] = 0.0  # the second person leaves half-way
    _check_ranking(recognizer.rank(two, LABELS), LABELS)
    _check_ranking(recognizer.rank(moving_clip(20, bodies=3), LABELS), LABELS)


def test_an_empty_first_body_slot_does_not_change_the_ranking(recognizer):
    alone = recognizer.rank(moving_clip(20), LABELS)
    behind_empty_slot = recognizer.rank(np.stack([np.zeros((20, 25, 3), np.float32), moving_clip(20)]), LABELS)
    assert [label for label, _ in alone.entries] == [label for label, _ in behind_empty_slot.entries]
    np.testing.assert_allclose([s for _, s in alone.entries], [s for _, s in behind_empty_slot.entries], rtol=1e-5)


def test_rank_is_deterministic_and_label_sets_match_label_lists(recognizer):
    label_set = recognizer.encode_labels(LABELS)
    assert isinstance(label_set, LabelSet) and label_set.labels == tuple(LABELS)
    first = recognizer.rank(moving_clip(30), label_set)
    second = recognizer.rank(moving_clip(30), LABELS)
    assert [label for label, _ in first.entries] == [label for label, _ in second.entries]
    np.testing.assert_allclose([s for _, s in first.entries], [s for _, s in second.entries], rtol=1e-5)


def test_rank_many_batches_clips_of_any_length_like_rank_does(recognizer):
    labels = ["drink water", "clapping", "jump up"]
    clips = [moving_clip(frames, seed=seed) for seed, frames in enumerate((1, 40, 200, 7, 64))]
    batched = recognizer.rank_many(clips, labels, batch_size=2)
    assert len(batched) == len(clips)
    for clip, ranking in zip(clips, batched):
        alone = dict(recognizer.rank(clip, labels).entries)
        assert all(abs(probability - alone[label]) < 1e-5 for label, probability in ranking.entries)


def test_labels_are_encoded_once_and_known_actions_bring_their_descriptions(recognizer):
    recognizer.encode_labels(["drink water", "juggle three balls"])
    drink = recognizer.vocabulary.get("drink water")
    requested = set(recognizer.text_encoder.requested)
    assert set(drink.spatial) | set(drink.temporal) <= requested
    assert not any("juggle" in s for s in drink.descriptions)
    count = len(recognizer.text_encoder.requested)
    label_set = recognizer.encode_labels(["Juggle three balls", "drink water"])
    assert len(recognizer.text_encoder.requested) == count  # served from the per-label cache
    assert label_set.labels == ("Juggle three balls", "drink water")
    known_prototypes = int(label_set.classes.spatial_valid[1].sum())
    unknown_prototypes = int(label_set.classes.spatial_valid[0].sum())
    assert known_prototypes == unknown_prototypes + len(drink.spatial)


def test_labels_get_as_many_name_templates_as_the_model_trained_with(tmp_path, encoder):
    path = tmp_path / "one-template.safetensors"
    save_checkpoint(path, SkeletonContext(replace(TINY, name_templates=1)), {"note": "trained with one name template"})
    one = Recognizer.load(path, device="cpu")
    one._text_encoder = encoder
    label_set = one.encode_labels(["drink water", "juggle three balls"])
    drink = one.vocabulary.get("drink water")
    assert label_set.classes.spatial_valid.sum(1).tolist() == [1 + len(drink.spatial), len(NAME_TEMPLATES)]


def test_the_label_cache_is_bounded_and_forgets_the_least_recently_used(recognizer, monkeypatch):
    monkeypatch.setattr("core.recognition.recognizer.MAX_CACHED_LABELS", 2)
    recognizer.encode_labels(["clapping", "sit down"])
    recognizer.encode_labels(["clapping"])
    count = len(recognizer.text_encoder.requested)
    recognizer.encode_labels(["stand up"])  # evicts "sit down", the least recently used
    count = len(recognizer.text_encoder.requested)
    recognizer.encode_labels(["clapping", "stand up"])
    assert len(recognizer.text_encoder.requested) == count
    recognizer.encode_labels(["sit down"])
    assert any("sit down" in s for s in recognizer.text_encoder.requested[count:])


def test_ranking_top_and_rank_of(recognizer):
    ranking = recognizer.rank(moving_clip(10), LABELS)
    assert ranking.top(2) == ranking.entries[:2]
    assert ranking.rank_of(ranking.entries[2][0].upper()) == 3
    with pytest.raises(KeyError, match="not among"):
        ranking.rank_of("sneeze")


def test_single_label_gets_all_the_probability(recognizer):
    (entry,) = recognizer.rank(moving_clip(8), ["clapping"]).entries
    assert entry == ("clapping", pytest.approx(1.0))


@pytest.mark.parametrize(
    "labels, message",
    [([], "no labels"), (["  ", ""], "no labels"), (["wave", "Wave"], "duplicate label 'Wave'")],
)
def test_bad_label_lists_are_refused(recognizer, labels, message):
    with pytest.raises(LabelError, match=message):
        recognizer.encode_labels(labels)


@pytest.mark.parametrize(
    "skeleton, message",
    [
        (np.zeros((0, 25, 3), np.float32), "0 frames"),
        (np.zeros((10, 25, 2), np.float32), "expected shape"),
        (np.full((4, 25, 3), np.nan, np.float32), "NaN"),
        (np.zeros((4, 25, 3), np.float32), "no body"),
    ],
)
def test_bad_skeletons_are_refused(recognizer, skeleton, message):
    with pytest.raises(SkeletonInputError, match=message):
        recognizer.rank(skeleton, LABELS)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without a GPU")
def test_unavailable_or_unknown_devices_are_refused(weights):
    with pytest.raises(ValueError, match="no usable CUDA GPU"):
        Recognizer.load(weights, device="cuda")
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        Recognizer.load(weights, device="gpu")


def test_missing_and_damaged_weights_are_reported(tmp_path, weights):
    with pytest.raises(FileNotFoundError, match="model weights not found"):
        Recognizer.load(tmp_path / "absent.safetensors")
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(CheckpointError):
        Recognizer.load(damaged, device="cpu")


def test_benchmark_runs_and_prints_every_figure(capsys, weights):
    from core.recognition.bench import main as bench

    assert bench(["--weights", str(weights), "--no-text", "--repeats", "3"]) == 0
    out = capsys.readouterr().out
    for expected in ("CPU latency, one 64-frame clip", "rank() end to end,  10 labels", "120 labels",
                     "network forward", "backbone block 10", "peak memory (RSS)"):
        assert expected in out
    assert "GPU" in out
