"""The label box as a live session sees it: typed text in, encoded labels out, never blocking.

The stream handler receives the label box with every frame, so while someone types, each
keystroke is a new list, and encoding a new label with the text encoder takes about a second on
a small CPU. Done in the frame handler, that froze the video on every keystroke. Here a list is
encoded in the background once it has stayed unchanged for ``settle_s`` (at once when no labels
are in use yet), and the labels in use stay until their replacement is ready. A failure of the
encoder becomes the box's error message, and that list is not retried until the text changes.
"""

from __future__ import annotations

from concurrent.futures import Future

from core.recognition.labels import LabelError, parse_labels
from demo.engine import MAX_LABELS


class LiveLabels:
    def __init__(self, recognizer, settle_s: float = 0.5) -> None:
        self.recognizer = recognizer
        self.settle_s = settle_s
        self.applied: list[str] = []
        self.label_set = None  # the recogniser's encoding of ``applied``
        self.error: str | None = None
        self._typed_text: str | None = None
        self._typed: list[str] | None = None
        self._typed_at = 0.0
        self._encoding: Future | None = None
        self._encoding_labels: list[str] | None = None
        self._failed: list[str] | None = None  # a list the encoder failed on: not retried until the text changes

    @property
    def preparing(self) -> list[str] | None:
        """The typed labels waiting to replace the ones in use, if any."""
        return self._typed if self._typed is not None and self._typed != self.applied else None

    def update(self, text: str, now_s: float) -> bool:
        """Take the box's current text; True when a new label set has just come into use."""
        if text != self._typed_text:
            self._typed_text, self._typed_at, self._failed = text, now_s, None
            try:
                self._typed, self.error = parse_labels(text, max_labels=MAX_LABELS), None
            except LabelError as error:  # shown at once; nothing is scored until it is fixed
                self._typed, self.error = None, str(error)
                self.applied, self.label_set = [], None
        if self.preparing is None or self._typed == self._failed:
            return False
        if self._encoding is None and (not self.applied or now_s - self._typed_at >= self.settle_s):
            self._encoding = self.recognizer.submit_encode(self._typed)
            self._encoding_labels = self._typed
        return self._collect()

    def _collect(self) -> bool:
        if self._encoding is None or not self._encoding.done():
            return False
        future, labels = self._encoding, self._encoding_labels
        self._encoding = self._encoding_labels = None
        try:
            label_set = future.result()
        except Exception as error:  # the background encoder failed: say so once, do not retry every frame
            if labels == self._typed:
                self._failed = labels
                self.error = f"could not prepare {', '.join(labels[:3])}{' …' if len(labels) > 3 else ''} ({error})"
            return False
        if labels != self._typed:  # typed over while it was being encoded
            return False
        self.applied, self.label_set = labels, label_set
        return True

    def settle(self, timeout_s: float = 60.0) -> None:
        """Wait for the encoding in flight (tests and the benchmark need determinism)."""
        if self._encoding is not None:
            self._encoding.exception(timeout=timeout_s)
