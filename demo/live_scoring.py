"""What every live stream does with its poses, wherever they were found: window, score, steady answer.

The server-side webcam (demo.live, MediaPipe on the server) and the browser-pose path
(demo.browser_session, MediaPipe in the visitor's page) both feed one of these with each frame's
landmarks. It keeps the window (demo.pose_window), the labels in use (demo.live_labels), sends
the window to the shared background scorer every ``score_every_s`` of server time (never more
than one ranking in flight per stream), and turns the rankings into the steady answer of
core.recognition.smoothing, the rule the Video tab's timeline follows too.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from core.recognition.smoothing import SteadyAnswer, SteadyRanking
from core.recognition.windows import MIN_POSES
from demo.live_labels import LiveLabels
from demo.pose_window import PoseWindow

TOP_K = 5
NOBODY = "Nobody in view: step in front of the camera"


@dataclass(frozen=True)
class LiveConfig:
    window_s: float | None = None  # seconds of poses kept; None: what the policy's latest moment reads (history_s)
    score_every_s: float = 0.4  # with frames arriving every ~1/15 s this gives >= 2 rankings/s
    min_frames: int = MIN_POSES  # the windowing policy's pose minimum (core.recognition.windows)
    stall_s: float = 2.0  # no frame for this long means the camera stopped


class LiveScoring:
    """One stream's window, labels, ranking in flight and steady answer."""

    def __init__(self, recognizer, config: LiveConfig = LiveConfig(), max_frames: int | None = None) -> None:
        self.recognizer = recognizer
        self.config = config
        self.window = PoseWindow(config.window_s or recognizer.policy.history_s, max_frames=max_frames)
        self.label_state = LiveLabels(recognizer)
        self.steady = SteadyRanking()
        self.ranking = None  # the last window's own ranking (where the model looked: joint importance)
        self.answer: SteadyAnswer | None = None
        self.answer_until_s: float | None = None  # stream time of the newest frame when the answer's window was sent
        self.score_ms: float | None = None
        self.score_error: str | None = None
        self.windows_scored = 0
        self._last_score_s = -np.inf
        self._pending: Future | None = None
        self._pending_labels = None
        self._pending_at_s = 0.0
        self._pending_until_s = 0.0

    @property
    def labels(self) -> list[str]:
        """The labels in use: the last valid list typed, once encoded."""
        return self.label_state.applied

    @property
    def pending(self) -> Future | None:
        """The ranking being computed in the background, if any (an async caller may wait on it)."""
        return self._pending

    @property
    def top(self) -> dict[str, float] | None:
        """The steady answer's top labels with their smoothed probabilities (for gr.Label)."""
        return None if self.answer is None else dict(self.answer.top(TOP_K))

    def update_labels(self, text: str, now_s: float) -> None:
        if self.label_state.update(text, now_s):
            self._forget_answer()
            self._last_score_s = -np.inf  # score the new labels on the very next frame
        elif self.label_state.label_set is None:
            self._forget_answer()  # a bad list: say so rather than keep old scores on screen

    def add(self, time_s: float, landmarks: np.ndarray, track_ids: list[int], visibility: np.ndarray | None = None) -> None:
        """One frame's bodies ``(P, 33, 2)``, pixels of the real view, at the stream's ``time_s``,
        and how visible each was (``(P, J)``, when the tracker says)."""
        self.window.add(time_s, landmarks, track_ids, visibility)

    def step(self, now_s: float) -> None:
        """Take a finished ranking, and send the window off when it is time."""
        self.collect()
        if self.label_state.label_set is not None and now_s - self._last_score_s >= self.config.score_every_s:
            self._score(now_s)

    def _score(self, now_s: float) -> None:
        if self._pending is not None:
            return
        if self.window.frames_with_people < self.config.min_frames:
            self._forget_answer()
            return
        self._pending = self.recognizer.submit_rank(
            self.window.snapshot(), self.label_state.label_set, times=self.window.times())
        self._pending_labels = self.label_state.label_set
        self._pending_at_s = self._last_score_s = now_s
        self._pending_until_s = self.window.last_time_s

    def collect(self) -> None:
        """Take a finished ranking unless the labels changed while it was computed."""
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
        if labels is not self.label_state.label_set:
            return
        self.ranking = ranking
        probabilities = dict(ranking.entries)
        self.answer = self.steady.update(self._pending_at_s, labels.labels, [probabilities[l] for l in labels.labels],
                                         ranking.motion)
        self.answer_until_s = self._pending_until_s
        self.windows_scored += 1

    def _forget_answer(self) -> None:
        self.ranking = self.answer = self.answer_until_s = None
        self.steady.reset()

    def clear(self) -> None:
        """A stopped or restarted stream: no old motion is spliced onto new, no old answer kept."""
        self.window.clear()
        self._forget_answer()
        self._pending = self._pending_labels = None

    def settle(self, timeout_s: float = 60.0) -> None:
        """Wait for the work in flight and take the ranking (tests and the benchmark need determinism)."""
        self.label_state.settle(timeout_s)
        if self._pending is not None:
            self._pending.exception(timeout=timeout_s)
            self.collect()

    def readout(self) -> list[str]:
        """The scoring part of a stream's status line."""
        parts = []
        if self.score_ms is not None:
            parts.append(f"scoring {self.score_ms:.0f} ms every {self.config.score_every_s:g} s")
        parts.append(f"window {self.window.span_s:.1f} s, {self.window.frames_with_people} poses")
        parts.append(f"{self.windows_scored} rankings")
        return parts

    def notice(self, nobody: bool) -> str | None:
        """What is wrong or missing, in one line, most urgent first (None: nothing to say)."""
        if self.label_state.error:
            return f"⚠️ Labels: {self.label_state.error}"
        if self.score_error:
            return f"⚠️ Could not score this window: {self.score_error}"
        if nobody:
            return f"⚠️ {NOBODY}"
        preparing = self.label_state.preparing
        if preparing:
            return f"Preparing {len(preparing)} label(s) for scoring…"
        if self.answer is None:
            return f"Collecting motion ({self.window.frames_with_people}/{self.config.min_frames} poses)…"
        return None
