"""The written action knowledge, encoded once by MiniLM and shipped as a table.

Every prototype sentence of every known action (all prototype kinds) is in the table, so a
recogniser scores known labels, such as the 120 NTU names, without running the text encoder.
Rebuild after editing the knowledge: ``python -m core.knowledge.sentence_table``; a test fails
when the table no longer covers the knowledge.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from core.knowledge.vocabulary import Vocabulary, load_vocabulary
from core.model.prototypes import PROTOTYPE_KINDS, prototype_sentences
from core.model.text import TextEncoder, save_sentence_table

SENTENCE_TABLE = Path(__file__).resolve().parent / "sentence_embeddings.safetensors"


def knowledge_sentences(vocabulary: Vocabulary) -> list[str]:
    """Each distinct prototype sentence of the vocabulary, sorted."""
    sentences: set[str] = set()
    for name, action in vocabulary.actions.items():
        for kind in PROTOTYPE_KINDS:
            for texts in prototype_sentences(name, action, kind).values():
                sentences.update(texts)
    return sorted(sentences)


def build_sentence_table(path: Path, encoder: TextEncoder, vocabulary: Vocabulary) -> int:
    """Encode the knowledge into ``path`` (fp16); returns the number of sentences."""
    sentences = knowledge_sentences(vocabulary)
    save_sentence_table(path, sentences, encoder.encode(sentences), encoder.stamp)
    return len(sentences)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.knowledge.sentence_table", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SENTENCE_TABLE, help=f"table file (default {SENTENCE_TABLE})")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    count = build_sentence_table(args.out, TextEncoder(), load_vocabulary())
    size = args.out.stat().st_size / 2**20
    print(f"{count} sentences encoded into {args.out} ({size:.1f} MiB) in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
