"""Keeping a sample of training windows' embeddings in a model, for the label prior.

At inference every label is scored against its mean score over these windows
(SkeletonContext.with_prior): a description that sits near every motion stops winning windows it
only fits as well as it fits most. The trainer fills them once training ends (TrainConfig
``prior_windows``); ``python -m core label-prior`` adds them to a checkpoint trained before.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from core.model.inference import embed_windows
from core.model.network import SkeletonContext


def with_label_prior(model: SkeletonContext, windows: torch.Tensor) -> SkeletonContext:
    """A copy of ``model`` that keeps the embeddings of ``windows`` ``(N, 2, T, 25, 3)`` (any it kept
    before are replaced), in eval mode on the model's device."""
    if len(windows) == 0:
        raise ValueError("the label prior needs at least one window")
    device = next(model.parameters()).device
    embeddings = embed_windows(model, windows)
    kept = SkeletonContext(replace(model.config, prior_windows=len(windows))).to(device)
    state = {name: value for name, value in model.state_dict().items() if not name.startswith("prior_")}
    state.update({f"prior_{branch}": embeddings[branch].half() for branch in kept.branches})
    kept.load_state_dict(state)
    return kept.eval()
