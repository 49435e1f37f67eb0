"""How well the written descriptions tell actions apart in the text encoder's space.

Zero-shot recognition can only separate two unseen actions if their description prototypes
differ, so this measures, for the actions that have data: does an action's name land closest
to its own descriptions (top-k mean similarity, as the scoring does), and which pairs of
actions have the most similar description sets. Run after editing knowledge files:
    python -m core.knowledge.separability [--all] [--pairs N]
With ``--encoder FOLDER`` (any sentence-transformers model folder, loaded offline) it measures
another text encoder the same way, and how long it takes to encode the sentences (no cache), so
an encoder is only swapped in when it separates the actions better at a price the app can pay.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from core.knowledge.vocabulary import Vocabulary, VocabularyWarning, load_vocabulary

TOP_K = 3


def name_retrieval(vocabulary: Vocabulary, names: list[str], encode) -> tuple[float, list[tuple[str, str]]]:
    """Share of names whose own description prototypes score highest, and the misses."""
    prototypes = [encode(vocabulary.actions[name].descriptions) for name in names]
    queries = encode([f"a person is doing: {name}" for name in names])
    scores = np.stack([np.sort(queries @ proto.T, axis=1)[:, -TOP_K:].mean(1) for proto in prototypes], axis=1)
    best = scores.argmax(1)
    misses = [(names[i], names[j]) for i, j in enumerate(best) if i != j]
    return 1 - len(misses) / len(names), misses


def closest_pairs(vocabulary: Vocabulary, names: list[str], encode, count: int) -> list[tuple[float, str, str]]:
    """Pairs of actions whose mean description embeddings are most alike."""
    centroids = np.stack([encode(vocabulary.actions[name].descriptions).mean(0) for name in names])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    similarity = centroids @ centroids.T
    pairs = [(float(similarity[i, j]), names[i], names[j])
             for i in range(len(names)) for j in range(i + 1, len(names))]
    return sorted(pairs, reverse=True)[:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.knowledge.separability", description=__doc__)
    parser.add_argument("--all", action="store_true", help="every action, not only those with data")
    parser.add_argument("--pairs", type=int, default=10, help="how many closest pairs to list")
    parser.add_argument("--encoder", type=Path, default=None,
                        help="a sentence-transformers model folder to measure instead of MiniLM")
    args = parser.parse_args(argv)
    from core.model.text import TextEncoder

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VocabularyWarning)
        vocabulary = load_vocabulary()
    names = sorted(vocabulary.actions if args.all else vocabulary.action_sources())
    with tempfile.TemporaryDirectory() as empty_cache:
        encoder = TextEncoder(args.encoder, cache_dir=Path(empty_cache))
        encoder.encode(["warm up"])
        started = time.perf_counter()
        accuracy, misses = name_retrieval(vocabulary, names, encoder.encode)
        seconds = time.perf_counter() - started
        pairs = closest_pairs(vocabulary, names, encoder.encode, args.pairs)
    sentences = sum(len(vocabulary.actions[name].descriptions) for name in names) + len(names)
    print(f"encoder {encoder.model_path.name} ({encoder.dimension} dimensions): {sentences} sentences "
          f"in {seconds:.2f} s ({1000 * seconds / sentences:.1f} ms each, no cache)")
    print(f"{len(names)} actions; name -> own descriptions (top-{TOP_K} mean) top-1: {accuracy:.1%}")
    for name, other in misses:
        print(f"  {name!r} is closer to the descriptions of {other!r}")
    print(f"closest description sets (cosine of mean embeddings):")
    for similarity, first, second in pairs:
        print(f"  {similarity:.3f}  {first} | {second}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
