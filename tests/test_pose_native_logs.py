"""Native start-up chatter is hidden, but replayed when the block fails."""

from __future__ import annotations

import os

import pytest

from core.pose.native_logs import native_stderr_captured


def test_quiet_block_hides_fd2_output(capfd: pytest.CaptureFixture) -> None:
    with native_stderr_captured():
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


def test_failing_block_replays_what_it_hid(capfd: pytest.CaptureFixture) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with native_stderr_captured():
            os.write(2, b"native detail that explains the failure\n")
            raise RuntimeError("boom")
    assert "native detail that explains the failure" in capfd.readouterr().err
