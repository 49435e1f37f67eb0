"""The sentences that stand for a typed label when it is scored against a skeleton.

A bare label is a poor prototype: a few templates place it in the "a person moving" context the
text encoder saw in training. Where the label names an action the project has written knowledge
about, its descriptions are added so it is matched as training matched it.
"""

from __future__ import annotations

from typing import Protocol

# Grammar-neutral on purpose: labels arrive as verbs ("drink water"), nouns ("jump") or phrases.
TEMPLATES: tuple[str, ...] = (
    "{label}",
    "a person performing the action: {label}.",
    "a human skeleton doing {label}.",
    "the body movement of someone doing {label}.",
)


class KnownAction(Protocol):
    name: str
    descriptions: list[str]


def template_sentences(label: str) -> list[str]:
    """The label set into every template."""
    return [template.format(label=label) for template in TEMPLATES]


def label_sentences(label: str, action: KnownAction | None) -> list[str]:
    """Prototype sentences for one label: templates, plus the written descriptions if known.

    The canonical name is templated too when the user typed an alias, so "drinking" and
    "drink water" share the prototypes training used.
    """
    sentences = template_sentences(label)
    if action is None:
        return sentences
    if action.name.casefold() != label.casefold():
        sentences += template_sentences(action.name)
    return sentences + [text for text in action.descriptions if text not in sentences]
