"""Every limit of core.limits, tried the way a hostile or unlucky visitor would, through the real
loaders, the classify command and the app's handlers: each refusal is one line naming the limit."""

from __future__ import annotations

import io
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile

import cv2
import numpy as np
import pytest

from core import limits
from core.__main__ import main
from core.recognition.labels import LabelError, parse_labels
from core.recognition.sources import SourceError, read_sequences
from demo.app import build_app, check_labels, serve
from demo.engine import SharedRecognizer
from demo.skeleton_tab import analyse_skeleton_file
from demo.video_tab import analyse_video
from tests.conftest import REPO_ROOT
from tests.e2e.support import free_port, small_recognizer
from tests.test_recognition import moving_clip, weights  # noqa: F401  (weights is a fixture)

BOMB_FRAMES = 2_000_000  # 600 MB of float32 zeros, declared by a 2.6 MB file


@pytest.fixture(autouse=True)
def text_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SKELETONCONTEXT_CACHE", str(tmp_path_factory.getbasetemp() / "text-cache"))


@pytest.fixture(scope="module")
def recognizer(tmp_path_factory) -> SharedRecognizer:
    return small_recognizer(tmp_path_factory.mktemp("weights"))


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory):
    """An .npz of one real zero array whose header (truthfully) declares two million frames."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.npz"
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False,
                                                   "shape": (BOMB_FRAMES, 25, 3)})
    zeros = bytes(1 << 24)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("clip.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            left = BOMB_FRAMES * 25 * 3 * 4
            while left:
                member.write(zeros[: min(left, len(zeros))])
                left -= min(left, len(zeros))
    assert path.stat().st_size < 5_000_000
    return path


def _video(path, frames: int, fps: float) -> str:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (64, 48))
    for index in range(frames):
        writer.write(np.full((48, 64, 3), index % 255, np.uint8))
    writer.release()
    return str(path)


# --- skeleton files ------------------------------------------------------------------------

def test_a_zip_bomb_npz_is_refused_from_its_header_by_classify_and_the_skeleton_tab(
        zip_bomb, weights, recognizer, capsys):
    code = main(["classify", str(zip_bomb), "--labels", "clapping; sit down", "--weights", str(weights)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines() == [
        f"classify: error: {zip_bomb} [clip]: declares {BOMB_FRAMES:,} frames; at most {limits.MAX_FRAMES:,} "
        f"are accepted ($SKELETONCONTEXT_MAX_FRAMES)"
    ]
    result = analyse_skeleton_file(zip_bomb, "clapping; sit down", recognizer)
    assert result.message.startswith("⚠️") and f"at most {limits.MAX_FRAMES:,}" in result.message
    assert result.clip_scores is None


def test_npy_headers_are_checked_before_any_data_is_read(tmp_path, monkeypatch):
    claims = tmp_path / "claims.npy"
    with open(claims, "wb") as handle:  # a header declaring a huge clip, followed by almost nothing
        np.lib.format.write_array_header_1_0(handle, {"descr": "<f8", "fortran_order": False,
                                                      "shape": (10**9, 25, 3)})
        handle.write(bytes(64))
    with pytest.raises(SourceError, match=r"declares 1,000,000,000 frames; at most"):
        read_sequences(claims)
    monkeypatch.setattr(limits, "MAX_ARRAY_DATA_MB", 1)
    big = tmp_path / "big.npz"
    np.savez(big, a=np.zeros((3000, 25, 3), np.float32), b=np.zeros((3000, 25, 3), np.float32))  # 1.8 MB
    with pytest.raises(SourceError, match=r"declares 2 MB of array data; at most 1 MB .*MAX_ARRAY_DATA_MB"):
        read_sequences(big)
    monkeypatch.setattr(limits, "MAX_ARRAYS_PER_FILE", 3)
    many = tmp_path / "many.npz"
    np.savez(many, **{f"clip{i}": moving_clip(10) for i in range(4)})
    with pytest.raises(SourceError, match=r"holds 4 arrays; at most 3"):
        read_sequences(many)


def test_skeleton_text_files_are_bounded_by_size_and_declared_frames(tmp_path, monkeypatch):
    huge = tmp_path / "S001C001P001R001A001.skeleton"
    huge.write_text("20000000\n0\n")
    with pytest.raises(SourceError, match=r"declares 20,000,000 frames; at most"):
        read_sequences(huge)
    monkeypatch.setattr(limits, "MAX_SKELETON_FILE_MB", 0.00001)  # 10 bytes
    with pytest.raises(SourceError, match=r"\.skeleton files of at most 1e-05 MB are accepted .*MAX_SKELETON_FILE_MB"):
        read_sequences(huge)


# --- videos --------------------------------------------------------------------------------

def test_a_video_over_the_duration_frame_count_or_frame_size_limit_is_refused_before_decoding(tmp_path, recognizer, monkeypatch):
    clip = _video(tmp_path / "long.avi", 60, 10.0)  # 6 s
    monkeypatch.setattr(limits, "MAX_VIDEO_S", 3.0)
    result = analyse_video(clip, "clapping", recognizer, workdir=tmp_path)
    assert result.message.startswith("⚠️ Could not read this video:")
    assert "60 frames (6 s); videos of at most 3 s" in result.message and result.video is None
    monkeypatch.setattr(limits, "MAX_VIDEO_S", 600.0)
    monkeypatch.setattr(limits, "MAX_FRAMES", 20)
    with pytest.raises(SourceError, match=r"60 frames \(6 s\); videos of at most 600 s and 20 frames"):
        read_sequences(clip)
    monkeypatch.setattr(limits, "MAX_FRAME_PIXELS", 1000)
    with pytest.raises(SourceError, match=r"frame of 64x48 pixels is too large \(over 1,000 pixels, \$SKELETONCONTEXT_MAX_FRAME_PIXELS\)"):
        read_sequences(clip)


def test_a_video_that_hides_its_length_is_stopped_at_the_limit(tmp_path, monkeypatch):
    from core.pose import video

    clip = _video(tmp_path / "hidden.avi", 30, 10.0)
    opened = video.open_video
    monkeypatch.setattr(video, "open_video", lambda path: opened(path)[:2] + (None,))
    monkeypatch.setattr(limits, "MAX_FRAMES", 12)
    with pytest.raises(SourceError, match=r"more than 12 frames \(1 s\); videos of at most"):
        read_sequences(clip)


# --- labels --------------------------------------------------------------------------------

def test_an_over_long_label_is_refused_everywhere_labels_are_typed(tmp_path, recognizer):
    long_label = "wave " * 30  # 149 characters once trimmed
    text = f"clapping; {long_label}"
    with pytest.raises(LabelError, match=r"is 149 characters long; at most 100 are allowed \(\$SKELETONCONTEXT_MAX_LABEL_CHARS\)"):
        parse_labels(text)
    assert check_labels(text).startswith("⚠️ label 'wave wave") and "at most 100" in check_labels(text)
    assert "at most 100" in analyse_skeleton_file(tmp_path / "x.npy", text, recognizer).message
    assert "at most 100" in analyse_video(tmp_path / "x.avi", text, recognizer).message
    with pytest.raises(LabelError, match="at most 100"):
        recognizer.encode_labels(["clapping", long_label])


def test_a_flood_of_distinct_labels_keeps_the_disk_cache_under_its_bound(tmp_path, monkeypatch):
    """Random labels a visitor types go through the real text encoder path; only MiniLM's
    forward pass is replaced (by a seeded random unit vector) to keep the test quick."""
    from core.model.text import EMBEDDING_DIM, TextEncoder

    monkeypatch.setenv("SKELETONCONTEXT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(limits, "TEXT_CACHE_MAX_ENTRIES", 60)

    def fake_embed(self, sentences):
        vectors = np.stack([np.random.default_rng(abs(hash(s)) % 2**32).normal(size=EMBEDDING_DIM) for s in sentences])
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)

    monkeypatch.setattr(TextEncoder, "_embed", fake_embed)
    shared = small_recognizer(tmp_path)
    cache = shared.load().text_encoder.cache
    for batch in range(10):
        shared.encode_labels([f"zorblat {batch} {i} qux" for i in range(10)])
        assert len(cache.entries()) <= 60
    assert 0.9 * 60 * 0.9 <= len(cache.entries()) <= 60
    total_bytes = sum(path.stat().st_size for path in cache.entries())
    assert total_bytes < 60 * 2000  # 384 float32 and a header each
    # What was used last is kept; the oldest went first.
    newest = shared.load().text_encoder.encode(["a person zorblat 9 9 qux."])
    assert cache.get("a person zorblat 9 9 qux.") is not None and np.isfinite(newest).all()


# --- uploads and the environment ------------------------------------------------------------

def test_an_oversized_upload_is_refused_by_the_running_app_with_its_size(monkeypatch, tmp_path):
    monkeypatch.setattr(limits, "MAX_UPLOAD_MB", 0.01)  # 10,000 bytes
    monkeypatch.setenv("GRADIO_SERVER_NAME", "127.0.0.1")
    monkeypatch.setenv("GRADIO_SERVER_PORT", str(free_port()))
    app = build_app(SharedRecognizer(tmp_path / "never-loaded.safetensors"))
    serve(app, prevent_thread_lock=True, quiet=True)
    try:
        def upload(size: int):
            boundary = "limit-test"
            body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"clip.npy\"\r\n"
                    f"Content-Type: application/octet-stream\r\n\r\n").encode() + bytes(size) + f"\r\n--{boundary}--\r\n".encode()
            request = urllib.request.Request(f"{app.local_url.rstrip('/')}/gradio_api/upload", data=body, method="POST",
                                             headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode()

        status, body = upload(50_000)
        assert status == 413 and "maximum allowed size of 10000 bytes" in body
        status, _ = upload(2_000)
        assert status == 200
    finally:
        app.close()


def test_limits_come_from_the_environment_and_a_bad_value_is_one_line():
    code = "from core import limits; print(limits.MAX_FRAMES, limits.MAX_VIDEO_S)"
    good = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
                          env={"SKELETONCONTEXT_MAX_FRAMES": "50", "SKELETONCONTEXT_MAX_VIDEO_S": "2.5", "PATH": ""})
    assert good.stdout.split() == ["50", "2.5"]
    bad = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
                         env={"SKELETONCONTEXT_MAX_FRAMES": "lots", "PATH": ""})
    assert bad.returncode == 1
    assert bad.stderr.strip() == "error: $SKELETONCONTEXT_MAX_FRAMES must be a positive whole number, got 'lots'"
