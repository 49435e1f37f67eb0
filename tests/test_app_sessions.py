"""Live sessions under load: the session cap, freeing landmarkers, the stall timer racing a slow
frame, background errors, and a short soak of several sessions at once.

A fake tracker stands in for MediaPipe (no camera, and a landmarker whose speed the test sets);
the recogniser is a real, small, untrained one.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future

import gradio as gr
import numpy as np
import pytest

from core.pose.tracker import FramePose
from demo.app import build_app
from demo.live import LiveConfig, LiveSession, stream_frame
from demo.live_slots import LIVE_SLOTS, LiveSlots
from demo.soak import passed, soak
from tests.e2e.support import small_recognizer
from tests.test_app_live import StreamClock

LABELS = "drink water; clapping"
FRAME = np.full((120, 160, 3), 100, np.uint8)


class FakeTracker:
    """One person swaying; ``gate`` (an Event) holds a frame until the test opens it."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.gate = gate
        self.entered = threading.Event()
        self.closed = False
        self.used_after_close = False
        self.frames = 0

    def process(self, frame: np.ndarray, timestamp_ms: int) -> FramePose:
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        if self.closed:
            self.used_after_close = True
        self.frames += 1
        rng = np.random.default_rng(self.frames)
        world = rng.normal(0, 0.3, (1, 25, 3)).astype(np.float32) + np.float32(np.sin(timestamp_ms / 300))
        image = np.full((1, 25, 2), 50, np.float32)
        return FramePose(world, image, np.ones((1, 25), np.float32), [1], landmarks=np.full((1, 33, 2), 50, np.float32))

    def close(self) -> None:
        self.closed = True


@pytest.fixture(scope="module")
def recognizer(tmp_path_factory):
    return small_recognizer(tmp_path_factory.mktemp("weights"))


def _session(recognizer, slots: LiveSlots, clock: StreamClock, trackers: list | None = None, **tracker_options):
    def factory(mirrored: bool) -> FakeTracker:
        tracker = FakeTracker(**tracker_options)
        if trackers is not None:
            trackers.append(tracker)
        return tracker

    return LiveSession(recognizer, clock=clock, tracker_factory=factory, slots=slots)


def _stream(sessions, clock: StreamClock, frames: int):
    outputs = []
    for _ in range(frames):
        outputs.append([session.process(FRAME, LABELS) for session in sessions])
        for session in sessions:
            session.settle()
        clock.tick()
    return outputs


def test_the_visitor_beyond_the_cap_is_told_the_app_is_busy_and_the_others_keep_streaming(recognizer):
    slots, clock = LiveSlots(limit=2), StreamClock()
    first, second, third = (_session(recognizer, slots, clock) for _ in range(3))
    _stream([first, second], clock, 5)
    busy = third.process(FRAME, LABELS)
    assert busy.image is None and busy.scores is None and third.tracker is None
    assert busy.status.startswith("⚠️ The app is busy: 2 live stream(s) are running") and "Try again" in busy.status
    after = _stream([first, second, third], clock, 12)[-1]
    assert after[0].image is not None and set(after[0].scores) == {"drink water", "clapping"}
    assert after[1].image is not None and after[1].scores is not None
    assert after[2].image is None and "busy" in after[2].status and slots.in_use == 2
    first.close()  # one visitor leaves: the next frame of the waiting one gets in
    assert third.process(FRAME, LABELS).image is not None and slots.in_use == 2
    second.close()
    third.close()
    assert slots.in_use == 0


def test_the_app_handler_answers_busy_when_every_slot_is_taken(recognizer):
    class Streaming:  # another visitor's session, streaming right now
        def check_stalled(self):
            return None

    holders = [Streaming() for _ in range(LIVE_SLOTS.limit)]
    try:
        assert all(LIVE_SLOTS.acquire(holder) for holder in holders)
        image, scores, _, status, session = stream_frame(FRAME, LABELS, None, recognizer, LiveConfig())
        assert image is None and scores is None and "The app is busy" in status
        assert session is not None and session.tracker is None  # no landmarker was made
    finally:
        for holder in holders:
            LIVE_SLOTS.release(holder)


def test_a_closed_tab_frees_its_landmarker_and_slot_at_once(recognizer):
    """Closing a tab fires the app's unload event (Gradio deletes the tab's state, and calls the
    state's delete callback, only an hour later); both close the session."""
    app = build_app(recognizer)
    events = {fn.name: fn for fn in app.fns.values()}
    unload = [fn for fn in app.fns.values() if any(target[1] == "unload" for target in fn.targets)]
    assert len(unload) == 1
    in_use = LIVE_SLOTS.in_use
    tab = gr.Request(session_hash="tab-1")
    *_, session = events["on_frame"].fn(FRAME, LABELS, None, request=tab)  # the real landmarker
    assert session.tracker is not None and LIVE_SLOTS.in_use == in_use + 1
    unload[0].fn(request=tab)
    assert session.tracker is None and LIVE_SLOTS.in_use == in_use
    unload[0].fn(request=gr.Request(session_hash="never-streamed"))

    states = [block for block in app.blocks.values() if isinstance(block, gr.State) and block.delete_callback]
    assert len(states) == 1
    trackers, clock = [], StreamClock()
    later = LiveSession(recognizer, clock=clock, tracker_factory=lambda m: trackers.append(FakeTracker()) or trackers[-1])
    later.process(FRAME, LABELS)
    states[0].delete_callback(later)
    assert trackers[0].closed and later.tracker is None and LIVE_SLOTS.in_use == in_use
    states[0].delete_callback(None)  # a tab that never streamed


def test_when_full_a_session_whose_camera_stopped_gives_its_slot_to_a_newcomer(recognizer):
    slots, clock, trackers = LiveSlots(limit=1), StreamClock(), []
    gone = _session(recognizer, slots, clock, trackers)
    _stream([gone], clock, 3)
    clock.tick(5.0)  # that tab vanished without a delete callback; no frame since
    newcomer = _session(recognizer, slots, clock, trackers)
    assert newcomer.process(FRAME, LABELS).image is not None
    assert trackers[0].closed and gone.tracker is None and slots.in_use == 1
    newcomer.close()


def test_a_frame_slower_than_the_stall_time_keeps_its_landmarker(recognizer):
    slots, clock, trackers = LiveSlots(limit=1), StreamClock(), []
    gate = threading.Event()
    session = _session(recognizer, slots, clock, trackers, gate=gate)
    gate.set()
    _stream([session], clock, 2)
    tracker = trackers[0]
    gate.clear()
    tracker.entered.clear()
    outputs = []
    worker = threading.Thread(target=lambda: outputs.append(session.process(FRAME, LABELS)))
    worker.start()
    assert tracker.entered.wait(10)  # the frame is inside the landmarker
    clock.tick(session.config.stall_s + 3.0)  # the frame takes longer than the stall time
    assert session.check_stalled() is None  # the timer sees a frame in progress: not stalled
    assert not tracker.closed
    gate.set()
    worker.join(10)
    assert outputs and outputs[0].image is not None
    assert not tracker.used_after_close and not tracker.closed
    clock.tick(session.config.stall_s + 1.0)  # now the camera really stopped
    assert "Camera stopped" in session.check_stalled()
    assert tracker.closed and session.tracker is None and slots.in_use == 0


def test_a_failing_label_encoder_is_one_message_not_an_error_per_frame(recognizer):
    class BrokenEncoder:
        policy = recognizer.policy

        def __init__(self) -> None:
            self.calls = 0

        def submit_encode(self, labels):
            self.calls += 1
            failed = Future()
            failed.set_exception(RuntimeError("text encoder ran out of memory"))
            return failed

        def submit_rank(self, skeleton, labels):
            return recognizer.submit_rank(skeleton, labels)

    broken, clock = BrokenEncoder(), StreamClock()
    session = LiveSession(broken, clock=clock, tracker_factory=lambda m: FakeTracker(), slots=LiveSlots(limit=1))
    statuses = []
    for _ in range(10):
        output = session.process(FRAME, LABELS)
        statuses.append(output.status)
        clock.tick()
    assert broken.calls == 1
    assert all("⚠️ Labels: could not prepare drink water, clapping (text encoder ran out of memory)" in s
               for s in statuses[1:])
    session.process(FRAME, "sit down")  # new text: tried again
    assert broken.calls == 2
    session.close()


def test_a_short_soak_streams_several_sessions_without_errors_or_leaks(recognizer):
    frames = [np.full((120, 160, 3), value, np.uint8) for value in (90, 110, 130)]
    summary = soak(recognizer, frames, sessions=3, seconds=3.0, fps=20.0, label_every_s=0.8, novel_labels=False,
                   tracker_factory=lambda mirrored: FakeTracker(),
                   config=LiveConfig(window_s=1.0, min_frames=4, score_every_s=0.2))
    assert passed(summary, max_growth_mb=100.0), summary
    assert summary["trackers_made"] == 3 and summary["trackers_open"] == 0 and summary["slots_in_use"] == 0
    assert all(rate > 10 for rate in summary["frames_per_s"]) and all(count > 0 for count in summary["rankings"])
