"""The last few seconds of live poses, turned into the skeleton clip the recogniser scores.

People enter and leave a webcam view and MediaPipe may list them in any order, so bodies are
followed by their track id and the two most seen ones (visibility summed over their frames, when
the tracker gives it) fill the two body slots. Someone lost and found again under a new track id
keeps their slot, as in a video (core/skeleton/slots.py).
Each body is made a skeleton from its image landmarks over the window by the one landmark path,
as a video's are (core/pose/landmarks.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import numpy as np

from core.pose.landmarks import skeletons_from_landmarks
from core.pose.mapping import NUM_LANDMARKS
from core.skeleton.layout import MAX_BODIES
from core.skeleton.slots import slots_of_tracks


class _Frame(NamedTuple):
    time_s: float
    view: np.ndarray  # (P, 33, 2)
    tracks: tuple[int, ...]
    seen: tuple[float, ...]  # each body's mean visibility


class PoseWindow:
    """MediaPipe landmarks (pixels of the real, unmirrored view) of the frames that cover the last ``seconds``."""

    def __init__(self, seconds: float, max_frames: int | None = None) -> None:
        """``max_frames`` bounds the frames kept whatever their timestamps say (a stream whose
        timestamps a visitor sets could otherwise squeeze any number into ``seconds``)."""
        self.seconds = seconds
        self._frames: deque[_Frame] = deque(maxlen=max_frames)

    def add(self, time_s: float, view: np.ndarray, track_ids: list[int], visibility: np.ndarray | None = None) -> None:
        """Append one frame's bodies ``(P, 33, 2)`` and drop the frames before the window: the
        oldest kept is the last one at or before its start, so the poses span all of it.
        ``visibility`` ``(P, J)`` or ``(P,)`` says how visible each body was (default: fully)."""
        amounts = np.ones((len(track_ids), 1)) if visibility is None else np.asarray(visibility, np.float64)
        seen = tuple(float(np.mean(body)) for body in amounts[: len(track_ids)])
        self._frames.append(_Frame(time_s, np.asarray(view, dtype=np.float32), tuple(track_ids), seen))
        while len(self._frames) > 1 and time_s - self._frames[1].time_s >= self.seconds:
            self._frames.popleft()

    def clear(self) -> None:
        self._frames.clear()

    @property
    def frames_with_people(self) -> int:
        return sum(1 for frame in self._frames if len(frame.view))

    @property
    def last_time_s(self) -> float | None:
        """Time of the newest frame, whoever is in it."""
        return self._frames[-1].time_s if self._frames else None

    @property
    def span_s(self) -> float:
        return self._frames[-1].time_s - self._frames[0].time_s if self._frames else 0.0

    def _slotted_frames(self) -> tuple[int, dict[int, int], list[_Frame]]:
        """Body slots (one rule with videos), each track's slot, and the frames where a slotted body is seen."""
        frames_of: dict[int, set[int]] = {}
        seen: dict[int, float] = {}
        for index, frame in enumerate(self._frames):
            for track, amount in zip(frame.tracks, frame.seen):
                frames_of.setdefault(track, set()).add(index)
                seen[track] = seen.get(track, 0.0) + amount
        slots = slots_of_tracks(frames_of, MAX_BODIES, seen)
        slot_of = {track: slot for slot, tracks in enumerate(slots) for track in tracks}
        present = [frame for frame in self._frames if set(frame.tracks) & set(slot_of)]
        return len(slots), slot_of, present

    def times(self) -> np.ndarray | None:
        """Seconds of the frames ``snapshot()`` lifts: the window is resampled by these, not by index."""
        bodies, _, present = self._slotted_frames()
        if not bodies:
            return None
        return np.asarray([frame.time_s for frame in present], dtype=np.float64)

    def views(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Landmarks ``(M, T, 33, 2)`` by body slot over the frames where someone is in view,
        and where each body is present ``(M, T)``; None when nobody is."""
        bodies, slot_of, present = self._slotted_frames()
        if not bodies:
            return None
        view = np.zeros((bodies, len(present), NUM_LANDMARKS, 2), dtype=np.float32)
        seen = np.zeros((bodies, len(present)), dtype=bool)
        for index, frame in enumerate(present):
            for body, track in enumerate(frame.tracks):
                if track in slot_of:
                    view[slot_of[track], index] = frame.view[body]
                    seen[slot_of[track], index] = True
        return view, seen

    def snapshot(self) -> Callable[[], np.ndarray] | None:
        """The window's bodies as they are now, made skeletons when the result is called (the live
        path calls it on its background worker); None when nobody is in view."""
        slotted = self.views()
        return None if slotted is None else partial(skeletons_from_landmarks, *slotted)
