"""The browser-pose endpoints on the app's own server, beside Gradio's.

- ``GET /browser-pose/status``: whether the page's MediaPipe runtime is ready (it is fetched in the
  background at start-up, demo.web_assets) and, if it could not be had, why;
- ``GET /browser-pose/client/<file>``: the page's own scripts (demo/web/);
- ``GET /browser-pose/runtime/<file>``: MediaPipe's web runtime, from the cache folder;
- ``GET /browser-pose/pose_landmarker.task``: the server's own pose model (core.pose.asset);
- ``WS /browser-pose/ws``: one connection per live stream. The page sends labels and landmarks
  (demo.pose_messages), the server answers with rankings (demo.browser_session).

At most ``MAX_BROWSER_SESSIONS`` connections stream at once; the next one gets the busy message
and is closed. A connection that breaks a rule, or sends nothing for ``stall_s``, gets one
``{"type": "error"}`` message and is closed; nothing it did reaches the other connections.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, HTTPException, WebSocket
from fastapi.responses import FileResponse, JSONResponse

from core import limits
from core.pose.asset import ensure_pose_model
from core.pose.errors import PoseModelError
from demo.browser_session import CLOSE_BUSY, CLOSE_POLICY, BrowserSession, SessionError
from demo.live_scoring import LiveConfig
from demo.live_slots import BROWSER_SLOTS, LiveSlots
from demo.web_assets import FILES, ensure_web_assets

PREFIX = "/browser-pose"
CLIENT_DIR = Path(__file__).resolve().parent / "web"
CLIENT_FILES = ("browser_pose.js", "pose_worker.js")
MEDIA_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm"}
RUNTIME_CACHE = {"Cache-Control": "public, max-age=86400"}  # pinned version: the files never change
CLIENT_CACHE = {"Cache-Control": "no-cache"}  # the app's own scripts change with the app


class WebRuntime:
    """MediaPipe's web runtime for the page, obtained once in the background; ready, pending or failed."""

    def __init__(self, obtain: Callable[[], Path] = ensure_web_assets) -> None:
        self._obtain = obtain
        self.folder: Path | None = None
        self.error: str | None = None
        self._done = threading.Event()

    def start(self) -> WebRuntime:
        threading.Thread(target=self._fetch, daemon=True, name="web-runtime").start()
        return self

    def _fetch(self) -> None:
        try:
            self.folder = self._obtain()
        except OSError as error:
            self.error = str(error)
        finally:
            self._done.set()

    def wait(self, timeout_s: float) -> bool:
        return self._done.wait(timeout_s)

    def state(self) -> dict:
        return {"ready": self.folder is not None, "pending": not self._done.is_set(), "error": self.error}


class _Sender:
    """One writer at a time on a connection (the receive loop and the ranking waiter both send)."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket
        self._lock = asyncio.Lock()

    async def send(self, message: dict) -> None:
        async with self._lock:
            await self._websocket.send_text(json.dumps(message))

    async def close(self, message: str, code: int) -> None:
        """The one clear error, then the close; a connection already gone is left alone."""
        message = message.removeprefix("⚠️ ")  # the page marks errors itself
        reason = message.encode()[:120].decode(errors="ignore")  # a close frame holds 123 bytes at most
        try:
            await self.send({"type": "error", "message": message})
            await self._websocket.close(code=code, reason=reason)
        except (RuntimeError, OSError):  # Starlette's "already closed", or a broken socket
            pass


class _Connection:
    """A slot holder: a stream silent for ``stall_s`` gives its slot back at once and is closed."""

    def __init__(self, session: BrowserSession, sender: _Sender, slots: LiveSlots) -> None:
        self.session, self.sender, self.slots = session, sender, slots
        self._loop = asyncio.get_running_loop()

    def check_stalled(self) -> str | None:
        message = self.session.check_stalled()
        if message is not None:
            self.slots.release(self)
            self._loop.call_soon_threadsafe(lambda: asyncio.ensure_future(self.sender.close(message, CLOSE_POLICY)))
        return message


async def _answer_when_ready(session: BrowserSession, sender: _Sender) -> None:
    """Send the ranking in flight as soon as the background scorer has it."""
    pending = session.scoring.pending
    if pending is None:
        return
    try:
        await asyncio.wrap_future(pending)
    except Exception:  # noqa: BLE001 (the scorer's error is the session's to report: collect() says it)
        pass
    for reply in session.collect():
        await sender.send(reply)


async def stream(websocket: WebSocket, recognizer, config: LiveConfig, slots: LiveSlots) -> None:
    """Serve one browser-pose connection until it closes, breaks a rule or goes silent."""
    await websocket.accept()
    sender = _Sender(websocket)
    session = BrowserSession(recognizer, config)
    connection = _Connection(session, sender, slots)
    if not slots.acquire(connection):
        await sender.close(slots.busy_message(), CLOSE_BUSY)
        return
    waiter: asyncio.Task | None = None
    try:
        await sender.send({"type": "hello", "max_messages_per_s": limits.MAX_POSE_MESSAGES_PER_S,
                           "score_every_s": config.score_every_s})
        while True:
            try:
                event = await asyncio.wait_for(websocket.receive(), timeout=config.stall_s)
            except TimeoutError:
                await sender.close(session.check_stalled() or "no landmarks received", CLOSE_POLICY)
                return
            if event["type"] == "websocket.disconnect":
                return
            try:
                replies = session.receive(event["text"] if event.get("text") is not None else event.get("bytes", b""))
            except SessionError as error:
                await sender.close(str(error), error.code)
                return
            for reply in replies:
                await sender.send(reply)
            if session.scoring.pending is not None and (waiter is None or waiter.done()):
                waiter = asyncio.create_task(_answer_when_ready(session, sender))
    except (RuntimeError, OSError):  # the page went away while we were sending
        return
    finally:
        slots.release(connection)
        if waiter is not None:
            waiter.cancel()


def add_browser_pose_routes(app: FastAPI, recognizer, runtime: WebRuntime, config: LiveConfig = LiveConfig(),
                            slots: LiveSlots = BROWSER_SLOTS) -> None:
    """Register the endpoints above on ``app`` (before Gradio adds its own)."""

    @app.get(f"{PREFIX}/status")
    def status() -> JSONResponse:
        return JSONResponse({**runtime.state(), "streams": slots.in_use, "max_streams": slots.limit})

    @app.get(f"{PREFIX}/client/{{name}}")
    def client(name: str) -> FileResponse:
        if name not in CLIENT_FILES:
            raise HTTPException(404, f"no client file {name!r}")
        return FileResponse(CLIENT_DIR / name, media_type=MEDIA_TYPES[".js"], headers=CLIENT_CACHE)

    @app.get(f"{PREFIX}/runtime/{{name}}")
    def runtime_file(name: str) -> FileResponse:
        if name not in FILES:
            raise HTTPException(404, f"no runtime file {name!r}")
        if runtime.folder is None:
            raise HTTPException(503, runtime.error or "the browser pose runtime is still being fetched")
        return FileResponse(runtime.folder / name, media_type=MEDIA_TYPES[Path(name).suffix], headers=RUNTIME_CACHE)

    @app.get(f"{PREFIX}/pose_landmarker.task")
    def pose_model() -> FileResponse:
        try:
            path = ensure_pose_model()
        except PoseModelError as error:
            raise HTTPException(503, str(error)) from None
        return FileResponse(path, media_type="application/octet-stream", headers=RUNTIME_CACHE)

    @app.websocket(f"{PREFIX}/ws")
    async def pose_stream(websocket: WebSocket) -> None:
        await stream(websocket, recognizer, config, slots)
