"""Model files: safetensors weights with the model configuration in the file's metadata."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from core.model.network import ModelConfig, SkeletonContext

_CONFIG_KEY = "skeletoncontext_config"
_METADATA_KEY = "skeletoncontext_metadata"


class CheckpointError(ValueError):
    """A model file that cannot be used: missing, truncated, foreign or built for another model."""


def save_checkpoint(path: Path | str, model: SkeletonContext, metadata: dict[str, Any]) -> None:
    """Write weights and config atomically, so a crash never leaves a half-written model file."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()}
    header = {_CONFIG_KEY: json.dumps(model.config.to_dict()), _METADATA_KEY: json.dumps(metadata)}
    temporary = path.with_name(path.name + ".tmp")
    save_file(state, str(temporary), metadata=header)
    temporary.replace(path)


def read_checkpoint_metadata(path: Path | str) -> tuple[ModelConfig, dict[str, Any]]:
    """Config and metadata without loading the weights."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"model file not found: {path}")
    try:
        with safe_open(str(path), framework="pt") as handle:
            header = handle.metadata() or {}
    except Exception as error:  # safetensors raises several unrelated types for damaged files
        raise CheckpointError(f"{path} is not a readable safetensors model file (truncated or damaged?): {error}") from error
    if _CONFIG_KEY not in header:
        raise CheckpointError(f"{path} is a safetensors file but not a SkeletonContext model (no config in its metadata)")
    try:
        config = ModelConfig.from_dict(json.loads(header[_CONFIG_KEY]))
        metadata = json.loads(header.get(_METADATA_KEY, "{}"))
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"{path} has an unusable model configuration: {error}") from error
    return config, metadata


def load_checkpoint(path: Path | str, device: str | torch.device | None = None) -> tuple[SkeletonContext, dict[str, Any]]:
    """Rebuild the model from the file's config and load its weights (eval mode)."""
    from safetensors.torch import load_file

    config, metadata = read_checkpoint_metadata(path)
    try:
        state = load_file(str(path), device="cpu")
    except Exception as error:
        raise CheckpointError(f"{path}: the weights cannot be read (truncated or damaged?): {error}") from error
    model = SkeletonContext(config)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong_shape = sorted(name for name in set(expected) & set(state) if expected[name].shape != state[name].shape)
    if missing or unexpected or wrong_shape:
        raise CheckpointError(
            f"{path} does not match its own model configuration: missing {missing[:5]}, "
            f"unexpected {unexpected[:5]}, wrong shapes {wrong_shape[:5]}"
        )
    model.load_state_dict(state)
    model.to(device if device is not None else "cpu").eval()
    return model, metadata


def training_classes(metadata: dict[str, Any]) -> list[str] | None:
    """The canonical actions a checkpoint was trained on (``train_actions``, written by the
    trainer); None for a checkpoint that does not record them, so callers can say "unknown"."""
    classes = metadata.get("train_actions")
    return list(classes) if isinstance(classes, list) else None
