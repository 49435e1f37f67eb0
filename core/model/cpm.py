"""Cross-Modal Context Prompt: the temporal branch and its training-only prompt reader.

The skeleton token (``MotionToken``) is all that inference needs. ``ContextPromptHead`` lets the
token and the frozen language model's prompt states read each other and predicts the masked
context words; it exists only during training, to push context knowledge into the token.
"""

from __future__ import annotations

import torch
from torch import nn

from core.model.shiftgcn import masked_body_mean


class MotionToken(nn.Module):
    """One token per sample from frame-to-frame feature differences, attended over joints."""

    def __init__(self, channels: int, token_dim: int, hidden: int | None = None) -> None:
        super().__init__()
        hidden = hidden or channels
        self.motion = nn.Sequential(nn.Conv2d(channels, hidden, 1), nn.BatchNorm2d(hidden), nn.ReLU())
        self.attention = nn.Linear(hidden, 1)
        self.projection = nn.Linear(hidden, token_dim)

    def forward(self, features: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
        """``(N, M, C, T, V)`` -> ``(N, D)`` skeleton token (not normalised)."""
        batch, bodies, channels, frames, joints = features.shape
        if frames < 2:
            raise ValueError("the motion token needs at least two feature frames; use a longer window")
        flat = features.reshape(batch * bodies, channels, frames, joints)
        motion = self.motion(flat[:, :, 1:] - flat[:, :, :-1]).mean(2).transpose(1, 2)  # (B, V, H)
        weights = torch.softmax(self.attention(motion).float(), dim=1).to(motion.dtype)
        pooled = (motion * weights).sum(1).reshape(batch, bodies, -1)
        return self.projection(masked_body_mean(pooled, present))


class CrossModalLayer(nn.Module):
    """Language reads skeleton, skeleton reads language, then joint self-attention."""

    def __init__(self, dim: int, heads: int = 4, dropout: float = 0.1) -> None:
        super().__init__()
        self.lang_from_skel = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.skel_from_lang = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.lang_norm = nn.LayerNorm(dim)
        self.skel_norm = nn.LayerNorm(dim)
        self.joint = nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout, batch_first=True, norm_first=True)

    def forward(self, lang: torch.Tensor, padding: torch.Tensor, skel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``lang (N, L, D)`` with ``padding (N, L)`` True at pads, ``skel (N, D)`` -> updated both."""
        token = skel.unsqueeze(1)
        lang2 = self.lang_norm(lang + self.lang_from_skel(lang, token, token, need_weights=False)[0])
        token2 = self.skel_norm(token + self.skel_from_lang(token, lang, lang, key_padding_mask=padding, need_weights=False)[0])
        joint_padding = torch.cat([padding.new_zeros((len(padding), 1)), padding], dim=1)
        joint = self.joint(torch.cat([token2, lang2], dim=1), src_key_padding_mask=joint_padding)
        return joint[:, 1:], joint[:, 0]


class ContextPromptHead(nn.Module):
    """Cross-modal layer plus a fresh masked-language-model head over the slot words' pieces (core.model.text_bank)."""

    def __init__(self, dim: int, vocab_size: int, heads: int = 4) -> None:
        super().__init__()
        self.cross = CrossModalLayer(dim, heads)
        self.transform = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.LayerNorm(dim))
        self.decoder = nn.Linear(dim, vocab_size)

    def forward(
        self, lang: torch.Tensor, padding: torch.Tensor, token: torch.Tensor, mask_positions: torch.Tensor
    ) -> torch.Tensor:
        """Vocabulary logits ``(N, S, vocab)`` at ``mask_positions (N, S)`` (any index where unused)."""
        lang, _ = self.cross(lang, padding, token)
        index = mask_positions.clamp(min=0).unsqueeze(-1).expand(-1, -1, lang.shape[-1])
        return self.decoder(self.transform(torch.gather(lang, 1, index)))


def mlm_loss(logits: torch.Tensor, target_ids: torch.Tensor, slot_masked: torch.Tensor) -> torch.Tensor:
    """Cross-entropy at masked slots only; a slot's target spreads evenly over its word pieces.

    ``target_ids (N, S, W)`` holds each slot's word-piece ids, -1 where padded, so one [MASK]
    stands for a whole slot phrase such as "water bottle".
    """
    log_probs = torch.log_softmax(logits.float(), dim=-1)
    valid = (target_ids >= 0).float()
    picked = torch.gather(log_probs, -1, target_ids.clamp(min=0))
    per_slot = -(picked * valid).sum(-1) / valid.sum(-1).clamp(min=1.0)
    weights = slot_masked.float() * (valid.sum(-1) > 0).float()
    return (per_slot * weights).sum() / weights.sum().clamp(min=1.0)
