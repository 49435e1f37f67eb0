"""The vocabulary loader: schema errors name the place, lookups forgive spelling, merging works."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from core.knowledge.schema import VocabularyError
from core.knowledge.vocabulary import (
    Action,
    UnknownLabelError,
    VocabularyWarning,
    load_vocabulary,
    normalize_label,
)

ENTRY = {
    "name": "draw x",
    "ntu_id": None,
    "aliases": ["draw a cross", "x"],
    "descriptions": {
        "spatial": ["The right hand traces two crossing lines.", "The arm moves at chest height.",
                    "The legs stay still."],
        "temporal": ["It starts with the hand raised.", "Two diagonal strokes follow.",
                     "It ends with the hand lowered."],
    },
    "context": [["office", "none", "none"], ["classroom", "marker", "whiteboard"],
                ["home", "none", "air"]],
    "parts": ["hands", "arms"],
}
LABEL_MAP = {"kard": {"draw x": "draw x", "drink": "drink water"}, "cad-60": {"random": None}}
DRAW_ONLY_MAP = {"kard": {"draw x": "draw x"}}


def _entry(**changes: object) -> dict:
    entry = copy.deepcopy(ENTRY)
    entry.update(changes)
    return entry


def _write_knowledge(root: Path, files: dict[str, list[dict]], label_map: dict | None = None) -> Path:
    (root / "actions").mkdir(parents=True)
    for name, entries in files.items():
        (root / "actions" / name).write_text(json.dumps(entries))
    (root / "label_map.json").write_text(json.dumps(label_map or LABEL_MAP))
    (root / "styles.json").write_text(json.dumps({"tired": "in a tired way", "normal": ""}))
    return root


def _load_quietly(root: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VocabularyWarning)
        return load_vocabulary(root)


def test_lookup_by_name_or_alias_forgives_case_hyphens_and_underscores(tmp_path: Path) -> None:
    vocabulary = _load_quietly(_write_knowledge(tmp_path, {"extra.json": [ENTRY]}))
    for typed in ("draw x", "Draw X", "draw-x", "  draw_x ", "DRAW  A  CROSS", "draw-a-cross."):
        action = vocabulary.get(typed)
        assert action is not None and action.name == "draw x", typed
    assert vocabulary.get("draw y") is None


def test_name_of_gives_the_canonical_name_or_the_label_it_does_not_know(tmp_path: Path) -> None:
    vocabulary = _load_quietly(_write_knowledge(tmp_path, {"extra.json": [ENTRY]}))
    assert vocabulary.name_of("Draw a cross") == "draw x"
    assert vocabulary.name_of("juggle three balls") == "juggle three balls"


def test_action_fields_follow_the_contract(tmp_path: Path) -> None:
    action = _load_quietly(_write_knowledge(tmp_path, {"extra.json": [ENTRY]})).actions["draw x"]
    assert isinstance(action, Action)
    assert action.descriptions == ENTRY["descriptions"]["spatial"] + ENTRY["descriptions"]["temporal"]
    assert action.context[1] == ("classroom", "marker", "whiteboard")
    mask = action.part_mask
    assert mask.shape == (25,) and np.isclose(mask.sum(), 1.0)
    assert mask[3] == 0 and mask[11] > 0  # head excluded, right hand included


def test_missing_or_partial_ntu_file_warns_but_loads(tmp_path: Path) -> None:
    with pytest.warns(VocabularyWarning, match="ntu120.json is absent"):
        vocabulary = load_vocabulary(_write_knowledge(tmp_path / "a", {"extra.json": [ENTRY]},
                                                      DRAW_ONLY_MAP))
    assert list(vocabulary.actions) == ["draw x"]
    drink = _entry(name="drink water", ntu_id=1, aliases=[])
    with pytest.warns(VocabularyWarning, match="only 1 of the 120"):
        vocabulary = load_vocabulary(_write_knowledge(tmp_path / "b", {"extra.json": [ENTRY],
                                                                       "ntu120.json": [drink]}))
    assert vocabulary.get("drink water").ntu_id == 1
    assert vocabulary.missing_targets() == []


@pytest.mark.filterwarnings("ignore:.*ntu120.json is absent")
def test_missing_knowledge_for_a_mapped_action_is_reported(tmp_path: Path) -> None:
    with pytest.warns(VocabularyWarning, match="drink water"):
        vocabulary = load_vocabulary(_write_knowledge(tmp_path, {"extra.json": [ENTRY]}))
    assert vocabulary.missing_targets() == ["drink water"]


@pytest.mark.parametrize(("change", "message"), [
    ({"parts": ["hands", "tail"]}, r"'draw x'\): parts has unknown body parts \['tail'\]"),
    ({"parts": []}, r"'draw x'\): parts must be a non-empty list"),
    ({"context": [["office", "none", "none"]]}, r"'draw x'\): context must be a list of at least 3"),
    ({"context": [["office", "none"]] * 3}, r"context\[0\] must be \[environment"),
    ({"context": [["big open office", "none", "none"]] * 3}, r"context\[0\] environment must be 1-2 words"),
    ({"context": [["Office", "none", "none"]] * 3}, r"context\[0\] environment must be lowercase"),
    ({"descriptions": {"spatial": ["a", "b", "c"], "temporal": ["a"]}},
     r"descriptions.temporal must be a list of at least 3"),
    ({"descriptions": {"spatial": ["a", "b", "c"]}}, r"exactly the keys 'spatial' and 'temporal'"),
    ({"ntu_id": 0}, r"ntu_id must be null or an integer 1..120"),
    ({"ntu_id": True}, r"ntu_id must be null"),
    ({"name": "Draw X"}, r"name must be lowercase"),
    ({"aliases": "draw a cross"}, r"aliases must be a list"),
    ({"colour": "red"}, r"unknown fields \['colour'\]"),
])
def test_schema_errors_name_the_file_action_and_field(tmp_path: Path, change: dict, message: str) -> None:
    root = _write_knowledge(tmp_path, {"extra.json": [_entry(**change)]})
    with pytest.raises(VocabularyError, match=message) as error:
        _load_quietly(root)
    assert "extra.json entry 0" in str(error.value)


def test_missing_field_and_duplicates_are_errors(tmp_path: Path) -> None:
    no_parts = _entry()
    del no_parts["parts"]
    with pytest.raises(VocabularyError, match=r"missing fields \['parts'\]"):
        _load_quietly(_write_knowledge(tmp_path / "a", {"extra.json": [no_parts]}))
    with pytest.raises(VocabularyError, match="'draw x' appears twice"):
        _load_quietly(_write_knowledge(tmp_path / "b", {"extra.json": [ENTRY, ENTRY]}))
    with pytest.raises(VocabularyError, match="more than one file"):
        _load_quietly(_write_knowledge(tmp_path / "c", {"extra.json": [ENTRY], "ntu120.json": [ENTRY]}))


def test_invalid_json_says_where(tmp_path: Path) -> None:
    root = _write_knowledge(tmp_path, {"extra.json": [ENTRY]})
    (root / "actions" / "ntu120.json").write_text('[{"name": "drink water",\n')
    with pytest.raises(VocabularyError, match=r"ntu120.json: invalid JSON at line 2"):
        _load_quietly(root)


@pytest.mark.filterwarnings("ignore:only 0 of the 120")
def test_ambiguous_aliases_are_left_out_and_names_win(tmp_path: Path) -> None:
    tick = _entry(name="draw tick", aliases=["x", "draw x"])
    with pytest.warns(VocabularyWarning, match="ambiguous aliases"):
        vocabulary = load_vocabulary(_write_knowledge(tmp_path, {"extra.json": [ENTRY, tick],
                                                                 "ntu120.json": []}, DRAW_ONLY_MAP))
    assert vocabulary.get("x") is None
    assert vocabulary.get("draw x").name == "draw x"
    assert len(vocabulary.alias_conflicts) == 2


def test_canonical_maps_excludes_and_rejects_unknown_labels(tmp_path: Path) -> None:
    vocabulary = _load_quietly(_write_knowledge(tmp_path, {"extra.json": [ENTRY]}))
    assert vocabulary.canonical("kard", "drink") == "drink water"
    assert vocabulary.canonical("cad-60", "random") is None
    with pytest.raises(UnknownLabelError, match="kard label 'dance' is not in the label map"):
        vocabulary.canonical("kard", "dance")
    with pytest.raises(UnknownLabelError, match="unknown source 'ntu'"):
        vocabulary.canonical("ntu", "drink")
    assert vocabulary.action_sources() == {"draw x": ["kard"], "drink water": ["kard"]}


def test_caption_adds_the_style_phrase(tmp_path: Path) -> None:
    vocabulary = _load_quietly(_write_knowledge(tmp_path, {"extra.json": [ENTRY]}))
    assert vocabulary.caption("walking", "tired") == "walking in a tired way"
    assert vocabulary.caption(vocabulary.actions["draw x"], "Tired") == "draw x in a tired way"
    assert vocabulary.caption("walking", "normal") == "walking"
    assert vocabulary.caption("walking", "") == "walking"
    with pytest.raises(ValueError, match="unknown style 'sleepy'"):
        vocabulary.caption("walking", "sleepy")


def test_normalize_label() -> None:
    assert normalize_label("Pick up & throw") == "pick up and throw"
    assert normalize_label("walk-turn-left") == "walk turn left"
    assert normalize_label("nod head/bow") == "nod head/bow"


DRINK = _entry(name="drink water", aliases=[])


@pytest.mark.parametrize(("file_name", "content", "message"), [
    ("families.json", {"draws": ["draw x"]}, r"family 'draws' must list at least 2 actions"),
    ("families.json", {"draws": ["draw x", "draw y"]}, r"family 'draws' names 'draw y', which is not an action"),
    ("families.json", {"a": ["draw x", "drink water"], "b": ["drink water", "draw x"]},
     r"'drink water' is in families 'a' and 'b'"),
    ("families.json", {"Draws": ["draw x", "drink water"]}, r"family name must be lowercase"),
    ("families.json", ["draw x", "drink water"], r"must map family names to lists of actions"),
    ("repeated.json", ["draw x", "draw y"], r"names 'draw y', which is not an action"),
    ("repeated.json", ["draw x", "draw x"], r"lists an action twice"),
    ("repeated.json", {"draw x": True}, r"must be a list of action names"),
])
def test_action_group_errors_name_the_file_and_what_is_wrong(tmp_path: Path, file_name: str, content,
                                                             message: str) -> None:
    root = _write_knowledge(tmp_path, {"extra.json": [ENTRY, DRINK]})
    (root / file_name).write_text(json.dumps(content))
    with pytest.raises(VocabularyError, match=message) as error:
        _load_quietly(root)
    assert file_name in str(error.value)


def test_families_load_and_are_empty_without_a_file(tmp_path: Path) -> None:
    assert _load_quietly(_write_knowledge(tmp_path / "a", {"extra.json": [ENTRY, DRINK]})).families == {}
    root = _write_knowledge(tmp_path / "b", {"extra.json": [ENTRY, DRINK]})
    (root / "families.json").write_text(json.dumps({"everyday": ["draw x", "drink water"]}))
    assert _load_quietly(root).families == {"everyday": ["draw x", "drink water"]}


def test_repeated_actions_load_and_are_empty_without_a_file(tmp_path: Path) -> None:
    assert _load_quietly(_write_knowledge(tmp_path / "a", {"extra.json": [ENTRY, DRINK]})).repeated == frozenset()
    root = _write_knowledge(tmp_path / "b", {"extra.json": [ENTRY, DRINK]})
    (root / "repeated.json").write_text(json.dumps(["draw x"]))
    assert _load_quietly(root).repeated == {"draw x"}
