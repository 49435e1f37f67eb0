"""Zero-shot tasks from the merged corpus (splits 1-3 or everything) and from NTU folders."""

from __future__ import annotations

from pathlib import Path

from core.protocol.clips import LabelledClips, SUBSETS, ZeroShotTask

ALL_ACTIONS = "all"
# "all-except:SOURCE": the shipped model's task without SOURCE's samples (what does SOURCE add?);
# "leave-out:SOURCE": SOURCE's actions are unseen, trained from nowhere, and its samples the test.
ALL_EXCEPT, LEAVE_OUT = "all-except:", "leave-out:"


def split_folder(split: str) -> str:
    """Output folder name of a split given by name or by a split file path."""
    return Path(split).stem if split.endswith(".json") else split.replace(":", "-")


def load_training_corpus(path: Path | str):
    """A corpus folder written by ``python -m core corpus build``."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(
            f"corpus not found: {path} (build it with: python -m core corpus build --data ../shared/data --out {path})"
        )
    from core.data.corpus import load_corpus

    return load_corpus(path)


def corpus_task(corpus, split: str) -> ZeroShotTask:
    """Clips of one split, or with ``split='all'`` every clip for training the shipped model, except a
    source's official test half (Penn Action's), kept as ``test_seen`` for a supervised check; or one
    of the source tasks above."""
    from core.knowledge.splits import OFFICIAL_TEST_SUBJECTS, load_split, split_samples

    if split == ALL_ACTIONS or split.startswith(ALL_EXCEPT):
        left_out = _known_source(corpus, split.removeprefix(ALL_EXCEPT)) if split != ALL_ACTIONS else None
        train, held_out = LabelledClips(), LabelledClips()
        for i, info in enumerate(corpus.index):
            if info.source == left_out:
                continue
            official_test = info.subject in OFFICIAL_TEST_SUBJECTS.get(info.source, ())
            (held_out if official_test else train).add(corpus.sequence(i), info.action, info.fps, info.source)
        return ZeroShotTask(split, sorted(set(train.actions)), [], [], {"train": train, "test_seen": held_out})
    if split.startswith(LEAVE_OUT):
        return _source_left_out(corpus, _known_source(corpus, split.removeprefix(LEAVE_OUT)), split)

    zero_shot = load_split(split)
    indices = split_samples(zero_shot, corpus)
    subsets = {}
    for name in SUBSETS:
        clips = LabelledClips()
        for i in indices.get(name, []):
            clips.add(corpus.sequence(i), corpus.index[i].action, corpus.index[i].fps, corpus.index[i].source)
        subsets[name] = clips
    train_actions = sorted(set(subsets["train"].actions))
    return ZeroShotTask(split, train_actions, sorted(zero_shot.validation), sorted(zero_shot.unseen), subsets)


def _known_source(corpus, source: str) -> str:
    sources = sorted({info.source for info in corpus.index})
    if source not in sources:
        raise ValueError(f"no source {source!r} in the corpus; it has {sources}")
    return source


def _source_left_out(corpus, source: str, name: str) -> ZeroShotTask:
    """Every action of ``source`` unseen (no sample of it trains, from any source); its samples are the test."""
    unseen = {info.action for info in corpus.index if info.source == source}
    train, test = LabelledClips(), LabelledClips()
    for i, info in enumerate(corpus.index):
        if info.source == source:
            test.add(corpus.sequence(i), info.action, info.fps, info.source)
        elif info.action not in unseen:
            train.add(corpus.sequence(i), info.action, info.fps, info.source)
    return ZeroShotTask(name, sorted(set(train.actions)), [], sorted(unseen), {"train": train, "test_unseen": test})


def load_task(corpus_path: Path, split: str) -> ZeroShotTask:
    """The zero-shot task of ``split`` over a corpus or an NTU folder."""
    from core.protocol.ntu_task import is_ntu_folder, ntu_task

    if is_ntu_folder(corpus_path):
        from core.knowledge.vocabulary import load_vocabulary

        return ntu_task(corpus_path, split, load_vocabulary())
    return corpus_task(load_training_corpus(corpus_path), split)
