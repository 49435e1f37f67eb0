"""Stable identities: people keep their id when MediaPipe reorders them between frames."""

from __future__ import annotations

import numpy as np

from core.pose.identity import FORGET_AFTER_MS, IdentityTracker


def test_identities_follow_people_not_list_order() -> None:
    tracker = IdentityTracker()
    sizes = np.array([100.0, 100.0])
    first = tracker.assign(np.array([[200.0, 300.0], [800.0, 300.0]]), sizes, 0)
    assert len(set(first)) == 2
    # Next frame: both moved a little and MediaPipe listed them the other way round.
    second = tracker.assign(np.array([[810.0, 305.0], [190.0, 300.0]]), sizes, 33)
    assert second == [first[1], first[0]]


def test_a_far_jump_is_a_new_person_and_old_tracks_are_forgotten() -> None:
    tracker = IdentityTracker()
    (original,) = tracker.assign(np.array([[100.0, 100.0]]), np.array([50.0]), 0)
    (jumped,) = tracker.assign(np.array([[900.0, 100.0]]), np.array([50.0]), 33)
    assert jumped != original
    tracker.assign(np.zeros((0, 2)), np.zeros(0), 100)
    (back,) = tracker.assign(np.array([[905.0, 100.0]]), np.array([50.0]), 200)
    assert back == jumped  # a short absence keeps the id
    much_later = 200 + FORGET_AFTER_MS + 1
    (later,) = tracker.assign(np.array([[905.0, 100.0]]), np.array([50.0]), much_later)
    assert later not in (original, jumped)
