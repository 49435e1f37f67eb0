"""Everything training needs from the frozen language model, computed once into one file.

The GPU machine that trains has no MiniLM weights, so the prototypes of every action (for each
prototype kind) and the frozen LM token states of every context prompt the curriculum can show
are encoded here and stored in fp16. Prompt texts repeat across actions (the all-masked prompt
is the same for everyone), so states are stored once per distinct prompt.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

from core.model.prototypes import NAME_TEMPLATES, PROTOTYPE_KINDS, prototype_sentences, with_name_templates
from core.model.scoring import ClassPrototypes
from core.model.text import TextEncoder

DEFAULT_TEXT_BANK = Path("runs/text_bank.safetensors")

SLOT_TITLES = ("Environment", "Manipulable object", "Target object")
MASK_WORD = "[MASK]"
# Curriculum stage s (1, 2, 3) masks s slots; these are all the patterns, grouped by stage.
MASK_PATTERNS: tuple[tuple[bool, bool, bool], ...] = tuple(
    tuple(slot in chosen for slot in range(3)) for count in (1, 2, 3) for chosen in combinations(range(3), count)
)
STAGE_PATTERNS = {stage: [i for i, p in enumerate(MASK_PATTERNS) if sum(p) == stage] for stage in (1, 2, 3)}
MAX_SLOT_PIECES = 4


class PrototypeSource(Protocol):
    """What the zero-shot evaluation reads of a text bank: the classes' prototype sets."""

    def prototypes(self, names: list[str], kind: str, templates: int = len(NAME_TEMPLATES)) -> ClassPrototypes: ...


class TextBankError(ValueError):
    """A text bank that cannot serve the request (missing action, damaged file)."""


def prompt_text(triplet: tuple[str, str, str], pattern: tuple[bool, bool, bool]) -> str:
    """``Environment: kitchen | Manipulable object: [MASK] | Target object: mouth``."""
    words = [MASK_WORD if masked else word for word, masked in zip(triplet, pattern)]
    return " | ".join(f"{title}: {word}" for title, word in zip(SLOT_TITLES, words))


def build_text_bank(path: Path | str, actions: dict[str, object], encoder: TextEncoder) -> dict[str, float]:
    """Encode prototypes and prompt states of ``actions`` (name -> vocabulary Action) into ``path``."""
    from safetensors.numpy import save_file

    names = sorted(actions)
    if not names:
        raise TextBankError("no actions to put in the text bank")
    sentences: dict[str, int] = {}
    prototype_index: dict[str, dict[str, dict[str, list[int]]]] = {}
    for kind in PROTOTYPE_KINDS:
        prototype_index[kind] = {}
        for name in names:
            branches = prototype_sentences(name, actions[name], kind)
            prototype_index[kind][name] = {
                branch: [sentences.setdefault(text, len(sentences)) for text in texts] for branch, texts in branches.items()
            }
    embeddings = encoder.encode(list(sentences))

    max_triplets = max(len(actions[name].context) for name in names)
    prompts: dict[str, int] = {}
    prompt_table = np.full((len(names), max_triplets, len(MASK_PATTERNS)), -1, dtype=np.int32)
    targets = np.full((len(names), max_triplets, 3, MAX_SLOT_PIECES), -1, dtype=np.int32)
    for a, name in enumerate(names):
        for t, triplet in enumerate(actions[name].context):
            for s, word in enumerate(triplet):
                pieces = encoder.token_ids(word)[:MAX_SLOT_PIECES]
                targets[a, t, s, : len(pieces)] = pieces
            for p, pattern in enumerate(MASK_PATTERNS):
                prompt_table[a, t, p] = prompts.setdefault(prompt_text(triplet, pattern), len(prompts))
    encoded = encoder.token_states(list(prompts))
    longest = max(len(ids) for ids, _ in encoded)
    states = np.zeros((len(encoded), longest, embeddings.shape[1]), dtype=np.float16)
    lengths = np.zeros(len(encoded), dtype=np.int32)
    mask_positions = np.full((len(encoded), 3), -1, dtype=np.int32)
    for u, ((ids, hidden), text) in enumerate(zip(encoded, prompts)):
        states[u, : len(ids)] = hidden
        lengths[u] = len(ids)
        positions = np.flatnonzero(ids == encoder.mask_token_id)
        masked_slots = [s for s, part in enumerate(text.split(" | ")) if part.endswith(MASK_WORD)]
        if len(positions) != len(masked_slots):
            raise TextBankError(f"a slot word in {text!r} tokenises to [MASK]; remove it from the knowledge")
        mask_positions[u, masked_slots] = positions
    tensors = {
        "prototypes": embeddings.astype(np.float16),
        "prompt_states": states,
        "prompt_lengths": lengths,
        "mask_positions": mask_positions,
        "prompt_table": prompt_table,
        "slot_targets": targets,
        "part_masks": np.stack([actions[name].part_mask for name in names]).astype(np.float32),
    }
    header = {
        "actions": json.dumps(names),
        "prototype_index": json.dumps(prototype_index),
        "vocab_size": str(encoder.vocab_size),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata=header)
    return {"actions": len(names), "sentences": len(sentences), "prompts": len(prompts), "megabytes": path.stat().st_size / 2**20}


@dataclass
class PromptBatch:
    """Frozen LM inputs of one training batch for the context prompt head."""

    states: torch.Tensor  # (N, L, D) float
    padding: torch.Tensor  # (N, L) True at padding
    mask_positions: torch.Tensor  # (N, 3) token index of each masked slot, -1 when revealed
    targets: torch.Tensor  # (N, 3, W) word-piece ids of each slot, -1 padded
    slot_masked: torch.Tensor  # (N, 3) bool


class TextBank:
    """A loaded text bank, kept on the training device."""

    def __init__(self, path: Path | str, device: str | torch.device = "cpu") -> None:
        from safetensors import safe_open

        path = Path(path)
        if not path.is_file():
            raise TextBankError(f"text bank not found: {path} (build it with: python -m core train --build-text-bank {path})")
        try:
            with safe_open(str(path), framework="pt") as handle:
                header = handle.metadata() or {}
                tensors = {key: handle.get_tensor(key) for key in handle.keys()}
            self.actions: list[str] = json.loads(header["actions"])
            self.prototype_index = json.loads(header["prototype_index"])
            self.vocab_size = int(header["vocab_size"])
        except Exception as error:
            raise TextBankError(f"{path} is not a readable text bank (truncated or from another tool?): {error}") from error
        self.position = {name: i for i, name in enumerate(self.actions)}
        self.device = torch.device(device)
        self.prototype_vectors = tensors["prototypes"].float()
        self.prompt_states = tensors["prompt_states"].to(self.device)
        self.prompt_lengths = tensors["prompt_lengths"].long().to(self.device)
        self.mask_positions = tensors["mask_positions"].long().to(self.device)
        self.prompt_table = tensors["prompt_table"].long().to(self.device)
        # The context head predicts a masked slot among the word pieces that slots hold (a few
        # hundred), not over the LM's whole vocabulary (30,522): the other slot words are the
        # alternatives that matter, and the output layer costs a hundredth as much.
        pieces = tensors["slot_targets"].long()
        self.slot_vocabulary = torch.unique(pieces[pieces >= 0])
        self.slot_vocab_size = len(self.slot_vocabulary)
        remapped = torch.searchsorted(self.slot_vocabulary, pieces.clamp(min=0))
        self.slot_targets = torch.where(pieces >= 0, remapped, pieces).to(self.device)
        self.part_mask_table = tensors["part_masks"].to(self.device)
        self.triplet_counts = (self.prompt_table[:, :, 0] >= 0).sum(1)

    def indices(self, names: list[str]) -> torch.Tensor:
        missing = [name for name in names if name not in self.position]
        if missing:
            raise TextBankError(f"the text bank has no entry for {missing[:5]}; rebuild it with the current vocabulary")
        return torch.as_tensor([self.position[name] for name in names], dtype=torch.long, device=self.device)

    def prototypes(self, names: list[str], kind: str, templates: int = len(NAME_TEMPLATES)) -> ClassPrototypes:
        """The classes' prototype sets, each with ``templates`` name templates beside its
        descriptions (``with_name_templates``; the model's ModelConfig.name_templates)."""
        return self.prototypes_by_class(names, kind, {name: templates for name in names})

    def prototypes_by_class(self, names: list[str], kind: str, templates: Mapping[str, int]) -> ClassPrototypes:
        """``prototypes`` with each class's own count of name templates."""
        if kind not in self.prototype_index:
            raise TextBankError(f"the text bank has no {kind!r} prototypes")
        self.indices(names)
        rows = self.prototype_index[kind]

        def vectors(name: str, branch: str) -> np.ndarray:
            return self.prototype_vectors[with_name_templates(rows[name][branch], templates[name])].numpy()

        spatial = [vectors(name, "spatial") for name in names]
        temporal = [vectors(name, "temporal") for name in names]
        return ClassPrototypes.from_arrays(names, spatial, temporal).to(self.device)

    def untrained_templates(self, trained: Collection[str], templates: int) -> "UntrainedTemplates":
        """This bank read with every class outside ``trained`` cut to ``templates`` name templates."""
        return UntrainedTemplates(self, frozenset(trained), templates)

    def part_masks(self, action_rows: torch.Tensor) -> torch.Tensor:
        return self.part_mask_table[action_rows]

    def prompts(self, action_rows: torch.Tensor, stage: int, generator: torch.Generator | None = None) -> PromptBatch:
        """One random context triplet of each sample's own action, masked as curriculum ``stage`` says."""
        count = len(action_rows)
        draw = torch.rand(count, generator=generator, device="cpu").to(self.device)
        triplet = (draw * self.triplet_counts[action_rows]).long()
        choices = torch.as_tensor(STAGE_PATTERNS[stage], device=self.device)
        pick = torch.randint(len(choices), (count,), generator=generator, device="cpu").to(self.device)
        prompt = self.prompt_table[action_rows, triplet, choices[pick]]
        length = self.prompt_lengths[prompt]
        states = self.prompt_states[prompt, : int(length.max())].float()
        padding = torch.arange(states.shape[1], device=self.device)[None, :] >= length[:, None]
        positions = self.mask_positions[prompt]
        return PromptBatch(states, padding, positions, self.slot_targets[action_rows, triplet], positions >= 0)


@dataclass(frozen=True)
class UntrainedTemplates:
    """A text bank's prototypes with the never-trained classes' name templates cut, for the
    zero-shot evaluation, which reads a bank through ``prototypes`` alone."""

    bank: TextBank
    trained: frozenset[str]
    templates: int

    def prototypes(self, names: list[str], kind: str, templates: int = len(NAME_TEMPLATES)) -> ClassPrototypes:
        """The trained classes with ``templates`` (the model's), the others with this reading's."""
        counts = {name: templates if name in self.trained else self.templates for name in names}
        return self.bank.prototypes_by_class(names, kind, counts)
