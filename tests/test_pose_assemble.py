"""Per-frame poses to fixed two-body arrays: who gets which body slot."""

from __future__ import annotations

import numpy as np

from core.pose.tracker import FramePose
from core.pose.video import assemble


def _frame(*people: tuple[int, float], visibility: tuple[float, ...] | None = None) -> FramePose:
    """People given as (track id, a value that fills their joints), fully visible unless told."""
    if not people:
        return FramePose.empty()
    values = np.array([value for _, value in people], np.float32)
    seen = np.ones(len(people), np.float32) if visibility is None else np.asarray(visibility, np.float32)
    return FramePose(
        world=np.ones((len(people), 25, 3), np.float32) * values[:, None, None],
        image=np.ones((len(people), 25, 2), np.float32) * values[:, None, None],
        landmarks=np.ones((len(people), 33, 2), np.float32) * values[:, None, None],
        visibility=np.ones((len(people), 25), np.float32) * seen[:, None],
        track_ids=[track for track, _ in people],
    )


def test_a_half_visible_ghost_seen_longer_goes_second() -> None:
    """A ghost the detector finds in every frame at visibility 0.6 against a person seen in 4 of
    5 frames at 0.95: the person is seen more (3.8 against 3.0) and takes the first body."""
    poses = [_frame((0, 1.0), visibility=(0.6,))] + [_frame((0, 1.0), (1, 2.0), visibility=(0.6, 0.95))] * 4
    result = assemble(poses, fps=30.0, frame_size=(640, 480))
    assert result.world[0, 1:, 0, 0].tolist() == [2.0] * 4 and result.world[0, 0, 0, 0] == 0.0
    assert (result.world[1, :, 0, 0] == 1.0).all()


def test_a_person_lost_and_found_counts_all_their_tracks_for_the_first_body() -> None:
    """Each of the person's two tracks (2 frames each at 0.95: 1.9) is seen less than the ghost's
    one (5 frames at 0.5: 2.5), but the person, both tracks together (3.8), is seen more."""
    poses = [_frame((0, 1.0), (1, 2.0), visibility=(0.5, 0.95))] * 2 + [_frame((0, 1.0), visibility=(0.5,))]
    poses += [_frame((0, 1.0), (5, 3.0), visibility=(0.5, 0.95))] * 2  # the person again, a new track
    result = assemble(poses, fps=30.0, frame_size=(640, 480))
    assert result.world[0, :, 0, 0].tolist() == [2.0, 2.0, 0.0, 3.0, 3.0]
    assert (result.world[1, :, 0, 0] == 1.0).all()


def test_longest_seen_first_and_lost_people_continue_their_body() -> None:
    poses = [
        _frame((0, 1.0), (1, 2.0)),
        _frame((1, 2.0), (0, 1.0)),  # listed in the other order
        _frame((1, 2.0)),
        _frame((1, 2.0), (5, 3.0)),  # person 0 came back as track 5
        _frame((1, 2.0), (5, 3.0)),
    ]
    result = assemble(poses, fps=30.0, frame_size=(640, 480))
    assert result.world.shape == (2, 5, 25, 3)
    assert (result.world[0, :, 0, 0] == 2.0).all()  # track 1, seen in all five frames
    assert result.world[1, :, 0, 0].tolist() == [1.0, 1.0, 0.0, 3.0, 3.0]
    assert result.people_found == 3 and result.note == ""
    # the scored skeleton is lifted from the same slots: present exactly where the world pose is
    np.testing.assert_array_equal(np.abs(result.skeleton).sum(axis=(2, 3)) > 0, np.abs(result.world).sum(axis=(2, 3)) > 0)


def test_a_third_overlapping_person_is_counted_but_not_kept() -> None:
    poses = [_frame((0, 1.0), (1, 2.0), (2, 3.0)), _frame((0, 1.0), (1, 2.0))]
    result = assemble(poses, fps=25.0, frame_size=(320, 240))
    assert result.people_found == 3
    assert set(np.unique(result.world)) == {1.0, 2.0}


def test_nobody_found_says_so() -> None:
    result = assemble([_frame(), _frame()], fps=30.0, frame_size=(320, 240))
    assert result.people_found == 0 and not result.world.any()
    assert result.note == "nobody was found in any of the 2 frames"
