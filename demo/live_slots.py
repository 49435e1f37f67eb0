"""How many live webcam sessions may hold pose landmarkers at once (and, with a limit of their
own, how many browser-pose streams the server scores at once).

Each live session owns one or two MediaPipe landmarkers (about 146 MB each) and a share of the
CPU, so a public app serves at most ``core.limits.MAX_LIVE_SESSIONS`` streams; the next visitor
is told the app is busy instead of slowing everyone down. A slot is held while a session holds
a landmarker and is given back when it closes it (stream stopped, tab closed). When all slots are
taken, sessions whose camera has stopped are closed first, so a tab that vanished without Gradio
telling us cannot keep its slot.
"""

from __future__ import annotations

import threading

from core import limits


class LiveSlots:
    """``limit`` (default: the ``core.limits`` value named ``limit_name``) holders at most; a holder
    has ``check_stalled()``, which frees its slot when its stream has stopped."""

    def __init__(self, limit: int | None = None, limit_name: str = "MAX_LIVE_SESSIONS") -> None:
        self._limit = limit
        self.limit_name = limit_name
        self._lock = threading.Lock()
        self._holders: list = []  # the sessions holding a slot, oldest first

    @property
    def limit(self) -> int:
        return self._limit if self._limit is not None else getattr(limits, self.limit_name)

    @property
    def in_use(self) -> int:
        with self._lock:
            return len(self._holders)

    def busy_message(self) -> str:
        return (
            f"⚠️ The app is busy: {self.limit} live stream(s) are running, the most it serves at once "
            f"(${limits.env_name(self.limit_name)}). Try again in a minute, or use the Video tab."
        )

    def acquire(self, session) -> bool:
        """A slot for ``session`` (True if it already has one); False when every slot is taken."""
        if self._take(session):
            return True
        with self._lock:
            others = [holder for holder in self._holders if holder is not session]
        for holder in others:  # outside the lock: closing a session gives its slot back
            holder.check_stalled()
        return self._take(session)

    def _take(self, session) -> bool:
        with self._lock:
            if any(holder is session for holder in self._holders):
                return True
            if len(self._holders) >= self.limit:
                return False
            self._holders.append(session)
            return True

    def release(self, session) -> None:
        with self._lock:
            self._holders = [holder for holder in self._holders if holder is not session]


LIVE_SLOTS = LiveSlots()  # the app's server-side webcam streams: one per process, shared by every tab
BROWSER_SLOTS = LiveSlots(limit_name="MAX_BROWSER_SESSIONS")  # streams whose pose runs in the page
