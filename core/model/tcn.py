"""A temporal-convolution backbone over all joints at once, with a per-joint stream for the heads.

The plain temporal-convolution yardstick (core.training.reference), which mixes every joint's
position and velocity from its first layer and convolves over time only, generalised better to
unseen actions and to real video than Shift-GCN at this project's data and CPU budget (README,
*A model that generalises*). This backbone keeps that body stream and adds what the
SkeletonContext heads need, features per joint:

- the body stream: positions and frame-to-frame velocities of all 25 joints, flattened per frame,
  through five 1-D temporal convolutions (width, width, 2*width with stride 2, 2*width,
  2*width with stride 2), giving (2*width, T/4) per body;
- the joint stream: each joint's own position and velocity through three temporal convolutions
  shared by every joint (strides matched), giving (joint_channels, T/4, 25);
- optionally (``angles``) the body stream also reads the cosines of ten angles between limbs and
  trunk, and their frame-to-frame change: unlike positions they do not change with the viewpoint,
  the lean of the camera, or a person's or a sensor's proportions;
- the output: both per joint, the body stream repeated on every joint, as (N, M, C, T/4, 25)
  with C = 2*width + joint_channels, the shape Shift-GCN gives; so KPD weighs joints by what
  each does in the context of the whole body, and CPM reads the motion of both streams.

Only present bodies are computed; absent ones get zero features (as Shift-GCN does).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.model.shiftgcn import on_present_bodies
from core.skeleton.layout import JOINT, JOINT_NAMES, NUM_JOINTS

VELOCITY_SCALE = 4.0  # a window's frame-to-frame motion is a few hundredths of a torso: lift it to the positions' scale
KERNEL = 5
# (end, vertex, end): the elbow, shoulder (upper arm against the trunk's side), knee and hip
# (thigh against the trunk's side) on each side, the trunk's bend and the head's against the trunk.
ANGLES: tuple[tuple[str, str, str], ...] = tuple(
    (f"{side}_{a}", f"{side}_{vertex}", f"{side}_{b}")
    for side in ("left", "right")
    for a, vertex, b in (("shoulder", "elbow", "wrist"), ("elbow", "shoulder", "hip"),
                         ("hip", "knee", "ankle"), ("knee", "hip", "shoulder"))
) + (("spine_base", "spine_mid", "spine_shoulder"), ("spine_mid", "spine_shoulder", "head"))


@dataclass(frozen=True)
class TCNConfig:
    width: int = 128
    joint_channels: int = 64
    dropout: float = 0.3
    in_channels: int = 3
    # Whether the network sees depth (as BackboneConfig.depth): off, the depth coordinate is zeroed.
    depth: bool = True
    # The joints the body stream reads (None: all 25). Most sources measure only some of NTU's joints
    # and synthesise the rest from them (core.data.synthesis); Kinect v2 measures all, noisily.
    body_joints: tuple[str, ...] | None = None
    # Positions and scaled velocities pass through ``limit * tanh(x / limit)`` first (0: as they are),
    # so the few windows that span many torso lengths (running, some lifted views) stop setting
    # the input batch norms' statistics (docs/experiments.md, *Bounded input*).
    input_limit: float = 0.0
    # Whether the body stream also reads the cosines of the ``ANGLES`` and their velocities.
    angles: bool = False

    @property
    def out_channels(self) -> int:
        return 2 * self.width + self.joint_channels

    @property
    def time_stride(self) -> int:
        return 4


def _convolutions(channels: list[int], strides: list[int], conv: type[nn.Module], norm: type[nn.Module]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for inputs, outputs, stride in zip(channels, channels[1:], strides):
        kernel = KERNEL if conv is nn.Conv1d else (KERNEL, 1)
        padding = KERNEL // 2 if conv is nn.Conv1d else (KERNEL // 2, 0)
        step = stride if conv is nn.Conv1d else (stride, 1)
        layers += [conv(inputs, outputs, kernel, step, padding), norm(outputs), nn.ReLU()]
    return nn.Sequential(*layers)


class TemporalConvNet(nn.Module):
    """``(N, M, T, 25, 3)`` prepared windows -> ``(N, M, C, T/4, 25)`` features and ``(N, M)`` body mask."""

    def __init__(self, config: TCNConfig = TCNConfig()) -> None:
        super().__init__()
        self.config = config
        inputs = 2 * config.in_channels
        width = config.width
        names = config.body_joints or JOINT_NAMES
        self.register_buffer("body_joints", torch.tensor([JOINT[name] for name in names]), persistent=False)
        body_inputs = len(names) * inputs
        if config.angles:
            body_inputs += 2 * len(ANGLES)
            self.register_buffer("angle_joints", torch.tensor([[JOINT[name] for name in angle] for angle in ANGLES]),
                                 persistent=False)
        self.input_norm = nn.BatchNorm1d(body_inputs)
        self.body = _convolutions([body_inputs, width, width, 2 * width, 2 * width, 2 * width],
                                  [1, 1, 2, 1, 2], nn.Conv1d, nn.BatchNorm1d)
        joint = config.joint_channels
        self.joint = _convolutions([inputs, joint // 2, joint, joint], [1, 2, 2], nn.Conv2d, nn.BatchNorm2d)
        self.dropout = nn.Dropout(config.dropout)

    def output_frames(self, frames: int) -> int:
        for _ in range(2):
            frames = (frames + 1) // 2
        return frames

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        config = self.config
        return on_present_bodies(x, config.in_channels, config.depth,
                                 lambda frames: (config.out_channels, self.output_frames(frames), NUM_JOINTS), self._encode)

    def _encode(self, flat: torch.Tensor) -> torch.Tensor:
        """``(B, T, V, 3)`` present bodies -> ``(B, C, T/4, V)``."""
        joints = flat.shape[2]
        velocity = torch.diff(flat, dim=1, prepend=flat[:, :1]) * VELOCITY_SCALE
        per_joint = torch.cat([flat, velocity], dim=-1)  # (B, T, V, 6)
        if limit := self.config.input_limit:
            per_joint = limit * torch.tanh(per_joint / limit)
        body_inputs = per_joint[:, :, self.body_joints].flatten(2)  # (B, T, 6J)
        if self.config.angles:
            cosines = limb_cosines(flat, self.angle_joints)
            bending = torch.diff(cosines, dim=1, prepend=cosines[:, :1]) * VELOCITY_SCALE
            body_inputs = torch.cat([body_inputs, cosines, bending], dim=-1)
        body = self.body(self.input_norm(body_inputs.transpose(1, 2)))  # (B, 2w, T/4)
        joint = self.joint(per_joint.permute(0, 3, 1, 2))  # (B, c, T/4, V)
        return self.dropout(torch.cat([body.unsqueeze(-1).expand(-1, -1, -1, joints), joint], dim=1))


def limb_cosines(bodies: torch.Tensor, triples: torch.Tensor) -> torch.Tensor:
    """``(B, T, V, 3)`` bodies and ``(A, 3)`` joint indices (end, vertex, end) -> ``(B, T, A)``
    cosines of the angle at each vertex (1 where a limb has no length)."""
    vertex = bodies[:, :, triples[:, 1]]
    first = bodies[:, :, triples[:, 0]] - vertex
    second = bodies[:, :, triples[:, 2]] - vertex
    dot = (first * second).sum(-1)
    norms = first.norm(dim=-1) * second.norm(dim=-1)
    return torch.where(norms > 1e-6, dot / norms.clamp_min(1e-6), torch.ones_like(dot))
