"""The experiments runner, end to end on a tiny synthetic corpus written in the corpus format."""

from __future__ import annotations

import json

import numpy as np

from core.data.corpus import SampleInfo, write_corpus
from core.data.packing import pack
from core.model.checkpoint import read_checkpoint_metadata
from core.training import experiments
from tests.test_training_data import SYNTHETIC_ACTIONS, synthetic_bank, synthetic_clip  # noqa: F401 (fixture)


def _synthetic_corpus(folder) -> None:
    rng = np.random.default_rng(0)
    sequences, index = [], []
    for action_index, action in enumerate(SYNTHETIC_ACTIONS):
        for subject in ("s01", "s01", "s02", "s03"):
            clip = synthetic_clip(action_index, rng)
            index.append(SampleInfo("kard", subject, action, action, "", 15.0, len(clip), f"{action}-{len(index)}"))
            sequences.append(clip)
    steps, offsets = pack(sequences)
    write_corpus(folder, index, steps, offsets, {})


def test_runner_trains_evaluates_and_tabulates(tmp_path, synthetic_bank) -> None:
    corpus = tmp_path / "corpus"
    _synthetic_corpus(corpus)
    split = tmp_path / "tiny_split.json"
    split.write_text(json.dumps({
        "name": "tiny_split", "seed": 0, "unseen": ["nod"], "validation": ["march"],
        "validation_subjects": {"kard": ["s02"]}, "test_subjects": {"kard": ["s03"]},
    }))
    out = tmp_path / "experiments"
    code = experiments.main(["--corpus", str(corpus), "--text-bank", str(synthetic_bank), "--out", str(out),
                             "--config", "tiny", "--device", "cpu", "--jobs", "2", "--workers", "0",
                             "--splits", str(split), "--variants", "baseline", "--no-shipped", "--mirror", "--motion"])
    assert code == 0, (out / "tiny_split" / "baseline.log").read_text()[-2000:]
    evaluation = json.loads((out / "tiny_split" / "baseline" / "evaluation.json").read_text())
    assert evaluation["variant"] == "baseline" and evaluation["unseen_actions"] == ["nod"]
    assert (out / "tiny_split" / "backbone.pt").exists()
    start = json.loads((out / "tiny_split" / "baseline" / "train_log.jsonl").read_text().splitlines()[0])
    assert start["event"] == "start" and start["mirror"] is True and start["motion"] is True
    assert read_checkpoint_metadata(out / "tiny_split" / "baseline" / "model.safetensors")[0].backbone.motion
    results = (out / "results.md").read_text()
    assert "| baseline | 1 |" in results
    assert json.loads((out / "results.json").read_text())["jobs"]["{}/baseline".format(split)]["failed"] == ""
