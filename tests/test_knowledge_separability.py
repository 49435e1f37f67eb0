"""The separability report on a toy vocabulary with a bag-of-words stand-in for the encoder."""

from __future__ import annotations

import re

import numpy as np

from core.knowledge.separability import closest_pairs, name_retrieval
from core.knowledge.vocabulary import Action, Vocabulary

WORDS = ["kick", "leg", "foot", "wave", "hand", "arm", "jump", "up", "air", "a", "person"]


def _bag_of_words(sentences: list[str]) -> np.ndarray:
    vectors = np.array([[re.findall(r"\w+", s.lower()).count(w) for w in WORDS] for s in sentences], float)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


def _action(name: str, sentences: list[str]) -> Action:
    return Action(name, None, [], sentences[:3], sentences[3:], [("none", "none", "none")] * 3, ["arms"])


def _vocabulary() -> Vocabulary:
    return Vocabulary([
        _action("kick", ["leg kick", "foot kick", "leg foot", "kick leg", "foot", "kick"]),
        _action("wave", ["hand wave", "arm wave", "hand arm", "wave hand", "arm", "wave"]),
        _action("jump", ["jump up", "up air", "leg up", "jump air", "jump", "up"]),
    ], {}, {})


def test_names_retrieve_their_own_descriptions() -> None:
    accuracy, misses = name_retrieval(_vocabulary(), ["jump", "kick", "wave"], _bag_of_words)
    assert accuracy == 1.0 and misses == []


def test_descriptions_that_talk_about_another_action_steal_its_name() -> None:
    vocabulary = _vocabulary()
    vocabulary.actions["jump"] = _action("jump", ["leg kick", "foot kick", "kick", "kick leg", "foot", "leg"])
    accuracy, misses = name_retrieval(vocabulary, ["jump", "kick", "wave"], _bag_of_words)
    assert misses == [("kick", "jump")] and np.isclose(accuracy, 2 / 3)


def test_closest_pairs_rank_shared_body_parts_first() -> None:
    pairs = closest_pairs(_vocabulary(), ["jump", "kick", "wave"], _bag_of_words, 3)
    assert [(a, b) for _, a, b in pairs][0] == ("jump", "kick")  # both talk about legs
    assert pairs[0][0] >= pairs[1][0] >= pairs[2][0]


def test_the_report_measures_minilm_and_says_how_fast(capsys) -> None:
    from core.knowledge.separability import main

    assert main(["--pairs", "2"]) == 0
    out = capsys.readouterr().out
    assert "(384 dimensions)" in out and "ms each, no cache" in out
    assert "name -> own descriptions (top-3 mean) top-1:" in out
