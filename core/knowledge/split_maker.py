"""Generator of the zero-shot split files (core/knowledge/splits/*.json).

The JSON files are the source of truth; this only documents and reproduces how they were
drawn:  python -m core.knowledge.split_maker --data ../shared/data
Each split holds out about a fifth of the actions that have data in the sources whose archives
are read (drawn from every source that can lose an action and keep training, never a left/right
twin, never every member of a family of near-synonyms in families.json, avoiding actions already
held out by earlier splits so the three splits test different actions), picks about 15% of the rest as never-trained validation actions,
and per source picks test and validation subjects while every class keeps some training subjects.
A source with an official test set (splits.OFFICIAL_TEST_SUBJECTS, Penn Action) gets exactly
that set as its test subjects and no validation subjects: its official training clips all train.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from core.knowledge.dataset_files import SubjectInventory, read_inventory
from core.knowledge.splits import OFFICIAL_TEST_SUBJECTS, SPLITS_DIR
from core.knowledge.vocabulary import Vocabulary, load_vocabulary

SEEDS = {"split1": 1, "split2": 2, "split3": 3}
UNSEEN_SHARE = 0.20
VALIDATION_SHARE = 0.15
VALIDATION_MIN_SOURCES = 3
TEST_SUBJECT_SHARE = 0.25
VALIDATION_SUBJECT_SHARE = 0.10
MAX_SOURCE_LOSS = 0.5  # a source keeps at least half of its actions for training
ATTEMPTS = 1000


def action_sources(vocabulary: Vocabulary, sources: set[str]) -> dict[str, list[str]]:
    """Actions with data in `sources`, each with those of its sources.

    The label map may already name sources whose readers are not registered yet; a split only
    draws from the sources it can also pick subjects for.
    """
    kept = {name: [source for source in names if source in sources]
            for name, names in vocabulary.action_sources().items()}
    return {name: names for name, names in kept.items() if names}


def action_groups(vocabulary: Vocabulary, sources: set[str]) -> list[tuple[str, ...]]:
    """Actions with data, left/right twins grouped so they always land on the same side."""
    groups: dict[frozenset[str], tuple[str, ...]] = {}
    for name in action_sources(vocabulary, sources):
        members = tuple(sorted({name, vocabulary.mirror_twin(name) or name}))
        groups[frozenset(members)] = members
    return sorted(groups.values())


def _draw(groups: list[tuple[str, ...]], target: int, rng: random.Random,
          preferred: set[str]) -> list[str]:
    """Random groups until `target` actions, taking groups inside `preferred` first."""
    order = sorted(groups, key=lambda group: (not set(group) <= preferred, rng.random()))
    chosen: list[str] = []
    for group in order:
        if len(chosen) >= target:
            break
        chosen.extend(group)
    return sorted(chosen)


def _sources_of(actions: list[str], sources: dict[str, list[str]]) -> set[str]:
    return {source for action in actions for source in sources[action]}


def _sources_that_can_lose_an_action(sources: dict[str, list[str]]) -> set[str]:
    """Sources that can give an unseen action and keep training: one with a single action (pushfit's
    push-ups, MD4FD's falls) would lose all of it, which MAX_SOURCE_LOSS forbids."""
    counts: dict[str, int] = {}
    for names in sources.values():
        for source in names:
            counts[source] = counts.get(source, 0) + 1
    return {source for source, count in counts.items() if MAX_SOURCE_LOSS * count >= 1}


def _keeps_sources_trainable(held_out: list[str], sources: dict[str, list[str]]) -> bool:
    for source in {s for names in sources.values() for s in names}:
        actions = [name for name, names in sources.items() if source in names]
        if sum(name in held_out for name in actions) > MAX_SOURCE_LOSS * len(actions):
            return False
    return True


def keeps_families_trainable(held_out: list[str], families: dict[str, list[str]],
                             sources: dict[str, list[str]]) -> bool:
    """Every family with two or more actions that have data keeps one of them for training."""
    for members in families.values():
        with_data = [name for name in members if name in sources]
        if len(with_data) >= 2 and set(with_data) <= set(held_out):
            return False
    return True


def choose_actions(vocabulary: Vocabulary, rng: random.Random, earlier_unseen: set[str],
                   data_sources: set[str]) -> tuple[list[str], list[str]]:
    """(unseen, validation) actions of `data_sources` meeting the coverage rules, drawn with `rng`."""
    sources = action_sources(vocabulary, data_sources)
    # Left/right twins always train: their descriptions differ only in "left"/"right", which the
    # text encoder barely separates (cosine > 0.99), so the side must be learnt from seen data.
    groups = [group for group in action_groups(vocabulary, data_sources) if len(group) == 1]
    all_sources = _sources_that_can_lose_an_action(sources)
    unseen_target = round(UNSEEN_SHARE * len(sources))
    validation_target = round(VALIDATION_SHARE * (len(sources) - unseen_target))
    fresh = set(sources) - earlier_unseen
    for _ in range(ATTEMPTS):
        unseen = _draw(groups, unseen_target, rng, fresh)
        rest = [group for group in groups if not set(group) & set(unseen)]
        validation = _draw(rest, validation_target, rng, set(sources))
        if (all_sources <= _sources_of(unseen, sources)
                and len(_sources_of(validation, sources)) >= VALIDATION_MIN_SOURCES
                and _keeps_sources_trainable(unseen + validation, sources)
                and keeps_families_trainable(unseen + validation, vocabulary.families, sources)):
            return unseen, validation
    raise RuntimeError(f"no draw in {ATTEMPTS} attempts met the coverage rules; relax the shares")


def choose_subjects(inventory: SubjectInventory, rng: random.Random) -> tuple[list[str], list[str]]:
    """(test, validation) subjects of one source, near the target shares of its files.

    A subject is skipped when taking it would leave one of the source's classes without
    training subjects (e.g. Bandai-Namco set 1, where most contents exist only in take 001).
    """
    total = sum(sum(counts.values()) for counts in inventory.values())
    remaining = {subject: set(counts) for subject, counts in inventory.items()}
    picks: list[list[str]] = []
    for share in (TEST_SUBJECT_SHARE, VALIDATION_SUBJECT_SHARE):
        taken: list[str] = []
        taken_files = 0
        for subject in rng.sample(sorted(remaining), len(remaining)):
            size = sum(inventory[subject].values())
            if abs(taken_files + size - share * total) >= abs(taken_files - share * total):
                continue
            others = [keys for name, keys in remaining.items() if name != subject]
            if not inventory[subject].keys() <= set().union(*others):
                continue
            taken.append(subject)
            taken_files += size
            del remaining[subject]
        picks.append(sorted(taken))
    return picks[0], picks[1]


def official_subjects(source: str, inventory: SubjectInventory) -> tuple[list[str], list[str]]:
    """(test, validation) subjects of a source that ships its own test set: that set, and none."""
    official = sorted(OFFICIAL_TEST_SUBJECTS[source])
    if missing := [subject for subject in official if subject not in inventory]:
        raise ValueError(f"{source} has no subject {missing}: its official test set must be read as "
                         f"subjects {official}, found {sorted(inventory)}")
    return official, []


def make_split(name: str, seed: int, vocabulary: Vocabulary, inventories: dict[str, SubjectInventory],
               earlier_unseen: set[str]) -> dict:
    rng = random.Random(seed)
    unseen, validation = choose_actions(vocabulary, rng, earlier_unseen, set(inventories))
    test_subjects, validation_subjects = {}, {}
    for source, inventory in inventories.items():
        if source in OFFICIAL_TEST_SUBJECTS:
            test_subjects[source], validation_subjects[source] = official_subjects(source, inventory)
        else:
            test_subjects[source], validation_subjects[source] = choose_subjects(inventory, rng)
    return {
        "name": name,
        "seed": seed,
        "comment": "generated by python -m core.knowledge.split_maker; see core/knowledge/splits.py",
        "unseen": unseen,
        "validation": validation,
        "validation_subjects": validation_subjects,
        "test_subjects": test_subjects,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True,
                        help="shared data folder holding raw/*.tar.xz (e.g. ../shared/data)")
    parser.add_argument("--out", type=Path, help=f"folder for the split files (default {SPLITS_DIR})")
    parser.add_argument("--seeds", nargs="+", type=int, metavar="SEED",
                        help="instead of split1-3, draw independent splits random<SEED> (each ignoring the others) "
                             "into --out, to see how much the choice of held-out actions moves a metric")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.knowledge.split_maker", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    if args.seeds and args.out is None:
        parser.error("--seeds needs --out: extra splits do not belong next to split1-3")
    try:
        inventories = read_inventory(args.data)
    except (OSError, ValueError) as error:
        parser.exit(2, f"error: {error}\n")
    vocabulary = load_vocabulary()
    out = args.out or SPLITS_DIR
    out.mkdir(parents=True, exist_ok=True)
    seeds = {f"random{seed}": seed for seed in args.seeds} if args.seeds else SEEDS
    earlier_unseen: set[str] = set()
    for name, seed in seeds.items():
        try:
            split = make_split(name, seed, vocabulary, inventories, earlier_unseen)
        except (ValueError, RuntimeError) as error:
            parser.exit(2, f"error: {name}: {error}\n")
        if not args.seeds:
            earlier_unseen |= set(split["unseen"])
        path = out / f"{name}.json"
        path.write_text(json.dumps(split, indent=2) + "\n", encoding="utf-8")
        print(f"{path}: {len(split['unseen'])} unseen, {len(split['validation'])} validation actions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
