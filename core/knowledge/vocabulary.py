"""The merged action vocabulary: written knowledge per action plus the dataset label map.

Training, evaluation and the demo all resolve action names through this one object, so a
label typed by a user, a dataset's original label and a canonical name meet in one place.
"""

from __future__ import annotations

import functools
import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.knowledge.schema import NTU_CLASSES, VocabularyError, check_entries, check_families, check_label_map, check_repeated
from core.skeleton.layout import parts_to_joint_mask

KNOWLEDGE_DIR = Path(__file__).resolve().parent
NTU_FILE = "ntu120.json"
_SWAP = {"left": "right", "right": "left"}


class VocabularyWarning(UserWarning):
    """The vocabulary loads but is incomplete (e.g. the NTU knowledge is still being written)."""


class UnknownLabelError(ValueError):
    """A dataset label that the label map does not know: a reader and the map disagree."""


@dataclass(frozen=True, eq=False)
class Action:
    """One action's written knowledge (descriptions, context triplets, moving parts)."""

    name: str
    ntu_id: int | None
    aliases: list[str]
    spatial: list[str]
    temporal: list[str]
    context: list[tuple[str, str, str]]
    parts: list[str]

    @property
    def descriptions(self) -> list[str]:
        return self.spatial + self.temporal

    @property
    def part_mask(self) -> np.ndarray:
        """Target joint distribution (25,) for the KPD calibration loss; a fresh array per call."""
        return parts_to_joint_mask(self.parts)


def normalize_label(text: str) -> str:
    """Lookup key that forgives case, hyphens, underscores, '&' and extra spaces."""
    key = text.lower().replace("&", " and ")
    key = re.sub(r"[-_\s]+", " ", key)
    return key.strip(" .,;:!?")


def _action_from_entry(entry: dict[str, Any]) -> Action:
    return Action(
        name=entry["name"],
        ntu_id=entry["ntu_id"],
        aliases=list(entry["aliases"]),
        spatial=list(entry["descriptions"]["spatial"]),
        temporal=list(entry["descriptions"]["temporal"]),
        context=[tuple(triplet) for triplet in entry["context"]],
        parts=list(entry["parts"]),
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise VocabularyError(f"{path}: invalid JSON at line {error.lineno}, column {error.colno}: "
                              f"{error.msg}") from None


class Vocabulary:
    """All known actions, looked up by canonical name or alias, plus dataset label mapping."""

    def __init__(self, actions: list[Action], label_map: dict[str, dict[str, str | None]],
                 styles: dict[str, str], families: dict[str, list[str]] | None = None,
                 repeated: list[str] | None = None) -> None:
        self.actions: dict[str, Action] = {}
        for action in actions:
            if action.name in self.actions:
                raise VocabularyError(f"action {action.name!r} is defined in more than one file")
            self.actions[action.name] = action
        self.label_map = label_map
        self.styles = styles
        self.families = families or {}
        # Actions people do as back-to-back repetitions (a set of squats), not once (sitting down):
        # training may play such a clip on in a loop (core.training.repetitions).
        self.repeated = frozenset(repeated or ())
        self._lookup, self.alias_conflicts = self._build_lookup()

    def _build_lookup(self) -> tuple[dict[str, str], list[str]]:
        lookup = {normalize_label(name): name for name in self.actions}
        claims: dict[str, set[str]] = {}
        for action in self.actions.values():
            for alias in action.aliases:
                claims.setdefault(normalize_label(alias), set()).add(action.name)
        conflicts = []
        for key, owners in claims.items():
            if key in lookup:
                if owners != {lookup[key]}:  # an alias never overrides a canonical name
                    conflicts.append(f"alias {key!r} of {sorted(owners - {lookup[key]})} is the "
                                     f"name of {lookup[key]!r}")
            elif len(owners) > 1:
                conflicts.append(f"alias {key!r} is claimed by {sorted(owners)}")
            else:
                lookup[key] = next(iter(owners))
        return lookup, conflicts

    def get(self, name_or_alias: str) -> Action | None:
        """The action a user or dataset means, or None if it is not in the vocabulary."""
        name = self._lookup.get(normalize_label(name_or_alias))
        return self.actions[name] if name is not None else None

    def name_of(self, label: str) -> str:
        """The canonical name a typed label stands for, or the label itself when the vocabulary
        lacks it: the one rule that decides whether a label is among a checkpoint's trained actions."""
        action = self.get(label)
        return action.name if action is not None else label

    def canonical(self, source: str, original_label: str) -> str | None:
        """Canonical action of a dataset label; None means the samples are excluded."""
        if source not in self.label_map:
            raise UnknownLabelError(f"unknown source {source!r}; the label map knows {sorted(self.label_map)}")
        labels = self.label_map[source]
        if original_label not in labels:
            raise UnknownLabelError(f"{source} label {original_label!r} is not in the label map; "
                                    f"known labels: {sorted(labels)}")
        return labels[original_label]

    def ntu_names(self) -> dict[int, str]:
        """1-based NTU-120 class id -> canonical action name, in id order."""
        named = sorted((a.ntu_id, a.name) for a in self.actions.values() if a.ntu_id is not None)
        return dict(named)

    def action_sources(self) -> dict[str, list[str]]:
        """Canonical actions that have real data, each with the sources that provide it."""
        sources: dict[str, list[str]] = {}
        for source, labels in self.label_map.items():
            for target in labels.values():
                if target is not None and source not in sources.setdefault(target, []):
                    sources[target].append(source)
        return dict(sorted(sources.items()))

    def missing_targets(self) -> list[str]:
        """Label-map targets that have no written knowledge yet."""
        return [name for name in self.action_sources() if name not in self.actions]

    def mirror_twin(self, name: str) -> str | None:
        """The action a left/right mirror turns `name` into ('wave left hand' -> 'wave right hand')."""
        swapped = re.sub(r"\b(left|right)\b", lambda word: _SWAP[word.group(1)], name)
        return swapped if swapped != name and swapped in self.actions else None

    def caption(self, action: str | Action, style: str) -> str:
        """A training caption that carries a motion style, e.g. 'walking in a tired, sluggish way'."""
        name = action.name if isinstance(action, Action) else action
        if not style:
            return name
        key = style.lower()
        if key not in self.styles:
            raise ValueError(f"unknown style {style!r}; known styles: {sorted(self.styles)}")
        phrase = self.styles[key]
        return f"{name} {phrase}" if phrase else name


def _load_actions(directory: Path) -> list[Action]:
    actions_dir = directory / "actions"
    files = sorted(actions_dir.glob("*.json")) if actions_dir.is_dir() else []
    actions = []
    for path in files:
        entries = _read_json(path)
        check_entries(entries, str(path))
        actions.extend(_action_from_entry(entry) for entry in entries)
    ntu_count = sum(action.ntu_id is not None for action in actions)
    if not (actions_dir / NTU_FILE).exists():
        warnings.warn(f"{actions_dir / NTU_FILE} is absent: the vocabulary has no NTU-120 actions",
                      VocabularyWarning, stacklevel=4)
    elif ntu_count < NTU_CLASSES:
        warnings.warn(f"only {ntu_count} of the {NTU_CLASSES} NTU-120 actions have knowledge",
                      VocabularyWarning, stacklevel=4)
    return actions


def _load_action_groups(path: Path, empty: Any, check: Callable[[Any, str, set[str]], None],
                        actions: list[Action]) -> Any:
    """An optional knowledge file that names actions (families, repeated): ``empty`` when absent."""
    content = _read_json(path) if path.exists() else empty
    check(content, str(path), {action.name for action in actions})
    return content


def _load_styles(directory: Path) -> dict[str, str]:
    path = directory / "styles.json"
    styles = _read_json(path) if path.exists() else {}
    if not isinstance(styles, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                               for k, v in styles.items()):
        raise VocabularyError(f"{path} must map style names to adverbial phrases (strings)")
    return styles


@functools.lru_cache(maxsize=4)
def _load_cached(directory: Path) -> Vocabulary:
    label_map_path = directory / "label_map.json"
    label_map = _read_json(label_map_path)
    check_label_map(label_map, str(label_map_path))
    actions = _load_actions(directory)
    vocabulary = Vocabulary(actions, label_map, _load_styles(directory),
                            _load_action_groups(directory / "families.json", {}, check_families, actions),
                            _load_action_groups(directory / "repeated.json", [], check_repeated, actions))
    if missing := vocabulary.missing_targets():
        warnings.warn(f"label-map actions without knowledge: {missing}",
                      VocabularyWarning, stacklevel=3)
    if vocabulary.alias_conflicts:
        warnings.warn("ambiguous aliases left out of lookups: " + "; ".join(vocabulary.alias_conflicts),
                      VocabularyWarning, stacklevel=3)
    return vocabulary


def load_vocabulary(directory: Path | str | None = None) -> Vocabulary:
    """The validated vocabulary (cached), from the project's knowledge folder by default."""
    return _load_cached(Path(directory or KNOWLEDGE_DIR).resolve())
