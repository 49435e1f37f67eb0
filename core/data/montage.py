"""A PNG of stick figures, one sample per source, to check axes, scale and sides by eye.

Each row is one source: a front view (X right, Y up, as if looking at the subject's back, so
the subject's right side is on the right of the plot) and a side view (depth Z to the right).
Left-side bones are blue, right-side bones red, the spine grey; several frames of the same clip
are overlaid, later frames darker, so the moving limb stands out.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from core.data.corpus import Corpus  # noqa: E402
from core.skeleton.layout import BONES, JOINT_NAMES  # noqa: E402
from core.skeleton.transforms import as_bodies  # noqa: E402

# A one-sided action per source, so the red (right) limb should be the one that moves.
PREFERRED_LABELS = {
    "nw-ucla": "pick up with one hand",
    "kard": "high arm wave",
    "msr-action3d": "high arm wave",
    "utkinect": "waveHands",
    "cad-60": "drinking water",
    "bandai-namco": "wave-right-hand",
    "kinder-gator": "wave your hand (right)",
    "utd-mhad": "right hand wave",
    "sbu": "shaking hands",
}
FRAMES_SHOWN = 5


def _colour(child: int) -> str:
    name = JOINT_NAMES[child]
    return "tab:blue" if name.startswith("left") else "tab:red" if name.startswith("right") else "0.4"


def pick_samples(corpus: Corpus) -> list[int]:
    """One sample index per source present, preferring the one-sided action listed above."""
    chosen: dict[str, int] = {}
    for i, info in enumerate(corpus.index):
        preferred = info.label == PREFERRED_LABELS.get(info.source)
        if info.source not in chosen or (
            preferred and corpus.index[chosen[info.source]].label != info.label
        ):
            chosen[info.source] = i
    return list(chosen.values())


def _draw(axis: plt.Axes, frames: np.ndarray, horizontal: int) -> None:
    for shade, frame in zip(np.linspace(0.25, 1.0, len(frames)), frames):
        for child, parent in BONES:
            axis.plot(frame[[child, parent], horizontal], frame[[child, parent], 1],
                      color=_colour(child), alpha=float(shade), linewidth=1.5)
    axis.set_aspect("equal", adjustable="datalim")
    axis.grid(True, linewidth=0.3)


def render_montage(corpus: Corpus, out: Path) -> Path:
    """Write the montage PNG and return its path."""
    picks = pick_samples(corpus)
    if not picks:
        raise ValueError("the corpus is empty: nothing to draw")
    figure, axes = plt.subplots(len(picks), 2, figsize=(8, 3.6 * len(picks)), squeeze=False)
    for row, index in enumerate(picks):
        info = corpus.index[index]
        bodies = as_bodies(corpus.sequence(index))
        shown = np.linspace(0, bodies.shape[1] - 1, FRAMES_SHOWN).round().astype(int)
        for frames in bodies[:, shown]:  # a two-person sample draws both people
            _draw(axes[row, 0], frames, horizontal=0)
            _draw(axes[row, 1], frames, horizontal=2)
        axes[row, 0].set_title(f"{info.source}: {info.label} ({info.name})", fontsize=9)
        axes[row, 0].set_xlabel("X (m), subject's right ->")
        axes[row, 0].set_ylabel("Y (m), up")
        axes[row, 1].set_title("side view", fontsize=9)
        axes[row, 1].set_xlabel("Z (m), away from the camera ->")
    figure.suptitle("blue = left side, red = right side; later frames darker", fontsize=10)
    figure.tight_layout(rect=(0, 0, 1, 0.985))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=80)
    plt.close(figure)
    return out
