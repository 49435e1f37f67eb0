"""Starting the app as a Space does: where it listens, and how it refuses to start."""

from __future__ import annotations

import subprocess
import sys

import gradio as gr

from core import limits
from demo import app as demo_app
from demo.engine import SharedRecognizer
from demo.presets import PRESET_NAMES, preset_labels
from tests.conftest import REPO_ROOT
from tests.e2e.support import save_small_weights


def test_main_listens_on_all_interfaces_port_7860_unless_told_otherwise(monkeypatch, tmp_path):
    weights = save_small_weights(tmp_path / "small.safetensors")
    calls = []
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: calls.append(kwargs))
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    assert demo_app.main(["--weights", str(weights), "--no-warm-presets"]) == 0
    monkeypatch.setenv("GRADIO_SERVER_NAME", "127.0.0.1")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7999")
    assert demo_app.main(["--weights", str(weights), "--no-warm-presets"]) == 0
    assert [(c["server_name"], c["server_port"]) for c in calls] == [("0.0.0.0", 7860), ("127.0.0.1", 7999)]
    assert all(c["max_file_size"] == limits.mb(limits.MAX_UPLOAD_MB) for c in calls)


def test_uploads_share_a_bounded_pool_so_one_long_video_does_not_hold_up_every_other_visitor():
    app = demo_app.build_app(SharedRecognizer(None))
    events = {fn.api_name: fn for fn in app.fns.values()}
    for name in ("video", "skeleton"):
        assert events[name].concurrency_id == "uploads" and events[name].concurrency_limit == limits.UPLOAD_WORKERS
    assert limits.UPLOAD_WORKERS >= 2  # a second visitor's short clip runs beside a long one
    assert events["on_frame"].concurrency_limit == 2 * limits.MAX_LIVE_SESSIONS  # bounded, busy answers included


def test_app_py_refuses_bad_weights_or_device_without_a_traceback(tmp_path):
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{broken}")
    good = save_small_weights(tmp_path / "small.safetensors")
    cases = [
        (["--weights", str(tmp_path / "absent.safetensors")], "not found"),
        (["--weights", str(damaged)], "not a readable safetensors"),
        (["--weights", str(good), "--device", "abacus"], "unknown device"),
    ]
    for arguments, reason in cases:
        run = subprocess.run([sys.executable, "app.py", *arguments], cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 1
        assert run.stderr.startswith("error: the demo cannot start:") and reason in run.stderr
        assert "Traceback" not in run.stderr


def test_warm_presets_encodes_every_preset(monkeypatch):
    encoded = []

    class Recorder:
        def encode_labels(self, labels):
            encoded.append(list(labels))

    demo_app.warm_presets(Recorder())
    assert encoded == [preset_labels(name) for name in PRESET_NAMES]
