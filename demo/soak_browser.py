"""Many visitors whose pose runs in their browsers: ``python -m demo.soak --browser``.

The app's own server (Gradio and the browser-pose endpoints, demo.browser_routes) runs in this
process on a loopback port with the shipped weights; ``--sessions`` simulated pages connect over
real WebSockets and each replays a recorded landmark stream (demo.landmark_streams: real clips
through the server-side tracker, or a generated figure when the clips are absent) at ``--fps``
landmark frames per second for ``--seconds``. It measures what a visitor gets and what the server
spends: every ranking's latency (from sending the newest frame the ranking has seen to receiving
it), rankings per second per session, the scorer's milliseconds per ranking, resident memory
after the warm-up, errors. It passes when no session got an error, every ranking came within
``--max-latency-s``, every session got at least ``--min-rankings-per-s``, and memory after the
warm-up grew by at most ``--max-growth-mb``.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import queue
import resource
import socket
import time
from dataclasses import dataclass, field

import numpy as np

from demo.landmark_streams import LandmarkStream, record, synthetic
from demo.live_slots import LiveSlots

WARM_UP_SHARE = 0.25
CLIPS = ("squat_02.mp4", "jumping_jacks_02.mp4", "walking_02.mp4")
FALLBACK_LABELS = "squat\nwalking\njumping jacks\nsitting down\nstanding up\nclapping\nhand waving"


@dataclass
class BrowserRun:
    frames: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    score_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def streams_and_labels() -> tuple[list[LandmarkStream], str, str]:
    """The recorded clips' streams and every action of the clips table, else a generated one."""
    from core.evaluation.videos import DEFAULT_CLIPS, read_clips

    if not DEFAULT_CLIPS.is_file():
        return [synthetic()], FALLBACK_LABELS, f"generated figure ({DEFAULT_CLIPS} absent)"
    rows = read_clips(DEFAULT_CLIPS)
    labels = "\n".join(dict.fromkeys(row.action for row in rows))
    chosen = [row.file for row in rows if row.file.name in CLIPS and row.file.is_file()]
    if not chosen:
        return [synthetic()], labels, "generated figure (the clips are absent)"
    return [record(path) for path in chosen], labels, ", ".join(path.name for path in chosen)


async def _client(url: str, stream: LandmarkStream, offset: int, labels: str, fps: float, seconds: float,
                  run: BrowserRun) -> None:
    from websockets.asyncio.client import connect

    loop = asyncio.get_running_loop()
    try:
        async with connect(url, open_timeout=30, max_size=2**20) as page:
            json.loads(await page.recv())  # hello
            await page.send(json.dumps({"type": "labels", "text": labels}))
            start = loop.time()

            async def receive() -> None:
                async for raw in page:
                    message = json.loads(raw)
                    if message["type"] == "ranking":
                        run.latencies_ms.append((loop.time() - start) * 1000 - message["frame_t"])
                        run.score_ms.append(message["score_ms"])
                    elif message["type"] == "error":
                        run.errors.append(message["message"])

            receiver = asyncio.create_task(receive())
            while (elapsed := loop.time() - start) < seconds and not receiver.done():
                await page.send(stream.message(offset + int(elapsed * stream.fps), elapsed * 1000))
                run.frames += 1
                await asyncio.sleep(max(0.0, start + run.frames / fps - loop.time()))
            run.seconds = loop.time() - start
            await asyncio.sleep(0.6)  # the ranking in flight
            receiver.cancel()
    except Exception as error:  # noqa: BLE001 (a soak counts failures instead of stopping at the first)
        run.errors.append(f"{type(error).__name__}: {error}")


def _pages(url: str, streams: list[LandmarkStream], labels: str, sessions: int, fps: float, seconds: float,
           results) -> None:
    """The simulated pages, in a process of their own (browsers are not the server's CPU)."""
    async def run_all() -> list[BrowserRun]:
        runs = [BrowserRun() for _ in range(sessions)]
        await asyncio.gather(*(_client(url, streams[i % len(streams)], 37 * i, labels, fps, seconds, runs[i])
                               for i in range(sessions)))
        return runs

    results.put(asyncio.run(run_all()))


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _watch(pages, results, seconds: float) -> tuple[list[BrowserRun], dict]:
    """Sample this (the server's) process while the pages run; their runs and the server's figures."""
    from demo.soak import resident_mb

    started = time.perf_counter()
    cpu_before = _cpu_s()
    baseline = peak = after_warm_up = resident_mb()
    late_peak = 0.0
    quarters: list[float] = []  # resident memory at each quarter of the run: flat after the first?
    runs = None
    while runs is None:
        try:
            runs = results.get(timeout=0.25)
        except queue.Empty:
            if not pages.is_alive() and results.empty():
                raise RuntimeError(f"the simulated pages stopped (exit code {pages.exitcode})") from None
        now = resident_mb()
        peak = max(peak, now)
        elapsed = time.perf_counter() - started
        if elapsed < WARM_UP_SHARE * seconds:
            after_warm_up = now
        else:
            late_peak = max(late_peak, now)
        if elapsed >= (len(quarters) + 1) * seconds / 4:
            quarters.append(round(now, 1))
    wall = time.perf_counter() - started
    return runs, {"wall_s": wall, "cpu_cores": (_cpu_s() - cpu_before) / wall, "start": baseline,
                  "after_warm_up": after_warm_up, "peak": peak, "growth": max(0.0, late_peak - after_warm_up),
                  "quarters": quarters}


def browser_soak(recognizer, sessions: int = 20, seconds: float = 60.0, fps: float = 15.0,
                 streams: list[LandmarkStream] | None = None, labels: str | None = None, source: str = "",
                 config=None) -> dict:
    """Serve the app in this process, drive the simulated pages from another, sum up what was measured."""
    from demo.app import build_app, serve
    from demo.browser_routes import PREFIX, WebRuntime, add_browser_pose_routes
    from demo.live_scoring import LiveConfig

    if streams is None:
        streams, labels, source = streams_and_labels()
    labels = labels or FALLBACK_LABELS
    recognizer.encode_labels([line for line in labels.splitlines() if line.strip()])  # once, as a warm app has
    config = config or LiveConfig()
    slots = LiveSlots(limit=sessions, limit_name="MAX_BROWSER_SESSIONS")
    app = build_app(recognizer)
    port = free_port()
    serve(app, routes=lambda server: add_browser_pose_routes(server, recognizer, WebRuntime(), config, slots),
          server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    ranked, busy_s = recognizer.ranked, recognizer.busy_s
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    pages = context.Process(target=_pages, args=(f"ws://127.0.0.1:{port}{PREFIX}/ws", streams, labels, sessions,
                                                 fps, seconds, results), daemon=True)
    try:
        pages.start()
        runs, load = _watch(pages, results, seconds)
        pages.join(timeout=30)
    finally:
        if pages.is_alive():
            pages.terminate()
        app.close()
    ranked, busy_s = recognizer.ranked - ranked, recognizer.busy_s - busy_s
    latencies = np.array([value for run in runs for value in run.latencies_ms]) / 1000
    batch_ms = np.array([value for run in runs for value in run.score_ms if value is not None])
    errors = [error for run in runs for error in run.errors]
    rates = [len(run.latencies_ms) / run.seconds if run.seconds else 0.0 for run in runs]
    return {
        "mode": "browser", "sessions": sessions, "seconds": round(load["wall_s"], 1), "fps_target": fps,
        "streams": source, "labels": len(labels.splitlines()),
        "frames_per_s": [round(run.frames / run.seconds, 1) if run.seconds else 0.0 for run in runs],
        "rankings": [len(run.latencies_ms) for run in runs],
        "rankings_per_s_min": round(min(rates), 2), "rankings_per_s_mean": round(float(np.mean(rates)), 2),
        "latency_s_p50": _rounded(latencies, 50), "latency_s_p95": _rounded(latencies, 95),
        "latency_s_max": _rounded(latencies, 100),
        "scorer_ms_per_ranking": round(1000 * busy_s / ranked, 1) if ranked else None,
        "scorer_busy_share": round(busy_s / load["wall_s"], 2), "batch_ms_mean": _rounded(batch_ms, None),
        "batch_ms_p95": _rounded(batch_ms, 95),
        "cpu_cores": round(load["cpu_cores"], 2),
        "memory_start_mb": round(load["start"], 1), "memory_after_warm_up_mb": round(load["after_warm_up"], 1),
        "memory_peak_mb": round(load["peak"], 1), "memory_growth_mb": round(load["growth"], 1),
        "memory_by_quarter_mb": load["quarters"],
        "errors": errors[:10], "error_count": len(errors), "slots_in_use": slots.in_use,
    }


def _rounded(values: np.ndarray, percentile: float | None) -> float | None:
    """A percentile (None: the mean) of the values, or None when there are none."""
    if not values.size:
        return None
    return round(float(values.mean() if percentile is None else np.percentile(values, percentile)), 3)


def browser_passed(summary: dict, max_latency_s: float, min_rankings_per_s: float, max_growth_mb: float) -> bool:
    return (summary["error_count"] == 0 and summary["latency_s_max"] is not None
            and summary["latency_s_max"] <= max_latency_s and summary["rankings_per_s_min"] >= min_rankings_per_s
            and summary["memory_growth_mb"] <= max_growth_mb and summary["slots_in_use"] == 0)
