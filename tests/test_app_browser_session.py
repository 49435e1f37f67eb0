"""A browser-pose stream without a network: landmark messages in, steady answers out, and every
rule a visitor's page can break answered with one clear error.

The recogniser is a real, small, untrained one; the stream is the generated squatting figure.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from core import limits
from core.pose.landmarks import skeletons_from_landmarks
from core.recognition.smoothing import NO_CLEAR_MATCH
from demo.browser_session import CLOSE_POLICY, CLOSE_TOO_BIG, BrowserSession, SessionError
from demo.landmark_streams import synthetic
from demo.pose_messages import LabelsText, MessageError, parse_message
from tests.e2e.support import small_recognizer
from tests.test_app_live import StreamClock

LABELS = json.dumps({"type": "labels", "text": "squat; walking; clapping"})
STREAM = synthetic(seconds=4.0, fps=15.0)


@pytest.fixture(scope="module")
def recognizer(tmp_path_factory):
    return small_recognizer(tmp_path_factory.mktemp("weights"))


def _session(recognizer) -> tuple[BrowserSession, StreamClock]:
    clock = StreamClock()
    return BrowserSession(recognizer, clock=clock), clock


def _stream(session: BrowserSession, clock: StreamClock, frames: range) -> list[dict]:
    replies = []
    for frame in frames:
        replies += session.receive(STREAM.message(frame, 1000 * frame / 15))
        session.scoring.settle()
        replies += session.collect()
        clock.tick()
    return replies


def test_landmarks_become_the_skeleton_the_tracker_path_makes_and_rankings_come_back(recognizer):
    session, clock = _session(recognizer)
    assert session.receive(LABELS) == [{"type": "status", "notice": "Preparing 3 label(s) for scoring…"}]
    replies = _stream(session, clock, range(40))
    rankings = [reply for reply in replies if reply["type"] == "ranking"]
    assert len(rankings) >= 4
    last = rankings[-1]
    assert {label for label, _ in last["top"]} == {"squat", "walking", "clapping"}
    assert last["text"] in {"squat", "walking", "clapping", NO_CLEAR_MATCH}
    assert sum(p for _, p in last["top"]) == pytest.approx(1.0, abs=1e-3)
    assert last["frame_t"] == pytest.approx(1000 * 39 / 15, abs=0.1)  # the newest frame when it was sent
    # The window holds the page's landmarks in pixels and lifts them by the one landmark path.
    points, present = session.scoring.window.views()
    width, height = STREAM.size
    assert np.allclose(points[0, -1], STREAM.points[39, 0] * (width, height), atol=0.05)
    assert np.allclose(session.scoring.window.snapshot()(), skeletons_from_landmarks(points, present))


def test_the_stream_keeps_the_poses_its_latest_moment_reads_at_every_tempo(recognizer):
    session, clock = _session(recognizer)
    session.receive(LABELS)
    _stream(session, clock, range(60))  # 4 s at 15 frames/s
    history_s = recognizer.policy.history_s
    assert history_s == pytest.approx(1.5 * recognizer.policy.duration_s)
    assert history_s <= session.scoring.window.span_s < history_s + 1 / 15


def test_status_says_what_is_missing_once_per_change(recognizer):
    session, clock = _session(recognizer)
    session.receive(LABELS)
    nobody = json.dumps({"type": "pose", "t": 0.0, "w": 640, "h": 480, "people": []})
    replies = session.receive(nobody)
    assert replies == [{"type": "status", "notice": "⚠️ Nobody in view: step in front of the camera"}]
    clock.tick()
    assert session.receive(nobody.replace('"t": 0.0', '"t": 70.0')) == []  # unchanged: not repeated


@pytest.mark.parametrize("raw, reason", [
    ("not json", "must be JSON text"),
    ("[1, 2]", "must be a JSON object"),
    ('{"type": "video"}', "unknown message type 'video'"),
    ('{"type": "labels", "text": 5}', "text as a string"),
    ('{"type": "pose", "t": "soon", "w": 640, "h": 480, "people": []}', "'t' as a finite number"),
    ('{"type": "pose", "t": 1e300, "w": 640, "h": 480, "people": []}', "out of range"),
    ('{"type": "pose", "t": 1, "w": 640.5, "h": 480, "people": []}', "whole numbers of pixels"),
    ('{"type": "pose", "t": 1, "w": 100000, "h": 100000, "people": []}', "over 100,000,000 pixels"),
    ('{"type": "pose", "t": 1, "w": 640, "h": 480, "people": [[], [], []]}', "at most 2 people"),
    ('{"type": "pose", "t": 1, "w": 640, "h": 480, "people": [[0.5, 0.5]]}', "66 numbers"),
    ('{"type": "pose", "t": 1, "w": 640, "h": 480, "people": [[' + ",".join(["0.5"] * 65) + ',"x"]]}',
     "must be numbers"),
    ('{"type": "pose", "t": 1, "w": 640, "h": 480, "people": [[' + ",".join(["0.5"] * 65) + ",9]]}",
     "between -1 and 2"),
])
def test_a_malformed_message_closes_the_session_with_one_clear_reason(recognizer, raw, reason):
    session, _ = _session(recognizer)
    with pytest.raises(SessionError, match=reason) as raised:
        session.receive(raw)
    assert raised.value.code == CLOSE_POLICY


def test_an_oversized_message_is_refused_before_it_is_parsed(recognizer):
    session, _ = _session(recognizer)
    big = json.dumps({"type": "labels", "text": "wave " * limits.MAX_POSE_MESSAGE_KB * 300})
    with pytest.raises(SessionError, match="-byte limit") as raised:
        session.receive(big)
    assert raised.value.code == CLOSE_TOO_BIG and "SKELETONCONTEXT_MAX_POSE_MESSAGE_KB" in str(raised.value)
    with pytest.raises(MessageError, match="-byte limit"):
        parse_message("é" * (limits.MAX_POSE_MESSAGE_KB * 1024 // 2 + 1))  # counted in bytes, not characters
    assert isinstance(parse_message(json.dumps({"type": "labels", "text": "x" * 12_000})), LabelsText)  # 120 labels fit


def test_timestamps_that_do_not_increase_close_the_session(recognizer):
    session, clock = _session(recognizer)
    session.receive(STREAM.message(0, 500.0))
    clock.tick()
    for stamp in (500.0, 499.0):
        with pytest.raises(SessionError, match="timestamps must increase"):
            session.receive(STREAM.message(1, stamp))


def test_more_messages_per_second_than_a_camera_sends_close_the_session(recognizer):
    session, clock = _session(recognizer)
    rate = limits.MAX_POSE_MESSAGES_PER_S
    for frame in range(3 * rate):  # a camera at the limit is never refused
        session.receive(STREAM.message(frame, frame * 1000 / rate))
        clock.tick(1 / rate)
    with pytest.raises(SessionError, match=f"more than {rate} messages per second"):
        for frame in range(3 * rate, 5 * rate):  # twice the limit: the one-second burst runs out
            session.receive(STREAM.message(frame, frame * 1000 / rate))
            clock.tick(0.5 / rate)


def test_timestamps_squeezed_together_cannot_grow_the_window_past_its_bound(recognizer):
    session, clock = _session(recognizer)
    rate = limits.MAX_POSE_MESSAGES_PER_S
    for frame in range(5 * rate):  # 0.1 ms of page time apart
        session.receive(STREAM.message(frame, frame * 0.1))
        clock.tick(1 / rate)
    bound = int(np.ceil(recognizer.policy.history_s * rate)) + 1
    assert len(session.scoring.window.times()) == bound


def test_a_silent_page_is_stalled(recognizer):
    session, clock = _session(recognizer)
    session.receive(LABELS)
    assert session.check_stalled() is None
    clock.tick(session.config.stall_s + 0.1)
    assert "no landmarks for 2 s" in session.check_stalled()
