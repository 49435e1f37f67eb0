"""Keep MediaPipe's native start-up chatter off the terminal unless something goes wrong.

MediaPipe's C++ core and TFLite print informational lines straight to file descriptor 2
("Created TensorFlow Lite XNNPACK delegate", feedback-tensor warnings) that Python's logging
cannot silence. They are captured while a landmarker starts and replayed if the block fails.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator


@contextlib.contextmanager
def native_stderr_captured() -> Iterator[None]:
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no usable stderr: nothing to keep clean
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        failed = True
        try:
            yield
            failed = False
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            if failed:
                sink.seek(0)
                sys.stderr.write(sink.read().decode(errors="replace"))
