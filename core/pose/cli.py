"""``python -m core extract VIDEO [-o OUT.npz] [--mirrored] [--fov DEG]``: skeletons to a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.pose.errors import PoseInputError, PoseModelError
from core.pose.travel import DEFAULT_HORIZONTAL_FOV_DEG

PROGRESS_MIN_FRAMES = 150  # a bar for clips under ~5 s is only noise


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Extract NTU-25 skeletons (Kinect convention) from a video with MediaPipe."
    parser.add_argument("video", type=Path, help="video file (anything OpenCV can decode)")
    parser.add_argument(
        "-o", "--output", type=Path, help="output .npz (default: VIDEO.skeleton.npz)"
    )
    parser.add_argument(
        "--mirrored",
        action="store_true",
        help="the video is a mirror view (NTU RGB videos, webcam previews): flip before estimation",
    )
    parser.add_argument(
        "--max-people",
        type=int,
        default=2,
        help="people to follow at once (default 2; 1 is faster); the file keeps the 2 most seen",
    )
    parser.add_argument(
        "--fov",
        type=float,
        default=DEFAULT_HORIZONTAL_FOV_DEG,
        help="camera's horizontal field of view in degrees, the distance scale of the body's "
        f"travel (default {DEFAULT_HORIZONTAL_FOV_DEG:g}: a webcam; NTU's Kinect v2 videos: 84)",
    )


class _Bar:
    """tqdm bar created once the total is known to be long enough to deserve one."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, done: int, total: int | None) -> None:
        if self.bar is None and done == 1 and (total is None or total >= PROGRESS_MIN_FRAMES):
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="frame", file=sys.stderr, leave=False)
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run(args: argparse.Namespace) -> int:
    from core.pose.video import extract_video

    output = args.output or args.video.with_name(args.video.name + ".skeleton.npz")
    if output.suffix != ".npz":
        output = output.with_name(output.name + ".npz")  # numpy would add it silently
    bar = _Bar()
    try:
        result = extract_video(
            args.video,
            mirrored=args.mirrored,
            progress=bar,
            max_people=args.max_people,
            horizontal_fov_deg=args.fov,
        )
    except (PoseInputError, PoseModelError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        bar.close()
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        result.save_npz(output)
    except OSError as error:
        print(f"error: cannot write {output}: {error.strerror or error}", file=sys.stderr)
        return 2
    width, height = result.frame_size
    summary = (
        f"{result.num_frames} frames ({width}x{height}, {result.fps:g} fps), "
        f"{result.people_found} {'person' if result.people_found == 1 else 'people'} found, "
        f"{result.num_frames / max(result.processing_s, 1e-9):.1f} frames/s -> {output}"
    )
    print(summary + (f" ({result.note})" if result.note else ""))
    return 0
