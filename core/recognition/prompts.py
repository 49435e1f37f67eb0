"""The sentences that stand for a label a user typed.

Training builds each class from core.model.prototypes; a typed label must get the same kind of
prototypes or its scores are not comparable. When the label names a known action (by name or
alias), the canonical action's prototypes are used, so "drinking" is scored like "drink water",
and the typed wording's templates are added on top since that is what the user meant.
"""

from __future__ import annotations

from core.model.prototypes import DescribedAction, prototype_sentences


class KnownAction(DescribedAction):
    name: str


def label_sentences(label: str, action: KnownAction | None, kind: str) -> dict[str, list[str]]:
    """Spatial and temporal prototype sentences for one typed label."""
    typed = prototype_sentences(label, None, kind)
    if action is None:
        return typed
    known = prototype_sentences(action.name, action, kind)
    return {branch: known[branch] + [s for s in typed[branch] if s not in known[branch]] for branch in known}
