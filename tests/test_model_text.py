"""MiniLM text encoder: normalised sentence embeddings, on-disk cache, prompt token states."""

from __future__ import annotations

import numpy as np
import pytest

from core.model.text import TextEncoder


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("text-cache")


def test_encode_is_normalised_and_semantic(cache) -> None:
    encoder = TextEncoder(cache_dir=cache)
    vectors = encoder.encode(["a person drinks water.", "someone drinks from a glass.", "a person kicks a ball."])
    assert encoder.dimension == 384  # read from the model's config, so another encoder can be measured
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_cached_sentences_do_not_load_the_network(cache) -> None:
    first = TextEncoder(cache_dir=cache).encode(["a person waves."])
    again = TextEncoder(cache_dir=cache)
    assert np.array_equal(again.encode(["a person waves."]), first)
    assert again._model is None


def test_token_states_cover_every_token_including_masks(cache) -> None:
    encoder = TextEncoder(cache_dir=cache)
    (ids, states), = encoder.token_states(["Environment: [MASK] | Target object: cup"])
    assert states.shape == (len(ids), 384)
    assert list(ids).count(encoder.mask_token_id) == 1
    assert encoder.token_ids("water bottle") == encoder.tokenizer.convert_tokens_to_ids(["water", "bottle"])


def test_missing_model_is_reported(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="no text encoder model"):
        TextEncoder(model_path=tmp_path)


def test_shipped_sentence_table_covers_the_knowledge_and_matches_minilm(cache) -> None:
    from core.knowledge.sentence_table import SENTENCE_TABLE, knowledge_sentences
    from core.knowledge.vocabulary import load_vocabulary
    from core.model.text import load_sentence_table

    encoder = TextEncoder(cache_dir=cache)
    table = load_sentence_table(SENTENCE_TABLE, encoder.stamp)
    missing = sorted(set(knowledge_sentences(load_vocabulary())) - set(table))
    assert not missing, (f"{len(missing)} knowledge sentences are not in the shipped table, e.g. {missing[:2]}; "
                         "rebuild it with: python -m core.knowledge.sentence_table")
    sample = sorted(table)[::300]
    fresh = TextEncoder(cache_dir=cache / "fresh").encode(sample)
    assert np.abs(fresh - np.stack([table[s] for s in sample])).max() < 2e-3


def test_table_sentences_skip_the_network_and_others_still_encode(cache, tmp_path) -> None:
    from core.model.text import save_sentence_table

    stamp = TextEncoder(cache_dir=cache).stamp
    vector = np.zeros((1, 384), dtype=np.float32)
    vector[0, 0] = 1.0
    save_sentence_table(tmp_path / "table.safetensors", ["a known sentence."], vector, stamp)
    encoder = TextEncoder(cache_dir=tmp_path / "cache", sentence_table=tmp_path / "table.safetensors")
    assert np.array_equal(encoder.encode(["a known sentence."]), vector)
    assert encoder._model is None
    assert encoder.encode(["a person waves."])[0] @ vector[0] < 0.99


@pytest.mark.parametrize("damage", ["truncated", "foreign encoder"])
def test_a_damaged_or_foreign_table_is_ignored_with_a_warning(cache, tmp_path, damage) -> None:
    from core.model.text import save_sentence_table

    path = tmp_path / "table.safetensors"
    stamp = TextEncoder(cache_dir=cache).stamp
    vector = np.eye(384, dtype=np.float32)[:1]
    save_sentence_table(path, ["a person waves."], vector, stamp if damage == "truncated" else "another-model-1")
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    encoder = TextEncoder(cache_dir=cache, sentence_table=path)
    with pytest.warns(UserWarning, match="ignoring the sentence table"):
        encoded = encoder.encode(["a person waves."])
    assert not np.array_equal(encoded, vector)
