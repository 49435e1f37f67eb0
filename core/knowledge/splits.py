"""Zero-shot splits: which actions are never trained on, and which subjects are held out.

Protocol (one split file each, core/knowledge/splits/*.json):
- unseen actions: all their samples are the ZSL / GZSL-unseen test set;
- validation actions: never trained on either; with the validation-subject samples of the
  training actions they calibrate GZSL (pseudo-unseen vs seen), so no test sample tunes it;
- every other action trains: its samples from test_subjects are the GZSL-seen test set, from
  validation_subjects the calibration-seen set, from all other subjects the training set;
- a source with an official test set (Penn Action: the reader puts its train/test flag in the
  subject, "train" or "test") keeps it: its official test subjects are test subjects in every
  split, whether or not the file lists them, and can never be validation (or training) subjects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Sequence

SPLITS_DIR = Path(__file__).resolve().parent / "splits"
ROLES = ("train", "calibration_seen", "calibration_unseen", "test_seen", "test_unseen")
_KEYS = {"name", "seed", "unseen", "validation", "validation_subjects", "test_subjects"}
_OPTIONAL_KEYS = {"comment"}
OFFICIAL_TEST_SUBJECTS: dict[str, tuple[str, ...]] = {
    "penn-action": ("test",),
    "jhmdb": ("test",),  # the clips' role in JHMDB's split 1 (core.data.jhmdb)
    "motions": ("p18", "p25", "p26", "p30", "p32", "p33"),  # the source's test people (core.data.motions)
}


class SplitError(ValueError):
    """A split name that does not exist, or a split file that breaks the protocol."""


class SampleEntry(Protocol):
    source: str
    subject: str
    action: str


class IndexedCorpus(Protocol):
    index: Sequence[SampleEntry]


@dataclass(frozen=True)
class ZeroShotSplit:
    name: str
    seed: int
    unseen: list[str]
    validation: list[str]
    validation_subjects: dict[str, list[str]]
    test_subjects: dict[str, list[str]]

    def role(self, source: str, subject: str, action: str) -> str:
        """Which of ROLES a sample plays; actions the split does not list are training actions."""
        if action in self.unseen:
            return "test_unseen"
        if action in self.validation:
            return "calibration_unseen"
        if subject in self.test_subjects.get(source, ()) or subject in OFFICIAL_TEST_SUBJECTS.get(source, ()):
            return "test_seen"
        if subject in self.validation_subjects.get(source, ()):
            return "calibration_seen"
        return "train"

    def train_actions(self, actions: Sequence[str]) -> list[str]:
        """The actions among `actions` that the model may be trained on."""
        held_out = set(self.unseen) | set(self.validation)
        return [action for action in actions if action not in held_out]


def available_splits() -> list[str]:
    return sorted(path.stem for path in SPLITS_DIR.glob("*.json"))


def _names(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise SplitError(f"{where} must be a list of non-empty strings")
    if len(set(value)) != len(value):
        raise SplitError(f"{where} lists a name twice")
    return list(value)


def _subjects(value: Any, where: str) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise SplitError(f"{where} must map each source to a list of subjects")
    return {source: _names(subjects, f"{where}[{source!r}]") for source, subjects in value.items()}


def split_from_dict(data: Any, where: str) -> ZeroShotSplit:
    """Validate a parsed split file; errors say which field is wrong."""
    if not isinstance(data, dict):
        raise SplitError(f"{where} must hold a JSON object")
    missing, unknown = _KEYS - set(data), set(data) - _KEYS - _OPTIONAL_KEYS
    if missing or unknown:
        raise SplitError(f"{where}: missing keys {sorted(missing)}, unknown keys {sorted(unknown)}")
    if isinstance(data["seed"], bool) or not isinstance(data["seed"], int):
        raise SplitError(f"{where}: seed must be an integer")
    split = ZeroShotSplit(
        name=str(data["name"]),
        seed=data["seed"],
        unseen=_names(data["unseen"], f"{where}: unseen"),
        validation=_names(data["validation"], f"{where}: validation"),
        validation_subjects=_subjects(data["validation_subjects"], f"{where}: validation_subjects"),
        test_subjects=_subjects(data["test_subjects"], f"{where}: test_subjects"),
    )
    if not split.unseen:
        raise SplitError(f"{where}: unseen must name at least one action")
    both = sorted(set(split.unseen) & set(split.validation))
    if both:
        raise SplitError(f"{where}: actions {both} are both unseen and validation")
    for source, official in OFFICIAL_TEST_SUBJECTS.items():
        misplaced = sorted(set(official) & set(split.validation_subjects.get(source, [])))
        if misplaced:
            raise SplitError(f"{where}: {source} subjects {misplaced} are its official test set, not validation subjects")
    for source, subjects in split.test_subjects.items():
        shared = sorted(set(subjects) & set(split.validation_subjects.get(source, [])))
        if shared:
            raise SplitError(f"{where}: {source} subjects {shared} are both test and validation subjects")
    return split


def load_split(name: str) -> ZeroShotSplit:
    """A shipped split by name ('split1'), or any split file by path."""
    path = Path(name) if name.endswith(".json") else SPLITS_DIR / f"{name}.json"
    if not path.is_file():
        raise SplitError(f"no split {name!r}; available: {', '.join(available_splits()) or 'none'}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SplitError(f"{path}: invalid JSON at line {error.lineno}: {error.msg}") from None
    return split_from_dict(data, str(path))


def split_index(split: ZeroShotSplit, index: Sequence[SampleEntry]) -> dict[str, list[int]]:
    """Positions in a sample index per role (all ROLES present, possibly empty)."""
    roles: dict[str, list[int]] = {role: [] for role in ROLES}
    for position, sample in enumerate(index):
        roles[split.role(sample.source, sample.subject, sample.action)].append(position)
    return roles


def split_samples(split: ZeroShotSplit, corpus: IndexedCorpus) -> dict[str, list[int]]:
    """Corpus sample positions per role (all ROLES present, possibly empty)."""
    return split_index(split, corpus.index)
