"""One visitor's browser-pose stream: landmarks in, steady answers out, and nothing unbounded.

The page runs MediaPipe itself and sends each frame's landmarks (demo.pose_messages); the
server follows people by their torsos (core.pose.identity, the tracker's rule), makes skeletons
of the window through the one landmark path (demo.pose_window, core.pose.landmarks), and scores
them like any live stream (demo.live_scoring). What the server spends on a session is bounded:
messages per second (``MAX_POSE_MESSAGES_PER_S``, a token bucket with one second of burst), their
size (``MAX_POSE_MESSAGE_KB``), frames in the window (the rate times the window's seconds,
whatever the page's timestamps say), and one ranking in flight. A message that breaks a rule, or
a timestamp that does not increase, raises ``SessionError``: the connection is closed with it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from core import limits
from core.pose.identity import IdentityTracker, torso_of
from demo.live_scoring import TOP_K, LiveConfig, LiveScoring
from demo.pose_messages import LabelsText, MessageError, MessageTooLarge, parse_message

CLOSE_POLICY = 1008  # WebSocket close codes (RFC 6455): a rule was broken
CLOSE_TOO_BIG = 1009  # a message was too large
CLOSE_BUSY = 1013  # try again later


class SessionError(Exception):
    """Why a session is being closed; ``code`` is the WebSocket close code."""

    def __init__(self, message: str, code: int = CLOSE_POLICY) -> None:
        super().__init__(message)
        self.code = code


class BrowserSession:
    def __init__(self, recognizer, config: LiveConfig = LiveConfig(),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        rate = limits.MAX_POSE_MESSAGES_PER_S
        window_s = config.window_s or recognizer.policy.history_s
        self.scoring = LiveScoring(recognizer, config, max_frames=math.ceil(window_s * rate) + 1)
        self._identities = IdentityTracker()
        self._allowance = float(rate)
        self.last_message_s = self._allowance_at = clock()
        self._last_time_ms: float | None = None
        self._labels_text = ""
        self._nobody = False
        self._notice: str | None = None
        self._rankings_sent = 0

    def receive(self, raw: str | bytes) -> list[dict]:
        """Take one message; the replies to send (a new answer, a changed notice)."""
        now = self._clock()
        self._spend_allowance(now)
        self.last_message_s = now
        try:
            message = parse_message(raw)
        except MessageError as error:
            raise SessionError(str(error), CLOSE_TOO_BIG if isinstance(error, MessageTooLarge) else CLOSE_POLICY) from None
        if isinstance(message, LabelsText):
            self._labels_text = message.text
        else:
            if self._last_time_ms is not None and message.time_ms <= self._last_time_ms:
                raise SessionError(f"timestamps must increase: {message.time_ms:g} ms came after "
                                   f"{self._last_time_ms:g} ms")
            self._last_time_ms = message.time_ms
            self._add(message.time_ms, message.landmarks)
        self.scoring.update_labels(self._labels_text, now)
        self.scoring.step(now)
        return self._replies()

    def _spend_allowance(self, now: float) -> None:
        rate = limits.MAX_POSE_MESSAGES_PER_S
        self._allowance = min(float(rate), self._allowance + (now - self._allowance_at) * rate)
        self._allowance_at = now
        if self._allowance < 1.0:
            raise SessionError(f"more than {rate} messages per second (${limits.env_name('MAX_POSE_MESSAGES_PER_S')})")
        self._allowance -= 1.0

    def _add(self, time_ms: float, landmarks: np.ndarray) -> None:
        self._nobody = len(landmarks) == 0
        torsos = [torso_of(person) for person in landmarks]
        centres = np.array([centre for centre, _ in torsos], dtype=np.float64).reshape(-1, 2)
        track_ids = self._identities.assign(centres, np.array([size for _, size in torsos]), int(time_ms))
        self.scoring.add(time_ms / 1000.0, landmarks, track_ids)

    def collect(self) -> list[dict]:
        """The replies once the ranking in flight has finished (the server awaits it)."""
        self.scoring.collect()
        return self._replies()

    def _replies(self) -> list[dict]:
        """A ranking message for a new answer, else a status message when the notice changed."""
        replies = []
        notice = self.scoring.notice(self._nobody)
        if self.scoring.answer is not None and self.scoring.windows_scored != self._rankings_sent:
            self._rankings_sent = self.scoring.windows_scored
            replies.append(self.ranking_message(notice))
        elif notice != self._notice:
            replies.append({"type": "status", "notice": notice})
        self._notice = notice
        return replies

    def ranking_message(self, notice: str | None) -> dict:
        scoring = self.scoring
        answer = scoring.answer
        return {
            "type": "ranking",
            "answer": answer.label,
            "text": answer.text,
            "top": [[label, round(probability, 4)] for label, probability in answer.top(TOP_K)],
            "rankings": scoring.windows_scored,
            "score_ms": None if scoring.score_ms is None else round(scoring.score_ms, 1),
            "frame_t": None if scoring.answer_until_s is None else round(scoring.answer_until_s * 1000.0, 1),
            "notice": notice,
        }

    def check_stalled(self) -> str | None:
        """A message once the page has sent nothing for ``stall_s`` (its camera or tab stopped)."""
        if self._clock() - self.last_message_s <= self.config.stall_s:
            return None
        return f"no landmarks for {self.config.stall_s:g} s: the camera or the tab stopped. Press Start to go on."
