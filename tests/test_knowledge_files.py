"""The shipped knowledge: label map, extra actions and styles agree with each other and the data."""

from __future__ import annotations

import json
import re
import tarfile
import warnings

import pytest

from core.knowledge.vocabulary import KNOWLEDGE_DIR, VocabularyWarning, load_vocabulary
from tests.conftest import require_data

SOURCES = {"nw-ucla", "kard", "msr-action3d", "utkinect", "cad-60", "bandai-namco",
           "kinder-gator", "utd-mhad", "hdm05", "sbu", "penn-action",
           "jhmdb", "posepilot-yoga", "pushfit", "md4fd", "motions", "ase"}
EXTRA = json.loads((KNOWLEDGE_DIR / "actions" / "extra.json").read_text())
WEBCAM = json.loads((KNOWLEDGE_DIR / "actions" / "webcam.json").read_text())


@pytest.fixture(scope="module")
def vocabulary():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VocabularyWarning)
        return load_vocabulary()


def _swap_sides(text: str) -> str:
    return re.sub(r"\b(left|right)\b", lambda m: {"left": "right", "right": "left"}[m.group(1)], text)


def test_label_map_covers_every_source_and_excludes_only_unlabelled_activity(vocabulary) -> None:
    assert set(vocabulary.label_map) == SOURCES
    excluded = [(source, label) for source, labels in vocabulary.label_map.items()
                for label, target in labels.items() if target is None]
    assert excluded == [("cad-60", "random"), ("md4fd", "everyday activity")]  # no single action
    assert vocabulary.canonical("kard", "two hand wave") == vocabulary.canonical("utkinect", "waveHands")


def test_every_mapped_action_has_knowledge_and_extra_holds_exactly_the_non_ntu_ones(vocabulary) -> None:
    assert vocabulary.missing_targets() == []
    mapped = set(vocabulary.action_sources())
    non_ntu = {name for name in mapped if vocabulary.actions[name].ntu_id is None}
    assert {entry["name"] for entry in EXTRA} == non_ntu
    # NTU names reused as targets: 18 before the five sources of issue 10, 32 before the six of issue 19
    # (JHMDB's wave and MD4FD's falls add hand waving and falling down)
    assert len(mapped) - len(non_ntu) == 34


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


# --- the five sources of issue 10 -----------------------------------------------------------------

# LABELS.md: these Kinder-Gator motions carry " (left)" or " (right)", the side the reader measures.
SIDED_KINDER_GATOR = {
    "bend your knee while raising your leg", "bend your other knee while raising your leg", "kick a ball",
    "kick a ball as far as you can", "kick a ball as far as you can with the other leg",
    "kick a ball with the other leg", "lift your leg to one side", "lift your leg to the other side",
    "put your hands on your hips and lean to the side", "put your hands on your hips and lean to the other side",
    "raise your arm to one side", "raise your arm to the other side", "raise your hand", "raise your other hand",
    "throw a ball", "throw a ball as far as you can", "throw a ball as far as you can with the other arm",
    "throw a ball with your other arm", "wave your hand", "wave your other hand",
}


def _member_names(archive_name: str) -> list[str]:
    with tarfile.open(require_data("raw", archive_name)) as archive:
        return archive.getnames()


def test_kinder_gator_keys_are_the_motion_words_with_a_side_on_the_sided_motions(vocabulary) -> None:
    pattern = re.compile(r"^POSE-p\d+_\d+-(?P<motion>.+)-\d+\.csv$")
    motions = {match["motion"].replace("-", " ").lower().strip()
               for name in _member_names("kinder-gator.tar.xz")
               if (match := pattern.match(name.rsplit("/", 1)[-1]))}
    assert len(motions) == 58 and SIDED_KINDER_GATOR <= motions
    expected = {f"{motion} ({side})" for motion in SIDED_KINDER_GATOR for side in ("left", "right")}
    assert set(vocabulary.label_map["kinder-gator"]) == expected | (motions - SIDED_KINDER_GATOR)


def test_each_sided_motion_maps_to_mirror_twins_or_to_one_unsided_action(vocabulary) -> None:
    labels = vocabulary.label_map["kinder-gator"]
    for motion in SIDED_KINDER_GATOR:
        left, right = labels[f"{motion} (left)"], labels[f"{motion} (right)"]
        assert left == right and vocabulary.mirror_twin(left) is None or vocabulary.mirror_twin(left) == right, motion
    # "your hand" and "your other hand" are the same instruction on the other side
    assert {labels["raise your hand (left)"], labels["raise your other hand (left)"]} == {"raise left hand"}
    assert labels["kick a ball with the other leg (right)"] == labels["kick a ball (left)"] == "kicking something"


def test_hdm05_keys_are_the_motion_fields_of_the_amc_names(vocabulary) -> None:
    pattern = re.compile(r"^HDM_[a-z]+_(?P<motion>.+)_\d{3}_120\.amc$")
    motions = {match["motion"] for name in _member_names("hdm05.tar.xz")
               if (match := pattern.match(name.rsplit("/", 1)[-1]))}
    assert set(vocabulary.label_map["hdm05"]) == motions


def test_utd_mhad_keys_are_the_27_action_names_of_the_data_readme(vocabulary) -> None:
    readme = require_data("README.md").read_text(encoding="utf-8")
    listed = re.search(r"Actions a1-a27, in order: (.+?)\. Check", readme, re.S)
    assert listed, "the data README no longer lists UTD-MHAD's actions"
    names = " ".join(listed.group(1).split()).split(", ")
    assert len(names) == 27 and set(vocabulary.label_map["utd-mhad"]) == set(names)


def test_penn_action_keys_are_the_action_strings_of_the_annotations(vocabulary) -> None:
    import io

    import scipy.io

    actions = set()
    with tarfile.open(require_data("raw", "penn-action.tar.xz")) as archive:
        for member in archive:
            if member.name.endswith(".mat"):
                mat = scipy.io.loadmat(io.BytesIO(archive.extractfile(member).read()), variable_names=["action"])
                actions.add(str(mat["action"][0]))
    assert set(vocabulary.label_map["penn-action"]) == actions


def test_synonyms_across_sources_meet_in_one_action(vocabulary) -> None:
    canonical = vocabulary.canonical
    assert canonical("kinder-gator", "do two jumping jacks") == canonical("penn-action", "jumping_jacks") == "jumping jacks"
    assert (canonical("utd-mhad", "front boxing") == canonical("kinder-gator", "punch")
            == canonical("msr-action3d", "forward punch") == "punch")
    assert (canonical("utd-mhad", "squat (two arms stretch out)") == canonical("hdm05", "squat1Reps")
            == canonical("penn-action", "squat") == "squat down")
    assert canonical("utd-mhad", "forward lunge (left foot forward)") == canonical("kinder-gator", "do a forward lunge")
    assert canonical("utd-mhad", "jogging in place") == canonical("kinder-gator", "run in place") == "run on the spot"
    assert canonical("utd-mhad", "tennis right hand forehand swing") == canonical("penn-action", "tennis_forehand")
    assert canonical("utd-mhad", "walking in place") == canonical("kinder-gator", "walk in place as fast as you can")


def test_sbu_interactions_are_ntu_two_person_actions(vocabulary) -> None:
    targets = {label: vocabulary.canonical("sbu", label) for label in vocabulary.label_map["sbu"]}
    assert targets == {"approaching": "walking towards", "departing": "walking apart", "kicking": "kicking",
                       "pushing": "pushing", "shaking hands": "shaking hands", "hugging": "hugging",
                       "exchanging": "giving object", "punching": "punch/slap"}
    for name in targets.values():
        assert 50 <= vocabulary.actions[name].ntu_id <= 60, name  # NTU's two-person block


@pytest.mark.parametrize(("typed", "name"), [
    ("pushups", "push-up"), ("press-up", "push-up"), ("situps", "sit-up"), ("pull ups", "pull-up"),
    ("chin-up", "pull-up"), ("star jumps", "jumping jacks"), ("skipping rope", "jump rope"),
    ("arm curl", "bicep curl"), ("squats", "squat down"), ("lunges", "lunge"), ("t-pose", "make the letter t"),
    ("toe touch", "touch toes"), ("tennis forehand", "tennis bat swing"), ("bowl", "bowling"),
])
def test_what_a_webcam_user_types_finds_the_new_actions(vocabulary, typed: str, name: str) -> None:
    assert vocabulary.get(typed).name == name


def test_webcam_actions_are_knowledge_only_so_splits_and_corpus_ignore_them(vocabulary) -> None:
    """webcam.json holds labels users type that no source records: no NTU id, no label-map target."""
    names = {entry["name"] for entry in WEBCAM}
    assert len(names) == len(WEBCAM) >= 20
    assert all(entry["ntu_id"] is None for entry in WEBCAM)
    assert not names & set(vocabulary.action_sources())
    assert not names & {member for members in vocabulary.families.values() for member in members}


@pytest.mark.parametrize(("typed", "name"), [
    ("planking", "plank"), ("burpees", "burpee"), ("overhead press", "shoulder press"), ("boxing", "shadow boxing"),
    ("mountain climber", "mountain climbers"), ("lateral lunge", "side lunge"), ("squat jumps", "jump squat"),
    ("down dog", "downward dog"), ("chair dips", "tricep dips"), ("high knee", "high knees"),
])
def test_what_a_webcam_user_types_finds_the_knowledge_only_actions(vocabulary, typed: str, name: str) -> None:
    assert vocabulary.get(typed).name == name


def test_every_family_has_at_least_two_actions_with_data(vocabulary) -> None:
    """Families matter to the split maker only through their actions with data."""
    with_data = vocabulary.action_sources()
    for family, members in vocabulary.families.items():
        assert sum(member in with_data for member in members) >= 2, family


def test_the_repeated_actions_are_exercises_with_data_and_leave_one_off_movements_alone(vocabulary) -> None:
    """Training loops only these clips (core.training.repetitions); a once-off movement looped would be wrong."""
    with_data = vocabulary.action_sources()
    assert {"squat down", "push-up", "jumping jacks", "lunge"} <= vocabulary.repeated
    assert all(name in with_data for name in vocabulary.repeated)
    assert not vocabulary.repeated & {"sit down", "stand up", "throw", "falling down", "pick up"}
