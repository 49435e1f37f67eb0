"""Bandai-Namco Research Motion datasets 1 and 2: BVH clips with ``{content, style}`` JSON labels.

Forward kinematics gives joint positions in centimetres, Y up, with the actor facing +Z (the
file's labelled left side lies at +X, a proper right-handed body). Each clip is turned about the
vertical so the actor faces the camera (-Z) in its first frame, then placed like a Kinect
recording (core.data.staging). BVH "Head" sits at the top of the neck, so NTU's head centre is
put 13 cm further along the neck, as in NTU's own files.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.data.bvh import read_bvh
from core.data.sample import MalformedFileError, Sample, SourceRead, read_each
from core.data.staging import face_camera
from core.data.synthesis import complete_skeleton

SOURCE = "bandai-namco"
EXPECTED = 3076
CM_PER_M = 100.0
HEAD_ABOVE_NECK_M = 0.13
BVH_TO_NTU = {
    "Hips": "spine_base", "Chest": "spine_mid", "Neck": "spine_shoulder", "Head": "neck",
    "UpperArm_L": "left_shoulder", "LowerArm_L": "left_elbow", "Hand_L": "left_wrist",
    "UpperArm_R": "right_shoulder", "LowerArm_R": "right_elbow", "Hand_R": "right_wrist",
    "UpperLeg_L": "left_hip", "LowerLeg_L": "left_knee", "Foot_L": "left_ankle",
    "Toes_L": "left_foot",
    "UpperLeg_R": "right_hip", "LowerLeg_R": "right_knee", "Foot_R": "right_ankle",
    "Toes_R": "right_foot",
}
_NAME = re.compile(r"^dataset-(\d)_(.+)_(\d+)$")


def skeleton_from_bvh(path: Path) -> tuple[np.ndarray, float]:
    """(T, 25, 3) NTU joints in the Kinect convention, and the clip's frame rate."""
    motion = read_bvh(path)
    positions = motion.positions()
    absent = sorted(set(BVH_TO_NTU) - set(positions))
    if absent:
        raise MalformedFileError(path, f"lacks the joints {absent}")
    joints = {ntu: positions[bvh] / CM_PER_M for bvh, ntu in BVH_TO_NTU.items()}
    neck_direction = joints["neck"] - joints["spine_shoulder"]
    neck_direction /= np.maximum(np.linalg.norm(neck_direction, axis=-1, keepdims=True), 1e-6)
    joints["head"] = joints["neck"] + HEAD_ABOVE_NECK_M * neck_direction
    return complete_skeleton(face_camera(joints)), motion.fps


@lru_cache(maxsize=8)
def _labels(cfg: Path, kind: str) -> tuple[str, ...]:
    """Lines of cfg/<kind>_label.txt, which the JSON annotations index (read once per set)."""
    path = cfg / f"{kind}_label.txt"
    try:
        return tuple(line.strip() for line in path.read_text().splitlines() if line.strip())
    except OSError as error:
        raise MalformedFileError(path, f"cannot be read ({error})") from error


def read_file(path: Path) -> list[Sample]:
    match = _NAME.match(path.stem)
    if not match:
        raise MalformedFileError(path, "name is not dataset-N_<content>_<style>_<ID>")
    dataset, _, take = match.groups()
    cfg = path.parent.parent / "cfg"
    try:
        annotation = json.loads(path.with_suffix(".json").read_text())
        content = _labels(cfg, "content")[annotation["content"]]
        style = _labels(cfg, "style")[annotation["style"]]
    except (OSError, ValueError, KeyError, IndexError, TypeError) as error:
        raise MalformedFileError(path, f"has no usable JSON label ({error!r})") from error
    prefix = f"dataset-{dataset}_"
    label, style = content.removeprefix(prefix), style.removeprefix(prefix)
    if not path.stem.startswith(f"{prefix}{label}_{style}_"):
        raise MalformedFileError(path, f"JSON says {label}/{style}, unlike the file name")
    joints, fps = skeleton_from_bvh(path)
    return [Sample(SOURCE, f"{dataset}-{take}", label, path.stem, fps, joints, style=style)]


def read_source(root: Path) -> SourceRead:
    paths = sorted(Path(root).glob("**/Bandai-Namco-Research-Motiondataset-*/data/*.bvh"))
    return read_each(paths, read_file, SourceRead(SOURCE, "clips", EXPECTED))
