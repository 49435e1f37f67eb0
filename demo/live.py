"""The live webcam path: one session per browser tab, fed one frame at a time.

Each session owns its MediaPipe landmarker (VIDEO mode needs increasing timestamps from one
source, so two tabs can never share one), its sliding window and its labels. Pose runs on every
frame; the recogniser runs in the background on the window every ``score_every_s`` seconds, and
at once when new labels come into use, so typed labels show without restarting the stream.

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
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from core.recognition.windows import MIN_POSES
from demo.drawing import draw_caption, draw_skeletons
from demo.live_labels import LiveLabels
from demo.live_slots import LIVE_SLOTS, LiveSlots
from demo.pose_window import PoseWindow

NOBODY = "Nobody in view: step in front of the camera"
TOP_K = 5


@dataclass(frozen=True)
class LiveConfig:
    window_s: float | None = None  # seconds of poses kept and scored; None: the model's window seconds
    score_every_s: float = 0.4  # with frames arriving every ~1/15 s this gives >= 2 rankings/s
    min_frames: int = MIN_POSES  # the windowing policy's pose minimum (core.recognition.windows)
    stall_s: float = 2.0  # no frame for this long means the camera stopped


@dataclass
class LiveOutput:
    image: np.ndarray | None
    scores: dict[str, float] | None  # top-k label -> probability, for gr.Label
    status: str


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
        self.window = PoseWindow(config.window_s or recognizer.policy.duration_s)
        self.label_state = LiveLabels(recognizer)
        self.ranking = None
        self._last_score_s = -np.inf
        self._last_timestamp_ms = -1
        self._start_s = clock()
        self.last_frame_s: float | None = None
        self.last_pose = None
        self._arrivals: deque[float] = deque(maxlen=30)
        self._pose_ms: deque[float] = deque(maxlen=30)
        self._frame_ms: deque[float] = deque(maxlen=30)
        self.score_ms: float | None = None
        self.score_error: str | None = None
        self.windows_scored = 0
        self._pending: Future | None = None  # the ranking being computed in the background
        self._busy = threading.Lock()  # one user of the landmarker at a time: frames, the stall timer, close
        self._pending_labels = None

    @property
    def labels(self) -> list[str]:
        """The labels in use: the last valid list typed, once encoded."""
        return self.label_state.applied

    def _update_labels(self, text: str, now_s: float) -> None:
        if self.label_state.update(text, now_s):
            self.ranking = None
            self._last_score_s = -np.inf  # score the new labels on the very next frame
        elif self.label_state.label_set is None:
            self.ranking = None  # a bad list: say so rather than keep old scores on screen

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
            self.window.clear()  # a restarted stream must not splice old motion onto new
            self._arrivals.clear()
        self.last_frame_s = started
        self._arrivals.append(started)
        self._update_labels(labels_text, started)

        pose = self.last_pose = self._track(np.ascontiguousarray(frame[..., :3], dtype=np.uint8), started)
        self.window.add(started, pose.landmarks, list(pose.track_ids))
        self._pose_ms.append((time.perf_counter() - tic) * 1000)

        self._collect()
        if self.label_state.label_set is not None and started - self._last_score_s >= self.config.score_every_s:
            self._score(started)

        importance = None if self.ranking is None else self.ranking.joint_importance
        image = draw_skeletons(frame[..., :3], pose.image, pose.visibility, importance)
        if len(pose.world) == 0:
            draw_caption(image, NOBODY, warning=True)
        elif self.ranking is not None:
            label, probability = self.ranking.entries[0]
            draw_caption(image, f"{label}  {probability:.0%}")
        scores = None if self.ranking is None else dict(self.ranking.top(TOP_K))
        self._frame_ms.append((time.perf_counter() - tic) * 1000)
        return LiveOutput(image, scores, self.status(nobody=len(pose.world) == 0))

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

    def _score(self, now_s: float) -> None:
        """Send the window to the background scorer unless a ranking is still being computed."""
        if self._pending is not None:
            return
        if self.window.frames_with_people < self.config.min_frames:
            self.ranking = None
            return
        self._pending = self.recognizer.submit_rank(
            self.window.snapshot(), self.label_state.label_set, times=self.window.times())
        self._pending_labels = self.label_state.label_set
        self._last_score_s = now_s

    def _collect(self) -> None:
        """Take a finished ranking, unless the labels changed while it was computed."""
        if self._pending is None or not self._pending.done():
            return
        future, labels = self._pending, self._pending_labels
        self._pending = self._pending_labels = None
        try:
            ranking, self.score_ms = future.result()
        except Exception as error:  # e.g. a degenerate pose the recogniser refuses: said in the status, once per window
            self.score_error = str(error) or type(error).__name__
            return
        self.score_error = None
        if labels is self.label_state.label_set:
            self.ranking = ranking
            self.windows_scored += 1

    def settle(self, timeout_s: float = 60.0) -> None:
        """Wait for the work in flight and take the ranking (tests and the benchmark need determinism)."""
        self.label_state.settle(timeout_s)
        if self._pending is not None:
            self._pending.exception(timeout=timeout_s)
            self._collect()

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
        if self.score_ms is not None:
            parts.append(f"scoring {self.score_ms:.0f} ms every {self.config.score_every_s:g} s")
        parts.append(f"window {self.window.span_s:.1f} s, {self.window.frames_with_people} poses")
        parts.append(f"{self.windows_scored} rankings")
        lines = [" · ".join(parts)]
        preparing = self.label_state.preparing
        if self.label_state.error:
            lines.append(f"⚠️ Labels: {self.label_state.error}")
        elif self.score_error:
            lines.append(f"⚠️ Could not score this window: {self.score_error}")
        elif nobody:
            lines.append(f"⚠️ {NOBODY}")
        elif preparing:
            lines.append(f"Preparing {len(preparing)} label(s) for scoring…")
        elif self.ranking is None:
            lines.append(f"Collecting motion ({self.window.frames_with_people}/{self.config.min_frames} poses)…")
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
            self.window.clear()
            self.ranking = self._pending = self._pending_labels = None
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
    return out.image, out.scores, out.status, session
