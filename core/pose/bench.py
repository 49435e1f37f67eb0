"""``python -m core.pose.bench VIDEO``: pose extraction throughput, split by stage.

A sequential pass times each stage on its own (decode, frame preparation, MediaPipe, mapping,
the camera's shift);
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

from core.pose.camera_motion import CameraShift
from core.pose.errors import PoseInputError, PoseModelError
from core.pose.tracker import DEFAULT_MAX_SIDE, PoseTracker
from core.pose.video import extract_video, open_video

STAGES = ("decode", "prepare", "pose", "mapping", "camera")


def _stage_pass(
    video: Path, mirrored: bool, max_people: int, max_side: int
) -> tuple[dict[str, tuple[float, float]], int]:
    """Per stage: (wall seconds, CPU seconds of the whole process) per frame, run one at a time
    so that the CPU time of each stage is its own (MediaPipe computes on threads of its own);
    and how many times the stand-in for a lost person started (its cost is in the pose stage)."""
    capture, fps, _ = open_video(video)
    totals = {stage: [0.0, 0.0] for stage in STAGES}
    frames = 0
    camera = CameraShift()
    with PoseTracker(mirrored=mirrored, max_people=max_people, max_side=max_side) as tracker:
        while True:
            clock = (time.perf_counter(), time.process_time())
            ok, frame = capture.read()
            if not ok:
                break
            clock = _add(totals["decode"], clock)
            prepared = tracker.prepare(frame, bgr=True)
            clock = _add(totals["prepare"], clock)
            before = (tracker.times.pose_s, tracker.times.mapping_s)
            found = tracker.process_prepared(prepared, round(frames * 1000.0 / fps))
            cpu = time.process_time() - clock[1]
            pose = tracker.times.pose_s - before[0]
            mapping = tracker.times.mapping_s - before[1]
            share = pose / max(pose + mapping, 1e-9)  # split the CPU time like the wall time
            totals["pose"][0] += pose
            totals["pose"][1] += cpu * share
            totals["mapping"][0] += mapping
            totals["mapping"][1] += cpu * (1.0 - share)
            clock = (time.perf_counter(), time.process_time())
            camera.update(prepared.rgb, found.landmarks, prepared.original_size[0])
            _add(totals["camera"], clock)
            frames += 1
        starts = tracker.stand_in_starts
    capture.release()
    per_frame = {stage: (wall / max(frames, 1), cpu / max(frames, 1)) for stage, (wall, cpu) in totals.items()}
    return per_frame, starts


def _add(total: list[float], since: tuple[float, float]) -> tuple[float, float]:
    now = (time.perf_counter(), time.process_time())
    total[0] += now[0] - since[0]
    total[1] += now[1] - since[1]
    return now


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
        stages, stand_in_starts = _stage_pass(args.video, args.mirrored, args.max_people, args.max_side)
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
    print("stages one at a time, milliseconds per frame (wall / CPU):")
    for stage in STAGES:
        wall, cpu = stages[stage]
        print(f"  {stage:8s} {wall * 1000:7.2f} / {cpu * 1000:6.2f}")
    wall, cpu = (sum(stages[stage][i] for stage in STAGES) for i in (0, 1))
    print(f"  {'total':8s} {wall * 1000:7.2f} / {cpu * 1000:6.2f}  ({1.0 / wall:.1f} frames/s)")
    # The pipeline overlaps decoding with estimation; with two cores free for it the slower
    # side sets the pace.
    reader = sum(stages[stage][1] for stage in ("decode", "prepare"))
    estimator = sum(stages[stage][1] for stage in ("pose", "mapping", "camera"))
    print(f"  CPU-bound pace on 2 free cores: {1.0 / max(reader, estimator):.1f} frames/s")
    print(f"  stand-ins started for a lost person: {stand_in_starts} (core.pose.stand_in)")
    rate = result.num_frames / max(result.processing_s, 1e-9)
    print(
        f"end to end (extract_video, decoding in a thread): {rate:.1f} frames/s measured, "
        f"{cpu_s / result.num_frames * 1000:.1f} ms CPU per frame (model loading included)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
