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
    with pytest.raises(FileNotFoundError, match="no MiniLM model"):
        TextEncoder(model_path=tmp_path)
