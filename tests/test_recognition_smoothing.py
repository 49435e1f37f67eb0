"""The steady-answer rule: smoothing over time, hysteresis, and "no clear match"."""

from __future__ import annotations

import numpy as np
import pytest

from core.recognition.smoothing import NO_CLEAR_MATCH, SteadyRanking, SteadyRule, named_spans, spans_text, steady_answers

LABELS = ("squat", "sitting down", "standing up", "walking")


def _row(**probabilities: float) -> list[float]:
    rest = (1.0 - sum(probabilities.values())) / (len(LABELS) - len(probabilities))
    return [probabilities.get(label.replace(" ", "_"), rest) for label in LABELS]


def test_one_repeated_action_shows_one_label_although_single_windows_flicker():
    """A squat's windows alternate between its phases; the raw top label changes every window."""
    phases = [_row(squat=0.40, sitting_down=0.45), _row(squat=0.42, standing_up=0.44), _row(squat=0.55)] * 6
    raw_tops = [LABELS[int(np.argmax(row))] for row in phases]
    answers = steady_answers(np.arange(len(phases)) * 0.4, LABELS, np.array(phases))
    assert len(set(raw_tops)) == 3
    assert [answer.label for answer in answers[3:]] == ["squat"] * (len(phases) - 3)


def test_the_named_label_changes_only_once_the_new_one_clearly_leads():
    steady = SteadyRanking(SteadyRule(time_constant_s=0.5))
    for step in range(5):
        assert steady.update(0.4 * step, LABELS, _row(squat=0.7)).label == "squat"
    # walking creeps up: close behind or slightly ahead is not enough to switch
    for step in range(5, 15):
        answer = steady.update(0.4 * step, LABELS, _row(squat=0.45, walking=0.47))
    assert answer.label == "squat" and answer.entries[0][0] == "walking"
    labels = [steady.update(5.6 + 0.4 * step, LABELS, _row(walking=0.8)).label for step in range(1, 6)]
    assert labels[-1] == "walking" and labels.count("walking") >= 3
    assert labels == sorted(labels, key=lambda label: label == "walking")  # switched once, never back


def test_no_label_is_named_when_none_stands_out():
    # near the uniform share (1/4 each)
    assert SteadyRanking().update(0.0, LABELS, [0.27, 0.25, 0.24, 0.24]).text == NO_CLEAR_MATCH
    # well above uniform, but neck and neck with the runner-up
    answer = SteadyRanking().update(0.0, LABELS, [0.45, 0.44, 0.06, 0.05])
    assert answer.label is None and answer.text == NO_CLEAR_MATCH
    assert SteadyRanking().update(0.0, LABELS, [0.55, 0.35, 0.06, 0.04]).text == "squat"


def test_a_named_label_that_fades_to_uniform_gives_way_to_no_clear_match():
    steady = SteadyRanking(SteadyRule(time_constant_s=0.4))
    steady.update(0.0, LABELS, _row(squat=0.9))
    texts = [steady.update(0.4 * step, LABELS, [0.25] * 4).text for step in range(1, 8)]
    assert texts[0] == "squat" and texts[-1] == NO_CLEAR_MATCH


def test_smoothing_follows_time_not_the_number_of_windows():
    """Two windows 0.1 s apart move the answer less than two windows 2 s apart."""
    near, far = SteadyRanking(), SteadyRanking()
    for steady, gap in ((near, 0.1), (far, 2.0)):
        steady.update(0.0, LABELS, [1.0, 0.0, 0.0, 0.0])
    near_answer = dict(near.update(0.1, LABELS, [0.0, 0.0, 0.0, 1.0]).entries)
    far_answer = dict(far.update(2.0, LABELS, [0.0, 0.0, 0.0, 1.0]).entries)
    assert near_answer["walking"] == pytest.approx(1 - np.exp(-0.1))
    assert far_answer["walking"] == pytest.approx(1 - np.exp(-2.0))
    assert sum(near_answer.values()) == pytest.approx(1.0)


def test_new_labels_start_afresh_and_one_label_is_always_named():
    steady = SteadyRanking()
    steady.update(0.0, LABELS, _row(squat=0.9))
    answer = steady.update(0.4, ("clapping", "waving"), [0.2, 0.8])
    assert answer.label == "waving" and dict(answer.entries) == {"clapping": 0.2, "waving": 0.8}
    assert SteadyRanking().update(0.0, ("clapping",), [1.0]).label == "clapping"


def test_bad_input_is_refused_with_the_reason():
    steady = SteadyRanking()
    with pytest.raises(ValueError, match="probabilities for 4 labels"):
        steady.update(0.0, LABELS, [0.5, 0.5])
    steady.update(1.0, LABELS, _row(squat=0.5))
    with pytest.raises(ValueError, match="came after"):
        steady.update(0.5, LABELS, _row(squat=0.5))
    with pytest.raises(ValueError, match="invalid steady-answer rule"):
        SteadyRule(min_lift=0.05, keep_lift=0.1)


def test_named_spans_say_which_action_happened_when():
    """Walking, a stretch where nothing stands out, then a fall: three answers, two spans."""
    rows = [_row(walking=0.8)] * 4 + [[0.25] * 4] * 6 + [_row(sitting_down=0.8)] * 5
    starts = np.arange(len(rows)) * 0.5
    answers = steady_answers(starts + 2.0, LABELS, np.array(rows), rule=SteadyRule(time_constant_s=0.3))
    spans = named_spans(starts, starts + 2.0, answers)
    assert [span.label for span in spans] == ["walking", "sitting down"]
    assert spans[0].start_s == 0.0 and 2.0 < spans[0].end_s < 5.0  # named until the walking fades
    assert spans[1].end_s == starts[-1] + 2.0 and spans[1].text.startswith("sitting down ")
    assert spans_text(spans) == f"walking 0.0-{spans[0].end_s:.1f} s; sitting down {spans[1].start_s:.1f}-{spans[1].end_s:.1f} s"
    assert named_spans([0.0], [2.0], steady_answers([2.0], LABELS, [[0.25] * 4])) == []  # nothing named
    assert spans_text([]) == "no label stood out at any moment"
    with pytest.raises(ValueError):
        named_spans([0.0, 0.5], [2.0], answers[:2])  # one span per window, or an error
