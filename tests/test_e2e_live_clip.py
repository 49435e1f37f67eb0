"""The server-side live tab as a visitor sees it: a real clip of one person exercising plays as
Chromium's camera, the app runs with the shipped weights, and the answer shown (after smoothing)
must be the right action for most of the clip, against every action of the real-video table."""

from __future__ import annotations

import csv
import time

from core.recognition.recognizer import DEFAULT_WEIGHTS
from tests.conftest import REPO_ROOT, require_data
from tests.e2e.fake_camera import centre_box, webcam_frames, write_y4m
from tests.e2e.support import running_app
from tests.test_e2e_app import _browser, _rankings, _start_stream, _wait_for

CLIPS = ("clips", "clips.tsv")
LIVE_CLIP = "squat_04.mp4"  # front view, full body, one of the first things people try in front of a webcam
SCREENSHOT = REPO_ROOT / "artifacts" / "e2e_live_clip.png"
WATCH_S = 20.0
MIN_SHARE_ON_TOP = 0.5


def _clip_table() -> tuple[str, list[str]]:
    """The live clip's action and every action of the table, in table order."""
    with open(require_data(*CLIPS), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    actions = list(dict.fromkeys(row["action"] for row in rows))
    return next(row["action"] for row in rows if row["file"] == LIVE_CLIP), actions


def _top_label(page) -> str | None:
    """The steady answer shown (core.recognition.smoothing), or None before the first."""
    shown = page.locator("#live-answer strong").all_inner_texts()
    return shown[0] if shown else None


def test_a_real_squat_clip_leads_the_live_ranking_most_of_the_time(tmp_path):
    from playwright.sync_api import sync_playwright

    action, labels = _clip_table()
    video = require_data("clips", LIVE_CLIP)
    camera = tmp_path / "camera.y4m"
    # An ordinary camera view, as a webcam sends it: the app mirrors it as it does a real webcam's.
    write_y4m(webcam_frames(video, centre_box(video), unmirror=False), camera, fps=25)

    with running_app(DEFAULT_WEIGHTS, tmp_path / "app.log") as url, sync_playwright() as playwright:
        browser = _browser(playwright, camera)
        try:
            page = _start_stream(browser, url, "\n".join(labels))
            _wait_for(lambda: _rankings(page) >= 1, 90, "the first ranking")
            tops = []
            deadline = time.monotonic() + WATCH_S
            while time.monotonic() < deadline:
                tops.append(_top_label(page))
                time.sleep(0.5)
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    share = tops.count(action) / len(tops)
    assert share >= MIN_SHARE_ON_TOP, (action, share, sorted(set(tops), key=tops.count, reverse=True)[:5])
