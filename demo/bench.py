"""How fast the live path runs on this machine: ``python -m demo.bench``.

Replays a video through a LiveSession as webcam frames arrive (640x480, mirrored), first paced
at --fps, then back to back, and prints what was measured: frames processed per second, the
per-frame latency (pose tracking and drawing; scoring runs in the background) and how many
rankings per second reached the screen.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from demo.engine import SharedRecognizer, share_cpu_with_pose
from demo.live import LiveConfig, LiveSession
from demo.presets import preset_text

DEFAULT_VIDEO = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos" / "S001C001P001R001A001_rgb.avi"
SIZE = (640, 480)


def webcam_like_frames(path: Path, limit: int) -> list[np.ndarray]:
    """Up to ``limit`` RGB 640x480 frames (centre 4:3 crop), mirrored as a browser sends them."""
    capture = cv2.VideoCapture(str(path))
    frames = []
    while len(frames) < limit:
        ok, frame = capture.read()
        if not ok:
            break
        height, width = frame.shape[:2]
        crop = min(width, height * 4 // 3)
        frame = frame[:, (width - crop) // 2 : (width + crop) // 2]
        frame = cv2.resize(frame, SIZE, interpolation=cv2.INTER_AREA)[:, ::-1]
        frames.append(np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
    capture.release()
    if not frames:
        raise ValueError(f"{path}: no frame could be read")
    return frames


def _replay(session: LiveSession, frames: list[np.ndarray], labels: str, count: int, fps: float | None) -> dict:
    """Feed ``count`` frames, paced at ``fps`` (None: back to back); measure what a viewer gets."""
    latencies = []
    scored_before = session.windows_scored
    start = time.perf_counter()
    for index in range(count):
        if fps is not None:
            time.sleep(max(0.0, start + index / fps - time.perf_counter()))
        tic = time.perf_counter()
        session.process(frames[index % len(frames)], labels)
        latencies.append((time.perf_counter() - tic) * 1000)
    elapsed = time.perf_counter() - start
    return {
        "latency": np.array(latencies),
        "frames_per_s": count / elapsed,
        "rankings_per_s": (session.windows_scored - scored_before) / elapsed,
    }


def run(args: argparse.Namespace) -> int:
    share_cpu_with_pose()
    frames = webcam_like_frames(Path(args.video), args.frames)
    recognizer = SharedRecognizer(args.weights)
    started = time.perf_counter()
    recognizer.load()
    print(f"recogniser loaded in {time.perf_counter() - started:.1f} s; torch threads {torch.get_num_threads()}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    labels = preset_text(args.preset)
    session = LiveSession(recognizer, mirrored=True, config=LiveConfig())
    session.process(frames[0], labels)  # landmarker start-up and label encoding are one-off costs
    session.settle()
    print(f"{SIZE[0]}x{SIZE[1]} frames, {len(labels.splitlines())} labels ({args.preset}), "
          f"scoring every {session.config.score_every_s:g} s in the background")
    for name, fps in ((f"paced at {args.fps:g} frames/s", args.fps), ("back to back", None)):
        result = _replay(session, frames, labels, args.frames, fps)
        latency = result["latency"]
        scoring = session.scoring.score_ms
        print(f"{name}: {result['frames_per_s']:.1f} frames/s processed, per-frame latency mean "
              f"{latency.mean():.1f} ms, p95 {np.percentile(latency, 95):.1f} ms; "
              f"{result['rankings_per_s']:.1f} rankings/s, last scoring "
              f"{'none yet' if scoring is None else f'{scoring:.0f} ms'}")
    session.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", default=str(DEFAULT_VIDEO), help="clip to replay (default: the NTU A001 video)")
    parser.add_argument("--frames", type=int, default=150, help="frames to time")
    parser.add_argument("--fps", type=float, default=15.0, help="stream rate to replay at")
    parser.add_argument("--preset", default="Daily life", help="label preset to score against")
    parser.add_argument("--weights", help="checkpoint (default: $SKELETONCONTEXT_WEIGHTS or the shipped weights)")
    try:
        return run(parser.parse_args(argv))
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
