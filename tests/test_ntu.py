"""NTU raw skeleton reader: the five real files plus synthetic edge cases written in tmp dirs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import require_data
from core.data.ntu import NtuFormatError, looks_like_noise, read_skeleton
from core.skeleton.layout import JOINT

REAL_FILES = {
    "S001C001P001R001A001": (103, 1, 1),
    "S002C001P003R001A003": (100, 1, 3),
    "S003C001P015R001A034": (71, 1, 34),
    "S004C002P003R001A017": (124, 1, 17),
    "S001C003P008R002A058": (70, 2, 58),
}


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_file_shapes_and_metadata(name: str) -> None:
    frames, actors, action = REAL_FILES[name]
    skeleton = read_skeleton(require_data("ntu", f"{name}.skeleton"))
    assert skeleton.num_frames == frames
    assert skeleton.joints.shape == (2, frames, 25, 3) and skeleton.joints.dtype == np.float32
    assert skeleton.color.shape == (2, frames, 25, 2)
    assert skeleton.num_actors == actors
    assert skeleton.action == action and skeleton.name == name
    present = np.abs(skeleton.joints).sum(axis=(2, 3)) > 0
    assert present[:actors].all(), "every actor is tracked in every frame of these clips"
    assert not present[actors:].any(), "an unused actor slot stays zeros"
    # Colour pixels lie in the 1920x1080 frame; camera-space Z is a plausible distance.
    main = skeleton.color[:actors]
    assert (main[..., 0] > 0).all() and (main[..., 0] < 1920).all()
    assert (main[..., 1] > 0).all() and (main[..., 1] < 1080).all()
    assert 1.0 < float(np.median(skeleton.joints[0, :, :, 2])) < 5.0


def test_kinect_convention_of_a001() -> None:
    skeleton = read_skeleton(require_data("ntu", "S001C001P001R001A001.skeleton"))
    body = skeleton.joints[0]
    # Y up: the head is above the feet; X towards the subject's right.
    assert (body[:, JOINT["head"], 1] > body[:, JOINT["left_foot"], 1] + 1.0).all()
    assert (body[:, JOINT["right_shoulder"], 0] > body[:, JOINT["left_shoulder"], 0]).all()
    # The colour image is a mirror view: the left shoulder has the smaller pixel x.
    color = skeleton.color[0]
    assert (color[:, JOINT["left_shoulder"], 0] < color[:, JOINT["right_shoulder"], 0]).all()


def test_two_body_file_keeps_both_people_apart() -> None:
    skeleton = read_skeleton(require_data("ntu", "S001C003P008R002A058.skeleton"))
    assert all(len(ids) == 1 for ids in skeleton.actor_ids)
    assert skeleton.actor_ids[0] != skeleton.actor_ids[1]
    assert len(skeleton.bodies) == 2
    first, second = skeleton.joints[:, :, JOINT["spine_mid"]]
    # Two people shaking hands stand apart: their spines are tens of centimetres apart.
    assert np.linalg.norm(first - second, axis=-1).min() > 0.3
    motion = {body.body_id: body.motion for body in skeleton.bodies}
    assert motion[skeleton.actor_ids[0][0]] >= motion[skeleton.actor_ids[1][0]]


def test_all_fields_are_parsed() -> None:
    skeleton = read_skeleton(require_data("ntu", "S001C001P001R001A001.skeleton"))
    body = skeleton.bodies[0]
    assert body.orientation.shape == (103, 25, 4)
    quaternion_norms = np.linalg.norm(body.orientation, axis=-1)
    assert np.median(quaternion_norms) == pytest.approx(1.0, abs=0.05)
    assert set(np.unique(body.joint_tracking)) <= {0, 1, 2}
    assert (body.depth[..., 0] < 512).all() and (body.depth[..., 1] < 424).all()
    assert body.lean.shape == (103, 2) and body.hand_state.shape == (103, 2)
    assert (body.tracking_state == 2).all()


# --- synthetic files ----------------------------------------------------------------------


def _body_lines(body_id: int, joints: np.ndarray) -> list[str]:
    lines = [f"{body_id} 0 1 1 1 1 0 0.01 -0.2 2", "25"]
    for x, y, z in joints:
        lines.append(f"{x} {y} {z} 250 200 960 540 1 0 0 0 2")
    return lines


def _write(path: Path, frames: list[list[tuple[int, np.ndarray]]]) -> Path:
    lines = [str(len(frames))]
    for bodies in frames:
        lines.append(str(len(bodies)))
        for body_id, joints in bodies:
            lines.extend(_body_lines(body_id, joints))
    path.write_text("\n".join(lines) + "\n")
    return path


def _pose(rng: np.random.Generator, offset: float, spread: float, aspect: float = 3.0) -> np.ndarray:
    """Random joints around ``offset``; people are ``aspect`` times taller than wide."""
    return offset + spread * rng.standard_normal((25, 3)) * np.array([1.0, aspect, 1.0])


def test_frames_without_bodies_are_zeros(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frames = [[(7, _pose(rng, 0.0, 0.3))], [], [(7, _pose(rng, 0.0, 0.3))]]
    skeleton = read_skeleton(_write(tmp_path / "S001C001P001R001A001.skeleton", frames))
    assert skeleton.num_frames == 3
    assert np.abs(skeleton.joints[0, 1]).sum() == 0
    assert np.abs(skeleton.joints[0, [0, 2]]).sum() > 0
    assert skeleton.bodies[0].frames.tolist() == [0, 2]


def test_noise_is_dropped_active_bodies_win_and_lost_ids_are_merged(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    frames = []
    for t in range(30):
        # Body 1 is tracked in frames 0-14, then re-acquired as body 4 in frames 15-29.
        bodies = [(1 if t < 15 else 4, _pose(rng, 0.0, 0.2)), (2, _pose(rng, 1.0, 0.1))]
        bodies.append((3, _pose(rng, 2.0, 0.5, aspect=0.2)))  # busy but wide: furniture
        if 3 <= t < 7:
            bodies.append((5, _pose(rng, -1.0, 0.5)))  # a flicker of a few frames
        frames.append(bodies)
    skeleton = read_skeleton(_write(tmp_path / "noisy.skeleton", frames))
    assert len(skeleton.bodies) == 5
    noise = {body.body_id for body in skeleton.bodies if looks_like_noise(body)}
    assert noise == {3, 5}
    assert sorted(sorted(ids) for ids in skeleton.actor_ids) == [[1, 4], [2]]
    assert skeleton.action is None  # not an NTU file name
    assert (np.abs(skeleton.joints).sum(axis=(2, 3)) > 0).all()


def test_a_lone_short_body_is_kept(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    skeleton = read_skeleton(_write(tmp_path / "short.skeleton", [[(9, _pose(rng, 0, 0.3))]] * 4))
    assert skeleton.actor_ids == ((9,), ())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file ends early"),
        ("2\n1\n", "file ends early"),
        ("abc\n", "expected the frame count"),
        ("1\n1\n5 0 1 1 1 1 0 0.0 0.0 2\n20\n", "20 joints, expected 25"),
        ("1\n1\n5 0 1 1\n", "body header has 4 fields"),
    ],
)
def test_malformed_files_raise_readable_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.skeleton"
    path.write_text(text)
    with pytest.raises(NtuFormatError, match=message):
        read_skeleton(path)


def test_non_numeric_joint_and_binary_and_missing_files(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.skeleton", [[(1, np.zeros((25, 3)))]])
    path.write_text(path.read_text().replace("250 200", "250 oops", 1))
    with pytest.raises(NtuFormatError, match="non-numeric"):
        read_skeleton(path)
    binary = tmp_path / "y.skeleton"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(NtuFormatError, match="not a text file"):
        read_skeleton(binary)
    with pytest.raises(NtuFormatError, match="no such file"):
        read_skeleton(tmp_path / "missing.skeleton")
