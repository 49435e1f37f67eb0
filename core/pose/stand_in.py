"""A stand-in follower for a person MediaPipe loses for a moment.

A landmarker keeps following a person while its presence score stays above a gate (0.5) and drops
them when it dips under: in a fall, a deep crouch or a body folded against a walker the person is
still there, in a pose the landmarker rates unlikely, and its detector does not find them again
until the pose is ordinary. Lowering the gate for good keeps tracks that have slid off a person
(README, *Why the stand-in, not a lower gate*), so the gate stays. Only when the first landmarker
loses the person it followed does a second one, with a low gate, start on the last few frames
(when the person was still found) and follow them through the gap: for HOLD_MS at most, until it
loses them too, or until the first landmarker follows someone again. While the person is found it
only keeps a copy of each frame; each loss costs 0.1-0.2 s once (a fresh landmarker and the replay).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

import numpy as np

STAND_IN_PRESENCE = 0.1  # the stand-in's presence gate (MediaPipe's default is 0.5)
REPLAY_FRAMES = 5  # frames before the loss the stand-in starts on: 0.17 s at 30 fps
HOLD_MS = 1000  # the longest gap it bridges

Person = TypeVar("Person")


class Landmarker(Protocol):
    def close(self) -> None: ...


# (landmarker, RGB frame, timestamp in ms) -> the person it follows there, or None
Detect = Callable[[Landmarker, np.ndarray, int], "Person | None"]


class StandIn(Generic[Person]):
    """Recent frames and, while a loss is being bridged, the low-gate landmarker that bridges it."""

    def __init__(
        self,
        make_landmarker: Callable[[], Landmarker],
        detect: Detect,
        replay_frames: int = REPLAY_FRAMES,
        hold_ms: int = HOLD_MS,
    ) -> None:
        self._make_landmarker = make_landmarker
        self._detect = detect
        self._recent: deque[tuple[np.ndarray, int]] = deque(maxlen=replay_frames)
        self._hold_ms = hold_ms
        self._landmarker: Landmarker | None = None
        self._lost_at_ms = 0
        self.starts = 0  # losses it was started on, for benchmarks and tests

    @property
    def active(self) -> bool:
        return self._landmarker is not None

    def follow(self, rgb: np.ndarray, timestamp_ms: int, lost: bool) -> Person | None:
        """The lost person in this frame, or None. Call once per frame, after the landmarkers;
        ``lost``: the first landmarker followed a person on the previous frame and nobody now."""
        try:
            if lost and not self.active and self._recent:
                self._start(timestamp_ms)
            if not self.active:
                return None
            if timestamp_ms - self._lost_at_ms > self._hold_ms:
                self.stop()
                return None
            person = self._detect(self._landmarker, rgb, timestamp_ms)
            if person is None:
                self.stop()
            return person
        finally:
            self._recent.append((rgb.copy(), timestamp_ms))  # a caller may reuse its frame buffer

    def stop(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def _start(self, lost_at_ms: int) -> None:
        self._landmarker = self._make_landmarker()
        self._lost_at_ms = lost_at_ms
        self.starts += 1
        for rgb, timestamp_ms in self._recent:
            self._detect(self._landmarker, rgb, timestamp_ms)
