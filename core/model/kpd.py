"""Key-Part Decoupling: the spatial branch pools features where the action happens."""

from __future__ import annotations

import torch
from torch import nn

from core.model.shiftgcn import masked_body_mean


class KeyPartPooling(nn.Module):
    """Scores every joint of every frame, pools with a softmax over joints, projects to text space.

    With ``learned=False`` the weights are uniform (the no-KPD ablation and the plain baseline),
    so every variant shares one interface; ``linear`` gives the baseline's single linear projection.
    """

    def __init__(
        self, channels: int, embed_dim: int, hidden: int = 64, learned: bool = True, linear: bool = False
    ) -> None:
        super().__init__()
        self.learned = learned
        self.scorer = (
            nn.Sequential(nn.Conv2d(channels, hidden, 1), nn.ReLU(), nn.Conv2d(hidden, 1, 1)) if learned else None
        )
        self.projection = (
            nn.Linear(channels, embed_dim)
            if linear
            else nn.Sequential(nn.Linear(channels, channels), nn.ReLU(), nn.Linear(channels, embed_dim))
        )

    def forward(self, features: torch.Tensor, present: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(N, M, C, T, V)`` features -> L2-normalised ``(N, D)`` embedding and ``(N, V)`` joint importance."""
        batch, bodies, channels, frames, joints = features.shape
        flat = features.reshape(batch * bodies, channels, frames, joints)
        if self.scorer is None:
            weights = flat.new_full((batch * bodies, frames, joints), 1.0 / joints)
        else:
            weights = torch.softmax(self.scorer(flat).squeeze(1).float(), dim=-1).to(flat.dtype)
        pooled = (flat * weights.unsqueeze(1)).sum(-1).mean(-1).reshape(batch, bodies, channels)
        embedding = self.projection(masked_body_mean(pooled, present))
        importance = masked_body_mean(weights.mean(1).reshape(batch, bodies, joints).float(), present)
        return nn.functional.normalize(embedding.float(), dim=-1), importance


def calibration_loss(importance: torch.Tensor, part_mask: torch.Tensor) -> torch.Tensor:
    """Squared distance (summed over joints) between joint importance and the moving-part mask."""
    return ((importance - part_mask) ** 2).sum(-1).mean()
