"""Scores embeddings against classes that are sets of text prototypes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


def pad_prototypes(per_class: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack classes with different prototype counts into ``(C, K, D)`` plus a validity mask."""
    if not per_class:
        raise ValueError("no classes to score against")
    if any(len(p) == 0 for p in per_class):
        raise ValueError("every class needs at least one prototype")
    size = max(len(p) for p in per_class)
    dim = per_class[0].shape[-1]
    values = torch.zeros((len(per_class), size, dim), dtype=torch.float32)
    valid = torch.zeros((len(per_class), size), dtype=torch.bool)
    for index, prototypes in enumerate(per_class):
        values[index, : len(prototypes)] = torch.as_tensor(np.asarray(prototypes, dtype=np.float32))
        valid[index, : len(prototypes)] = True
    return values, valid


@dataclass
class ClassPrototypes:
    """Prototype sets of a list of classes, one set per branch."""

    names: list[str]
    spatial: torch.Tensor
    spatial_valid: torch.Tensor
    temporal: torch.Tensor
    temporal_valid: torch.Tensor
    # ``(branches, C)``: each class's mean logit over the model's stored training windows
    # (SkeletonContext.with_prior), subtracted from its logits at inference; None while training.
    prior: torch.Tensor | None = None

    @classmethod
    def from_arrays(cls, names: list[str], spatial: list[np.ndarray], temporal: list[np.ndarray]) -> "ClassPrototypes":
        s, s_valid = pad_prototypes(spatial)
        t, t_valid = pad_prototypes(temporal)
        return cls(list(names), s, s_valid, t, t_valid)

    def to(self, device: torch.device | str) -> "ClassPrototypes":
        return ClassPrototypes(
            self.names,
            self.spatial.to(device),
            self.spatial_valid.to(device),
            self.temporal.to(device),
            self.temporal_valid.to(device),
            None if self.prior is None else self.prior.to(device),
        )


def class_logits(
    embedding: torch.Tensor, prototypes: torch.Tensor, valid: torch.Tensor, top_k: int, temperature: float
) -> torch.Tensor:
    """Mean of the ``top_k`` cosine similarities per class, divided by the temperature.

    Taking the best few prototypes rather than all lets a class match on the descriptions that
    fit the observed motion without being dragged down by the ones that describe other aspects.
    """
    with torch.autocast(device_type=embedding.device.type, enabled=False):  # cosines need fp32 under bf16 training
        sims = torch.einsum("nd,ckd->nck", embedding.float(), prototypes.float())
    sims = sims.masked_fill(~valid.unsqueeze(0), float("-inf"))
    top = sims.topk(min(top_k, sims.shape[-1]), dim=-1).values
    finite = torch.isfinite(top)
    mean = torch.where(finite, top, torch.zeros_like(top)).sum(-1) / finite.sum(-1).clamp(min=1)
    return mean / temperature
