"""Properties of the NTU-25 layout and skeleton transforms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.skeleton.layout import BODY_PARTS, BONES, JOINT, JOINT_NAMES, KINEMATIC_TREE, MIRROR_PERMUTATION, parts_to_joint_mask
from core.skeleton.proportions import CANONICAL_BONE_LENGTHS
from core.skeleton.transforms import (
    LEVEL_MAX_TILT_DEG,
    body_frame,
    levelled,
    mirror,
    normalize,
    resample,
    retarget,
    rotate,
    rotation_matrix,
    torso_length,
)

# A standing T-ish pose in metres, facing the camera (X to the subject's right, Y up).
_REST = np.zeros((25, 3), dtype=np.float32)
for _name, _xyz in {
    "spine_base": (0, 0.0, 3), "spine_mid": (0, 0.3, 3), "spine_shoulder": (0, 0.55, 3),
    "neck": (0, 0.62, 3), "head": (0, 0.75, 3),
    "left_shoulder": (-0.2, 0.52, 3), "left_elbow": (-0.25, 0.28, 3),
    "left_wrist": (-0.27, 0.05, 3), "left_hand": (-0.28, -0.02, 3),
    "left_hand_tip": (-0.29, -0.08, 3), "left_thumb": (-0.25, -0.03, 2.97),
    "left_hip": (-0.1, -0.05, 3), "left_knee": (-0.11, -0.5, 3), "left_ankle": (-0.12, -0.9, 3),
    "left_foot": (-0.12, -0.95, 2.9),
}.items():
    _REST[JOINT[_name]] = _xyz
for _left, _right in [(4, 8), (5, 9), (6, 10), (7, 11), (12, 16), (13, 17), (14, 18), (15, 19),
                      (21, 23), (22, 24)]:
    _REST[_right] = _REST[_left] * np.array([-1, 1, 1])


def _moving_sequence(seed: int, frames: int = 12) -> np.ndarray:
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.normal(0, 0.01, size=(frames, 1, 3)), axis=0)
    jitter = rng.normal(0, 0.02, size=(frames, 25, 3))
    return (_REST[None] + walk + jitter).astype(np.float32)


def test_layout_is_consistent() -> None:
    assert len(BONES) == 24
    assert all(0 <= child < 25 and 0 <= parent < 25 for child, parent in BONES)
    assert sorted(MIRROR_PERMUTATION) == list(range(25))
    assert MIRROR_PERMUTATION[JOINT["left_hand"]] == JOINT["right_hand"]
    assert MIRROR_PERMUTATION[JOINT["head"]] == JOINT["head"]
    assert set(BODY_PARTS["head"]) == {2, 3}


def test_the_kinematic_tree_reaches_every_joint_once_parents_first() -> None:
    children = [child for child, _ in KINEMATIC_TREE]
    assert sorted(children + [JOINT["spine_base"]]) == list(range(25))
    placed = {JOINT["spine_base"]}
    for child, parent in KINEMATIC_TREE:
        assert parent in placed
        placed.add(child)
    assert dict(KINEMATIC_TREE)[JOINT["left_hand_tip"]] == JOINT["left_hand"]


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000))
def test_retarget_sets_every_bone_and_keeps_directions_and_the_root(seed: int) -> None:
    bodies = np.stack([_moving_sequence(seed), _moving_sequence(seed + 1)])
    bodies[1, :3] = 0.0  # the second person arrives later
    out = retarget(bodies, CANONICAL_BONE_LENGTHS)
    present = np.abs(bodies).sum(axis=(-1, -2)) > 0
    assert np.all(out[~present] == 0)
    np.testing.assert_allclose(out[present][:, JOINT["spine_base"]], bodies[present][:, JOINT["spine_base"]], atol=1e-6)
    for child, parent in KINEMATIC_TREE:
        old, new = (b[present][:, child] - b[present][:, parent] for b in (bodies, out))
        np.testing.assert_allclose(np.linalg.norm(new, axis=-1), CANONICAL_BONE_LENGTHS[JOINT_NAMES[child]], atol=1e-5)
        cosine = (old * new).sum(-1) / np.linalg.norm(old, axis=-1) / np.linalg.norm(new, axis=-1)
        assert np.all(cosine > 1 - 1e-5), JOINT_NAMES[child]


def test_retarget_makes_two_sources_bodies_alike_and_leaves_one_body_one() -> None:
    narrow = _REST[None].copy()
    wide = narrow * 1.2  # a taller person, whose shoulders are also further apart (a Kinect v1-like line)
    for side in ("left", "right"):
        outward = 0.6 * (wide[:, JOINT[f"{side}_shoulder"]] - wide[:, JOINT["spine_shoulder"]])
        arm = [JOINT[f"{side}_{name}"] for name in ("shoulder", "elbow", "wrist", "hand", "hand_tip", "thumb")]
        wide[:, arm] += outward[:, None]
    a, b = retarget(narrow, CANONICAL_BONE_LENGTHS), retarget(wide, CANONICAL_BONE_LENGTHS)
    assert a.shape == (1, 25, 3)
    np.testing.assert_allclose(a - a[:, :1], b - b[:, :1], atol=1e-5)
    assert not np.allclose(narrow - narrow[:, :1], wide - wide[:, :1], atol=1e-2)


def test_parts_mask_sums_to_one_and_rejects_unknown_parts() -> None:
    mask = parts_to_joint_mask(["hands", "arms"])
    assert mask.sum() == pytest.approx(1.0)
    assert mask[JOINT["head"]] == 0 and mask[JOINT["right_hand"]] > 0
    with pytest.raises(ValueError, match="unknown body parts"):
        parts_to_joint_mask(["tail"])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), unit=st.booleans())
def test_normalize_twice_is_a_no_op(seed: int, unit: bool) -> None:
    once = normalize(_moving_sequence(seed), unit_scale=unit)
    np.testing.assert_allclose(normalize(once, unit_scale=unit), once, atol=1e-4)


def _spine_from_vertical_deg(sequence: np.ndarray) -> np.ndarray:
    spine = sequence[..., JOINT["spine_shoulder"], :] - sequence[..., JOINT["spine_base"], :]
    return np.degrees(np.arccos(spine[..., 1] / np.linalg.norm(spine, axis=-1)))


def _yaw(angle: float) -> np.ndarray:
    return rotation_matrix(np.array([0.0, angle, 0.0]))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), yaw=st.floats(-np.pi, np.pi))
def test_normalize_is_invariant_to_turns_about_the_vertical_and_to_translation(seed: int, yaw: float) -> None:
    sequence = _moving_sequence(seed)
    moved = rotate(sequence, _yaw(yaw)) + np.float32([1.0, -2.0, 0.5])
    np.testing.assert_allclose(normalize(moved), normalize(sequence), atol=1e-3)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), yaw=st.floats(-np.pi, np.pi))
def test_a_lying_body_stays_lying_and_a_tilted_body_no_longer_looks_standing(seed: int, yaw: float) -> None:
    standing = normalize(_moving_sequence(seed))
    lying = rotate(_moving_sequence(seed), _yaw(yaw) @ rotation_matrix(np.array([np.pi / 2, 0.0, 0.0])))
    out = normalize(lying)
    assert abs(np.mean(_spine_from_vertical_deg(out)) - 90.0) < 3.0 and np.abs(_spine_from_vertical_deg(out) - 90.0).max() < 20.0
    assert np.abs(out - standing).max() > 0.5


def test_normalize_keeps_a_lean_and_turns_the_body_to_face_the_camera() -> None:
    leaning = rotate(_moving_sequence(3), _yaw(1.2) @ rotation_matrix(np.array([0.4, 0.0, 0.0])))
    out = normalize(leaning, unit_scale=True)
    assert np.mean(_spine_from_vertical_deg(out)) == pytest.approx(np.degrees(0.4), abs=3.0)
    hips = out[:, JOINT["right_hip"]] - out[:, JOINT["left_hip"]]
    assert hips.mean(0)[0] > 0 and abs(hips.mean(0)[2]) < 0.05 * np.linalg.norm(hips.mean(0))
    assert torso_length(out) == pytest.approx(1.0, abs=1e-4)
    np.testing.assert_allclose(out[0, JOINT["spine_mid"]], 0.0, atol=1e-5)


def _long_axis_from_vertical_deg(sequence: np.ndarray) -> np.ndarray:
    feet = (sequence[:, JOINT["left_ankle"]] + sequence[:, JOINT["right_ankle"]]) / 2
    axis = sequence[:, JOINT["spine_shoulder"]] - feet
    return np.degrees(np.arccos(axis[:, 1] / np.linalg.norm(axis, axis=-1)))


@pytest.mark.parametrize("pitch, roll", [(0.35, 0.0), (-0.3, 0.2), (0.0, -0.4)])
def test_levelled_stands_up_a_body_leaning_a_little_as_a_whole(pitch: float, roll: float) -> None:
    upright = normalize(_moving_sequence(5, 20))
    tilted = rotate(upright, rotation_matrix(np.array([pitch, 0.0, roll])))
    assert np.median(_long_axis_from_vertical_deg(tilted)) > 15.0
    out = levelled(tilted)
    assert np.median(_long_axis_from_vertical_deg(out)) < 2.0
    np.testing.assert_allclose(levelled(upright), upright, atol=0.03)  # already standing: nearly untouched
    lengths = np.linalg.norm(out - out[:, :1], axis=-1)
    np.testing.assert_allclose(lengths, np.linalg.norm(tilted - tilted[:, :1], axis=-1), atol=1e-5)  # a rotation


def test_levelled_leaves_lying_bodies_absent_frames_and_empty_clips_alone() -> None:
    lying = rotate(normalize(_moving_sequence(2)), rotation_matrix(np.array([np.radians(LEVEL_MAX_TILT_DEG + 5), 0.0, 0.0])))
    np.testing.assert_array_equal(levelled(lying), lying)
    two = np.zeros((2, 12, 25, 3), np.float32)
    two[0] = rotate(normalize(_moving_sequence(4)), rotation_matrix(np.array([0.3, 0.0, 0.0])))
    two[1, 3:] = two[0, 3:] + 1.0
    two[0, :2] = 0.0
    out = levelled(two)
    assert np.all(out[0, :2] == 0) and np.all(out[1, :3] == 0) and np.abs(out[1, 3:]).sum() > 0
    assert np.median(_long_axis_from_vertical_deg(out[0, 2:])) < 2.0
    empty = np.zeros((4, 25, 3), np.float32)
    np.testing.assert_array_equal(levelled(empty), empty)


def test_normalize_without_facing_keeps_the_cameras_view_and_still_centres_and_sizes() -> None:
    side_view = rotate(_moving_sequence(3), _yaw(1.2))
    out = normalize(side_view, unit_scale=True, face_camera=False)
    np.testing.assert_allclose(out[0, JOINT["spine_mid"]], 0.0, atol=1e-5)
    assert torso_length(out) == pytest.approx(1.0, abs=1e-4)
    scale = torso_length(side_view)
    np.testing.assert_allclose(out, (side_view - side_view[0, JOINT["spine_mid"]]) / scale, atol=1e-5)
    faced = normalize(side_view, unit_scale=True)
    assert not np.allclose(out, faced, atol=1e-2)


def test_facing_survives_left_right_swaps_in_a_side_view() -> None:
    side_view = rotate(_moving_sequence(4, frames=20), _yaw(np.pi / 2))  # right side towards the camera
    expected = normalize(side_view)
    swapped = side_view.copy()
    swapped[::3] = swapped[::3][:, MIRROR_PERMUTATION]  # MediaPipe's label swaps, on a third of frames
    swapped[1::3] = swapped[1::3][:, MIRROR_PERMUTATION]  # and on another third
    out = normalize(swapped)
    unswapped = np.arange(20) % 3 == 2
    np.testing.assert_allclose(out[unswapped], expected[unswapped], atol=1e-3)
    # Without the feet, the sign most frames agree with decides.
    footless = side_view.copy()
    footless[:, [JOINT["left_foot"], JOINT["right_foot"]]] = footless[:, [JOINT["left_ankle"], JOINT["right_ankle"]]]
    footless[::3] = footless[::3][:, MIRROR_PERMUTATION]
    right = normalize(footless)
    hips = right[2::3, JOINT["right_hip"]] - right[2::3, JOINT["left_hip"]]
    assert (hips[:, 0] > 0).all()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_mirror_twice_is_the_identity(seed: int) -> None:
    sequence = _moving_sequence(seed)
    np.testing.assert_array_equal(mirror(mirror(sequence)), sequence)


def test_mirror_swaps_sides() -> None:
    sequence = _moving_sequence(1)
    sequence[:, JOINT["right_wrist"], 1] += np.linspace(0, 0.5, len(sequence))  # right hand rises
    mirrored = mirror(sequence)
    rise = mirrored[-1, :, 1] - mirrored[0, :, 1]
    assert np.argmax(rise) == JOINT["left_wrist"]
    # The mirrored body still faces the camera with its right side at larger X.
    assert (mirrored[:, JOINT["right_shoulder"], 0] > mirrored[:, JOINT["left_shoulder"], 0]).all()


def test_absent_frames_and_second_body_stay_zero() -> None:
    bodies = np.zeros((2, 6, 25, 3), dtype=np.float32)
    bodies[0] = _moving_sequence(5, frames=6)
    bodies[0, 2] = 0.0
    out = normalize(bodies)
    assert out.shape == bodies.shape
    assert not out[1].any() and not out[0, 2].any()
    assert body_frame(np.zeros((4, 25, 3))) is None
    np.testing.assert_array_equal(normalize(np.zeros((4, 25, 3))), 0.0)


def test_resample_keeps_endpoints_and_handles_single_frames() -> None:
    sequence = _moving_sequence(2, frames=10)
    out = resample(sequence, 64)
    assert out.shape == (64, 25, 3)
    np.testing.assert_allclose(out[0], sequence[0])
    np.testing.assert_allclose(out[-1], sequence[-1])
    assert resample(sequence[:1], 5).shape == (5, 25, 3)
    with pytest.raises(ValueError):
        resample(sequence, 0)
    with pytest.raises(ValueError, match="shape"):
        resample(np.zeros((4, 17, 3)), 8)


def test_assign_slots_continues_lost_tracks_and_drops_a_third_person() -> None:
    from core.skeleton.slots import assign_slots

    frames_of = {"a": {0, 1, 2}, "b": {1, 2, 3}, "a-again": {5, 6}, "c": {2, 5}}
    # a and b overlap: two slots; a-again shares no frame with a: same person; c overlaps both slots.
    assert assign_slots(["a", "b", "a-again", "c"], frames_of, max_slots=2) == [["a", "a-again"], ["b"]]
    assert assign_slots(["a", "b", "c"], frames_of, max_slots=1) == [["a"]]
