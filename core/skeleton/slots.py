"""Who goes in which body slot when a tracker loses people and finds them again."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


def assign_slots(order: Sequence[Key], frames_of: Mapping[Key, set[int]], max_slots: int) -> list[list[Key]]:
    """Group tracks into at most ``max_slots`` bodies, taking them in ``order`` (most important first).

    A track that shares no frame with a slot's tracks continues that slot: the same person lost
    and found again under a new id. One that overlaps every slot starts a new slot while there is
    room, and is dropped after that.
    """
    slots: list[list[Key]] = []
    taken: list[set[int]] = []
    for key in order:
        frames = frames_of[key]
        for slot, used in zip(slots, taken):
            if not used & frames:
                slot.append(key)
                used |= frames
                break
        else:
            if len(slots) < max_slots:
                slots.append([key])
                taken.append(set(frames))
    return slots


def slots_of_frames(frames: Iterable[Iterable[Key]], max_slots: int) -> list[list[Key]]:
    """Body slots from the track ids seen in each frame (see ``slots_of_tracks``)."""
    frames_of: dict[Key, set[int]] = {}
    for index, tracks in enumerate(frames):
        for track in tracks:
            frames_of.setdefault(track, set()).add(index)
    return slots_of_tracks(frames_of, max_slots)


def slots_of_tracks(frames_of: Mapping[Key, set[int]], max_slots: int) -> list[list[Key]]:
    """Body slots from the frames each track is seen in: the longest-seen track first (ties: the
    smaller id), and a track that never shares a frame with a slot's tracks continues it."""
    order = sorted(frames_of, key=lambda track: (-len(frames_of[track]), track))
    return assign_slots(order, frames_of, max_slots)
