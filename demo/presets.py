"""Ready-made label lists a visitor can load with one click instead of typing.

The hand-picked lists use names from the project's action knowledge, so their prototypes draw
on the written descriptions rather than on prompt templates alone. The NTU lists come from the
vocabulary itself, so they always match the NTU names the knowledge files use.
"""

from __future__ import annotations

DAILY_LIFE = (
    "drink water", "eat meal", "brush teeth", "brush hair", "phone call", "type on a keyboard",
    "reading", "writing", "sit down", "stand up", "walking", "pick up", "put on jacket",
    "take off jacket", "wipe face",
)
FITNESS = (
    "jump up", "hopping", "squat down", "arm circles", "arm swings", "run on the spot",
    "butt kicks", "cross toe touch", "side kick", "forward kick", "stretch oneself", "punch",
    "bend",
)
GESTURES = (
    "hand waving", "clapping", "salute", "thumb up", "thumb down", "point to something",
    "nod head/bow", "shake head", "hush", "make ok sign", "make victory sign", "cross arms",
    "high arm wave", "wave both hands", "raise both hands",
)
HAND_PICKED: dict[str, tuple[str, ...]] = {
    "Daily life": DAILY_LIFE,
    "Fitness": FITNESS,
    "Gestures": GESTURES,
}
NTU_PRESETS: dict[str, int] = {"NTU-60": 60, "NTU-120": 120}
PRESET_NAMES: tuple[str, ...] = ("Daily life", "Fitness", "Gestures", *NTU_PRESETS)


def ntu_actions(last_id: int) -> list[str]:
    """NTU action names with ids 1..last_id, in NTU order, from the action knowledge."""
    from core.knowledge.vocabulary import load_vocabulary

    return [name for ntu_id, name in load_vocabulary().ntu_names().items() if ntu_id <= last_id]


def preset_labels(name: str) -> list[str]:
    """The labels of one preset; unknown names raise KeyError listing the known ones."""
    if name in HAND_PICKED:
        return list(HAND_PICKED[name])
    if name in NTU_PRESETS:
        return ntu_actions(NTU_PRESETS[name])
    raise KeyError(f"unknown preset {name!r}; choose one of {', '.join(PRESET_NAMES)}")


def preset_text(name: str) -> str:
    """A preset as the text that goes into the label box, one label per line."""
    return "\n".join(preset_labels(name))
