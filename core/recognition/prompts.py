"""The sentences that stand for a label a user typed.

Training builds each class from core.model.prototypes; a typed label must get the same kind of
prototypes or its scores are not comparable. When the label names a known action (by name or
alias), the canonical action's prototypes are used, so "drinking" is scored like "drink water",
and the typed wording's templates are added on top since that is what the user meant.
"""

from __future__ import annotations

from core.model.prototypes import NAME_TEMPLATES, DescribedAction, prototype_sentences


class KnownAction(DescribedAction):
    name: str


def label_sentences(label: str, action: KnownAction | None, kind: str,
                    name_templates: int = len(NAME_TEMPLATES)) -> dict[str, list[str]]:
    """Spatial and temporal prototype sentences for one typed label; the typed wording adds as many
    name templates as the known action keeps beside its descriptions (ModelConfig.name_templates)."""
    if action is None:
        return prototype_sentences(label, None, kind)
    known = prototype_sentences(action.name, action, kind, name_templates)
    typed = prototype_sentences(label, action, kind, name_templates)  # the same descriptions, the typed wording's templates
    return {branch: known[branch] + [s for s in typed[branch] if s not in known[branch]] for branch in known}
