"""The video tab's work in-process: progress reporting and the files it hands back."""

from __future__ import annotations

import cv2
import numpy as np
import pandas as pd
import pytest

from demo.engine import SharedRecognizer
from demo.video_tab import analyse_video
from tests.conftest import require_data
from tests.e2e.support import small_recognizer


@pytest.fixture(scope="module")
def recognizer(tmp_path_factory) -> SharedRecognizer:
    return small_recognizer(tmp_path_factory.mktemp("weights"))


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory):
    """The first 45 frames of the NTU A001 video, halved in size, to keep the test quick."""
    source = cv2.VideoCapture(str(require_data("videos", "S001C001P001R001A001_rgb.avi")))
    path = tmp_path_factory.mktemp("clip") / "a001_start.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (960, 540))
    for _ in range(45):
        ok, frame = source.read()
        assert ok
        writer.write(cv2.resize(frame, (960, 540)))
    writer.release()
    source.release()
    return path


def test_analyse_video_reports_progress_through_every_stage(recognizer, short_clip, tmp_path):
    steps: list[tuple[float, str]] = []
    result = analyse_video(short_clip, "drink water\nclapping", recognizer, mirrored=True,
                           progress=lambda fraction, text: steps.append((fraction, text)), workdir=tmp_path)
    fractions = [fraction for fraction, _ in steps]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == pytest.approx(1.0)
    stages = {text.split(" (")[0] for _, text in steps}
    assert stages == {"Finding people in the video", "Scoring windows", "Drawing"}
    assert "45 frames" in result.message and set(result.clip_scores) == {"drink water", "clapping"}
    capture = cv2.VideoCapture(result.video)
    frames = 0
    while capture.read()[0]:
        frames += 1
    assert frames == 45
    table = pd.read_csv(result.predictions_file)
    assert set(table.columns) >= {"start_s", "end_s", "top_label", "clapping"}
    named = set(table["shown"]) - {"no clear match"}  # what the timeline named, in the message with its span
    over_time = result.message.split("Named over time: ")[1]
    assert all(f"{label} " in over_time for label in named)
    assert named or over_time == "no label stood out at any moment."
    with np.load(result.skeleton_file) as archive:
        assert archive["skeleton"].shape == (2, 45, 25, 3) and archive["skeleton"][0].any()


def test_analyse_video_without_a_file_asks_for_one(recognizer):
    assert "Upload a video" in analyse_video(None, "clapping", recognizer).message
