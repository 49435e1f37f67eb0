"""Several live sessions at once for a while: ``python -m demo.soak`` (``--browser``: demo.soak_browser).

What a busy public Space sees, in one process and without a network (no server is started):
``--sessions`` webcam sessions stream frames at ``--fps`` from their own threads for
``--seconds`` while each changes its labels every ``--label-every`` seconds (now a preset, now
labels nobody typed before, which go through the text encoder and its disk cache). It passes
(exit 0) when no frame raised or reported an error, the resident memory after the warm-up grew
by at most ``--max-growth-mb``, and every landmarker was closed and every session slot given
back at the end. It prints peak memory and frames/s per session.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from demo.bench import DEFAULT_VIDEO, SIZE, webcam_like_frames
from demo.engine import SharedRecognizer, share_cpu_with_pose
from demo.live import LiveConfig, LiveSession, _tracker_factory
from demo.live_slots import LiveSlots
from demo.process_memory import bound_malloc_arenas

WARM_UP_SHARE = 0.25  # memory growth is measured from the end of the first quarter of the run
# (landmarkers start, the first windows are scored); the text encoder is loaded before it starts.
ERROR_MARKS = ("⚠️ Labels:", "⚠️ Could not score")
KNOWN_LABELS = ("drink water; clapping; sit down; stand up", "hand waving; kicking something; jump up")


def resident_mb() -> float:
    """This process's resident memory now (Linux /proc), else its peak so far."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


class TrackerCount:
    """Wraps a tracker factory and counts the trackers it made that are still open."""

    def __init__(self, factory: Callable[[bool], object]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self.made = 0
        self.open = 0

    def __call__(self, mirrored: bool) -> _CountedTracker:
        tracker = _CountedTracker(self._factory(mirrored), self)
        with self._lock:
            self.made += 1
            self.open += 1
        return tracker

    def closed_one(self) -> None:
        with self._lock:
            self.open -= 1


class _CountedTracker:
    def __init__(self, tracker, count: TrackerCount) -> None:
        self._tracker, self._count = tracker, count

    def process(self, frame: np.ndarray, timestamp_ms: int):
        return self._tracker.process(frame, timestamp_ms)

    def close(self) -> None:
        self._tracker.close()
        self._count.closed_one()


@dataclass
class SessionRun:
    frames: int = 0
    seconds: float = 0.0
    rankings: int = 0
    errors: list[str] = field(default_factory=list)


def _stream(session: LiveSession, frames: list[np.ndarray], label_lists: list[str], fps: float, seconds: float,
            label_every_s: float, run: SessionRun) -> None:
    start = time.perf_counter()
    index = 0
    while (now := time.perf_counter() - start) < seconds:
        labels = label_lists[int(now / label_every_s) % len(label_lists)]
        try:
            status = session.process(frames[index % len(frames)], labels).status
        except Exception as error:  # a soak counts failures instead of stopping at the first
            run.errors.append(f"{type(error).__name__}: {error}")
        else:
            run.errors += [line for line in status.split("\n\n") if line.startswith(ERROR_MARKS)][:1]
        index += 1
        time.sleep(max(0.0, start + index / fps - time.perf_counter()))
    run.frames, run.seconds, run.rankings = index, time.perf_counter() - start, session.windows_scored


def soak(
    recognizer: SharedRecognizer,
    frames: list[np.ndarray],
    sessions: int = 4,
    seconds: float = 180.0,
    fps: float = 15.0,
    label_every_s: float = 5.0,
    novel_labels: bool = True,
    tracker_factory: Callable[[bool], object] = _tracker_factory,
    config: LiveConfig = LiveConfig(),
) -> dict:
    """Run the sessions; the summary says what was measured and whether it passed."""
    trackers = TrackerCount(tracker_factory)
    slots = LiveSlots(limit=sessions)
    lists = []
    for session_number in range(sessions):
        own = list(KNOWN_LABELS)
        if novel_labels:  # labels only this run types: text encoder and disk cache at work
            stamp = f"{os.getpid()}-{time.time_ns() % 10**9}"
            own += [f"soak gesture {stamp} {session_number} {k}; {KNOWN_LABELS[0]}" for k in range(4)]
        lists.append(own[session_number % len(own):] + own[: session_number % len(own)])
    if novel_labels:  # the text encoder loads on the first new label: a one-off, like the recogniser itself
        recognizer.encode_labels([f"soak warm-up {os.getpid()}-{time.time_ns()}"])
    live = [LiveSession(recognizer, mirrored=True, config=config, tracker_factory=trackers, slots=slots)
            for _ in range(sessions)]
    runs = [SessionRun() for _ in range(sessions)]
    threads = [threading.Thread(target=_stream, args=(s, frames, l, fps, seconds, label_every_s, r), daemon=True)
               for s, l, r in zip(live, lists, runs)]
    started = time.perf_counter()
    baseline = peak = after_warm_up = resident_mb()
    late_peak = 0.0
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        time.sleep(0.25)
        memory = resident_mb()
        peak = max(peak, memory)
        if time.perf_counter() - started < WARM_UP_SHARE * seconds:
            after_warm_up = memory
        else:
            late_peak = max(late_peak, memory)
    for thread in threads:
        thread.join()
    for session in live:
        session.settle()
        session.close()
    growth = max(0.0, late_peak - after_warm_up)
    errors = [error for run in runs for error in run.errors]
    return {
        "sessions": sessions, "seconds": round(time.perf_counter() - started, 1), "fps_target": fps,
        "frames_per_s": [round(run.frames / run.seconds, 1) for run in runs],
        "rankings": [run.rankings for run in runs],
        "memory_start_mb": round(baseline, 1), "memory_after_warm_up_mb": round(after_warm_up, 1),
        "memory_peak_mb": round(peak, 1), "memory_growth_mb": round(growth, 1),
        "errors": errors[:10], "error_count": len(errors),
        "trackers_made": trackers.made, "trackers_open": trackers.open, "slots_in_use": slots.in_use,
    }


def passed(summary: dict, max_growth_mb: float) -> bool:
    return (summary["error_count"] == 0 and summary["memory_growth_mb"] <= max_growth_mb
            and summary["trackers_open"] == 0 and summary["slots_in_use"] == 0)


def _frames(video: str | None) -> list[np.ndarray]:
    """The NTU clip as webcam frames when it is there, else grey frames with moving noise."""
    path = Path(video) if video else DEFAULT_VIDEO
    if path.exists():
        return webcam_like_frames(path, 150)
    if video:
        raise ValueError(f"{path}: no such video")
    rng = np.random.default_rng(0)
    return [rng.integers(100, 156, (SIZE[1], SIZE[0], 3), dtype=np.uint8) for _ in range(30)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", action="store_true",
                        help="simulated pages whose pose runs in the browser, over WebSockets (demo.soak_browser)")
    parser.add_argument("--sessions", type=int, default=None, help="live sessions streaming at once (4; --browser: 20)")
    parser.add_argument("--seconds", type=float, default=180.0, help="how long to stream (bounded: at most 1800)")
    parser.add_argument("--fps", type=float, default=15.0, help="frames per second each session sends")
    parser.add_argument("--label-every", type=float, default=5.0, help="seconds between label changes")
    parser.add_argument("--max-growth-mb", type=float, default=150.0, help="memory growth after warm-up that fails")
    parser.add_argument("--max-latency-s", type=float, default=0.5, help="--browser: slowest ranking that passes")
    parser.add_argument("--min-rankings-per-s", type=float, default=2.0, help="--browser: fewest per session that passes")
    parser.add_argument("--video", help="clip whose frames are streamed (default: the NTU A001 video if present)")
    parser.add_argument("--weights", help="checkpoint (default: $SKELETONCONTEXT_WEIGHTS or the shipped weights)")
    args = parser.parse_args(argv)
    sessions = args.sessions or (20 if args.browser else 4)
    if not (1 <= sessions <= 64 and 0 < args.seconds <= 1800 and 0 < args.fps <= 60 and args.label_every > 0):
        print("error: need 1-64 sessions, 0-1800 seconds, --fps up to 60 and a positive --label-every",
              file=sys.stderr)
        return 2
    try:
        frames = None if args.browser else _frames(args.video)
        bound_malloc_arenas()  # as the app does: the server under test is the app's
        share_cpu_with_pose()
        recognizer = SharedRecognizer(args.weights)
        recognizer.load()
    except (OSError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.browser:
        return _report_browser(recognizer, sessions, args)
    summary = soak(recognizer, frames, sessions, args.seconds, args.fps, args.label_every)
    ok = passed(summary, args.max_growth_mb)
    print(json.dumps(summary))
    print(f"{'PASS' if ok else 'FAIL'}: {summary['sessions']} sessions for {summary['seconds']} s, frames/s per "
          f"session {summary['frames_per_s']}, peak memory {summary['memory_peak_mb']} MB, growth after warm-up "
          f"{summary['memory_growth_mb']} MB (bound {args.max_growth_mb:g}), {summary['error_count']} errors, "
          f"{summary['trackers_open']} of {summary['trackers_made']} landmarker sets still open")
    return 0 if ok else 1


def _report_browser(recognizer: SharedRecognizer, sessions: int, args: argparse.Namespace) -> int:
    from demo.soak_browser import browser_passed, browser_soak

    summary = browser_soak(recognizer, sessions, args.seconds, args.fps)
    ok = browser_passed(summary, args.max_latency_s, args.min_rankings_per_s, args.max_growth_mb)
    print(json.dumps(summary))
    print(f"{'PASS' if ok else 'FAIL'}: {sessions} browser sessions for {summary['seconds']} s at {args.fps:g} "
          f"landmark frames/s ({summary['streams']}); rankings per session and second min "
          f"{summary['rankings_per_s_min']} (bound {args.min_rankings_per_s:g}); latency p50/p95/max "
          f"{summary['latency_s_p50']}/{summary['latency_s_p95']}/{summary['latency_s_max']} s (bound "
          f"{args.max_latency_s:g}); scorer {summary['scorer_ms_per_ranking']} ms per ranking, busy "
          f"{summary['scorer_busy_share']:.0%} of the time; memory growth after "
          f"warm-up {summary['memory_growth_mb']} MB (bound {args.max_growth_mb:g}); {summary['error_count']} errors")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
