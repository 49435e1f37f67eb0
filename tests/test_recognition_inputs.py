"""Label parsing, skeleton validation and file reading for recognition."""

from __future__ import annotations

import numpy as np
import pytest

from core.recognition.labels import LabelError, clean_labels, parse_labels
from core.knowledge.vocabulary import load_vocabulary
from core.recognition.prompts import label_sentences
from core.recognition.sources import SourceError, read_sequences
from core.recognition.validation import SkeletonInputError, check_skeleton


def _walker(frames: int = 12) -> np.ndarray:
    """A rough standing body drifting sideways, in metres."""
    rng = np.random.default_rng(0)
    base = rng.normal(0.0, 0.3, size=(25, 3)).astype(np.float32) + np.array([0.0, 0.0, 3.0], np.float32)
    steps = np.linspace(0.0, 0.5, frames, dtype=np.float32)[:, None, None] * np.array([1, 0, 0], np.float32)
    return base[None] + steps


# --- labels ---------------------------------------------------------------------------------

def test_parse_labels_splits_on_commas_semicolons_and_lines():
    assert parse_labels(" drink water; clapping,\n hand   waving \n\n") == ["drink water", "clapping", "hand waving"]


def test_parse_labels_drops_case_insensitive_duplicates_by_default():
    assert parse_labels("Clapping; clapping; CLAPPING; sit down") == ["Clapping", "sit down"]


def test_parse_labels_can_refuse_duplicates_naming_them():
    with pytest.raises(LabelError, match="duplicate label 'Clapping'"):
        parse_labels("clapping; sit down; Clapping", duplicates="error")


@pytest.mark.parametrize("text", ["", "  ;, \n ", None])
def test_parse_labels_refuses_empty_lists(text):
    with pytest.raises(LabelError, match="no labels"):
        parse_labels(text)


def test_parse_labels_limits_the_count():
    text = "; ".join(f"action {i}" for i in range(51))
    with pytest.raises(LabelError, match="too many labels: 51 given, at most 50"):
        parse_labels(text)
    assert len(parse_labels(text, max_labels=None)) == 51


def test_clean_labels_refuses_non_text():
    with pytest.raises(LabelError, match="must be text"):
        clean_labels(["wave", 3])


# --- prompts --------------------------------------------------------------------------------

def test_unknown_label_gets_only_name_templates():
    sentences = label_sentences("Juggle Balls", None, "descriptions")
    assert sentences["spatial"] == sentences["temporal"]
    assert sentences["spatial"] and all("juggle balls" in s for s in sentences["spatial"])


def test_alias_gets_the_known_actions_prototypes_and_its_own_templates():
    action = load_vocabulary().get("drinking")
    sentences = label_sentences("Drinking", action, "descriptions")
    canonical = label_sentences("drink water", action, "descriptions")
    for branch, descriptions in (("spatial", action.spatial), ("temporal", action.temporal)):
        assert sentences[branch][: len(canonical[branch])] == canonical[branch]
        assert set(descriptions) <= set(sentences[branch])
        assert any("drinking" in s for s in sentences[branch][len(canonical[branch]):])
    assert set(label_sentences("drink water", None, "descriptions")["spatial"]) < set(canonical["spatial"])


def test_a_typed_alias_adds_as_many_name_templates_as_the_model_keeps():
    action = load_vocabulary().get("drinking")
    for kept in (0, 1, 4):
        sentences = label_sentences("Drinking", action, "descriptions", name_templates=kept)
        for branch, descriptions in (("spatial", action.spatial), ("temporal", action.temporal)):
            templates = [s for s in sentences[branch] if s not in descriptions]
            assert len(templates) == 2 * kept and set(descriptions) <= set(sentences[branch])
            assert sum("drinking" in s for s in templates) == kept


# --- skeleton validation --------------------------------------------------------------------

def test_check_skeleton_adds_the_body_axis_and_drops_empty_body_slots():
    assert check_skeleton(_walker(5)).shape == (1, 5, 25, 3)
    late = np.zeros((5, 25, 3), np.float32)
    late[3:] = _walker(2)
    assert check_skeleton(np.stack([_walker(5), late])).shape == (2, 5, 25, 3)
    second_only = check_skeleton(np.stack([np.zeros((5, 25, 3)), _walker(5), np.zeros((5, 25, 3))]))
    np.testing.assert_array_equal(second_only, _walker(5)[None])


@pytest.mark.parametrize(
    "array, message",
    [
        (np.zeros((0, 25, 3)), "0 frames"),
        (np.zeros((10, 20, 3)), r"expected shape .* got \(10, 20, 3\)"),
        (np.zeros((25, 3)), "expected shape"),
        (np.zeros((3, 10, 25, 3)), "all zeros"),
        (np.zeros((0, 10, 25, 3)), "no body"),
    ],
)
def test_check_skeleton_refuses_bad_arrays(array, message):
    with pytest.raises(SkeletonInputError, match=message):
        check_skeleton(array)


def test_check_skeleton_reports_where_nans_are():
    array = _walker(8)
    array[5, 3, 1] = np.nan
    with pytest.raises(SkeletonInputError, match="NaN .* 1 frame.*frame 5"):
        check_skeleton(array)


def test_check_skeleton_refuses_text():
    with pytest.raises(SkeletonInputError, match="not a numeric array"):
        check_skeleton([["a"]])


# --- file sources ---------------------------------------------------------------------------

def test_npy_is_one_sequence(tmp_path):
    path = tmp_path / "clip.npy"
    np.save(path, _walker(7))
    (sequence,) = read_sequences(path)
    assert sequence.key is None and sequence.input == str(path)
    assert sequence.skeleton.shape == (1, 7, 25, 3) and sequence.fps == 30.0


def test_npz_holds_named_sequences_and_an_optional_fps(tmp_path):
    path = tmp_path / "clips.npz"
    np.savez(path, first=_walker(4), second=np.stack([_walker(6), _walker(6)]), fps=np.array(15.0))
    sequences = read_sequences(path)
    assert [s.key for s in sequences] == ["first", "second"]
    assert [s.skeleton.shape[:2] for s in sequences] == [(1, 4), (2, 6)]
    assert all(s.fps == 15.0 for s in sequences)
    assert sequences[1].duration_s == pytest.approx(0.4)


def test_npz_written_by_pose_extraction_reads_back_as_its_skeleton(tmp_path):
    from core.pose.video import VideoPose

    skeleton = np.stack([_walker(5), np.zeros_like(_walker(5))])
    pose = VideoPose(skeleton=skeleton, image=np.zeros((2, 5, 25, 2), np.float32),
                     visibility=np.ones((2, 5, 25), np.float32), fps=25.0, frame_size=(640, 480),
                     people_found=1)
    pose.save_npz(tmp_path / "extracted.npz")
    [sequence] = read_sequences(tmp_path / "extracted.npz")
    assert sequence.key == "skeleton" and sequence.fps == 25.0
    np.testing.assert_allclose(sequence.skeleton[0], skeleton[0])


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"fps": np.array(30.0)}, "no skeleton arrays"),
        ({"a": _walker(3), "fps": np.array([30.0, 25.0])}, "'fps' must be a single number"),
        ({"a": _walker(3), "fps": np.array(-1.0)}, "positive frame rate"),
        ({"good": _walker(3), "bad": np.zeros((3, 24, 3))}, r"\[bad\]: expected shape"),
    ],
)
def test_bad_npz_is_refused_clearly(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(SourceError, match=message):
        read_sequences(path)


def test_unreadable_files_are_refused_clearly(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        read_sequences(tmp_path / "missing.npy")
    with pytest.raises(SourceError, match="not a file"):
        read_sequences(tmp_path)
    garbage = tmp_path / "garbage.npy"
    garbage.write_bytes(b"not numpy at all")
    with pytest.raises(SourceError, match="not a readable .npy"):
        read_sequences(garbage)
    fake_zip = tmp_path / "garbage.npz"
    fake_zip.write_bytes(b"PK not really")
    with pytest.raises(SourceError, match="not a readable .npz"):
        read_sequences(fake_zip)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(SourceError, match="unsupported file type .txt"):
        read_sequences(text)


def test_object_arrays_are_not_unpickled(tmp_path):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(SourceError, match="not a readable .npy"):
        read_sequences(path)
