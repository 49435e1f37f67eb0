"""Stable person identities across frames.

MediaPipe returns the people of a frame in no guaranteed order. Each person is matched to the
track whose last torso centre is nearest, measured in torso lengths so that the rule works for
near and far people alike; the assignment minimising the total distance wins (at most a few
people, so all permutations are tried). A track not seen for a while is forgotten, and a person
too far from every track starts a new one.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from core.pose.mapping import LANDMARK

MAX_JUMP_TORSOS = 1.5  # farther than this from a track's last position: a different person
FORGET_AFTER_MS = 1000


def torso_of(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre and length of the torso of one person's MediaPipe landmarks ``(33, 2)``, in their units."""
    hips = points[[LANDMARK["left_hip"], LANDMARK["right_hip"]]].mean(axis=0)
    shoulders = points[[LANDMARK["left_shoulder"], LANDMARK["right_shoulder"]]].mean(axis=0)
    return (hips + shoulders) / 2, float(np.linalg.norm(shoulders - hips))


@dataclass
class _Track:
    identity: int
    centre: np.ndarray
    size: float
    last_seen_ms: int


class IdentityTracker:
    """Assigns each detected person the identity of the track it continues."""

    def __init__(self) -> None:
        self._tracks: list[_Track] = []
        self._next_identity = 0

    def assign(self, centres: np.ndarray, sizes: np.ndarray, timestamp_ms: int) -> list[int]:
        """Identities for people at image ``centres`` (P, 2) with torso ``sizes`` (P,) pixels."""
        self._tracks = [t for t in self._tracks if timestamp_ms - t.last_seen_ms <= FORGET_AFTER_MS]
        people = len(centres)
        best: tuple[float, tuple[int | None, ...]] = (np.inf, (None,) * people)
        choices = list(range(len(self._tracks))) + [None] * people
        for pairing in set(itertools.permutations(choices, people)):
            cost = 0.0
            for person, track_index in enumerate(pairing):
                if track_index is None:
                    cost += MAX_JUMP_TORSOS
                    continue
                track = self._tracks[track_index]
                scale = max(track.size, float(sizes[person]), 1.0)
                cost += float(np.linalg.norm(centres[person] - track.centre)) / scale
            if cost < best[0]:
                best = (cost, pairing)

        identities = []
        for person, track_index in enumerate(best[1]):
            if track_index is None:  # farther than MAX_JUMP_TORSOS from every free track
                track = _Track(self._next_identity, centres[person], 0.0, timestamp_ms)
                self._next_identity += 1
                self._tracks.append(track)
            else:
                track = self._tracks[track_index]
            track.centre = np.asarray(centres[person], dtype=np.float64)
            track.size = float(sizes[person])
            track.last_seen_ms = timestamp_ms
            identities.append(track.identity)
        return identities
