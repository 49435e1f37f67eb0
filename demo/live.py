"""The live webcam path: one session per browser tab, fed one frame at a time.

Each session owns its MediaPipe landmarker (VIDEO mode needs increasing timestamps from one
source, so two tabs can never share one) and its demo.live_scoring stream (window, labels,
steady answer). Pose runs on every frame; the recogniser runs in the background on the window
every ``score_every_s`` seconds, and at once when new labels come into use, so typed labels show
without restarting the stream. This is the fallback for browsers that cannot run pose
themselves (demo.browser_session).

A session holds a slot of ``demo.live_slots`` while it holds a landmarker, so only so many
streams run at once. The frame handler and the stall timer run in different threads; both take
the session's lock before touching the landmarker, so a frame slower than the stall time never
has its landmarker closed under it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from demo.drawing import draw_caption, draw_skeletons
from demo.live_scoring import NOBODY, LiveConfig, LiveScoring
from demo.live_slots import LIVE_SLOTS, LiveSlots

__all__ = ["NOBODY", "LiveConfig", "LiveOutput", "LiveSession", "stream_frame"]


@dataclass
class LiveOutput:
    image: np.ndarray | None
    scores: dict[str, float] | None  # top-k label -> smoothed probability, for gr.Label
    status: str
    answer: str | None = None  # the steady answer (a label or "no clear match"); None before the first


def _tracker_factory(mirrored: bool):
    from core.pose.tracker import PoseTracker

    return PoseTracker(mirrored=mirrored)


class LiveSession:
    """State of one browser session's webcam stream."""

    def __init__(
        self,
        recognizer,
        mirrored: bool = True,
        config: LiveConfig = LiveConfig(),
        tracker_factory: Callable[[bool], object] = _tracker_factory,
        clock: Callable[[], float] = time.monotonic,
        slots: LiveSlots = LIVE_SLOTS,
    ) -> None:
        self.recognizer = recognizer
        self.slots = slots
        self.mirrored = mirrored
        self.config = config
        self._make_tracker = tracker_factory
        self._clock = clock  # stream time (tests and the benchmark replay a fixed frame rate)
        self.tracker = None
        self.scoring = LiveScoring(recognizer, config)
        self._last_timestamp_ms = -1
        self._start_s = clock()
        self.last_frame_s: float | None = None
        self.last_pose = None
        self._arrivals: deque[float] = deque(maxlen=30)
        self._pose_ms: deque[float] = deque(maxlen=30)
        self._frame_ms: deque[float] = deque(maxlen=30)
        self._busy = threading.Lock()  # one user of the landmarker at a time: frames, the stall timer, close

    @property
    def window(self):
        return self.scoring.window

    @property
    def labels(self) -> list[str]:
        """The labels in use: the last valid list typed, once encoded."""
        return self.scoring.labels

    @property
    def windows_scored(self) -> int:
        return self.scoring.windows_scored

    # -- frames -------------------------------------------------------------------------------
    def process(self, frame: np.ndarray | None, labels_text: str) -> LiveOutput:
        """Track, maybe score, and draw one webcam frame (RGB uint8)."""
        if frame is None:
            return LiveOutput(None, None, "No camera frame received: press Record to start the webcam.")
        with self._busy:
            return self._process(frame, labels_text)

    def _process(self, frame: np.ndarray, labels_text: str) -> LiveOutput:
        if self.tracker is None and not self.slots.acquire(self):
            return LiveOutput(None, None, self.slots.busy_message())
        started = self._clock()
        tic = time.perf_counter()
        if self.last_frame_s is not None and started - self.last_frame_s > self.config.stall_s:
            self.scoring.clear()  # a restarted stream must not splice old motion onto new
            self._arrivals.clear()
        self.last_frame_s = started
        self._arrivals.append(started)
        self.scoring.update_labels(labels_text, started)

        pose = self.last_pose = self._track(np.ascontiguousarray(frame[..., :3], dtype=np.uint8), started)
        self.scoring.add(started, pose.landmarks, list(pose.track_ids), pose.visibility)
        self._pose_ms.append((time.perf_counter() - tic) * 1000)
        self.scoring.step(started)

        ranking, answer = self.scoring.ranking, self.scoring.answer
        importance = None if ranking is None else ranking.joint_importance
        image = draw_skeletons(frame[..., :3], pose.image, pose.visibility, importance)
        if len(pose.world) == 0:
            draw_caption(image, NOBODY, warning=True)
        elif answer is not None:
            draw_caption(image, answer.text if answer.label is None else f"{answer.label}  {answer.entries[0][1]:.0%}")
        self._frame_ms.append((time.perf_counter() - tic) * 1000)
        return LiveOutput(image, self.scoring.top, self.status(nobody=len(pose.world) == 0),
                          None if answer is None else answer.text)

    def _track(self, frame: np.ndarray, now_s: float):
        if self.tracker is None:
            try:
                self.tracker = self._make_tracker(self.mirrored)
            except BaseException:
                self.slots.release(self)
                raise
        timestamp = max(int((now_s - self._start_s) * 1000), self._last_timestamp_ms + 1)
        self._last_timestamp_ms = timestamp
        return self.tracker.process(frame, timestamp)

    def settle(self, timeout_s: float = 60.0) -> None:
        """Wait for the work in flight and take the ranking (tests and the benchmark need determinism)."""
        self.scoring.settle(timeout_s)

    # -- readouts -----------------------------------------------------------------------------
    @property
    def frames_per_s(self) -> float | None:
        if len(self._arrivals) < 2 or self._arrivals[-1] <= self._arrivals[0]:
            return None
        return (len(self._arrivals) - 1) / (self._arrivals[-1] - self._arrivals[0])

    def status(self, nobody: bool = False) -> str:
        """The one-line readout under the live view: rate, latency and what is missing."""
        parts = []
        fps = self.frames_per_s
        parts.append(f"{fps:.1f} frames/s" if fps is not None else "measuring rate")
        if self._frame_ms:
            parts.append(f"latency {np.mean(self._frame_ms):.0f} ms/frame (pose {np.mean(self._pose_ms):.0f} ms)")
        lines = [" · ".join(parts + self.scoring.readout())]
        notice = self.scoring.notice(nobody)
        if notice:
            lines.append(notice)
        return "\n\n".join(lines)

    def check_stalled(self) -> str | None:
        """A message once the camera has sent nothing for ``stall_s``; frees the landmarker.

        A frame still being processed means the camera has not stopped, however slow that frame is.
        """
        if not self._busy.acquire(blocking=False):
            return None
        try:
            if self.last_frame_s is None or self._clock() - self.last_frame_s <= self.config.stall_s:
                return None
            self._close_tracker()
            self.scoring.clear()
        finally:
            self._busy.release()
        return "Camera stopped: no frame received for a while. Press Record to start again."

    def close(self) -> None:
        """Free the landmarker and the slot (tab closed); waits for a frame in progress to finish."""
        with self._busy:
            self._close_tracker()

    def _close_tracker(self) -> None:
        if self.tracker is not None:
            self.tracker.close()
            self.tracker = None
        self.slots.release(self)


def stream_frame(frame, labels_text: str, session: LiveSession | None, recognizer, config: LiveConfig = LiveConfig(),
                 mirrored: bool = True):
    """The Gradio stream handler: ``session`` is that browser session's state (None at first)."""
    if session is None:
        session = LiveSession(recognizer, mirrored=mirrored, config=config)
    out = session.process(frame, labels_text)
    return out.image, out.scores, out.answer, out.status, session
