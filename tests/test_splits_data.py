"""The shipped splits against the real archives: subjects exist, classes keep training subjects,
and the generator still reproduces the committed files."""

from __future__ import annotations

import json
import warnings

import pytest

from core.knowledge import split_maker
from core.knowledge.dataset_files import inventory_from_names, read_inventory
from core.knowledge.splits import OFFICIAL_TEST_SUBJECTS, SPLITS_DIR, available_splits, load_split
from core.knowledge.vocabulary import VocabularyWarning, load_vocabulary
from tests.conftest import require_data


@pytest.fixture(scope="module")
def inventories():
    return read_inventory(require_data("raw").parent)


def test_subject_names_follow_the_corpus_convention() -> None:
    names = ["x/a01_s02_e03_v01.json", "x/readme.txt"]
    assert inventory_from_names("nw-ucla", names) == {"s02": {"a01": 1}}
    assert inventory_from_names("cad-60", ["a11_cooking_(chopping)_15_p3.txt"]) == {
        "p3": {"cooking_(chopping)": 1}}
    assert inventory_from_names("bandai-namco", ["d/dataset-2_walk-turn-left_not-confident_017.bvh",
                                                 "d/dataset-2_walk-turn-left_active_017.json"]) == {
        "2-017": {"walk-turn-left": 1}}
    assert inventory_from_names("utkinect", ["joints/joints_s10_e02.txt", "joints/actionLabel.txt"]) == {
        "s10": {"all": 1}}
    assert inventory_from_names("hdm05", ["hdm05/test/3/HDM_mm_grabHighR_018_120.amc",
                                          "hdm05/test/3/HDM_mm.asf"]) == {"mm": {"grabHighR": 1}}


def test_held_out_subjects_exist_and_every_class_keeps_training_subjects(inventories) -> None:
    for name in available_splits():
        split = load_split(name)
        for source, inventory in inventories.items():
            held_out = set(split.test_subjects[source]) | set(split.validation_subjects[source])
            assert held_out <= set(inventory), (name, source, held_out - set(inventory))
            training = [counts for subject, counts in inventory.items() if subject not in held_out]
            classes = set().union(*inventory.values())
            assert classes <= set().union(*training), (name, source)
            if source in OFFICIAL_TEST_SUBJECTS:  # its own test set, whatever its share
                assert split.test_subjects[source] == sorted(OFFICIAL_TEST_SUBJECTS[source]), (name, source)
                assert split.validation_subjects[source] == [], (name, source)
                continue
            files = sum(sum(counts.values()) for counts in inventory.values())
            test_files = sum(sum(inventory[s].values()) for s in split.test_subjects[source])
            if not any(counts.keys() <= set().union(*(c for o, c in inventory.items() if o != subject))
                       for subject, counts in inventory.items()):
                # no subject can be held out (ASE: each class has one performer): all of it trains
                assert test_files == 0, (name, source)
                continue
            assert 0.15 <= test_files / files <= 0.35, (name, source, test_files / files)


def test_generator_reproduces_the_committed_split_files(inventories) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VocabularyWarning)
        vocabulary = load_vocabulary()
    earlier: set[str] = set()
    for name, seed in split_maker.SEEDS.items():
        made = split_maker.make_split(name, seed, vocabulary, inventories, earlier)
        earlier |= set(made["unseen"])
        assert made == json.loads((SPLITS_DIR / f"{name}.json").read_text()), (
            f"{name}.json no longer matches its generator; if the label map changed on purpose, "
            "regenerate with: python -m core.knowledge.split_maker --data ../shared/data")


def test_independent_seeds_draw_loadable_splits_that_ignore_each_other(tmp_path) -> None:
    data = require_data("raw").parent
    assert split_maker.main(["--data", str(data), "--out", str(tmp_path), "--seeds", "1", "2"]) == 0
    first, second = (load_split(str(tmp_path / f"random{seed}.json")) for seed in (1, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VocabularyWarning)
        vocabulary = load_vocabulary()
    for split in (first, second):
        with_data = split_maker.action_sources(vocabulary, set(split.test_subjects))
        assert split_maker.keeps_families_trainable(split.unseen + split.validation, vocabulary.families, with_data)
    assert first.unseen == load_split("split1").unseen  # seed 1 draws first, like split1
    # split2 avoids split1's actions; an independent draw need not, so it differs from split2.
    assert second.unseen != load_split("split2").unseen
