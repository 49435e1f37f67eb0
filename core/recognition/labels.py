"""Turning what a user types into a clean list of action labels.

The app and the CLI both read labels from one free-text field; the same rules apply to both so
that a label list behaves identically wherever it was typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from core import limits

MAX_LABELS = 50
_SEPARATORS = re.compile(r"[,;\n\r]+")
_SPACES = re.compile(r"\s+")


class LabelError(ValueError):
    """A label list that cannot be scored (empty, too many labels, a label too long, duplicated)."""


def parse_labels(text: str, max_labels: int | None = MAX_LABELS, duplicates: str = "drop") -> list[str]:
    """Split free text on commas, semicolons and new lines into distinct labels.

    ``duplicates="drop"`` keeps the first spelling of a case-insensitive repeat (forgiving, for
    the app); ``duplicates="error"`` refuses the list naming the repeat (for the CLI, where a
    repeat is more likely a mistake in a script). ``max_labels=None`` lifts the limit.
    """
    return clean_labels(_SEPARATORS.split(text or ""), max_labels=max_labels, duplicates=duplicates)


def clean_labels(
    labels: Iterable[str], max_labels: int | None = MAX_LABELS, duplicates: str = "drop"
) -> list[str]:
    """Trim, collapse inner whitespace, drop blanks and check the length, repeats and the count."""
    if duplicates not in ("drop", "error"):
        raise ValueError(f"duplicates must be 'drop' or 'error', got {duplicates!r}")
    seen: dict[str, str] = {}
    for raw in labels:
        if not isinstance(raw, str):
            raise LabelError(f"labels must be text, got {type(raw).__name__}: {raw!r}")
        label = _SPACES.sub(" ", raw).strip()
        if not label:
            continue
        if len(label) > limits.MAX_LABEL_CHARS:
            raise LabelError(
                f"label {label[:30]!r}… is {len(label)} characters long; at most {limits.MAX_LABEL_CHARS} are allowed "
                f"(${limits.env_name('MAX_LABEL_CHARS')})"
            )
        key = label.casefold()
        if key in seen:
            if duplicates == "error":
                raise LabelError(f"duplicate label {label!r} (same as {seen[key]!r}); list each action once")
            continue
        seen[key] = label
    result = list(seen.values())
    if not result:
        raise LabelError("no labels given: type at least one action, e.g. 'drink water; clapping'")
    if max_labels is not None and len(result) > max_labels:
        raise LabelError(f"too many labels: {len(result)} given, at most {max_labels} allowed")
    return result
