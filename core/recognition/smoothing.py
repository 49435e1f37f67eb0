"""The steady answer: one rule for what a stream of window rankings says over time.

Consecutive windows of one repeated action disagree (a squat's way down looks like sitting down,
its way up like standing up), so naming each window's top label makes the answer flicker. The
live view and the Video tab's timeline both show what this rule makes of their windows instead:

1. the probabilities are averaged over time with an exponential weight (time constant
   ``time_constant_s``; windows may come at any rate, the weight follows their timestamps), and
   a window moves the average as if its time step were scaled by its motion's weight
   (core.recognition.motion, against the stream's usual motion): the still top and bottom
   of a slow squat, read as standing or sitting, barely move what its way down and up said;
2. a label is named only when it stands out: its smoothed probability is at least ``min_lift``
   of the way from the uniform share (1 / labels) to certainty, and at least ``min_gap`` above
   the runner-up; otherwise the answer is "no clear match";
3. a named label stays (hysteresis) until another label leads it by ``switch_margin`` or it
   falls below ``keep_lift``, so two labels close to each other do not take turns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from core.recognition.motion import RunningMotion

NO_CLEAR_MATCH = "no clear match"


@dataclass(frozen=True)
class SteadyRule:
    time_constant_s: float = 1.0
    min_lift: float = 0.1  # to name a label: this share of the way from uniform to certainty
    keep_lift: float = 0.05  # to keep naming the label already named
    min_gap: float = 0.04  # to name a label: its lead over the runner-up
    # another label must lead the named one by this much to replace it: 0.12 rather than 0.06 keeps a
    # squat's way up (read as standing up) from taking over for a second under a busy CPU, and never
    # lowered a clip's shown share on six checkpoints (README, *The steady answer*)
    switch_margin: float = 0.12

    def __post_init__(self) -> None:
        if not (self.time_constant_s > 0 and 0 <= self.keep_lift <= self.min_lift <= 1
                and self.min_gap >= 0 and self.switch_margin >= 0):
            raise ValueError(f"invalid steady-answer rule {self}")


@dataclass(frozen=True)
class SteadyAnswer:
    """The named label (None: no label stands out) and the smoothed probabilities, best first."""

    label: str | None
    entries: tuple[tuple[str, float], ...]

    @property
    def text(self) -> str:
        return self.label if self.label is not None else NO_CLEAR_MATCH

    def top(self, k: int) -> list[tuple[str, float]]:
        return list(self.entries[:k])


class SteadyRanking:
    """Feeds window probabilities in time order and says what to show after each."""

    def __init__(self, rule: SteadyRule = SteadyRule()) -> None:
        self.rule = rule
        self.reset()

    def reset(self) -> None:
        """Forget the past (new labels, a restarted stream)."""
        self._labels: tuple[str, ...] | None = None
        self._smoothed: np.ndarray | None = None
        self._time_s = -math.inf
        self._named: int | None = None
        self._motion = RunningMotion()

    def update(self, time_s: float, labels: Sequence[str], probabilities: Sequence[float],
               motion: float | None = None) -> SteadyAnswer:
        """The answer after one more window, scored at ``time_s`` over ``labels``, the body moving
        ``motion`` in it (None: as much as usual, so the window counts by its time step alone)."""
        labels = tuple(labels)
        row = np.asarray(probabilities, dtype=np.float64)
        if row.shape != (len(labels),) or not labels:
            raise ValueError(f"{row.shape} probabilities for {len(labels)} labels")
        if labels != self._labels:
            self.reset()
            self._labels = labels
        if time_s < self._time_s:
            raise ValueError(f"window at {time_s:.3f} s came after one at {self._time_s:.3f} s")
        counts = 1.0 if motion is None else self._motion.weight(motion)  # how far this window moves the average
        if self._smoothed is None:
            self._smoothed = row.copy()
        else:
            weight = 1.0 - math.exp(-(time_s - self._time_s) * counts / self.rule.time_constant_s)
            self._smoothed += weight * (row - self._smoothed)
        self._time_s = time_s
        self._named = self._choose(self._smoothed)
        order = np.argsort(-self._smoothed, kind="stable")
        entries = tuple((labels[i], float(self._smoothed[i])) for i in order)
        return SteadyAnswer(None if self._named is None else labels[self._named], entries)

    def _choose(self, smoothed: np.ndarray) -> int | None:
        rule = self.rule
        uniform = 1.0 / len(smoothed)

        def lift(index: int) -> float:
            return 1.0 if uniform == 1.0 else (smoothed[index] - uniform) / (1.0 - uniform)

        order = np.argsort(-smoothed, kind="stable")
        best = int(order[0])
        named = self._named
        if named is not None and lift(named) >= rule.keep_lift and smoothed[best] - smoothed[named] < rule.switch_margin:
            return named
        runner_up = smoothed[order[1]] if len(order) > 1 else 0.0
        if lift(best) >= rule.min_lift and smoothed[best] - runner_up >= rule.min_gap:
            return best
        return None


@dataclass(frozen=True)
class NamedSpan:
    """A stretch of a clip over which the steady answer kept naming one label: from the start of
    the first window that named it to the end of the last (windows overlap, so neighbours may too)."""

    label: str
    start_s: float
    end_s: float

    @property
    def text(self) -> str:
        return f"{self.label} {self.start_s:.1f}-{self.end_s:.1f} s"


def named_spans(starts: Sequence[float], ends: Sequence[float], answers: Sequence[SteadyAnswer]) -> list[NamedSpan]:
    """What a clip's steady answers (one per window, spanning ``starts`` to ``ends``) named, and when:
    a video with several actions in turn reads as each one where it happens, which one pooled
    ranking of the whole clip cannot say; "no clear match" names nothing."""
    spans: list[NamedSpan] = []
    previous = None
    for start_s, end_s, answer in zip(starts, ends, answers, strict=True):
        if answer.label is not None and answer.label == previous:
            spans[-1] = NamedSpan(answer.label, spans[-1].start_s, float(end_s))
        elif answer.label is not None:
            spans.append(NamedSpan(answer.label, float(start_s), float(end_s)))
        previous = answer.label
    return spans


def spans_text(spans: Sequence[NamedSpan]) -> str:
    """The spans as one line for people ("squat 0.0-4.5 s; walking 4.0-9.5 s"), or that nothing stood out."""
    return "; ".join(span.text for span in spans) if spans else "no label stood out at any moment"


class ScoredWindow(Protocol):
    end_s: float
    probabilities: np.ndarray
    motion: float


def window_answers(windows: Sequence[ScoredWindow], labels: Sequence[str], rule: SteadyRule = SteadyRule()) -> list[SteadyAnswer]:
    """The rule over a clip's scored windows (``Recognizer.window_scores``), each answered once it has ended."""
    return steady_answers([window.end_s for window in windows], labels, [window.probabilities for window in windows],
                          [window.motion for window in windows], rule)


def steady_answers(times: Sequence[float], labels: Sequence[str], probabilities: Sequence[Sequence[float]],
                   motions: Sequence[float] | None = None, rule: SteadyRule = SteadyRule()) -> list[SteadyAnswer]:
    """The rule over a whole clip's windows (N rows of L probabilities, the body's motion in each, None:
    alike) at ``times`` (the Video tab's timeline): each answer knows only the windows before it, as live."""
    steady = SteadyRanking(rule)
    motions = [None] * len(times) if motions is None else [float(motion) for motion in motions]
    return [steady.update(float(time_s), labels, row, motion)
            for time_s, row, motion in zip(times, probabilities, motions, strict=True)]
