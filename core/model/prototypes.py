"""Which sentences stand for a class: name templates, plus written descriptions when known."""

from __future__ import annotations

from typing import Protocol, Sequence

PROTOTYPE_KINDS = ("descriptions", "names", "template")

NAME_TEMPLATES: tuple[str, ...] = (
    "a person {name}.",
    "a person is doing the action: {name}.",
    "someone performs {name} with their body.",
    "a skeleton sequence of a person who is {name}.",
)
BASELINE_TEMPLATE = "a person {name}"


class DescribedAction(Protocol):
    spatial: Sequence[str]
    temporal: Sequence[str]


def prototype_sentences(name: str, action: DescribedAction | None, kind: str) -> dict[str, list[str]]:
    """Sentences for the spatial and the temporal branch of one class.

    Name templates are part of every set so that a typed label without written knowledge is
    scored the same way it was trained; descriptions add the body-part (spatial) and
    time-course (temporal) views of the class when the vocabulary has them.
    """
    if kind not in PROTOTYPE_KINDS:
        raise ValueError(f"unknown prototype kind {kind!r}; expected one of {PROTOTYPE_KINDS}")
    label = " ".join(name.strip().lower().split())
    if not label:
        raise ValueError("a class name cannot be empty")
    if kind == "template":
        sentences = [BASELINE_TEMPLATE.format(name=label)]
        return {"spatial": sentences, "temporal": sentences}
    templates = [template.format(name=label) for template in NAME_TEMPLATES]
    if kind == "names" or action is None:
        return {"spatial": templates, "temporal": list(templates)}
    return {"spatial": templates + list(action.spatial), "temporal": templates + list(action.temporal)}
