"""Which sentences stand for a class: name templates, plus written descriptions when known."""

from __future__ import annotations

from typing import Protocol, Sequence, TypeVar

PROTOTYPE_KINDS = ("descriptions", "names", "template")

NAME_TEMPLATES: tuple[str, ...] = (
    "a person {name}.",
    "a person is doing the action: {name}.",
    "someone performs {name} with their body.",
    "a skeleton sequence of a person who is {name}.",
)
BASELINE_TEMPLATE = "a person {name}"
Sentence = TypeVar("Sentence")  # a sentence, or where a text bank keeps it


class DescribedAction(Protocol):
    spatial: Sequence[str]
    temporal: Sequence[str]


def prototype_sentences(name: str, action: DescribedAction | None, kind: str,
                        name_templates: int = len(NAME_TEMPLATES)) -> dict[str, list[str]]:
    """Sentences for the spatial and the temporal branch of one class.

    Name templates are part of every set so that a typed label without written knowledge is
    scored the same way it was trained; descriptions add the body-part (spatial) and
    time-course (temporal) views of the class when the vocabulary has them, beside the first
    ``name_templates`` templates (``with_name_templates``; ModelConfig.name_templates).
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
    return {branch: with_name_templates(templates + list(getattr(action, branch)), name_templates)
            for branch in ("spatial", "temporal")}


def with_name_templates(sentences: Sequence[Sentence], keep: int) -> list[Sentence]:
    """One branch's sentences (``prototype_sentences``' order: templates first) with only the first
    ``keep`` name templates when descriptions follow them; a class without descriptions keeps all,
    its templates being all it has. Four near-identical templates outweigh the descriptions: a
    class's best sentences are nearly always templates, in training and at scoring."""
    if not 0 <= keep <= len(NAME_TEMPLATES):
        raise ValueError(f"keep must be 0 to {len(NAME_TEMPLATES)} name templates, got {keep}")
    if len(sentences) <= len(NAME_TEMPLATES):
        return list(sentences)
    return list(sentences[:keep]) + list(sentences[len(NAME_TEMPLATES):])
