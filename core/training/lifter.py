"""Train and measure the 2D-to-3D lifter (core.pose.lifting) on the project's 3D corpus.

Only measured 3D trains it (depth sensors and motion capture; never the 2D sources, whose corpus
skeletons are this lifter's own output, nor HDM05, kept out whole so that the tests can measure
the lifter on a capture system and people it never saw). Every training frame is seen through a fresh random
virtual pinhole camera: the body turned about the vertical by any yaw, the camera pitched up to
20 degrees, 2-6 m away, the root up to 30 % of that distance off the optical axis, and up to 2 %
(of the body's image spread) of Gaussian noise on the 2D joints; half the frames are mirrored (X
negated, sides swapped) so both handednesses are seen alike. The focal length is not drawn
because the input normalisation cancels it. Subjects whose ``crc32(source/subject) % 5 == 0``
never train: they are the held-out set the reported error is measured on. The real-2D check lifts NTU A001's Kinect colour joints and, with ``--ntu-video``,
MediaPipe's joints of the same clip's RGB video, against Kinect's 3D.

    python -m core.training.lifter train --corpus artifacts/corpus --out core/pose/lifter.safetensors
    python -m core.training.lifter evaluate --corpus artifacts/corpus --ntu ../shared/data/ntu/S001C001P001R001A001.skeleton
"""

from __future__ import annotations

import argparse
import json
import math
import time
import zlib
from pathlib import Path

import numpy as np
import torch

from core.data.bvh import axis_rotation
from core.data.corpus import CorpusError, load_corpus
from core.data.sources import LIFTED_SOURCES
from core.pose.lifting import (
    LIFT_JOINTS, WEIGHTS, Lifter, LifterError, bone_lengths, clip_bone_lengths, normalise_2d, read_lifter,
    save_lifter, with_bone_lengths,
)
from core.skeleton.layout import JOINT
from core.skeleton.transforms import as_bodies, present_frames

PITCH_DEG = 20.0
DISTANCE_M = (2.0, 6.0)
OFF_AXIS = 0.3
NOISE_MAX = 0.02
HELD_OUT_MODULUS = 5
UNSEEN_SOURCE = "hdm05"  # never trains: tests/test_pose_lifting.py measures the lifter on it
FRAME_STRIDE = 2
EVALUATION_FRAMES = 20000
EVALUATION_SEED = 12345
_INDEX = [JOINT[name] for name in LIFT_JOINTS]
_HIPS = [LIFT_JOINTS.index("left_hip"), LIFT_JOINTS.index("right_hip")]
_MIRROR = [LIFT_JOINTS.index(name.replace("left", "@").replace("right", "left").replace("@", "right"))
           for name in LIFT_JOINTS]


def is_held_out(source: str, subject: str) -> bool:
    return zlib.crc32(f"{source}/{subject}".encode()) % HELD_OUT_MODULUS == 0


def corpus_poses(directory: Path, stride: int = FRAME_STRIDE) -> tuple[np.ndarray, np.ndarray]:
    """(N, 13, 3) root-relative frames of the corpus (every ``stride``-th) and a held-out mask."""
    corpus = load_corpus(directory)
    poses, held = [], []
    for number, info in enumerate(corpus.index):
        if info.source in LIFTED_SOURCES or info.source == UNSEEN_SOURCE:
            continue
        bodies = as_bodies(corpus.sequence(number))[:, ::stride]
        frames = bodies[present_frames(bodies)][:, _INDEX].astype(np.float64)  # every body of a two-person clip
        poses.append(frames - frames[:, _HIPS].mean(axis=1, keepdims=True))
        held.append(np.full(len(frames), is_held_out(info.source, info.subject)))
    return np.concatenate(poses), np.concatenate(held)


def random_views(poses: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(N, 26) normalised 2D inputs and (N, 13, 3) camera-frame root-relative 3D targets."""
    count = len(poses)
    poses = poses.copy()
    mirrored = rng.random(count) < 0.5
    poses[mirrored] = poses[mirrored][:, _MIRROR] * [-1.0, 1.0, 1.0]
    turn = axis_rotation(0, np.radians(rng.uniform(-PITCH_DEG, PITCH_DEG, count))) @ axis_rotation(
        1, rng.uniform(0.0, 2 * math.pi, count))
    targets = np.einsum("nij,nkj->nki", turn, poses)
    distance = rng.uniform(*DISTANCE_M, count)
    offset = rng.uniform(-OFF_AXIS, OFF_AXIS, (count, 2)) * distance[:, None]
    camera = targets + np.concatenate([offset, distance[:, None]], axis=1)[:, None]
    # a real (not mirrored) image: Kinect X points to the image's left and Y up, pixel y down
    image = -camera[..., :2] / camera[..., 2:]
    inputs = normalise_2d(image)
    inputs += rng.normal(size=inputs.shape) * rng.uniform(0, NOISE_MAX, (count, 1))
    return inputs.astype(np.float32), targets.astype(np.float32)


def mpjpe_mm(predicted: np.ndarray, actual: np.ndarray) -> float:
    return float(np.linalg.norm(predicted - actual, axis=-1).mean() * 1000.0)


def train(directory: Path, steps: int, seed: int, batch: int = 1024) -> tuple[Lifter, dict]:
    """A lifter trained for ``steps`` batches on the non-held-out frames, and its record."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    poses, held = corpus_poses(directory)
    training = poses[~held]
    model = Lifter()
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=2e-3, total_steps=steps)
    started, started_cpu = time.perf_counter(), time.process_time()
    model.train()
    for _ in range(steps):
        inputs, targets = random_views(training[rng.integers(len(training), size=batch)], rng)
        loss = torch.linalg.vector_norm(model(torch.from_numpy(inputs)) - torch.from_numpy(targets), dim=-1).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
    record = {
        "seed": seed, "steps": steps, "batch": batch, "train_seconds": round(time.perf_counter() - started, 1),
        "train_cpu_seconds": round(time.process_time() - started_cpu, 1),
        "training_frames": int(len(training)), "held_out_frames": int(held.sum()),
        "held_out_rule": f"crc32(source/subject) % {HELD_OUT_MODULUS} == 0",
        "bone_lengths_m": bone_lengths(training),
    }
    return model.eval(), record


def held_out_errors(model: Lifter, directory: Path) -> dict:
    """MPJPE (mm) on held-out subjects through fixed random cameras, against a mean-pose guess."""
    poses, held = corpus_poses(directory)
    rng = np.random.default_rng(EVALUATION_SEED)
    mean_pose = random_views(poses[~held][rng.integers((~held).sum(), size=EVALUATION_FRAMES)], rng)[1].mean(0)
    chosen = poses[held][rng.integers(held.sum(), size=EVALUATION_FRAMES)]
    inputs, targets = random_views(chosen, rng)
    with torch.inference_mode():
        predicted = model(torch.from_numpy(inputs)).numpy()
    return {"held_out_mpjpe_mm": round(mpjpe_mm(predicted, targets), 1),
            "mean_pose_mpjpe_mm": round(mpjpe_mm(mean_pose[None], targets), 1)}


def ntu_errors(model: Lifter, path: Path, lengths: list[float], video: Path | None = None) -> dict:
    """Lift NTU's colour-pixel joints and compare with Kinect's 3D joints after root alignment.

    NTU's colour video is a mirror view, so its x is negated (a real image) before lifting;
    the unflipped error is reported too, as evidence that the flip (and the sides) are right.
    ``rigid`` is the error after the clip's bones get one length each, as ``lift_clip`` does.
    With ``video`` (the same clip's RGB video), MediaPipe's joints of it are lifted too: the
    webcam path's own 2D, another detector's idea of where each joint is.
    """
    from core.data.ntu import read_skeleton

    skeleton = read_skeleton(path)
    present = np.abs(skeleton.joints[0]).sum(axis=(1, 2)) > 0
    actual = skeleton.joints[0][present][:, _INDEX].astype(np.float64)
    actual -= actual[:, _HIPS].mean(axis=1, keepdims=True)
    color = skeleton.color[0][present][:, _INDEX].astype(np.float64)
    views = [("ntu_mpjpe_mm", color * [-1.0, 1.0]), ("ntu_unflipped_mpjpe_mm", color)]
    if video is not None:
        from core.evaluation.pose_cache import cached_video_pose

        pose, _ = cached_video_pose(video, mirrored=True)  # image joints in the video's own (mirror) frame
        if pose.image.shape[1] != len(present) or not np.abs(pose.image[0][present]).sum(axis=(1, 2)).all():
            raise ValueError(f"{video}: MediaPipe did not find the person in every frame of the skeleton file")
        views.append(("ntu_video_mpjpe_mm", pose.image[0][present][:, _INDEX].astype(np.float64) * [-1.0, 1.0]))
    errors = {}
    for name, image in views:
        with torch.inference_mode():
            predicted = model(torch.from_numpy(normalise_2d(image))).numpy()
        errors[name] = round(mpjpe_mm(predicted, actual), 1)
        rigid = with_bone_lengths(predicted, clip_bone_lengths(predicted, lengths))
        errors[name.replace("_mpjpe", "_rigid_mpjpe")] = round(mpjpe_mm(rigid, actual), 1)
    errors["ntu_frames"] = int(present.sum())
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.training.lifter", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("train", "evaluate"):
        command = commands.add_parser(name)
        command.add_argument("--corpus", type=Path, default=Path("artifacts/corpus"),
                             help="a corpus built by python -m core corpus build")
        command.add_argument("--ntu", type=Path, help="an NTU .skeleton file for the real 2D check")
        command.add_argument("--ntu-video", type=Path, help="the RGB video of --ntu, lifted from MediaPipe's joints too")
        command.add_argument("--weights" if name == "evaluate" else "--out", type=Path, default=WEIGHTS)
        if name == "train":
            command.add_argument("--steps", type=int, default=3000)
            command.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    try:
        if args.command == "train":
            model, record = train(args.corpus, args.steps, args.seed)
        else:
            model, record = read_lifter(args.weights)
        record.update(held_out_errors(model, args.corpus))
        if args.ntu:
            record.update(ntu_errors(model, args.ntu, record["bone_lengths_m"], args.ntu_video))
    except (CorpusError, LifterError, OSError, ValueError) as error:
        parser.exit(2, f"error: {error}\n")
    if args.command == "train":
        save_lifter(args.out, model, record)
    print(json.dumps(record, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
