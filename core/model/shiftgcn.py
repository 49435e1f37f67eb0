"""Shift-GCN backbone (Cheng et al., CVPR 2020) with shifts written as index gathers.

Spatial shifts move channel ``c`` of joint ``v`` to joint ``(v + c) mod V`` (and back after the
point-wise linear layer), so every joint sees every other joint at no multiply cost. Temporal
shifts move each channel by a fixed number of frames. Both are plain gathers: no custom kernels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from core.skeleton.layout import NUM_JOINTS

TEMPORAL_SPAN = 9  # frames covered by the temporal shifts of one block, as in Shift-GCN


@dataclass(frozen=True)
class BackboneConfig:
    channels: tuple[int, ...] = (64, 64, 64, 64, 128, 128, 128, 256, 256, 256)
    strided_blocks: tuple[int, ...] = (4, 7)  # 0-based: the 5th and the 8th block halve time
    in_channels: int = 3
    # Also feed each joint's frame-to-frame motion, as 3 more input channels: the first block then
    # sees speed directly (walking vs running) instead of having to learn differences from positions.
    motion: bool = False
    # Whether the network sees the depth coordinate. Off, it sees the image plane only (depth set to
    # zero as it enters): a webcam's depth is the lifter's guess, its image coordinates are measured.
    depth: bool = True

    @property
    def out_channels(self) -> int:
        return self.channels[-1]

    @property
    def block_inputs(self) -> int:
        """Channels per joint entering the first block."""
        return self.in_channels * (2 if self.motion else 1)

    @property
    def time_stride(self) -> int:
        return 2 ** len(self.strided_blocks)


def spatial_shift_index(channels: int, joints: int, direction: int) -> torch.Tensor:
    """Flat gather index over ``(joint, channel)``: channel c of joint v reads joint v + direction*c."""
    joint = torch.arange(joints)[:, None]
    channel = torch.arange(channels)[None, :]
    source = (joint + direction * channel) % joints
    return (source * channels + channel).reshape(-1)


def temporal_offsets(channels: int, span: int = TEMPORAL_SPAN) -> torch.Tensor:
    """Per-channel frame offsets cycling over ``-span//2 .. span//2``."""
    return torch.arange(channels) % span - span // 2


class _Permute(torch.autograd.Function):
    """Gather along the last axis whose gradient is the inverse gather, not a slow scatter-add."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, index: torch.Tensor, inverse: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(inverse)
        return x[..., index]

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        (inverse,) = ctx.saved_tensors
        return grad[..., inverse], None, None


class SpatialShiftConv(nn.Module):
    """Shift in, gated point-wise linear layer, shift out: one Shift-GCN graph convolution."""

    def __init__(self, in_channels: int, out_channels: int, joints: int = NUM_JOINTS) -> None:
        super().__init__()
        # The out-shift of a width is the inverse permutation of the in-shift of that width.
        self.register_buffer("shift_in", spatial_shift_index(in_channels, joints, 1), persistent=False)
        self.register_buffer("unshift_in", spatial_shift_index(in_channels, joints, -1), persistent=False)
        self.register_buffer("shift_out", spatial_shift_index(out_channels, joints, -1), persistent=False)
        self.register_buffer("unshift_out", spatial_shift_index(out_channels, joints, 1), persistent=False)
        self.joint_gate = nn.Parameter(torch.zeros(joints, in_channels))
        self.linear = nn.Linear(in_channels, out_channels)
        self.norm = nn.BatchNorm2d(out_channels)
        if in_channels == out_channels:
            self.residual: nn.Module = nn.Identity()
        else:
            self.residual = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1), nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, frames, joints = x.shape
        y = x.permute(0, 2, 3, 1).reshape(batch, frames, joints * channels)
        y = _Permute.apply(y, self.shift_in, self.unshift_in).reshape(batch, frames, joints, channels)
        y = self.linear(y * (torch.tanh(self.joint_gate) + 1.0))
        out_channels = y.shape[-1]
        y = _Permute.apply(y.reshape(batch, frames, joints * out_channels), self.shift_out, self.unshift_out)
        y = y.reshape(batch, frames, joints, out_channels).permute(0, 3, 1, 2)
        return torch.relu(self.norm(y) + self.residual(x))


def temporal_shift(x: torch.Tensor, offsets: torch.Tensor, stride: int = 1) -> torch.Tensor:
    """Channel c at output frame t reads input frame ``t*stride + offsets[c]`` (zeros outside)."""
    batch, channels, frames, joints = x.shape
    pad = int(offsets.abs().max())
    padded = nn.functional.pad(x, (0, 0, pad, pad))
    positions = torch.arange(0, frames, stride, device=x.device)
    index = positions[None, :] + pad + offsets.to(x.device)[:, None]
    index = index[None, :, :, None].expand(batch, channels, len(positions), joints)
    return torch.gather(padded, 2, index)


class TemporalShiftConv(nn.Module):
    """Shift, point-wise convolution, shift again (with the stride): one Shift-TCN."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.stride = stride
        self.norm_in = nn.BatchNorm2d(in_channels)
        self.register_buffer("offsets_in", temporal_offsets(in_channels), persistent=False)
        self.register_buffer("offsets_out", temporal_offsets(out_channels).flip(0), persistent=False)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1)
        self.norm_out = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = temporal_shift(self.norm_in(x), self.offsets_in)
        y = torch.relu(self.pointwise(y))
        return self.norm_out(temporal_shift(y, self.offsets_out, self.stride))


class ShiftBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int, residual: bool) -> None:
        super().__init__()
        self.graph = SpatialShiftConv(in_channels, out_channels)
        self.temporal = TemporalShiftConv(out_channels, out_channels, stride)
        self.residual: nn.Module | None
        if not residual:
            self.residual = None
        elif in_channels == out_channels and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=(stride, 1)), nn.BatchNorm2d(out_channels)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.temporal(self.graph(x))
        if self.residual is not None:
            y = y + self.residual(x)
        return torch.relu(y)


class ShiftGCN(nn.Module):
    """Per-body Shift-GCN; only present bodies are computed, absent ones get zero features."""

    def __init__(self, config: BackboneConfig = BackboneConfig()) -> None:
        super().__init__()
        self.config = config
        self.input_norm = nn.BatchNorm1d(NUM_JOINTS * config.block_inputs)
        blocks = []
        previous = config.block_inputs
        for index, channels in enumerate(config.channels):
            stride = 2 if index in config.strided_blocks else 1
            blocks.append(ShiftBlock(previous, channels, stride, residual=index > 0))
            previous = channels
        self.blocks = nn.Sequential(*blocks)

    def output_frames(self, frames: int) -> int:
        for _ in self.config.strided_blocks:
            frames = (frames + 1) // 2
        return frames

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(N, M, T, V, C)`` skeletons -> ``(N, M, C', T', V)`` features and ``(N, M)`` body mask."""
        return on_present_bodies(x, self.config.in_channels, self.config.depth,
                                 lambda frames: (self.config.out_channels, self.output_frames(frames), NUM_JOINTS),
                                 self._encode)

    def _encode(self, flat: torch.Tensor) -> torch.Tensor:
        """``(B, T, V, C)`` present bodies -> ``(B, C', T', V)``."""
        if self.config.motion:
            flat = with_motion(flat)
        bodies, frames, joints, channels = flat.shape
        y = flat.permute(0, 2, 3, 1).reshape(bodies, joints * channels, frames)
        y = self.input_norm(y).reshape(bodies, joints, channels, frames).permute(0, 2, 3, 1)
        return self.blocks(y)


def on_present_bodies(
    x: torch.Tensor, in_channels: int, depth: bool, empty_shape: Callable[[int], tuple[int, ...]],
    encode: Callable[[torch.Tensor], torch.Tensor],
) -> tuple[torch.Tensor, torch.Tensor]:
    """A backbone's forward pass on ``(N, M, T, 25, C)`` windows: ``encode`` sees only the present
    bodies ``(B, T, 25, C)`` (depth zeroed when the network sees the image plane only); absent
    bodies get zero features, of ``empty_shape(T)`` per body. Returns the features and the ``(N, M)`` body mask."""
    if x.ndim != 5 or x.shape[3] != NUM_JOINTS or x.shape[4] != in_channels:
        raise ValueError(f"expected input (N, M, T, {NUM_JOINTS}, {in_channels}), got {tuple(x.shape)}")
    batch, bodies, frames, joints, coords = x.shape
    present = x.abs().flatten(2).sum(-1) > 0
    if not depth:
        x = torch.cat([x[..., :2], torch.zeros_like(x[..., 2:])], dim=-1)
    flat = x.reshape(batch * bodies, frames, joints, coords)[present.reshape(-1)]
    if len(flat) == 0:
        return x.new_zeros((batch, bodies) + tuple(empty_shape(frames))), present
    y = encode(flat)
    out = y.new_zeros((batch * bodies,) + tuple(y.shape[1:]))
    out[present.reshape(-1)] = y
    return out.reshape((batch, bodies) + tuple(y.shape[1:])), present


def with_motion(bodies: torch.Tensor) -> torch.Tensor:
    """``(B, T, V, C)`` -> ``(B, T, V, 2C)``: positions, then the step from the previous frame.

    The step is zero on the first frame and wherever this frame or the previous one is absent
    (all zeros), so a body entering or leaving the window does not look like a jump.
    """
    present = bodies.abs().flatten(2).sum(-1) > 0
    step = torch.diff(bodies, dim=1, prepend=bodies[:, :1])
    valid = present & torch.cat([present[:, :1], present[:, :-1]], dim=1)
    return torch.cat([bodies, step * valid[..., None, None]], dim=-1)


def masked_body_mean(values: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """Mean over the body axis (dim 1) counting only present bodies."""
    weights = present.to(values.dtype).reshape(present.shape + (1,) * (values.ndim - 2))
    return (values * weights).sum(1) / weights.sum(1).clamp(min=1.0)
