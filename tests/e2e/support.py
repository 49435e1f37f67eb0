"""Starting the real app for end-to-end tests, on a free localhost port, with small weights.

The app is launched the way a Space launches it (``python app.py``), so the entry point, the
environment variables it honours and its start-up checks are all part of what is tested.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from demo.soak_browser import free_port
from tests.conftest import REPO_ROOT

START_TIMEOUT_S = 120


def save_small_weights(path: Path) -> Path:
    """A randomly initialised, narrow SkeletonContext checkpoint: real code path, fast on a CPU."""
    import torch

    from core.model.checkpoint import save_checkpoint
    from core.model.network import ModelConfig, SkeletonContext
    from core.model.shiftgcn import BackboneConfig

    torch.manual_seed(0)
    config = ModelConfig(backbone=BackboneConfig(channels=(16, 16, 32, 32), strided_blocks=(1, 2)), window=32)
    save_checkpoint(path, SkeletonContext(config).eval(), {"note": "random weights for tests"})
    return path


def small_recognizer(folder: Path):
    """A loaded SharedRecognizer over fresh small weights saved in ``folder``."""
    from demo.engine import SharedRecognizer

    shared = SharedRecognizer(save_small_weights(folder / "small.safetensors"))
    shared.load()
    return shared


@contextmanager
def running_app(weights: Path, log: Path) -> Iterator[str]:
    """``python app.py`` serving on 127.0.0.1:<free port>; yields its URL, stops it afterwards."""
    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port),
               SKELETONCONTEXT_WEIGHTS=str(weights), GRADIO_ANALYTICS_ENABLED="False")
    with open(log, "w") as output:
        # Preset warm-up only costs CPU that the tests need; everything else is as on a Space.
        process = subprocess.Popen([sys.executable, "app.py", "--no-warm-presets"], cwd=REPO_ROOT, env=env,
                                   stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"app.py did not serve {url} within {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")
