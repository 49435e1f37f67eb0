"""Zero-shot split protocol on fake corpora, split-file validation, and the shipped splits' rules."""

from __future__ import annotations

import argparse
import itertools
import json
import random
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.data.sources import SOURCES as REGISTERED_SOURCES
from core.knowledge import cli, split_maker
from core.knowledge.splits import (
    OFFICIAL_TEST_SUBJECTS,
    ROLES,
    SplitError,
    ZeroShotSplit,
    available_splits,
    load_split,
    split_from_dict,
    split_samples,
)
from core.knowledge.vocabulary import Action, Vocabulary, VocabularyWarning, load_vocabulary


@dataclass(frozen=True)
class Sample:
    source: str
    subject: str
    action: str


@dataclass
class FakeCorpus:
    index: list[Sample]


TOY = ZeroShotSplit(
    name="toy", seed=0, unseen=["jump"], validation=["clap"],
    validation_subjects={"kard": ["s02"]}, test_subjects={"kard": ["s03"], "cad-60": ["p4"]},
)


def test_each_sample_gets_the_role_the_protocol_gives_it() -> None:
    corpus = FakeCorpus([
        Sample("kard", "s01", "walk"), Sample("kard", "s02", "walk"), Sample("kard", "s03", "walk"),
        Sample("kard", "s01", "jump"), Sample("kard", "s03", "clap"), Sample("cad-60", "p4", "walk"),
        Sample("cad-60", "p2", "walk"), Sample("msr-action3d", "s03", "walk"),
    ])
    assert split_samples(TOY, corpus) == {
        "train": [0, 6, 7],  # s03 is a test subject of kard only, not of msr-action3d
        "calibration_seen": [1],
        "calibration_unseen": [4],
        "test_seen": [2, 5],
        "test_unseen": [3],
    }


def test_official_test_clips_are_test_samples_even_where_a_split_does_not_list_them() -> None:
    assert OFFICIAL_TEST_SUBJECTS == {"penn-action": ("test",), "jhmdb": ("test",),
                                      "motions": ("p18", "p25", "p26", "p30", "p32", "p33")}
    corpus = FakeCorpus([Sample("penn-action", "test", "walk"), Sample("penn-action", "train", "walk"),
                         Sample("penn-action", "test", "jump"), Sample("penn-action", "test", "clap")])
    assert split_samples(TOY, corpus) == {"train": [1], "calibration_seen": [], "calibration_unseen": [3],
                                          "test_seen": [0], "test_unseen": [2]}
    with pytest.raises(SplitError, match=r"penn-action subjects \['test'\] are its official test set"):
        split_from_dict({**GOOD, "validation_subjects": {"penn-action": ["test"]}}, "x.json")


def test_empty_corpus_gives_every_role_empty() -> None:
    assert split_samples(TOY, FakeCorpus([])) == {role: [] for role in ROLES}


ACTIONS = [f"a{i}" for i in range(8)]
SUBJECTS = [f"s{i:02d}" for i in range(1, 7)]
SOURCES = ["kard", "utkinect"]


@st.composite
def split_and_corpus(draw):
    held_out = draw(st.lists(st.sampled_from(ACTIONS), min_size=2, max_size=6, unique=True))
    cut = draw(st.integers(1, len(held_out) - 1))
    test_subjects, validation_subjects = {}, {}
    for source in SOURCES:
        chosen = draw(st.lists(st.sampled_from(SUBJECTS), max_size=4, unique=True))
        cut_subjects = draw(st.integers(0, len(chosen)))
        test_subjects[source], validation_subjects[source] = chosen[:cut_subjects], chosen[cut_subjects:]
    split = ZeroShotSplit("random", 0, held_out[:cut], held_out[cut:], validation_subjects, test_subjects)
    samples = draw(st.lists(st.builds(Sample, st.sampled_from(SOURCES), st.sampled_from(SUBJECTS),
                                      st.sampled_from(ACTIONS)), max_size=60))
    return split, FakeCorpus(samples)


@settings(max_examples=60, deadline=None)
@given(split_and_corpus())
def test_no_leakage_between_roles(case) -> None:
    split, corpus = case
    roles = split_samples(split, corpus)
    positions = sorted(itertools.chain.from_iterable(roles.values()))
    assert positions == list(range(len(corpus.index)))  # a partition of the corpus
    of = {role: [corpus.index[i] for i in roles[role]] for role in ROLES}
    trained = {sample.action for sample in of["train"]}
    assert not trained & (set(split.unseen) | set(split.validation))
    assert not {s.action for s in of["calibration_seen"] + of["test_seen"]} & (set(split.unseen) | set(split.validation))
    assert {s.action for s in of["test_unseen"]} <= set(split.unseen)
    assert {s.action for s in of["calibration_unseen"]} <= set(split.validation)
    calibration = {(s.source, s.subject) for s in of["calibration_seen"]}
    test = {(s.source, s.subject) for s in of["test_seen"]}
    assert not calibration & test
    assert not {(s.source, s.subject) for s in of["train"]} & (calibration | test)


GOOD = {"name": "x", "seed": 1, "unseen": ["jump"], "validation": ["clap"],
        "validation_subjects": {"kard": ["s02"]}, "test_subjects": {"kard": ["s03"]}}


@pytest.mark.parametrize(("change", "message"), [
    ({"validation": ["jump"]}, r"\['jump'\] are both unseen and validation"),
    ({"validation_subjects": {"kard": ["s03"]}}, r"kard subjects \['s03'\] are both test and validation"),
    ({"unseen": []}, "unseen must name at least one action"),
    ({"unseen": ["jump", "jump"]}, "unseen lists a name twice"),
    ({"test_subjects": {"kard": "s03"}}, r"test_subjects\['kard'\] must be a list"),
    ({"seed": "1"}, "seed must be an integer"),
    ({"extra": 1}, r"unknown keys \['extra'\]"),
])
def test_broken_split_files_are_rejected_with_the_reason(change: dict, message: str) -> None:
    with pytest.raises(SplitError, match=message):
        split_from_dict({**GOOD, **change}, "x.json")


def test_load_split_by_path_and_clear_errors(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(GOOD))
    assert load_split(str(path)).unseen == ["jump"]
    with pytest.raises(SplitError, match="no split 'split9'; available: split1, split2, split3"):
        load_split("split9")
    path.write_text("{")
    with pytest.raises(SplitError, match="invalid JSON"):
        load_split(str(path))


# --- the split maker's rules on a toy vocabulary ----------------------------------------------------

TOY_SOURCES = {"kard", "utkinect", "msr-action3d"}


def _toy_vocabulary(families: dict[str, list[str]], extra_source: str | None = None) -> Vocabulary:
    """Twelve actions a0..a11 with data in three sources, optionally a fourth with a5..a6 and b0..b5."""
    names = [f"a{i}" for i in range(12)]
    own = [f"b{i}" for i in range(6)] if extra_source else []
    actions = [Action(name, None, [], [f"{name} s{k}" for k in range(3)], [f"{name} t{k}" for k in range(3)],
                      [("none", "none", "none")] * 3, ["arms"]) for name in names + own]
    label_map = {source: {name: name for name in names} for source in sorted(TOY_SOURCES)}
    if extra_source:
        label_map[extra_source] = {name: name for name in names[5:7] + own}
    return Vocabulary(actions, label_map, {}, families)


def _held_out(vocabulary: Vocabulary, seed: int, sources: set[str] = TOY_SOURCES) -> set[str]:
    unseen, validation = split_maker.choose_actions(vocabulary, random.Random(seed), set(), sources)
    return set(unseen) | set(validation)


def test_a_family_is_never_held_out_whole_where_a_plain_draw_would_hold_it_out() -> None:
    family = {"a0", "a1"}
    seeds = range(100)
    assert any(family <= _held_out(_toy_vocabulary({}), seed) for seed in seeds)  # the case arises
    with_family = _toy_vocabulary({"toy family": sorted(family)})
    assert not any(family <= _held_out(with_family, seed) for seed in seeds)


def test_family_members_without_data_do_not_count() -> None:
    sources = {"a0": ["kard"], "a1": ["kard"]}
    assert split_maker.keeps_families_trainable(["a0"], {"f": ["a0", "ghost"]}, sources)
    assert split_maker.keeps_families_trainable(["a0"], {"f": ["a0", "a1"]}, sources)
    assert not split_maker.keeps_families_trainable(["a0", "a1"], {"f": ["a0", "a1"]}, sources)


def test_split_maker_draws_only_from_the_sources_it_can_pick_subjects_for() -> None:
    vocabulary = _toy_vocabulary({}, extra_source="penn-action")
    assert split_maker.action_sources(vocabulary, {"penn-action"}) == {
        name: ["penn-action"] for name in ["a5", "a6", "b0", "b1", "b2", "b3", "b4", "b5"]}
    assert set(split_maker.action_sources(vocabulary, TOY_SOURCES)) == {f"a{i}" for i in range(12)}
    for seed in range(20):
        assert all(name.startswith("a") for name in _held_out(vocabulary, seed))


def test_a_source_with_an_official_test_set_keeps_it_and_gets_no_validation_subjects() -> None:
    from collections import Counter

    vocabulary = _toy_vocabulary({}, extra_source="penn-action")
    inventories = {source: {f"s{k:02d}": Counter({"a": 5}) for k in range(1, 9)} for source in TOY_SOURCES}
    inventories["penn-action"] = {"train": Counter({"a": 50}), "test": Counter({"a": 45})}
    split = split_maker.make_split("toy", 1, vocabulary, inventories, set())
    assert split["test_subjects"]["penn-action"] == ["test"]
    assert split["validation_subjects"]["penn-action"] == []
    assert all(split["test_subjects"][source] for source in TOY_SOURCES)
    del inventories["penn-action"]["test"]
    with pytest.raises(ValueError, match=r"penn-action has no subject \['test'\]"):
        split_maker.make_split("toy", 1, vocabulary, inventories, set())


# --- the shipped splits -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def actions_with_data() -> dict[str, list[str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VocabularyWarning)
        return load_vocabulary().action_sources()


@pytest.fixture(scope="module")
def shipped() -> list[ZeroShotSplit]:
    return [load_split(name) for name in available_splits()]


def test_three_splits_hold_out_different_actions(shipped) -> None:
    assert [split.name for split in shipped] == ["split1", "split2", "split3"]
    for first, second in itertools.combinations(shipped, 2):
        assert set(first.unseen) != set(second.unseen)


def _with_data_in(split: ZeroShotSplit, actions_with_data: dict[str, list[str]]) -> dict[str, list[str]]:
    """Actions with data in the sources the split picks subjects for."""
    kept = {name: [s for s in sources if s in split.test_subjects] for name, sources in actions_with_data.items()}
    return {name: sources for name, sources in kept.items() if sources}


def test_splits_cover_exactly_the_registered_sources(shipped) -> None:
    for split in shipped:
        assert set(split.test_subjects) == set(REGISTERED_SOURCES), (
            f"{split.name} does not cover the registered sources; regenerate the splits with: "
            "python -m core.knowledge.split_maker --data ../shared/data")


def test_split_sizes_and_source_coverage(shipped, actions_with_data) -> None:
    for split in shipped:
        with_data = _with_data_in(split, actions_with_data)
        all_sources = {source for sources in with_data.values() for source in sources}
        assert set(split.unseen + split.validation) <= set(with_data), split.name
        assert 0.17 <= len(split.unseen) / len(with_data) <= 0.23, split.name
        rest = len(with_data) - len(split.unseen)
        assert 0.12 <= len(split.validation) / rest <= 0.18, split.name
        # every source gives an unseen action, except one with a single action, which would lose it all
        single = {s for s in all_sources if sum(s in sources for sources in with_data.values()) == 1}
        assert single == {"pushfit", "md4fd"}
        assert {s for action in split.unseen for s in with_data[action]} >= all_sources - single
        assert len({s for action in split.validation for s in with_data[action]}) >= 3
        assert set(split.test_subjects) == set(split.validation_subjects) == all_sources


def test_left_right_twins_stay_on_the_same_side(shipped) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VocabularyWarning)
        vocabulary = load_vocabulary()
    for split in shipped:
        for action in split.unseen + split.validation + split.train_actions(list(vocabulary.action_sources())):
            twin = vocabulary.mirror_twin(action)
            if twin:
                assert split.role("kard", "s01", action) == split.role("kard", "s01", twin), (split.name, action)


def test_no_family_is_held_out_whole(shipped, actions_with_data) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VocabularyWarning)
        families = load_vocabulary().families
    for split in shipped:
        with_data = _with_data_in(split, actions_with_data)
        assert split_maker.keeps_families_trainable(split.unseen + split.validation, families, with_data), split.name


def test_every_source_keeps_most_of_its_actions_for_training(shipped, actions_with_data) -> None:
    for split in shipped:
        with_data = _with_data_in(split, actions_with_data)
        trained = set(split.train_actions(list(with_data)))
        for source in split.test_subjects:
            own = [action for action, sources in with_data.items() if source in sources]
            assert sum(action in trained for action in own) >= len(own) / 2, (split.name, source)


# --- command line --------------------------------------------------------------------------------

def test_cli_prints_roles_and_subjects(capsys) -> None:
    assert cli.run(argparse.Namespace(names=["split2"], corpus=None)) == 0
    out = capsys.readouterr().out
    split = load_split("split2")
    assert out.startswith("split2 (seed 2)")
    assert f"unseen actions ({len(split.unseen)})" in out
    assert "cad-60: " + " ".join(split.test_subjects["cad-60"]) in out


def test_cli_reports_bad_names_and_missing_corpus(capsys, tmp_path: Path) -> None:
    assert cli.run(argparse.Namespace(names=["nope"], corpus=None)) == 2
    assert "error: no split 'nope'" in capsys.readouterr().err
    assert cli.run(argparse.Namespace(names=["split1"], corpus=tmp_path)) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path}")


def test_cli_counts_samples_per_role_in_a_built_corpus(capsys, tmp_path: Path) -> None:
    import numpy as np

    from core.data.corpus import SampleInfo, write_corpus

    split = load_split("split1")
    trained = split.train_actions(["walking", "sit down", "stand up", "dance", "catch"])[0]

    def info(subject: str, action: str, number: int) -> SampleInfo:
        return SampleInfo(source="kard", subject=subject, label=action, action=action, style="",
                          fps=30.0, length=1, name=f"sample{number}")

    index = [info(split.test_subjects["kard"][0], trained, 0), info("s99", trained, 1),
             info("s99", split.unseen[0], 2), info(split.validation_subjects["kard"][0], trained, 3)]
    write_corpus(tmp_path, index, np.zeros((4, 25, 3), np.float32), np.arange(5), {})
    assert cli.run(argparse.Namespace(names=["split1"], corpus=tmp_path)) == 0
    out = capsys.readouterr().out
    assert ("samples per role: train 1, calibration_seen 1, calibration_unseen 0, test_seen 1, "
            "test_unseen 1") in out
    assert "kard: train 1, calibration_seen 1" in out


def test_split_maker_without_archives_says_which_is_missing(tmp_path: Path, capsys) -> None:
    from core.knowledge import split_maker

    with pytest.raises(SystemExit) as exit_info:
        split_maker.main(["--data", str(tmp_path), "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    assert "nw-ucla.tar.xz is missing" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_split_maker_refuses_extra_seeds_next_to_the_shipped_splits(tmp_path: Path, capsys) -> None:
    from core.knowledge import split_maker

    with pytest.raises(SystemExit) as exit_info:
        split_maker.main(["--data", str(tmp_path), "--seeds", "11"])
    assert exit_info.value.code == 2
    assert "--seeds needs --out" in capsys.readouterr().err
