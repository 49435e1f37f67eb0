"""Which sources' actions transfer to real video: train with and without each source, score the clips.

For every source named, a model is trained on every action without that source's samples
(``all-except:SOURCE``, core.protocol.tasks) and scored on the real clips (core.evaluation.videos,
the app's own pose path and windows); one more is trained on everything. A source's effect is read
on the clips whose action it records: their top-1 and top-3 without it against with it. The
models are the reference yardstick (core.training.reference: minutes each on a CPU), or a training
configuration by name (core.training.configs).

    python -m core.training.transfer --corpus artifacts/corpus --sources jhmdb pushfit motions --out runs/transfer
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from core.protocol.tasks import ALL_ACTIONS, ALL_EXCEPT, corpus_task, load_training_corpus, split_folder

REFERENCE = "reference"


def train_recognizer(model: str, corpus, split: str, bank_path: Path, out: Path, seed: int):
    """A Recognizer for ``split``'s task, trained with the yardstick or a named configuration, and its classes."""
    import torch

    from core.model.text_bank import TextBank
    from core.recognition.recognizer import Recognizer

    task = corpus_task(corpus, split)
    bank = TextBank(bank_path)
    if model == REFERENCE:
        from core.training.reference import RecognizerModel, ReferenceConfig, train_reference

        config = ReferenceConfig()
        return Recognizer(RecognizerModel(train_reference(task, bank, config, seed), config), "cpu"), task.train_actions
    from core.training.configs import get_config
    from core.training.trainer import train

    path = train(task, bank, replace(get_config(model), seed=seed), "full", out / split_folder(split),
                 torch.device("cpu"), quiet=True)
    return Recognizer.load(path, "cpu"), task.train_actions


def clip_ranks(recognizer, trained: list[str], clips, labels: list[str]) -> dict[str, dict]:
    """Per clip: its action, its canonical name in the vocabulary, and the true action's rank."""
    from core.evaluation.pose_cache import POSE_CACHE
    from core.evaluation.videos import evaluate_clips

    results = evaluate_clips(clips, labels, recognizer, trained, cache=POSE_CACHE)
    vocabulary = recognizer.vocabulary
    return {r.file: {"action": r.action, "canonical": vocabulary.name_of(r.action),
                     "rank": r.rank, "seen": r.seen} for r in results}


def transfer_table(corpus, runs: dict[str, dict[str, dict]], sources: list[str]) -> str:
    """Markdown: per source, the clips of actions it records, top-1 / top-3 without it and with everything."""
    recorded = {source: sorted({i.action for i in corpus.index if i.source == source}) for source in sources}
    everything = runs[ALL_ACTIONS]
    lines = ["| source | its actions among the clips | clips | top-1 without it -> with it | "
             "top-3 without it -> with it |", "|---|---|---|---|---|"]
    for source in sources:
        files = [f for f, clip in everything.items() if clip["canonical"] in recorded[source]]
        without = runs[f"{ALL_EXCEPT}{source}"]

        def share(run: dict[str, dict], top: int) -> str:
            hits = sum(run[f]["rank"] is not None and run[f]["rank"] <= top for f in files)
            return f"{hits / len(files):.2f}" if files else "-"

        actions = ", ".join(sorted({everything[f]["action"] for f in files})) or "none"
        lines.append(f"| {source} | {actions} | {len(files)} | {share(without, 1)} -> {share(everything, 1)} | "
                     f"{share(without, 3)} -> {share(everything, 3)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.training.transfer", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--text-bank", type=Path, default=Path("runs/text_bank.safetensors"))
    parser.add_argument("--sources", nargs="+", required=True, help="sources to leave out one at a time")
    parser.add_argument("--model", default=REFERENCE, help="'reference' (the yardstick) or a training config name")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("runs/transfer"))
    args = parser.parse_args(argv)
    try:
        from core.evaluation.videos import DEFAULT_CLIPS, read_clips

        corpus = load_training_corpus(args.corpus)
        clips = read_clips(DEFAULT_CLIPS)
        labels = list(dict.fromkeys(clip.action for clip in clips))
        args.out.mkdir(parents=True, exist_ok=True)
        runs = {}
        for split in [ALL_ACTIONS] + [f"{ALL_EXCEPT}{source}" for source in args.sources]:
            saved = args.out / f"{split_folder(split)}.json"
            if saved.exists():  # a rerun goes on where it stopped
                runs[split] = json.loads(saved.read_text())
                continue
            recognizer, trained = train_recognizer(args.model, corpus, split, args.text_bank, args.out, args.seed)
            runs[split] = clip_ranks(recognizer, trained, clips, labels)
            saved.write_text(json.dumps(runs[split], indent=1))
            print(f"{split}: done", file=sys.stderr, flush=True)
    except (ValueError, FileNotFoundError) as error:
        print(f"transfer: {error}", file=sys.stderr)
        return 2
    table = transfer_table(corpus, runs, args.sources)
    (args.out / "transfer.md").write_text(table)
    print(table, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
