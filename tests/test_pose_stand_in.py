"""The stand-in follower: started only on a loss, on the frames before it, and ended by the hold,
by its own loss or by the caller."""

from __future__ import annotations

import numpy as np
import pytest

from core.pose.stand_in import StandIn


class FakeLandmarker:
    """Records the frames it is fed; finds a person in a frame whose first pixel is non-zero."""

    def __init__(self) -> None:
        self.fed: list[tuple[int, int]] = []  # (first pixel, timestamp)
        self.closed = False

    def close(self) -> None:
        self.closed = True


def detect(landmarker: FakeLandmarker, rgb: np.ndarray, timestamp_ms: int) -> int | None:
    assert not landmarker.closed
    landmarker.fed.append((int(rgb.flat[0]), timestamp_ms))
    return int(rgb.flat[0]) or None


@pytest.fixture
def made() -> list[FakeLandmarker]:
    return []


@pytest.fixture
def stand_in(made: list[FakeLandmarker]) -> StandIn[int]:
    def make() -> FakeLandmarker:
        made.append(FakeLandmarker())
        return made[-1]

    return StandIn(make, detect, replay_frames=3, hold_ms=100)


def frame(value: int) -> np.ndarray:
    return np.full((4, 4, 3), value, np.uint8)


def test_nothing_runs_while_nobody_is_lost(stand_in: StandIn[int], made: list) -> None:
    for t in range(10):
        assert stand_in.follow(frame(1), t * 33, lost=False) is None
    assert made == [] and stand_in.starts == 0


def test_a_loss_starts_it_on_the_frames_before_and_it_reports_the_person(
    stand_in: StandIn[int], made: list
) -> None:
    for value, t in zip((1, 2, 3, 4), (0, 33, 66, 99)):
        stand_in.follow(frame(value), t, lost=False)
    assert stand_in.follow(frame(5), 132, lost=True) == 5
    # the last three frames replayed in order with their own timestamps, then the current one
    assert made[0].fed == [(2, 33), (3, 66), (4, 99), (5, 132)]
    assert stand_in.follow(frame(6), 165, lost=False) == 6  # it goes on while active
    assert stand_in.starts == 1 and stand_in.active


def test_it_ends_after_the_hold_and_when_it_loses_the_person_too(
    stand_in: StandIn[int], made: list
) -> None:
    stand_in.follow(frame(1), 0, lost=False)
    assert stand_in.follow(frame(1), 33, lost=True) == 1
    assert stand_in.follow(frame(1), 133, lost=False) == 1  # 100 ms after the loss: still held
    assert stand_in.follow(frame(1), 166, lost=False) is None  # past the hold
    assert made[0].closed and not stand_in.active

    assert stand_in.follow(frame(1), 200, lost=True) == 1  # a new loss, a fresh landmarker
    assert stand_in.follow(frame(0), 233, lost=False) is None  # nobody found by the stand-in
    assert made[1].closed and not stand_in.active
    assert stand_in.follow(frame(1), 266, lost=False) is None  # not restarted without a new loss
    assert len(made) == 2


def test_stop_closes_it_and_a_reused_frame_buffer_does_not_change_the_replay(
    stand_in: StandIn[int], made: list
) -> None:
    buffer = frame(7)
    stand_in.follow(buffer, 0, lost=False)
    buffer[:] = 0  # the caller writes its next frame into the same array
    stand_in.follow(buffer, 33, lost=True)
    assert made[0].fed[0] == (7, 0)
    stand_in.stop()
    assert made[0].closed and not stand_in.active
    stand_in.stop()  # stopping twice is harmless


def test_a_loss_before_any_frame_starts_nothing(stand_in: StandIn[int], made: list) -> None:
    assert stand_in.follow(frame(1), 0, lost=True) is None
    assert made == []
