"""2D-to-3D pose lifting: 13 image joints of one frame to 13 root-relative 3D joints.

Sources such as Penn Action give only hand-annotated image joints. A small MLP, trained on the
project's own 3D corpus seen through random virtual pinhole cameras (core.training.lifter),
turns each frame's 2D joints into 3D joints in the Kinect convention (metres, Y up, Z away from
the camera, X towards the subject's right when the subject faces the camera), relative to the
hip midpoint and in the camera's own orientation, so a body lying in the image lies in 3D.

Input: pixel coordinates of a real (not mirrored) image, y down. Each frame is centred on the
hip midpoint and divided by the root-mean-square distance of its joints from that centre. That
spread is used rather than the torso length because a torso pointing at the camera shrinks to
nothing in the image while the whole body does not. The normalisation also cancels the focal
length and the body's size in pixels, so the lifter never sees them; the output has the size of
an average body of the corpus.

Lifted per frame, a clip's bones stretch from frame to frame, and on odd views (a bench press
seen from the side) a whole clip can come out with bones from 0.1 to 0.9 m. ``lift_clip``
therefore keeps each bone's direction and gives it one length per clip: its median over the
clip (left and right averaged), held within LENGTH_RANGE of the median over the lifter's
training corpus (recorded in the weights file). On NTU's A001 clip that costs 2.3 mm against
the raw output, where the corpus lengths alone would cost 33 mm.

``skeleton_from_image`` turns a clip of the 13 image joints into an NTU-25 skeleton: lifted,
bones made rigid, placed like a Kinect recording (the hip midpoint PLACE_DEPTH_M in front of the
camera, moving across the image as the 2D root moves, pixels converted to metres by the ratio of
the lifted body's size to its image size) and completed. Every 2D layout reaches it through
``core.pose.landmarks.skeletons_from_landmarks``: the webcam, videos, the browser, the 2D
datasets and the training views seen through virtual cameras (core.training.camera_views).

Reproduce the shipped weights with ``python -m core.training.lifter train`` (see --help).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.data.synthesis import complete_skeleton

WEIGHTS = Path(__file__).resolve().parent / "lifter.safetensors"
LIFT_JOINTS: tuple[str, ...] = (
    "head",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)
NUM_LIFT_JOINTS = len(LIFT_JOINTS)
_HIPS = (LIFT_JOINTS.index("left_hip"), LIFT_JOINTS.index("right_hip"))
_SHOULDERS = (LIFT_JOINTS.index("left_shoulder"), LIFT_JOINTS.index("right_shoulder"))
# (parent, child), parents first; "root" is the hip midpoint and "chest" the shoulder midpoint
BONES: tuple[tuple[str, str], ...] = (
    ("root", "left_hip"), ("root", "right_hip"), ("root", "chest"),
    ("chest", "left_shoulder"), ("chest", "right_shoulder"), ("chest", "head"),
    ("left_shoulder", "left_elbow"), ("right_shoulder", "right_elbow"),
    ("left_elbow", "left_wrist"), ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"), ("right_hip", "right_knee"),
    ("left_knee", "left_ankle"), ("right_knee", "right_ankle"),
)
PLACE_DEPTH_M = 3.0
LENGTH_RANGE = (0.8, 1.25)  # a clip's bone length, as a share of the corpus median
_CONFIG_KEY = "lifter_config"
_METADATA_KEY = "lifter_metadata"


class LifterError(ValueError):
    """A lifter weights file that is missing, damaged or not a lifter."""


class Lifter(nn.Module):
    """Per-frame MLP with residual hidden layers: (N, 26) normalised 2D -> (N, 13, 3) metres."""

    def __init__(self, hidden: int = 384, blocks: int = 2, dropout: float = 0.1):
        super().__init__()
        self.config = {"hidden": hidden, "blocks": blocks, "dropout": dropout}
        self.inlet = nn.Linear(2 * NUM_LIFT_JOINTS, hidden)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout))
            for _ in range(blocks)
        )
        self.outlet = nn.Linear(hidden, 3 * NUM_LIFT_JOINTS)

    def forward(self, flat_2d: torch.Tensor) -> torch.Tensor:
        hidden = torch.relu(self.inlet(flat_2d))
        for block in self.blocks:
            hidden = hidden + block(hidden)
        return self.outlet(hidden).view(-1, NUM_LIFT_JOINTS, 3)


def normalise_2d(points: np.ndarray) -> np.ndarray:
    """(N, 13, 2) pixels (y down) -> (N, 26) centred on the hip midpoint, unit RMS spread."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 3 or points.shape[1:] != (NUM_LIFT_JOINTS, 2):
        raise ValueError(f"expected (N, {NUM_LIFT_JOINTS}, 2) image joints, got {points.shape}")
    centred = points - points[:, _HIPS].mean(axis=1, keepdims=True)
    spread = np.sqrt((centred ** 2).sum(axis=-1).mean(axis=-1))[:, None, None]
    return (centred / np.maximum(spread, 1e-9)).reshape(len(points), 2 * NUM_LIFT_JOINTS).astype(np.float32)


def _named(poses: np.ndarray) -> dict[str, np.ndarray]:
    named = {name: poses[:, k] for k, name in enumerate(LIFT_JOINTS)}
    named["root"] = poses[:, _HIPS].mean(axis=1)
    named["chest"] = poses[:, _SHOULDERS].mean(axis=1)
    return named


def bone_lengths(poses: np.ndarray) -> list[float]:
    """Median length (metres) of each of BONES over (N, 13, 3) poses, left and right averaged."""
    named = _named(np.asarray(poses, dtype=np.float64))
    median = {bone: float(np.median(np.linalg.norm(named[bone[1]] - named[bone[0]], axis=-1))) for bone in BONES}
    twin = {bone: tuple(name.replace("left", "@").replace("right", "left").replace("@", "right") for name in bone)
            for bone in BONES}
    return [round((median[bone] + median[twin[bone]]) / 2, 4) for bone in BONES]


def with_bone_lengths(poses: np.ndarray, lengths: list[float]) -> np.ndarray:
    """(N, 13, 3) poses with each bone's direction kept and its length set, from the root out."""
    named = _named(np.asarray(poses, dtype=np.float64))
    placed = {"root": np.zeros_like(named["root"])}
    for (parent, child), length in zip(BONES, lengths):
        direction = named[child] - named[parent]
        norm = np.linalg.norm(direction, axis=-1, keepdims=True)
        placed[child] = placed[parent] + length * direction / np.maximum(norm, 1e-9)
    return np.stack([placed[name] for name in LIFT_JOINTS], axis=1).astype(np.float32)


def save_lifter(path: Path, model: Lifter, metadata: dict) -> None:
    """Weights plus config and training record in the safetensors header, written atomically."""
    from safetensors.torch import save_file

    state = {name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()}
    header = {_CONFIG_KEY: json.dumps(model.config), _METADATA_KEY: json.dumps(metadata)}
    temporary = Path(path).with_name(Path(path).name + ".tmp")
    save_file(state, str(temporary), metadata=header)
    temporary.replace(path)


def read_lifter(path: Path = WEIGHTS) -> tuple[Lifter, dict]:
    """The lifter in eval mode and its training record; a bad file raises LifterError."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise LifterError(f"lifter weights not found: {path} (train them with python -m core.training.lifter train)")
    try:
        with safe_open(str(path), framework="pt") as handle:
            header = handle.metadata() or {}
        model = Lifter(**json.loads(header[_CONFIG_KEY]))
        model.load_state_dict(load_file(str(path)))
        metadata = json.loads(header.get(_METADATA_KEY, "{}"))
    except Exception as error:  # safetensors, json and torch each raise their own types
        raise LifterError(f"{path} is not a usable lifter weights file: {error}") from error
    return model.eval(), metadata


@lru_cache(maxsize=2)
def _cached(path: Path) -> tuple[Lifter, list[float]]:
    model, metadata = read_lifter(path)
    if len(metadata.get("bone_lengths_m", ())) != len(BONES):
        raise LifterError(f"{path} records no bone_lengths_m for its {len(BONES)} bones: retrain it")
    return model, metadata["bone_lengths_m"]


def corpus_bone_lengths(weights: Path = WEIGHTS) -> list[float]:
    """Median length (metres) of each of BONES over the lifter's training corpus."""
    return list(_cached(Path(weights))[1])


def image_root(points: np.ndarray) -> np.ndarray:
    """(T, 2) hip midpoint of (T, 13, 2) image joints: where a body stands in the image."""
    return np.asarray(points, dtype=np.float64)[:, _HIPS].mean(axis=1)


def lift(points: np.ndarray, weights: Path = WEIGHTS, batch: int = 8192) -> np.ndarray:
    """(N, 13, 2) image joints -> (N, 13, 3) float32 root-relative metres, each frame alone."""
    model, _ = _cached(Path(weights))
    flat = torch.from_numpy(normalise_2d(points))
    with torch.inference_mode():
        parts = [model(flat[start:start + batch]) for start in range(0, len(flat), batch)]
    if not parts:
        return np.zeros((0, NUM_LIFT_JOINTS, 3), np.float32)
    lifted = torch.cat(parts).numpy()
    return lifted - lifted[:, _HIPS].mean(axis=1, keepdims=True)  # exactly root-relative


def clip_bone_lengths(poses: np.ndarray, reference: list[float]) -> list[float]:
    """The clip's median bone lengths, each held within LENGTH_RANGE of the reference length."""
    low, high = LENGTH_RANGE
    return [min(max(length, low * usual), high * usual) for length, usual in zip(bone_lengths(poses), reference)]


def lift_clip(points: np.ndarray, weights: Path = WEIGHTS) -> np.ndarray:
    """(T, 13, 2) image joints of one clip -> (T, 13, 3) with one length per bone (see above)."""
    lifted = lift(points, weights)
    return with_bone_lengths(lifted, clip_bone_lengths(lifted, _cached(Path(weights))[1]))



def place(lifted: np.ndarray, points: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """Root-relative (T, 13, 3) bodies moved to PLACE_DEPTH_M and across as the 2D root moves.

    ``reference`` is the image point (2,) the body is placed relative to (default: its own median
    root); bodies of one scene placed against one reference keep their distance apart.
    """
    root = image_root(points)
    spread_2d = np.sqrt(((points - root[:, None]) ** 2).sum(-1).mean(-1))
    spread_3d = np.sqrt((lifted[..., :2] ** 2).sum(-1).mean(-1))
    metres_per_pixel = float(np.median(spread_3d / np.maximum(spread_2d, 1e-6)))
    reference = np.median(root, axis=0) if reference is None else np.asarray(reference, dtype=np.float64)
    # a real image: Kinect X points to the image's left and Y up, pixel y grows downwards
    shift = -(root - reference) * metres_per_pixel
    return lifted + np.concatenate([shift, np.full((len(root), 1), PLACE_DEPTH_M)], axis=1)[:, None]


def skeleton_from_image(points: np.ndarray, reference: np.ndarray | None = None, weights: Path = WEIGHTS) -> np.ndarray:
    """(T, 13, 2) image joints of one body in one clip -> (T, 25, 3) float32 NTU skeleton (see above)."""
    points = np.asarray(points, dtype=np.float64)
    placed = place(lift_clip(points, weights).astype(np.float64), points, reference)
    return complete_skeleton({name: placed[:, k] for k, name in enumerate(LIFT_JOINTS)})
