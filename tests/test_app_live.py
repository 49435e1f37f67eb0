"""The live stream handler on real frames: mirroring, labels, nobody in view, stops, sessions.

gradio_client cannot call streaming endpoints, so these tests call the handler the app wires
to the webcam, with the real pose tracker and a real (small, untrained) recogniser.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.recognition.smoothing import NO_CLEAR_MATCH
from core.skeleton.layout import JOINT
from demo.engine import MAX_LABELS, SharedRecognizer
from demo.live import NOBODY, LiveConfig, LiveSession, stream_frame
from tests.conftest import require_data
from tests.e2e.fake_camera import person_box, webcam_frames
from tests.e2e.support import small_recognizer

LABELS = "drink water; clapping; sit down"
FPS = 15.0


class StreamClock:
    """Stream time under the test's control: one tick per webcam frame."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float = 1 / FPS) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def recognizer(tmp_path_factory) -> SharedRecognizer:
    return small_recognizer(tmp_path_factory.mktemp("weights"))


@pytest.fixture(scope="module")
def camera_frames() -> list[np.ndarray]:
    """What a real webcam filming the NTU A001 scene sends: the camera's own (unmirrored) view."""
    from core.data.ntu import read_skeleton

    kinect = read_skeleton(require_data("ntu", "S001C001P001R001A001.skeleton"))
    video = require_data("videos", "S001C001P001R001A001_rgb.avi")
    # Frames 40-84: the right hand has lifted the cup to the mouth (Kinect: right wrist 0.25 m
    # above the left one from frame 40 on).
    return list(webcam_frames(video, person_box(kinect.color[0], (1920, 1080))))[40:85]


def _run(session: LiveSession, clock: StreamClock, frames, labels: str = LABELS):
    outputs = []
    for frame in frames:
        outputs.append(session.process(frame, labels))
        session.settle()
        clock.tick()
    return outputs


def _session(recognizer, mirrored: bool = True) -> tuple[LiveSession, StreamClock]:
    clock = StreamClock()
    return LiveSession(recognizer, mirrored=mirrored, clock=clock), clock


def test_mirrored_and_unmirrored_frames_give_the_same_left_and_right(recognizer, camera_frames):
    """Gradio sends mirror views; told so, the tracker must find the person's own sides, as Kinect did."""
    results = {}
    for mirrored in (True, False):
        session, clock = _session(recognizer, mirrored)
        frames = [np.ascontiguousarray(f[:, ::-1]) for f in camera_frames] if mirrored else camera_frames
        _run(session, clock, frames)
        results[mirrored] = (session.window.snapshot()()[0], session.last_pose)
        session.close()
    for mirrored, (world, pose) in results.items():
        # Kinect convention: X grows towards the subject's right.
        assert np.mean(world[:, JOINT["right_shoulder"], 0] - world[:, JOINT["left_shoulder"], 0]) > 0.1
        # The cup is in the right hand, at the mouth, as in the Kinect recording.
        lift = np.mean(world[:, JOINT["right_wrist"], 1] - world[:, JOINT["left_wrist"], 1])
        assert lift > 0.15, (mirrored, lift)
        # 2D points are in the frame as given: the left shoulder is left in a mirror view.
        left_x, right_x = pose.image[0, JOINT["left_shoulder"], 0], pose.image[0, JOINT["right_shoulder"], 0]
        assert (left_x < right_x) == mirrored
    mirrored_world, unmirrored_world = results[True][0], results[False][0]
    assert np.allclose(mirrored_world.mean(axis=0), unmirrored_world.mean(axis=0), atol=0.08)


def test_stream_ranks_the_typed_labels_and_draws_the_skeleton(recognizer, camera_frames):
    session, clock = _session(recognizer)
    outputs = _run(session, clock, [np.ascontiguousarray(f[:, ::-1]) for f in camera_frames])
    last = outputs[-1]
    assert set(last.scores) == {"drink water", "clapping", "sit down"}
    assert sum(last.scores.values()) == pytest.approx(1.0, abs=1e-4)
    assert last.answer in {"drink water", "clapping", "sit down", NO_CLEAR_MATCH}  # the steady answer
    assert session.windows_scored >= 4  # 45 frames at 15 frames/s, scored every 0.5 s
    assert "frames/s" in last.status and "latency" in last.status
    drawn = np.abs(last.image.astype(int) - camera_frames[-1][:, ::-1].astype(int)).sum(axis=-1) > 60
    assert drawn.sum() > 500  # bones and joints painted over the frame
    session.close()


def test_changing_the_labels_takes_effect_on_the_next_window(recognizer, camera_frames):
    session, clock = _session(recognizer)
    frames = [np.ascontiguousarray(f[:, ::-1]) for f in camera_frames]
    _run(session, clock, frames[:20])
    assert set(session.process(frames[20], LABELS).scores) == {"drink water", "clapping", "sit down"}
    session.settle()
    clock.tick()
    after = _run(session, clock, frames[21:36], labels="hand waving\nkicking")
    assert set(after[0].scores) == {"drink water", "clapping", "sit down"}  # in use until the new ones are ready
    assert set(after[-1].scores) == {"hand waving", "kicking"}
    session.close()


def test_typing_is_encoded_once_it_pauses_not_on_every_keystroke(recognizer, camera_frames, monkeypatch):
    session, clock = _session(recognizer)
    frames = [np.ascontiguousarray(f[:, ::-1]) for f in camera_frames]
    _run(session, clock, frames[:12])
    submitted = []
    encode = recognizer.submit_encode
    monkeypatch.setattr(recognizer, "submit_encode", lambda labels: submitted.append(list(labels)) or encode(labels))
    typed = "hand waving"
    for count, frame in enumerate(frames[12 : 12 + len(typed)], start=1):  # one keystroke per frame
        output = session.process(frame, typed[:count])
        clock.tick()
        assert set(output.scores) == {"drink water", "clapping", "sit down"}
    _run(session, clock, frames[25:40], labels=typed)
    assert submitted == [["hand waving"]] and session.labels == ["hand waving"]
    session.close()


def test_nobody_in_view_is_said_and_nothing_is_ranked(recognizer):
    session, clock = _session(recognizer)
    outputs = _run(session, clock, [np.full((480, 640, 3), 128, np.uint8)] * 12)
    assert outputs[-1].scores is None
    assert NOBODY in outputs[-1].status
    assert (outputs[-1].image[-20:, :100] != 128).any()  # the caption is drawn on the frame
    session.close()


@pytest.mark.parametrize(
    "text, message",
    [("", "no labels"), (" ;\n, ", "no labels"), ("\n".join(f"action {i}" for i in range(MAX_LABELS + 1)), "too many")],
)
def test_bad_label_lists_keep_the_stream_running_with_a_message(recognizer, camera_frames, text, message):
    session, clock = _session(recognizer)
    frames = [np.ascontiguousarray(f[:, ::-1]) for f in camera_frames[:12]]
    outputs = _run(session, clock, frames, labels=text)
    assert outputs[-1].scores is None and outputs[-1].image is not None
    assert message in outputs[-1].status
    fixed = _run(session, clock, frames[:3], labels=LABELS)  # the next good list is used at once
    assert set(fixed[-1].scores) == {"drink water", "clapping", "sit down"}
    session.close()


def test_a_webcam_that_stops_mid_stream_is_reported_and_can_restart(recognizer, camera_frames):
    session, clock = _session(recognizer)
    frames = [np.ascontiguousarray(f[:, ::-1]) for f in camera_frames[:12]]
    _run(session, clock, frames)
    assert session.check_stalled() is None
    clock.tick(5.0)  # the browser stops sending frames
    message = session.check_stalled()
    assert message and "Camera stopped" in message
    assert session.tracker is None and session.window.frames_with_people == 0
    assert "No camera frame" in session.process(None, LABELS).status
    resumed = _run(session, clock, frames)  # Record pressed again: a fresh landmarker, fresh window
    assert resumed[-1].scores is not None and len(frames) - 2 <= session.window.frames_with_people <= len(frames)
    session.close()


def test_two_browser_sessions_keep_separate_state(recognizer, camera_frames):
    """The app keeps one state per browser session; interleaved frames must not mix."""
    frames = [np.ascontiguousarray(f[:, ::-1]) for f in camera_frames[:15]]
    empty = np.full((480, 640, 3), 90, np.uint8)
    config = LiveConfig(window_s=600.0)  # wall-clock stream: keep every frame however slow the machine
    first = second = None
    for frame in frames:
        _, first_scores, _, _, first = stream_frame(frame, "drink water; sit down", first, recognizer, config)
        _, second_scores, _, second_status, second = stream_frame(
            empty, "clapping; kicking; salute", second, recognizer, config
        )
        first.settle()
    assert first is not second and first.tracker is not second.tracker
    assert first.labels == ["drink water", "sit down"] and second.labels == ["clapping", "kicking", "salute"]
    assert first.window.frames_with_people >= len(frames) - 2 and second.window.frames_with_people == 0
    assert set(first_scores) == {"drink water", "sit down"} and second_scores is None
    assert NOBODY in second_status
    first.close()
    second.close()
