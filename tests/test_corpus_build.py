"""The corpus build and loader on small generated archives (never copies of the real data)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest

from core.__main__ import main
from core.data import build as build_module
from core.data.build import build_corpus, compact
from core.data.cli import format_action_sources
from core.data.corpus import CorpusError, SampleInfo, load_corpus
from core.data.kard import JOINT_ORDER as KARD_ORDER
from core.data.sample import Sample

from tests.test_readers_formats import _frames


def _kard_text(frames: int) -> str:
    """A KARD take whose right hand rises 100 mm per frame."""
    raw = _frames(KARD_ORDER, count=frames, scale=1000.0)
    raw[..., 0] *= -1.0
    return "\n".join(" ".join(f"{v:.2f}" for v in row) for row in raw.reshape(-1, 3)) + "\n"


def _write_archive(path: Path, files: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:xz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.fixture
def small_data(tmp_path: Path) -> Path:
    """A data folder with only a KARD archive: two good takes (one 60 frames long), one bad."""
    _write_archive(tmp_path / "data" / "raw" / "kard.tar.xz", {
        "kard_realworld/a02_s01_e01_realworld.txt": _kard_text(60),
        "kard_realworld/a17_s02_e01_realworld.txt": _kard_text(8),
        "kard_realworld/a02_s01_e02_realworld.txt": "1 2 3\n4 5 6\n",
    })
    return tmp_path / "data"


def test_build_reads_what_exists_and_reports_the_rest(small_data, tmp_path):
    report = build_corpus(small_data, tmp_path / "corpus", cache=tmp_path / "cache")
    rows = {row["source"]: row for row in report["sources"]}
    assert rows["kard"]["found"] == 2 and rows["kard"]["expected"] == 540
    assert any("a02_s01_e02_realworld.txt" in p for p in rows["kard"]["problems"])
    for source in ("nw-ucla", "msr-action3d", "utkinect", "cad-60", "bandai-namco"):
        assert rows[source]["found"] == 0
        assert any("not found" in p for p in rows[source]["problems"])
    corpus = load_corpus(tmp_path / "corpus")
    assert len(corpus) == 2 and corpus.actions() == ["high arm wave", "sit down"]
    wave = next(i for i, info in enumerate(corpus.index) if info.label == "high arm wave")
    info = corpus.index[wave]
    assert (info.source, info.subject, info.fps, info.length) == ("kard", "s01", 15.0, 30)
    sequence = corpus.sequence(wave)
    assert sequence.shape == (30, 25, 3) and sequence.dtype == np.float32
    # stored every second frame: the right hand rises 2 x 100 mm per stored frame
    assert np.allclose(np.diff(sequence[:, 11, 1]), 0.2, atol=0.0011)


def test_rebuild_uses_the_cache_and_gives_the_same_corpus(small_data, tmp_path):
    build_corpus(small_data, tmp_path / "first", cache=tmp_path / "cache")
    assert list((tmp_path / "cache" / "parsed").glob("kard-*.npz"))
    build_corpus(small_data, tmp_path / "second", cache=tmp_path / "cache")
    first, second = load_corpus(tmp_path / "first"), load_corpus(tmp_path / "second")
    assert first.index == second.index
    for i in range(len(first)):
        assert np.array_equal(first.sequence(i), second.sequence(i))


def test_compact_thins_fast_recordings_and_cuts_long_ones():
    joints = np.zeros((30 * 45, 25, 3), dtype=np.float32)  # 45 s at 30 fps
    pieces = compact(Sample("kard", "s01", "walk", "long", 30.0, joints))
    assert [name for name, _, _ in pieces] == ["long_part1", "long_part2", "long_part3"]
    assert all(fps == 15.0 for _, fps, _ in pieces)
    assert sum(len(part) for _, _, part in pieces) == 15 * 45
    assert max(len(part) for _, _, part in pieces) <= build_module.MAX_SECONDS * 15
    short = compact(Sample("msr-action3d", "s01", "bend", "short", 15.0, joints[:40]))
    assert [(name, fps, len(part)) for name, fps, part in short] == [("short", 15.0, 40)]


def test_load_corpus_explains_missing_or_inconsistent_folders(small_data, tmp_path):
    with pytest.raises(CorpusError, match="build the corpus first"):
        load_corpus(tmp_path / "nowhere")
    build_corpus(small_data, tmp_path / "corpus", cache=tmp_path / "cache")
    index_path = tmp_path / "corpus" / "index.json"
    content = json.loads(index_path.read_text())
    content["samples"][0]["length"] += 1
    index_path.write_text(json.dumps(content))
    with pytest.raises(CorpusError, match="does not match"):
        load_corpus(tmp_path / "corpus")
    index_path.write_text("{not json")
    with pytest.raises(CorpusError, match="not a corpus index"):
        load_corpus(tmp_path / "corpus")


def test_cli_build_and_info_print_the_table(small_data, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    out = tmp_path / "corpus"
    code = main(["corpus", "build", "--data", str(small_data), "--out", str(out),
                 "--cache", str(tmp_path / "cache")])
    printed = capsys.readouterr()
    assert code == 1  # five sources are missing: the build says so instead of passing quietly
    assert "nothing could be read" in printed.err and "bandai-namco" in printed.err
    assert "fewer than 99 %" in printed.err and "['kard']" in printed.err
    assert "kard" in printed.out and "540" in printed.out
    assert main(["corpus", "info", str(out)]) == 0
    assert "high arm wave 1" in capsys.readouterr().out
    assert main(["corpus", "info", str(out), "--actions", "sitting down", "bicep curl"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert rows[0].split() == ["sitting", "down", "sit", "down", "0", "1", "kard", "1"]  # the typed name, then the corpus's
    assert rows[1].endswith("none: not trained")


def test_action_sources_split_video_from_other_sensors():
    samples = [SampleInfo(source, "s1", "x", action, "", 30.0, 40, f"{source}{i}")
               for i, (source, action) in enumerate([("jhmdb", "throw"), ("kard", "throw"), ("kard", "throw"),
                                                     ("penn-action", "jump rope")])]
    table = format_action_sources(samples, ["throwing", "jump rope"], {"throwing": "throw", "jump rope": "jump rope"},
                                  frozenset({"jhmdb", "penn-action"}))
    assert [row.split() for row in table.splitlines()[1:]] == [
        ["throwing", "throw", "1", "2", "jhmdb", "1,", "kard", "2"], ["jump", "rope", "jump", "rope", "1", "0", "penn-action", "1"]]


def test_cli_errors_are_one_readable_line(tmp_path, capsys):
    assert main(["corpus", "build", "--data", str(tmp_path), "--out", str(tmp_path / "c")]) == 2
    assert "raw not found" in capsys.readouterr().err
    assert main(["corpus", "info", str(tmp_path / "missing")]) == 2
    assert "build the corpus first" in capsys.readouterr().err
    assert main(["corpus", "montage", str(tmp_path / "missing"), "--out", "x.png"]) == 2


def test_montage_draws_one_row_per_source(small_data, tmp_path):
    from core.data.montage import pick_samples, render_montage

    build_corpus(small_data, tmp_path / "corpus", cache=tmp_path / "cache")
    corpus = load_corpus(tmp_path / "corpus")
    assert [corpus.index[i].label for i in pick_samples(corpus)] == ["high arm wave"]
    image = render_montage(corpus, tmp_path / "montage.png")
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
