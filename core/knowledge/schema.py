"""Validation of the hand-written action knowledge files.

The knowledge is edited by people in parallel, so every mistake must be reported with the
file, the action and the field it sits in, instead of surfacing later as a shape error
deep inside training.
"""

from __future__ import annotations

from typing import Any

from core.skeleton.layout import PART_NAMES

FIELDS = ("name", "ntu_id", "aliases", "descriptions", "context", "parts")
MIN_DESCRIPTIONS = 3  # per kind (spatial, temporal)
MIN_CONTEXTS = 3
CONTEXT_SLOTS = ("environment", "manipulated object", "target object")
MAX_SLOT_WORDS = 2
NTU_CLASSES = 120


class VocabularyError(ValueError):
    """A knowledge or label-map file breaks the schema; the text says where."""


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() == value and value != ""


def _check_lowercase_text(value: Any, where: str) -> None:
    if not _is_text(value):
        raise VocabularyError(f"{where} must be a non-empty string without outer spaces, got {value!r}")
    if value != value.lower():
        raise VocabularyError(f"{where} must be lowercase, got {value!r}")


def _check_descriptions(value: Any, where: str) -> None:
    if not isinstance(value, dict) or set(value) != {"spatial", "temporal"}:
        raise VocabularyError(f"{where} must be an object with exactly the keys 'spatial' and 'temporal'")
    for kind in ("spatial", "temporal"):
        sentences = value[kind]
        if not isinstance(sentences, list) or len(sentences) < MIN_DESCRIPTIONS:
            raise VocabularyError(f"{where}.{kind} must be a list of at least {MIN_DESCRIPTIONS} sentences")
        for index, sentence in enumerate(sentences):
            if not _is_text(sentence):
                raise VocabularyError(f"{where}.{kind}[{index}] must be a non-empty sentence, got {sentence!r}")
        if len(set(sentences)) != len(sentences):
            raise VocabularyError(f"{where}.{kind} repeats a sentence")


def _check_context(value: Any, where: str) -> None:
    if not isinstance(value, list) or len(value) < MIN_CONTEXTS:
        raise VocabularyError(f"{where} must be a list of at least {MIN_CONTEXTS} triplets")
    for index, triplet in enumerate(value):
        if not isinstance(triplet, list) or len(triplet) != len(CONTEXT_SLOTS):
            raise VocabularyError(
                f"{where}[{index}] must be [{', '.join(CONTEXT_SLOTS)}], got {triplet!r}")
        for slot, word in zip(CONTEXT_SLOTS, triplet):
            _check_lowercase_text(word, f"{where}[{index}] {slot}")
            if len(word.split()) > MAX_SLOT_WORDS:
                raise VocabularyError(
                    f"{where}[{index}] {slot} must be 1-{MAX_SLOT_WORDS} words ('none' if nothing), got {word!r}")


def _check_parts(value: Any, where: str) -> None:
    if not isinstance(value, list) or not value:
        raise VocabularyError(f"{where} must be a non-empty list of body parts from {list(PART_NAMES)}")
    unknown = [part for part in value if part not in PART_NAMES]
    if unknown:
        raise VocabularyError(f"{where} has unknown body parts {unknown}; allowed: {list(PART_NAMES)}")
    if len(set(value)) != len(value):
        raise VocabularyError(f"{where} repeats a body part")


def check_entry(entry: Any, where: str) -> None:
    """Raise VocabularyError naming `where` and the field if `entry` breaks the schema."""
    if not isinstance(entry, dict):
        raise VocabularyError(f"{where} must be a JSON object, got {type(entry).__name__}")
    name = entry.get("name")
    label = f"{where} ({name!r})" if isinstance(name, str) else where
    missing = [field for field in FIELDS if field not in entry]
    extra = sorted(set(entry) - set(FIELDS))
    if missing or extra:
        raise VocabularyError(f"{label}: missing fields {missing}, unknown fields {extra}")
    _check_lowercase_text(name, f"{label}: name")
    ntu_id = entry["ntu_id"]
    if ntu_id is not None and (isinstance(ntu_id, bool) or not isinstance(ntu_id, int)
                               or not 1 <= ntu_id <= NTU_CLASSES):
        raise VocabularyError(f"{label}: ntu_id must be null or an integer 1..{NTU_CLASSES}, got {ntu_id!r}")
    aliases = entry["aliases"]
    if not isinstance(aliases, list):
        raise VocabularyError(f"{label}: aliases must be a list (may be empty)")
    for index, alias in enumerate(aliases):
        _check_lowercase_text(alias, f"{label}: aliases[{index}]")
    _check_descriptions(entry["descriptions"], f"{label}: descriptions")
    _check_context(entry["context"], f"{label}: context")
    _check_parts(entry["parts"], f"{label}: parts")


def check_entries(entries: Any, where: str) -> None:
    """Validate a whole knowledge file: every entry, plus unique names and NTU ids."""
    if not isinstance(entries, list):
        raise VocabularyError(f"{where} must hold a JSON list of actions, got {type(entries).__name__}")
    names: set[str] = set()
    ntu_ids: set[int] = set()
    for index, entry in enumerate(entries):
        check_entry(entry, f"{where} entry {index}")
        if entry["name"] in names:
            raise VocabularyError(f"{where} entry {index}: action {entry['name']!r} appears twice")
        names.add(entry["name"])
        if entry["ntu_id"] is not None:
            if entry["ntu_id"] in ntu_ids:
                raise VocabularyError(f"{where} entry {index} ({entry['name']!r}): ntu_id "
                                      f"{entry['ntu_id']} is used twice")
            ntu_ids.add(entry["ntu_id"])


def check_label_map(label_map: Any, where: str) -> None:
    """The label map is {source: {original label: canonical name or null}}."""
    if not isinstance(label_map, dict) or not label_map:
        raise VocabularyError(f"{where} must be a non-empty object of sources")
    for source, labels in label_map.items():
        if not isinstance(labels, dict) or not labels:
            raise VocabularyError(f"{where}: source {source!r} must map original labels to names")
        for label, target in labels.items():
            if target is not None:
                _check_lowercase_text(target, f"{where}: {source} {label!r}")


def check_repeated(repeated: Any, where: str, actions: set[str]) -> None:
    """The repeated actions are a list of known action names, each once."""
    if not isinstance(repeated, list):
        raise VocabularyError(f"{where} must be a list of action names")
    for name in repeated:
        if name not in actions:
            raise VocabularyError(f"{where} names {name!r}, which is not an action")
    if len(set(repeated)) != len(repeated):
        raise VocabularyError(f"{where} lists an action twice")


def check_families(families: Any, where: str, actions: set[str]) -> None:
    """Families are {family name: [two or more known actions]}, and no action is in two families.

    A family groups near-synonyms ("pick up" and "pick up with one hand") so that the split
    maker never holds out a whole family: zero-shot tests should not ask for a concept that has
    no trained relative at all.
    """
    if not isinstance(families, dict):
        raise VocabularyError(f"{where} must map family names to lists of actions")
    owner: dict[str, str] = {}
    for family, members in families.items():
        _check_lowercase_text(family, f"{where}: family name")
        if not isinstance(members, list) or len(members) < 2:
            raise VocabularyError(f"{where}: family {family!r} must list at least 2 actions")
        for member in members:
            if member not in actions:
                raise VocabularyError(f"{where}: family {family!r} names {member!r}, which is not an action")
            if member in owner:
                raise VocabularyError(f"{where}: action {member!r} is in families {owner[member]!r} and {family!r}")
            owner[member] = family
