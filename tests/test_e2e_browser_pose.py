"""Pose in the visitor's browser, as a visitor sees it: ``python app.py`` with the shipped
weights, headless Chromium (no GPU: MediaPipe's CPU WebAssembly delegate) with a real clip as its
camera. The page must draw the skeleton over the camera image at camera rate (it counts the
frames it draws, and the poses it finds and sends), the ranking must update at least twice a
second, and on three real clips the answer shown (after smoothing) must be the clip's action in
at least 80 % of the rankings after the first window, against every action of the real-video
table.

On a CPU the full landmark model takes longer than a camera frame, so the page draws every
camera frame with the newest skeleton and poses the frames its landmarkers are free for: the
drawn rate is the camera's, the pose rate is what two cores give (MIN_POSES_PER_S is what the
server's windows need with room to spare: 8 poses per 2 s window at least). A failing rate says
what was measured.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from core.recognition.recognizer import DEFAULT_WEIGHTS
from tests.conftest import REPO_ROOT, require_data
from tests.e2e.fake_camera import centre_box, webcam_frames, write_y4m
from tests.e2e.support import running_app
from tests.test_e2e_app import _browser, _wait_for

CAMERA_FPS = 30
MIN_DRAWN_FPS = 25.0
MIN_POSES_PER_S = 10.0
MIN_RANKINGS_PER_S = 2.0
MEASURE_S = 10.0
WATCH_S = 16.0
WINDOW_S = 2.0  # the shipped model's window: answers before it has filled once are not counted
MIN_SHARE = 0.8
# squat_02: a 2 s window sees a squat's way down as sitting down and its way up as standing up; read
# at four tempi (core.recognition.windows), the browser showed squat in 72-90 % of rankings; with the
# steady answer weighing windows by their motion (core.recognition.motion), so the pauses at the top
# and bottom barely move it, 90, 92, 95 and 95 % on a quiet machine and 92 % with one core kept busy;
# a busier CI machine read 76 %, and with the switch margin at 0.12 (a squat's way up no longer takes
# over for a ranking or two) 91-100 % with both cores kept busy (README, *The steady answer*).
CLIPS = ("squat_02.mp4", "jumping_jacks_02.mp4", "walking_02.mp4")
SCREENSHOT = REPO_ROOT / "artifacts" / "e2e_browser_pose.png"


def _table() -> tuple[dict[str, str], list[str]]:
    with open(require_data("clips", "clips.tsv"), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {row["file"]: row["action"] for row in rows}, list(dict.fromkeys(row["action"] for row in rows))


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    require_data("clips", "clips.tsv")
    folder = tmp_path_factory.mktemp("app")
    with running_app(DEFAULT_WEIGHTS, folder / "app.log") as url:
        yield url


def _camera(clip: str, folder: Path) -> Path:
    """The clip as an ordinary camera would send it (not mirrored), at 30 frames/s."""
    video = require_data("clips", clip)
    camera = folder / f"{Path(clip).stem}.y4m"
    write_y4m(webcam_frames(video, centre_box(video), unmirror=False), camera, fps=CAMERA_FPS)
    return camera


def _panel(page, attribute: str) -> int:
    return int(page.get_attribute("#browser-pose", f"data-{attribute}") or 0)


def _start(browser, url: str, labels: str):
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    page.goto(url)
    page.locator("#labels textarea").fill(labels)
    # The runtime is fetched once per machine in the background at start-up, then the page is ready.
    page.wait_for_selector("#browser-pose[data-state=idle]", timeout=180_000)
    page.locator("#browser-pose .bp-start").click()
    try:
        page.wait_for_selector("#browser-pose[data-state=running]", timeout=120_000)
    except Exception:
        raise AssertionError(f"pose did not start: {page.inner_text('#browser-pose .bp-notice')}") from None
    return page


def test_the_page_draws_the_skeleton_at_camera_rate_and_ranks_twice_a_second(app_url, tmp_path):
    from playwright.sync_api import sync_playwright

    _, actions = _table()
    with sync_playwright() as playwright:
        browser = _browser(playwright, _camera("squat_02.mp4", tmp_path))
        try:
            page = _start(browser, app_url, "\n".join(actions))
            _wait_for(lambda: _panel(page, "rankings") >= 1, 60, "the first ranking")
            frames, poses, rankings = _panel(page, "frames"), _panel(page, "poses"), _panel(page, "rankings")
            started = time.monotonic()
            time.sleep(MEASURE_S)
            elapsed = time.monotonic() - started
            drawn_fps = (_panel(page, "frames") - frames) / elapsed
            poses_per_s = (_panel(page, "poses") - poses) / elapsed
            rankings_per_s = (_panel(page, "rankings") - rankings) / elapsed
            stats = page.evaluate("window.skeletonContextPose")
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            answer = page.inner_text("#browser-pose .bp-answer")
            readout = page.inner_text("#browser-pose .bp-readout")
        finally:
            browser.close()
    measured = f"{drawn_fps:.1f} frames/s drawn, {poses_per_s:.1f} poses/s, {rankings_per_s:.2f} rankings/s, {readout}"
    print(measured)
    assert stats["delegate"] == "CPU" and 0 < stats["framesSent"] <= stats["framesDrawn"], stats
    assert answer.removeprefix("Action: ") in set(actions) | {"no clear match"}, answer
    assert rankings_per_s >= MIN_RANKINGS_PER_S, measured
    assert poses_per_s >= MIN_POSES_PER_S, measured
    assert drawn_fps >= MIN_DRAWN_FPS, measured


def test_a_browser_that_cannot_run_pose_is_sent_to_the_server_tab(app_url, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _browser(playwright, _camera("walking_02.mp4", tmp_path))
        try:
            context = browser.new_context()
            context.add_init_script("delete window.WebAssembly")  # as in a browser without it
            page = context.new_page()
            page.goto(app_url)
            page.wait_for_selector("#browser-pose[data-state=unavailable]", timeout=60_000)
            notice = page.inner_text("#browser-pose .bp-notice")
            start_disabled = page.locator("#browser-pose .bp-start").is_disabled()
        finally:
            browser.close()
    assert "Pose in the browser is unavailable: this browser lacks WebAssembly SIMD" in notice
    assert "Live webcam (server pose)" in notice and start_disabled


@pytest.mark.parametrize("clip", CLIPS)
def test_the_answer_shown_is_the_clips_action(app_url, tmp_path, clip):
    from playwright.sync_api import sync_playwright

    files, actions = _table()
    with sync_playwright() as playwright:
        browser = _browser(playwright, _camera(clip, tmp_path))
        try:
            page = _start(browser, app_url, "\n".join(actions))
            _wait_for(lambda: _panel(page, "rankings") >= 1, 60, "the first ranking")
            time.sleep(WINDOW_S + WATCH_S)
            answers = page.evaluate("window.skeletonContextPose.answers")
        finally:
            browser.close()
    first = answers[0]["t"]
    shown = [answer["text"] for answer in answers if answer["t"] >= first + 1000 * WINDOW_S]
    share = shown.count(files[clip]) / len(shown)
    counts = sorted(((shown.count(text), text) for text in set(shown)), reverse=True)
    print(f"{clip}: {files[clip]} shown in {share:.0%} of {len(shown)} rankings; {counts}")
    assert share >= MIN_SHARE, (files[clip], round(share, 2), counts)
