"""The shipped knowledge: label map, extra actions and styles agree with each other and the data."""

from __future__ import annotations

import json
import re
import tarfile
import warnings

import pytest

from core.knowledge.vocabulary import KNOWLEDGE_DIR, VocabularyWarning, load_vocabulary
from tests.conftest import require_data

SOURCES = {"nw-ucla", "kard", "msr-action3d", "utkinect", "cad-60", "bandai-namco"}
EXTRA = json.loads((KNOWLEDGE_DIR / "actions" / "extra.json").read_text())


@pytest.fixture(scope="module")
def vocabulary():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VocabularyWarning)
        return load_vocabulary()


def _swap_sides(text: str) -> str:
    return re.sub(r"\b(left|right)\b", lambda m: {"left": "right", "right": "left"}[m.group(1)], text)


def test_label_map_covers_every_source_and_excludes_only_cad_random(vocabulary) -> None:
    assert set(vocabulary.label_map) == SOURCES
    excluded = [(source, label) for source, labels in vocabulary.label_map.items()
                for label, target in labels.items() if target is None]
    assert excluded == [("cad-60", "random")]
    assert vocabulary.canonical("kard", "two hand wave") == vocabulary.canonical("utkinect", "waveHands")


def test_every_mapped_action_has_knowledge_and_extra_holds_exactly_the_non_ntu_ones(vocabulary) -> None:
    assert vocabulary.missing_targets() == []
    mapped = set(vocabulary.action_sources())
    non_ntu = {name for name in mapped if vocabulary.actions[name].ntu_id is None}
    assert {entry["name"] for entry in EXTRA} == non_ntu
    assert len(mapped) - len(non_ntu) == 18  # the NTU-named targets listed in the contract


def test_mapped_ntu_names_are_real_ntu120_class_names(vocabulary) -> None:
    names = require_data("ntu", "ntu120_class_names.txt").read_text().splitlines()
    for action in map(vocabulary.actions.get, vocabulary.action_sources()):
        if action.ntu_id is not None:
            assert names[action.ntu_id - 1] == action.name


def test_whole_vocabulary_has_no_ambiguous_alias(vocabulary) -> None:
    assert vocabulary.alias_conflicts == []


def test_no_description_sentence_is_shared_between_actions(vocabulary) -> None:
    """A sentence shared by two actions gives both the same prototype and blurs them."""
    owners: dict[str, list[str]] = {}
    for action in vocabulary.actions.values():
        for sentence in set(action.descriptions):
            owners.setdefault(sentence, []).append(action.name)
    assert {sentence: names for sentence, names in owners.items() if len(names) > 1} == {}


def test_left_right_twins_mirror_each_other_word_for_word(vocabulary) -> None:
    twins = {name: vocabulary.mirror_twin(name) for name in vocabulary.action_sources()}
    twins = {name: twin for name, twin in twins.items() if twin}
    assert set(twins) >= {"wave left hand", "raise right hand", "walk sideways to the left",
                          "walk and turn right"}
    for name, twin in twins.items():
        action, mirrored = vocabulary.actions[name], vocabulary.actions[twin]
        assert [_swap_sides(s) for s in action.descriptions] == mirrored.descriptions, name
        assert action.parts == mirrored.parts


@pytest.fixture(scope="module")
def bandai_cfg() -> dict[str, list[str]]:
    """cfg/*_label.txt lines of both Bandai-Namco sets, read from the archive."""
    lines: dict[str, list[str]] = {"content": [], "style": []}
    with tarfile.open(require_data("raw", "bandai-namco.tar.xz")) as archive:
        for member in archive:
            kind = member.name.rsplit("/", 1)[-1].removesuffix("_label.txt")
            if kind in lines:
                text = archive.extractfile(member).read().decode()
                lines[kind] += [line.split("_", 1)[1] for line in text.split() if line]
    return lines


def test_bandai_contents_are_the_label_map_keys(vocabulary, bandai_cfg) -> None:
    assert set(bandai_cfg["content"]) == set(vocabulary.label_map["bandai-namco"])


def test_every_bandai_style_gives_a_caption(vocabulary, bandai_cfg) -> None:
    for style in bandai_cfg["style"]:
        caption = vocabulary.caption("walking", style)
        assert caption.startswith("walking")
        assert (caption == "walking") == (style == "normal"), style
