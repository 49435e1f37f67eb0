"""Choosing the device, embedding prepared windows in batches, and turning embeddings into class probabilities."""

from __future__ import annotations

import contextlib

import torch

from collections.abc import Sequence

from core.model.network import SkeletonContext
from core.model.scoring import ClassPrototypes

_BRANCHES = ("spatial", "temporal")


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def resolve_device(device: str | None) -> torch.device:
    """The requested torch device, or the GPU when present; refuses a GPU that is not there."""
    try:
        resolved = torch.device(device or default_device())
    except RuntimeError as error:
        raise ValueError(f"unknown device {device!r}: {error}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} was requested but this machine has no usable CUDA GPU; use cpu")
    return resolved


def autocast(device: torch.device):
    """bf16 autocast on CUDA, nothing elsewhere (CPU bf16 is slower than fp32 on most machines)."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


@torch.no_grad()
def embed_windows(model: SkeletonContext, windows: torch.Tensor, batch_size: int = 128) -> dict[str, torch.Tensor]:
    """Branch embeddings of ``(N, 2, T, 25, 3)`` windows, on the model's device."""
    device = next(model.parameters()).device
    model.eval()
    parts: dict[str, list[torch.Tensor]] = {}
    for start in range(0, len(windows), batch_size):
        with autocast(device):
            out = model(windows[start : start + batch_size].to(device, non_blocking=True))
        for key in _BRANCHES:
            if key in out:
                parts.setdefault(key, []).append(out[key].float())
    if not parts:
        return {"spatial": torch.zeros((0, model.config.embed_dim), device=device)}
    return {key: torch.cat(values) for key, values in parts.items()}


def unseen_lift(unseen: Sequence[bool], bias: float) -> torch.Tensor:
    """The ``(C,)`` logit bias that lifts the labels a checkpoint never trained on by ``bias``
    (calibrated stacking), and leaves its trained ones alone: evaluation and the app build it here."""
    return torch.tensor([bool(flag) for flag in unseen], dtype=torch.float32) * float(bias)


@torch.no_grad()
def class_probabilities(
    model: SkeletonContext, embeddings: dict[str, torch.Tensor], classes: ClassPrototypes,
    logit_bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """The model's single combined prediction over ``classes`` for embedded windows."""
    device = embeddings["spatial"].device
    return model.probabilities(embeddings, classes.to(device), None if logit_bias is None else logit_bias.to(device))
