"""``python -m core.pose.bench VIDEO``: pose extraction throughput, split by stage.

A sequential pass times each stage on its own (decode, frame preparation, MediaPipe, mapping);
then the real pipeline (``extract_video``, decoding in a background thread) gives the end-to-end
rate. The machine's load is printed too: other busy processes on a 2-core machine halve the
figures, so read them together.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from core.pose.errors import PoseInputError, PoseModelError
from core.pose.tracker import DEFAULT_MAX_SIDE, PoseTracker
from core.pose.video import extract_video, open_video


def _stage_pass(video: Path, mirrored: bool, max_people: int, max_side: int) -> dict[str, float]:
    capture, fps, _ = open_video(video)
    read_s = prepare_s = 0.0
    with PoseTracker(mirrored=mirrored, max_people=max_people, max_side=max_side) as tracker:
        while True:
            start = time.perf_counter()
            ok, frame = capture.read()
            decoded = time.perf_counter()
            if not ok:
                break
            prepared = tracker.prepare(frame, bgr=True)
            read_s += decoded - start
            prepare_s += time.perf_counter() - decoded
            tracker.process_prepared(prepared, round(tracker.times.frames * 1000.0 / fps))
        times = tracker.times
    capture.release()
    frames = max(times.frames, 1)
    return {
        "frames": times.frames,
        "decode": read_s / frames,
        "prepare": prepare_s / frames,
        "pose": times.pose_s / frames,
        "mapping": times.mapping_s / frames,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.pose.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("video", type=Path)
    parser.add_argument("--mirrored", action="store_true", help="mirror-view video (NTU RGB)")
    parser.add_argument("--max-people", type=int, default=2)
    parser.add_argument(
        "--max-side", type=int, default=DEFAULT_MAX_SIDE, help="longest side given to MediaPipe"
    )
    args = parser.parse_args(argv)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, 1-minute load average {load:.1f} before the run")
    try:
        stages = _stage_pass(args.video, args.mirrored, args.max_people, args.max_side)
        cpu_start = time.process_time()
        result = extract_video(args.video, mirrored=args.mirrored, max_people=args.max_people)
        cpu_s = time.process_time() - cpu_start
    except (PoseInputError, PoseModelError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    width, height = result.frame_size
    print(
        f"video: {args.video.name}, {result.num_frames} frames {width}x{height}; "
        f"MediaPipe input longest side {args.max_side}, up to {args.max_people} people"
    )
    print("sequential pass, milliseconds per frame:")
    for stage in ("decode", "prepare", "pose", "mapping"):
        print(f"  {stage:8s} {stages[stage] * 1000:7.2f}")
    sequential = sum(stages[stage] for stage in ("decode", "prepare", "pose", "mapping"))
    print(f"  {'total':8s} {sequential * 1000:7.2f}  ({1.0 / sequential:.1f} frames/s)")
    rate = result.num_frames / max(result.processing_s, 1e-9)
    print(
        f"end to end (extract_video, decoding in a thread): {rate:.1f} frames/s, "
        f"{cpu_s / result.num_frames * 1000:.1f} ms CPU per frame (model loading included)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
