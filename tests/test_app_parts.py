"""The app's building blocks that need no pose model or network: drawing, windows, presets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.recognition.labels import parse_labels
from core.recognition.recognizer import WindowScore
from core.skeleton.layout import JOINT, NUM_JOINTS
from demo.app import check_labels
from demo.drawing import HOT, draw_caption, draw_skeletons, importance_colors
from demo.engine import MAX_LABELS, WEIGHTS_ENV, weights_path
from core.pose.landmarks import skeletons_from_landmarks
from core.pose.mapping import NUM_LANDMARKS
from demo.pose_window import PoseWindow
from demo.presets import PRESET_NAMES, preset_labels, preset_text
from demo.render import frame_predictions
from demo.timeline import timeline_frame, window_predictions, write_csv


def _body(x: float = 100.0, y: float = 100.0) -> np.ndarray:
    """Image points of one body spread over a 200 px square starting at (x, y)."""
    grid = np.stack(np.meshgrid(np.arange(5), np.arange(5)), axis=-1).reshape(NUM_JOINTS, 2)
    return (grid * 40.0 + (x, y)).astype(np.float32)[None]


# --- drawing --------------------------------------------------------------------------------

def test_draw_skeletons_leaves_the_input_frame_untouched_and_draws_joints():
    frame = np.zeros((480, 640, 3), np.uint8)
    points = _body()
    drawn = draw_skeletons(frame, points)
    assert frame.sum() == 0
    x, y = points[0, JOINT["head"]].astype(int)
    assert drawn[y, x].sum() > 0


def test_draw_skeletons_skips_joints_that_are_not_visible():
    points = _body()
    visibility = np.ones((1, NUM_JOINTS), np.float32)
    visibility[0, JOINT["right_foot"]] = 0.0
    drawn = draw_skeletons(np.zeros((480, 640, 3), np.uint8), points, visibility)
    x, y = points[0, JOINT["right_foot"]].astype(int)
    assert drawn[y - 1 : y + 2, x - 1 : x + 2].sum() == 0


def test_the_most_important_joint_is_drawn_hot():
    importance = np.full(NUM_JOINTS, 0.01, np.float32)
    importance[JOINT["right_hand"]] = 0.5
    colors = importance_colors(importance)
    assert tuple(colors[JOINT["right_hand"]]) == tuple(HOT.astype(np.uint8))
    drawn = draw_skeletons(np.zeros((480, 640, 3), np.uint8), _body(), importance=importance)
    x, y = _body()[0, JOINT["right_hand"]].astype(int)
    red, green, blue = drawn[y, x].astype(int)
    assert red > 200 and blue < 100


def test_draw_skeletons_accepts_nobody():
    frame = np.full((120, 160, 3), 7, np.uint8)
    assert np.array_equal(draw_skeletons(frame, np.zeros((0, NUM_JOINTS, 2))), frame)


def test_draw_caption_writes_in_the_bottom_left_corner():
    frame = np.zeros((480, 640, 3), np.uint8)
    draw_caption(frame, "Nobody in view", warning=True)
    assert frame[-20:, :100].sum() > 0 and frame[:100, -100:].sum() == 0


def test_a_mild_focus_is_shown_relative_to_the_uniform_share():
    importance = np.full(NUM_JOINTS, 1.0)
    importance[[JOINT["left_hand"], JOINT["right_hand"]]] = 1.4  # what a trained KPD gives
    colors = importance_colors(importance)
    assert tuple(colors[JOINT["right_hand"]]) == tuple(HOT.astype(np.uint8))
    assert colors[JOINT["left_knee"], 0] < colors[JOINT["left_knee"], 2]  # the rest stays blue


def test_an_undecided_model_leaves_every_joint_cold():
    colors = importance_colors(np.full(NUM_JOINTS, 1 / NUM_JOINTS) + np.linspace(-0.001, 0.001, NUM_JOINTS))
    assert (colors[:, 2] > colors[:, 0]).all()  # all blue, none red


# --- live window ----------------------------------------------------------------------------

def test_pose_window_keeps_only_the_last_seconds():
    window = PoseWindow(seconds=1.0)
    for step in range(20):
        window.add(step * 0.25, np.ones((1, NUM_LANDMARKS, 2), np.float32) * step, [7])
    clip, _ = window.views()
    assert clip.shape == (1, 5, NUM_LANDMARKS, 2)
    assert clip[0, 0, 0, 0] == 15 and clip[0, -1, 0, 0] == 19
    assert window.span_s == 1.0


def test_pose_window_puts_the_most_present_person_first_and_drops_empty_frames():
    window = PoseWindow(seconds=10.0)
    window.add(0.0, np.full((1, NUM_LANDMARKS, 2), 1.0), [4])
    window.add(0.1, np.zeros((0, NUM_LANDMARKS, 2)), [])
    window.add(0.2, np.stack([np.full((NUM_LANDMARKS, 2), 2.0), np.full((NUM_LANDMARKS, 2), 3.0)]), [4, 9])
    window.add(0.3, np.full((1, NUM_LANDMARKS, 2), 5.0), [9])
    window.add(0.4, np.full((1, NUM_LANDMARKS, 2), 6.0), [9])
    clip, seen = window.views()
    assert clip.shape == (2, 4, NUM_LANDMARKS, 2)
    assert seen.tolist() == [[False, True, True, True], [True, True, False, False]]
    assert clip[0, :, 0, 0].tolist() == [0.0, 3.0, 5.0, 6.0]  # track 9: three frames
    assert clip[1, :, 0, 0].tolist() == [1.0, 2.0, 0.0, 0.0]  # track 4: absent later -> zeros
    assert window.frames_with_people == 4
    assert window.times().tolist() == [0.0, 0.2, 0.3, 0.4]  # the frames' own seconds: 0.1 had nobody


def test_pose_window_puts_the_most_seen_person_first_when_visibility_is_given():
    window = PoseWindow(seconds=10.0)
    two = np.stack([np.full((NUM_LANDMARKS, 2), 1.0), np.full((NUM_LANDMARKS, 2), 2.0)])
    window.add(0.0, two[:1], [3], visibility=np.full((1, 25), 0.6))  # a ghost, in every frame
    for step in range(1, 5):
        window.add(step * 0.1, two, [3, 8], visibility=np.array([[0.6] * 25, [0.95] * 25]))
    clip, seen = window.views()
    assert seen.tolist() == [[False, True, True, True, True], [True] * 5]
    assert clip[0, 1:, 0, 0].tolist() == [2.0] * 4  # track 8: 3.8 seen against the ghost's 3.0
    without = PoseWindow(seconds=10.0)  # no visibility given: frames seen decide, the ghost first
    without.add(0.0, two[:1], [3])
    for step in range(1, 5):
        without.add(step * 0.1, two, [3, 8])
    assert without.views()[0][0, :, 0, 0].tolist() == [1.0] * 5


def test_pose_window_keeps_a_person_lost_and_found_again_in_their_body_slot():
    window = PoseWindow(seconds=10.0)
    both = lambda a, b: np.stack([np.full((NUM_LANDMARKS, 2), a), np.full((NUM_LANDMARKS, 2), b)])  # noqa: E731
    window.add(0.0, both(1.0, 2.0), [1, 2])
    window.add(0.1, both(1.0, 2.0), [1, 2])
    window.add(0.2, np.full((1, NUM_LANDMARKS, 2), 1.0), [1])
    window.add(0.3, both(1.0, 3.0), [1, 5])  # person 2 came back as track 5
    window.add(0.4, both(3.0, 1.0), [5, 1])
    clip, _ = window.views()
    assert clip.shape == (2, 5, NUM_LANDMARKS, 2)
    assert clip[0, :, 0, 0].tolist() == [1.0] * 5
    assert clip[1, :, 0, 0].tolist() == [2.0, 2.0, 0.0, 3.0, 3.0]


def test_pose_window_with_nobody_gives_no_skeleton():
    window = PoseWindow(seconds=1.0)
    window.add(0.0, np.zeros((0, NUM_LANDMARKS, 2)), [])
    assert window.views() is None and window.snapshot() is None and window.times() is None and window.frames_with_people == 0


def test_pose_window_scores_the_bodies_made_from_their_landmarks_by_the_one_landmark_path():
    rest = np.random.default_rng(0).uniform(200, 400, (NUM_LANDMARKS, 2)).astype(np.float32)
    window = PoseWindow(seconds=10.0)
    window.add(0.0, rest[None], [3])
    window.add(0.1, np.zeros((0, NUM_LANDMARKS, 2)), [])
    window.add(0.2, rest[None] + 5.0, [3])
    skeleton = window.snapshot()()  # what the live path lifts on its worker
    np.testing.assert_array_equal(skeleton, skeletons_from_landmarks(*window.views()))
    assert skeleton.shape == (1, 2, NUM_JOINTS, 3) and np.isfinite(skeleton).all() and np.abs(skeleton).sum(axis=(2, 3)).all()


# --- timeline -------------------------------------------------------------------------------

def _scores(ups: list[float]) -> list[WindowScore]:
    """2 s windows every 0.5 s with P(up) as given (labels in the order up, down), the body moving alike in each."""
    return [WindowScore(0.5 * i, 0.5 * i + 2.0, np.array([up, 1 - up]), np.full(NUM_JOINTS, 1 / NUM_JOINTS), 0.5)
            for i, up in enumerate(ups)]


def test_window_predictions_list_every_label_best_first_and_label_the_video_by_time():
    predictions = window_predictions(_scores([0.9, 0.8, 0.3, 0.1]), ["up", "down"])
    assert [p.entries[0][0] for p in predictions] == ["up", "up", "down", "down"]
    assert predictions[2].entries == (("down", pytest.approx(0.7)), ("up", pytest.approx(0.3)))
    per_frame = frame_predictions(predictions, 100, fps=10.0)
    assert per_frame[4].entries[0][0] == "up"
    assert per_frame[34].entries[0][0] == "down"  # centres 2.0 and 2.5 cover 3.4 s; 2.5 is nearer
    assert per_frame[99] is None
    # the plot and the captions follow the steady answer: the third window's own top is down, the smoothed one still up
    assert [p.shown.label for p in predictions] == ["up", "up", "up", "down"]


def test_timeline_frame_and_csv_list_every_window(tmp_path):
    predictions = window_predictions(_scores([0.9, 0.8, 0.7]), ["up", "down"])
    frame = timeline_frame(predictions, ["up", "down"], top=1)
    assert list(frame.columns) == ["time_s", "label", "probability"]
    assert set(frame.label) == {"up"} and len(frame) == len(predictions)
    rows = pd.read_csv(write_csv(predictions, ["up", "down"], tmp_path / "p.csv"))
    assert list(rows.columns) == ["start_s", "end_s", "top_label", "shown", "up", "down"]
    assert len(rows) == len(predictions)
    assert np.allclose(rows.up + rows.down, 1.0, atol=1e-5)


# --- labels and presets ---------------------------------------------------------------------

@pytest.mark.parametrize("name", PRESET_NAMES)
def test_every_preset_is_a_valid_label_list_of_known_actions(name):
    from core.knowledge.vocabulary import load_vocabulary

    labels = parse_labels(preset_text(name), max_labels=MAX_LABELS)
    assert labels == preset_labels(name)
    unknown = [label for label in labels if load_vocabulary().get(label) is None]
    assert not unknown, f"{name} preset names actions without written knowledge: {unknown}"


def test_ntu_presets_follow_the_ntu_numbering():
    ntu60, ntu120 = preset_labels("NTU-60"), preset_labels("NTU-120")
    assert len(ntu60) == 60 and len(ntu120) == 120 and ntu120[:60] == ntu60
    assert ntu60[0] == "drink water" and ntu120[-1] == "rock-paper-scissors"


def test_unknown_preset_names_the_known_ones():
    with pytest.raises(KeyError, match="Daily life"):
        preset_labels("yoga")


def test_label_check_message_for_empty_too_many_and_good_lists():
    assert "no labels" in check_labels(" ;; ")
    too_many = "\n".join(f"action {i}" for i in range(MAX_LABELS + 1))
    assert f"at most {MAX_LABELS}" in check_labels(too_many)
    assert check_labels("clapping; sit down; Clapping").startswith("2 label(s): clapping, sit down")


def test_weights_path_prefers_the_argument_then_the_environment(monkeypatch):
    monkeypatch.setenv(WEIGHTS_ENV, "/tmp/from-env.safetensors")
    assert str(weights_path("/tmp/explicit.safetensors")) == "/tmp/explicit.safetensors"
    assert str(weights_path()) == "/tmp/from-env.safetensors"
    monkeypatch.delenv(WEIGHTS_ENV)
    assert weights_path() is None
