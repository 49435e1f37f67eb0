"""The SkeletonContext network as used at inference: skeleton in, two text-space embeddings out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import torch
from torch import nn

from core.model.cpm import MotionToken
from core.model.kpd import KeyPartPooling
from core.model.prototypes import NAME_TEMPLATES, PROTOTYPE_KINDS
from core.model.scoring import ClassPrototypes, class_logits
from core.model.shiftgcn import BackboneConfig, ShiftGCN
from core.model.tcn import TCNConfig, TemporalConvNet
from core.model.text import EMBEDDING_DIM

# backbone kind -> (its config, its network); checkpoints saved before the kind existed are Shift-GCN
BACKBONES: dict[str, tuple[type, type[nn.Module]]] = {
    "shiftgcn": (BackboneConfig, ShiftGCN),
    "tcn": (TCNConfig, TemporalConvNet),
}


@dataclass(frozen=True)
class ModelConfig:
    backbone: BackboneConfig | TCNConfig = field(default_factory=BackboneConfig)
    use_kpd: bool = True
    use_cpm: bool = True
    prototypes: str = "descriptions"
    embed_dim: int = EMBEDDING_DIM
    window: int = 64
    # Seconds of motion one window covers (core.recognition.windows; TrainConfig.window_s sets it
    # for training). Checkpoints saved before it was recorded load with this default, the span the
    # app's uploads were already scored in.
    window_s: float = 2.0
    # Whether every window's bodies get the same bones before the network sees them
    # (core.model.inputs.prepare_window). Checkpoints saved before it existed load with it off.
    canonical_bones: bool = False
    # Whether every window's bodies are stood up when they lean a little as a whole
    # (core.skeleton.transforms.levelled). Checkpoints saved before it existed load with it off.
    level: bool = False
    top_k: int = 3  # a class's best sentences whose mean similarity the training loss reads
    # At inference (evaluation, classify, the app) each class is scored by its single best-fitting
    # sentence: on eight checkpoints trained with top_k 3 it raised the real clips' top three on six
    # and lowered it on none, and moved the zero-shot splits by -0.1 points over twelve runs (docs/experiments.md,
    # *One sentence scores a class*). Checkpoints saved before it existed load with it.
    scoring_top_k: int = 1
    # How many of the name templates (core.model.prototypes.NAME_TEMPLATES) stand beside a class's
    # written descriptions, in training and at inference alike. With all four, a trained window's
    # three best sentences were templates 90-95 % of the time, so the loss hardly read the
    # descriptions. Checkpoints saved before it existed load with all four.
    name_templates: int = len(NAME_TEMPLATES)
    temperature: float = 0.1
    kpd_hidden: int = 64
    token_hidden: int | None = None  # the CPM motion token's width (None: the backbone's channels)
    linear_projection: bool = False
    # Training windows whose embeddings the model file keeps, so that at inference every label is
    # scored against how well it matches an ordinary training window (SkeletonContext.with_prior;
    # core.model.label_prior fills them). 0: none, as in checkpoints saved before it existed.
    prior_windows: int = 0

    @property
    def backbone_kind(self) -> str:
        return next(kind for kind, (config_type, _) in BACKBONES.items() if isinstance(self.backbone, config_type))

    def __post_init__(self) -> None:
        if self.prototypes not in PROTOTYPE_KINDS:
            raise ValueError(f"unknown prototypes {self.prototypes!r}; expected one of {PROTOTYPE_KINDS}")
        if not self.window_s > 0:
            raise ValueError(f"window_s must be positive, got {self.window_s}")
        if self.prior_windows < 0:
            raise ValueError(f"prior_windows cannot be negative, got {self.prior_windows}")
        if not 0 <= self.name_templates <= len(NAME_TEMPLATES):
            raise ValueError(f"name_templates must be 0 to {len(NAME_TEMPLATES)}, got {self.name_templates}")
        for field in ("top_k", "scoring_top_k"):
            if getattr(self, field) < 1:
                raise ValueError(f"{field} must be at least 1, got {getattr(self, field)}")
        if self.window // self.backbone.time_stride < 2:
            raise ValueError(f"window {self.window} is too short for a time stride of {self.backbone.time_stride}")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "backbone_kind": self.backbone_kind}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelConfig":
        values = dict(data)
        kind = values.pop("backbone_kind", "shiftgcn")
        if kind not in BACKBONES:
            raise ValueError(f"unknown backbone kind {kind!r}; expected one of {sorted(BACKBONES)}")
        backbone = dict(values.pop("backbone", {}))
        for key in ("channels", "strided_blocks", "body_joints"):
            if backbone.get(key) is not None:
                backbone[key] = tuple(backbone[key])
        known = set(cls.__dataclass_fields__)
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown model settings {sorted(unknown)}")
        return cls(backbone=BACKBONES[kind][0](**backbone), **values)


class SkeletonContext(nn.Module):
    """Backbone + spatial branch (KPD or uniform pooling) + temporal branch (CPM skeleton token)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        channels = config.backbone.out_channels
        self.backbone = BACKBONES[config.backbone_kind][1](config.backbone)
        self.spatial = KeyPartPooling(
            channels, config.embed_dim, config.kpd_hidden, learned=config.use_kpd, linear=config.linear_projection
        )
        self.temporal = MotionToken(channels, config.embed_dim, config.token_hidden) if config.use_cpm else None
        for branch in self.branches if config.prior_windows else ():  # half precision: a mean logit needs no more
            prior = torch.zeros(config.prior_windows, config.embed_dim, dtype=torch.float16)
            self.register_buffer(f"prior_{branch}", prior)

    @property
    def branches(self) -> tuple[str, ...]:
        """The embedding branches this model outputs, in the order their logits come."""
        return ("spatial", "temporal") if self.temporal is not None else ("spatial",)

    def forward(self, skeletons: torch.Tensor) -> dict[str, torch.Tensor]:
        """``(N, M, T, 25, 3)`` -> spatial/temporal embeddings, skeleton token, joint importance, features."""
        features, present = self.backbone(skeletons)
        return self.heads(features, present)

    def heads(self, features: torch.Tensor, present: torch.Tensor) -> dict[str, torch.Tensor]:
        """The branches alone, for training stages that keep the backbone frozen."""
        spatial, importance = self.spatial(features, present)
        out = {"spatial": spatial, "importance": importance, "features": features, "present": present}
        if self.temporal is not None:
            token = self.temporal(features, present)
            out["token"] = token
            out["temporal"] = nn.functional.normalize(token.float(), dim=-1)
        return out

    def branch_logits(self, outputs: dict[str, torch.Tensor], classes: ClassPrototypes) -> list[torch.Tensor]:
        """One ``(N, C)`` logit matrix per active branch, less the classes' prior when they carry one.

        A class's sentences are read as trained (``top_k``) in training mode and by ``scoring_top_k``
        otherwise.
        """
        config = self.config
        top_k = config.top_k if self.training else config.scoring_top_k
        logits = [class_logits(outputs["spatial"], classes.spatial, classes.spatial_valid, top_k, config.temperature)]
        if "temporal" in outputs:
            logits.append(
                class_logits(outputs["temporal"], classes.temporal, classes.temporal_valid, top_k, config.temperature)
            )
        if classes.prior is not None:
            logits = [branch - prior for branch, prior in zip(logits, classes.prior)]
        return logits

    @torch.no_grad()
    def with_prior(self, classes: ClassPrototypes) -> ClassPrototypes:
        """``classes`` with their prior: each one's mean logit over the stored training windows.

        Some descriptions sit near every motion and would win for any window (hubs); read against
        what an ordinary training window scores, a label wins by fitting this window better than
        it fits most. Unchanged when the model keeps no windows or the prior is already there.
        """
        if not self.config.prior_windows or classes.prior is not None:
            return classes
        stored = {branch: getattr(self, f"prior_{branch}").float() for branch in self.branches}
        prior = torch.stack([logits.mean(0) for logits in self.branch_logits(stored, classes)])
        return replace(classes, prior=prior)

    def probabilities(
        self, outputs: dict[str, torch.Tensor], classes: ClassPrototypes, logit_bias: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """ONE prediction: the mean of the branches' softmax distributions over ``classes``.

        ``logit_bias`` ``(C,)`` is added to every branch's logits first (calibrated stacking: the
        labels a model never trained on get a lift, see core.recognition.recognizer).
        """
        logits = self.branch_logits(outputs, self.with_prior(classes))
        return combine_branches(logits if logit_bias is None else [branch + logit_bias for branch in logits])


def combine_branches(branch_logits: list[torch.Tensor]) -> torch.Tensor:
    """The single prediction of several branches: the mean of their softmax distributions."""
    return torch.stack([torch.softmax(logits, dim=-1) for logits in branch_logits]).mean(0)
