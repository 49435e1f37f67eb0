"""The running app, started as a Space starts it: the video and skeleton endpoints through
gradio_client, and the live webcam tab in a real Chromium fed the NTU clip as its camera."""

from __future__ import annotations

import re
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from tests.conftest import REPO_ROOT, require_data
from tests.e2e.fake_camera import person_box, webcam_frames, write_y4m
from tests.e2e.support import running_app, save_small_weights

NTU_VIDEO = ("videos", "S001C001P001R001A001_rgb.avi")
NTU_SKELETON = ("ntu", "S001C001P001R001A001.skeleton")
LABELS = "drink water; clapping; kicking"
SCREENSHOT = REPO_ROOT / "artifacts" / "e2e_webcam.png"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--headless", "--no-sandbox",
    "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    require_data(*NTU_VIDEO)
    folder = tmp_path_factory.mktemp("app")
    with running_app(save_small_weights(folder / "small.safetensors"), folder / "app.log") as url:
        yield url


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


def _video(client, path: Path | str, labels: str = LABELS, mirrored: bool = True) -> tuple:
    from gradio_client import handle_file

    return client.predict(handle_file(str(path)), labels, mirrored, api_name="/video")


# --- video endpoint -------------------------------------------------------------------------

def test_video_endpoint_returns_annotated_video_timeline_and_downloads(client):
    video, timeline, clip, skeleton_file, predictions_file, message = _video(client, require_data(*NTU_VIDEO))
    assert "103 frames" in message and "1 person" in message
    capture = cv2.VideoCapture(video)
    frames = 0
    while capture.read()[0]:
        frames += 1
    assert video.endswith(".webm") and frames == 103
    typed = {"drink water", "clapping", "kicking"}
    assert {entry["label"] for entry in clip["confidences"]} == typed
    assert set(pd.DataFrame(timeline["data"], columns=timeline["columns"]).label) == typed
    with np.load(skeleton_file) as archive:
        assert archive["skeleton"].shape[1:] == (103, 25, 3) and float(archive["fps"]) == 30.0
    rows = pd.read_csv(predictions_file)
    assert len(rows) >= 3 and set(rows.top_label) <= typed
    assert np.allclose(rows[sorted(typed)].sum(axis=1), 1.0, atol=1e-4)


def test_video_endpoint_refuses_bad_input_with_a_message_and_stays_usable(client, tmp_path):
    corrupt = tmp_path / "corrupt.avi"
    corrupt.write_bytes(b"RIFF\x00\x00not really a video" * 500)
    assert "Could not read this video" in _video(client, corrupt)[-1]

    empty_room = tmp_path / "empty_room.avi"
    writer = cv2.VideoWriter(str(empty_room), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (320, 240))
    for shade in range(20):
        writer.write(np.full((240, 320, 3), 40 + 5 * shade, np.uint8))
    writer.release()
    video, _, clip, skeleton_file, _, message = _video(client, empty_room)
    assert "nobody was found" in message.lower() and video is None and not clip
    with np.load(skeleton_file) as archive:  # the (empty) skeleton is still offered
        assert archive["skeleton"].shape[1] == 20 and not archive["skeleton"].any()

    assert "no labels" in _video(client, require_data(*NTU_VIDEO), labels=" ; ")[-1]
    too_many = "\n".join(f"action {index}" for index in range(121))
    assert "too many labels" in _video(client, require_data(*NTU_VIDEO), labels=too_many)[-1]
    assert "Whole clip" in _video(client, require_data(*NTU_VIDEO))[-1]  # still serving normally


def test_skeleton_endpoint_ranks_an_ntu_skeleton_file(client, tmp_path):
    from gradio_client import handle_file

    clip, timeline, table, message = client.predict(
        handle_file(str(require_data(*NTU_SKELETON))), LABELS, api_name="/skeleton"
    )
    assert {entry["label"] for entry in clip["confidences"]} == {"drink water", "clapping", "kicking"}
    assert "1 sequence" in message and table["data"][0][1] == 103

    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.zeros((10, 17, 3), np.float32))
    *_, message = client.predict(handle_file(str(wrong)), LABELS, api_name="/skeleton")
    assert "expected shape (T, 25, 3)" in message


# --- live webcam in a real browser ----------------------------------------------------------

def _browser(playwright, camera: Path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM} (.ci/run installs it with apt)")
    from playwright.sync_api import Error

    try:
        return playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-video-capture={camera}"],
        )
    except Error as error:
        pytest.skip(f"chromium could not be launched: {error}")


def _shown_labels(page) -> set[str]:
    return set(page.locator("#live-scores dt.text").all_inner_texts())


def _rankings(page) -> int:
    found = re.search(r"(\d+) rankings", page.locator("#live-status").inner_text())
    return int(found.group(1)) if found else 0


def _wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def _tinted_joint_pixels(url: str) -> int:
    """Pixels in the joint colours (saturated blue to red), which the NTU scene itself lacks."""
    with urllib.request.urlopen(url, timeout=10) as response:
        image = cv2.imdecode(np.frombuffer(response.read(), np.uint8), cv2.IMREAD_COLOR)
    blue, green, red = (image[..., channel].astype(int) for channel in range(3))
    return int((((blue - red > 80) & (blue > 150)) | ((red - blue > 100) & (red > 180) & (green < 120))).sum())


def _start_stream(browser, url: str, labels: str):
    """A new browser context is a new Gradio session, as a second visitor would be; the
    server-side webcam is the fallback tab (pose in the browser is the first)."""
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    page.goto(url)
    page.locator("#labels textarea").fill(labels)
    page.get_by_role("tab", name="Live webcam (server pose)").click()
    page.get_by_text("Click to Access Webcam").click()
    page.locator("#webcam .capture-button").click()  # Record: the stream starts
    return page


def test_live_webcam_in_chromium_draws_the_skeleton_and_ranks_the_typed_labels(app_url, tmp_path):
    from playwright.sync_api import sync_playwright

    from core.data.ntu import read_skeleton

    kinect = read_skeleton(require_data(*NTU_SKELETON))
    camera = tmp_path / "camera.y4m"
    write_y4m(webcam_frames(require_data(*NTU_VIDEO), person_box(kinect.color[0], (1920, 1080))), camera)

    with sync_playwright() as playwright:
        browser = _browser(playwright, camera)
        try:
            page = _start_stream(browser, app_url, LABELS)
            other = _start_stream(browser, app_url, "salute\nhand waving")  # a second visitor at once

            _wait_for(lambda: _shown_labels(page) == {"drink water", "clapping", "kicking"}, 60, "the typed labels")
            _wait_for(lambda: _shown_labels(other) == {"salute", "hand waving"}, 30, "the other session's labels")
            first = _rankings(page)
            _wait_for(lambda: _rankings(page) >= first + 2, 20, "the ranking to update")
            assert "frames/s" in page.locator("#live-status").inner_text()
            assert _tinted_joint_pixels(page.locator("#live-view img").get_attribute("src")) > 100

            page.locator("#labels textarea").fill("sit down\nstand up")  # no restart of the stream
            _wait_for(lambda: _shown_labels(page) == {"sit down", "stand up"}, 20, "the new labels")
            # untouched by the first session (waited for: on a loaded machine its chart may be between updates)
            _wait_for(lambda: _shown_labels(other) == {"salute", "hand waving"}, 20, "the other session's own labels")
            assert not _shown_labels(other) & {"sit down", "stand up"}
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            page.locator("#webcam .capture-button").click()  # Stop: the browser sends no more frames
            _wait_for(lambda: "Camera stopped" in page.locator("#live-status").inner_text(), 15, "the stop notice")
            still = _rankings(other)
            _wait_for(lambda: _rankings(other) > still, 20, "the other session to keep streaming")
        finally:
            browser.close()
