"""The live benchmark runs end to end and prints its figures (it had broken silently once)."""

from __future__ import annotations

import re

from demo.bench import main
from tests.conftest import require_data
from tests.e2e.support import save_small_weights


def test_the_live_benchmark_replays_a_real_video_and_prints_rates(tmp_path, capsys) -> None:
    video = require_data("videos", "S001C001P001R001A001_rgb.avi")
    weights = save_small_weights(tmp_path / "small.safetensors")
    assert main(["--video", str(video), "--frames", "30", "--fps", "30", "--weights", str(weights)]) == 0
    lines = capsys.readouterr().out.splitlines()
    rates = [line for line in lines if "frames/s processed" in line]
    assert [line.split(":")[0] for line in rates] == ["paced at 30 frames/s", "back to back"]
    for line in rates:
        assert float(re.search(r"([\d.]+) frames/s processed", line).group(1)) > 0
        assert re.search(r"last scoring (\d+ ms|none yet)", line), line


def test_an_unreadable_video_is_one_clear_error(tmp_path, capsys) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    assert main(["--video", str(broken), "--frames", "5"]) == 1
    assert "no frame could be read" in capsys.readouterr().err
