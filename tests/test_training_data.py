"""Training windows and sampler, plus the small synthetic task other training tests share.

The synthetic actions move different body parts (right arm, left arm, legs, head), so a tiny
network can tell them apart within a few steps; their text is written here for the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from core.skeleton.layout import BODY_PARTS, parts_to_joint_mask
from core.recognition.windows import WindowPolicy, frame_times, prepared_window
from core.protocol.clips import LabelledClips, ZeroShotTask, clip_windows, pool_by_clip
from core.training.data import EpochSampler, TrainWindows, mirror_targets, sampling_weights

# 40-frame synthetic clips at 10 fps last 4 s: longer than a 2 s window, so starts vary.
SYNTHETIC_FPS = 10.0
POLICY = WindowPolicy(2.0, 16)


@dataclass
class SyntheticAction:
    name: str
    spatial: list[str]
    temporal: list[str]
    context: list[tuple[str, str, str]]
    parts: list[str]

    @property
    def part_mask(self) -> np.ndarray:
        return parts_to_joint_mask(self.parts)


SYNTHETIC_ACTIONS = {
    "swing right arm": SyntheticAction(
        "swing right arm", ["the right arm swings."], ["it swings back and forth."],
        [("park", "racket", "ball"), ("court", "bat", "ball")], ["arms", "hands"]),
    "swing left arm": SyntheticAction(
        "swing left arm", ["the left arm swings."], ["it keeps swinging."],
        [("gym", "rope", "none"), ("room", "towel", "none"), ("hall", "flag", "none")], ["arms"]),
    "march": SyntheticAction(
        "march", ["the legs lift in turn."], ["steps repeat steadily."],
        [("street", "none", "floor")], ["legs", "feet"]),
    "nod": SyntheticAction(
        "nod", ["the head moves down and up."], ["a short nod, then stillness."],
        [("office", "none", "person")], ["head"]),
}


def synthetic_clip(action_index: int, rng: np.random.Generator, frames: int = 40) -> np.ndarray:
    """A standing body (spine up the Y axis) whose action's body part oscillates."""
    base = np.zeros((25, 3), dtype=np.float32)
    base[:, 1] = np.linspace(0.0, 1.0, 25)
    base[[4, 5, 6, 7, 12, 13, 14, 15, 21, 22], 0] = -0.2
    base[[8, 9, 10, 11, 16, 17, 18, 19, 23, 24], 0] = 0.2
    base[[0, 1, 2, 3, 20], 0] = 0.0
    base[:, 2] = 3.0
    moving = [(8, 9, 10, 11, 23, 24), (4, 5, 6, 7, 21, 22), BODY_PARTS["legs"] + BODY_PARTS["feet"], BODY_PARTS["head"]]
    phase = np.linspace(0, 4 * np.pi, frames) + rng.uniform(0, np.pi)
    clip = np.repeat(base[None], frames, axis=0) + rng.normal(0, 0.005, (frames, 25, 3)).astype(np.float32)
    clip[:, list(moving[action_index]), action_index % 3] += 0.3 * np.sin(phase)[:, None]
    return clip.astype(np.float32)


def synthetic_task(per_action: int = 6, seed: int = 0) -> ZeroShotTask:
    """Two training actions, one validation action, one unseen action, every subset filled."""
    rng = np.random.default_rng(seed)
    names = list(SYNTHETIC_ACTIONS)
    roles = {"train": [0, 1], "calibration_seen": [0, 1], "test_seen": [0, 1], "calibration_unseen": [2], "test_unseen": [3]}
    subsets = {}
    for subset, actions in roles.items():
        clips = LabelledClips()
        for index in actions:
            for _ in range(per_action):
                clips.add(synthetic_clip(index, rng), names[index], SYNTHETIC_FPS)
        subsets[subset] = clips
    return ZeroShotTask("synthetic", names[:2], [names[2]], [names[3]], subsets)


def build_synthetic_bank(path: Path, cache: Path) -> Path:
    from core.model.text import TextEncoder
    from core.model.text_bank import build_text_bank

    build_text_bank(path, SYNTHETIC_ACTIONS, TextEncoder(cache_dir=cache))
    return path


@pytest.fixture(scope="session")
def synthetic_bank(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic-bank")
    return build_synthetic_bank(folder / "bank.safetensors", folder / "cache")


def test_train_windows_are_prepared_and_reproducible() -> None:
    task = synthetic_task(per_action=2)
    dataset = TrainWindows(task.subset("train"), task.train_actions, POLICY, seed=3)
    window, label = dataset[5]
    assert window.shape == (2, 16, 25, 3) and label == task.train_actions.index(task.subset("train").actions[1])
    assert torch.equal(dataset[5][0], window)
    assert not torch.equal(dataset[5 + len(dataset)][0], window)  # next epoch, new window
    assert torch.all(window[1] == 0)
    with pytest.raises(ValueError, match="outside the class list"):
        TrainWindows(task.subset("test_unseen"), task.train_actions, POLICY, 0)


def test_balanced_sampler_evens_out_classes_and_keeps_windows_distinct() -> None:
    labels = [0] * 90 + [1] * 10
    sampler = EpochSampler(100, seed=2, weights=sampling_weights(labels, balance=1.0))
    keys = list(sampler)
    assert len(keys) == 100 and len(set(keys)) == 100  # a sample drawn twice still gets new windows
    drawn = [labels[key % 100] for key in keys]
    assert 30 <= drawn.count(1) <= 70  # about half, against 10 % with plain shuffling
    sampler.epoch = 1
    assert list(sampler) != keys
    assert sampling_weights(labels, balance=0.0) is None  # plain shuffling
    assert sorted(k % 100 for k in EpochSampler(100, seed=2)) == list(range(100))
    with pytest.raises(ValueError, match="99 sampling weights for 100"):
        EpochSampler(100, seed=2, weights=np.full(99, 1 / 99))


def test_video_share_lets_video_carry_a_shared_action_without_changing_how_often_it_comes() -> None:
    # action 0: 90 lab samples and 10 from video; action 1: lab only; action 2: video only;
    # action 3: already mostly video (8 of 10).
    labels = [0] * 100 + [1] * 50 + [2] * 20 + [3] * 10
    sources = ["kinect"] * 90 + ["film"] * 10 + ["mocap"] * 50 + ["film"] * 20 + ["film"] * 8 + ["kinect"] * 2
    weights = sampling_weights(labels, 0.0, sources, video_share=0.5, video_sources=frozenset({"film"}))
    labels_array, video = np.asarray(labels), np.asarray(sources) == "film"
    for action, count in enumerate([100, 50, 20, 10]):
        assert weights[labels_array == action].sum() == pytest.approx(count / 180)  # the action as often as before
    assert weights[(labels_array == 0) & video].sum() == pytest.approx(0.5 * 100 / 180)  # video 10 % -> 50 % of its draws
    assert np.allclose(weights[labels_array == 3], 1 / 180)  # 80 % video already: left as recorded
    drawn = [labels[key % 180] == 0 and sources[key % 180] == "film" for key in EpochSampler(180, 4, weights)]
    assert 35 <= sum(drawn) <= 65  # about 50 of 180 draws, against 10 without
    balanced = sampling_weights(labels, 1.0, sources, video_share=0.5, video_sources=frozenset({"film"}))
    assert all(balanced[labels_array == a].sum() == pytest.approx(0.25) for a in range(4))
    assert balanced[(labels_array == 0) & video].sum() == pytest.approx(0.125)
    with pytest.raises(ValueError, match="every sample's source"):
        sampling_weights(labels, 0.0, sources[:-1], video_share=0.5, video_sources=frozenset({"film"}))


def test_mirror_targets_swap_sided_twins_and_keep_the_rest() -> None:
    classes = ["drink water", "wave left hand", "wave right hand", "raise left hand"]
    twins = {"wave left hand": "wave right hand", "wave right hand": "wave left hand", "raise left hand": "raise right hand"}
    assert mirror_targets(classes, twins.get) == [0, 2, 1, -1]  # raise right hand is not trained: never mirror


def test_mirrored_windows_are_relabelled_to_the_twin() -> None:
    clips = LabelledClips()
    rng = np.random.default_rng(0)
    for action in ("wave left hand", "wave right hand", "clapping"):
        clips.add(rng.normal(size=(20, 25, 3)).astype(np.float32), action, SYNTHETIC_FPS)
    classes = ["clapping", "wave left hand", "wave right hand"]
    plain = TrainWindows(clips, classes, POLICY, seed=1)
    mirrored = TrainWindows(clips, classes, POLICY, seed=1, mirror_to=[0, 2, 1])
    labels = {(key % 3, mirrored[key][1]) for key in range(60)}
    assert labels == {(0, 1), (0, 2), (1, 2), (1, 1), (2, 0)}  # waves flip sides about half the time
    flipped = [key for key in range(60) if key % 3 == 0 and mirrored[key][1] == 2]
    assert flipped and not torch.equal(mirrored[flipped[0]][0], plain[flipped[0]][0])


def test_epoch_sampler_permutes_every_sample_once_per_epoch() -> None:
    sampler = EpochSampler(10, seed=1)
    first = list(sampler)
    sampler.epoch = 2
    third = list(sampler)
    assert sorted(first) == list(range(10))
    assert sorted(third) == list(range(20, 30))
    assert [k - 20 for k in third] != first


def test_test_clips_are_scored_by_pooling_all_their_windows() -> None:
    task = synthetic_task(per_action=1)
    windows, owners = clip_windows(task.subset("test_seen"), POLICY)
    # 4 s clips (frames at 0..3.9 s), 2 s windows every 0.5 s: starts 0, 0.5, 1, 1.5 and the tail 1.9.
    assert windows.shape == (10, 2, 16, 25, 3) and owners.tolist() == [0] * 5 + [1] * 5
    probabilities = torch.tensor([[0.9, 0.1]] * 4 + [[0.0, 1.0]] + [[0.2, 0.8]] * 5)
    pooled = pool_by_clip(probabilities, owners, 2)
    assert torch.allclose(pooled, torch.tensor([[0.72, 0.28], [0.2, 0.8]]))
    empty = clip_windows(LabelledClips(), POLICY)
    assert empty[0].shape == (0, 2, 16, 25, 3) and len(empty[1]) == 0


def test_a_training_window_is_the_inference_window_of_the_same_start(monkeypatch) -> None:
    # The cut is compared, so the augmentation that follows it (augment.py, tested on its own) is off.
    monkeypatch.setattr("core.training.data.augment", lambda window, rng, max_tilt: window)
    clip = synthetic_clip(0, np.random.default_rng(4))
    clips = LabelledClips()
    clips.add(clip, "swing right arm", SYNTHETIC_FPS)
    dataset = TrainWindows(clips, ["swing right arm"], POLICY, seed=5, max_angle=0.0)
    key = 3
    start = np.random.default_rng([5, key]).uniform(0.0, 3.9 - POLICY.duration_s)  # the draw TrainWindows makes
    inference = prepared_window(clip, frame_times(len(clip), SYNTHETIC_FPS), start, POLICY)
    assert np.array_equal(dataset[key][0].numpy(), inference)
    # A clip exactly one window long has one start: training and the sliding windows agree exactly.
    short = LabelledClips()
    short.add(clip[:21], "swing right arm", SYNTHETIC_FPS)
    trained = TrainWindows(short, ["swing right arm"], POLICY, seed=0, max_angle=0.0)[0][0]
    windows, _ = clip_windows(short, POLICY)
    assert windows.shape[0] == 1 and torch.equal(trained, windows[0])


def test_the_all_actions_task_keeps_official_test_clips_out_of_training() -> None:
    from core.data.corpus import SampleInfo
    from core.protocol.tasks import corpus_task

    class TwoSourceCorpus:
        index = [
            SampleInfo("penn-action", "train", "squat", "squat down", "", 30.0, 40, "penn_0001"),
            SampleInfo("penn-action", "test", "squat", "squat down", "", 30.0, 40, "penn_0002"),
            SampleInfo("kard", "s01", "bend", "bend", "", 15.0, 40, "a12_s01_e01"),
        ]

        def sequence(self, i: int) -> np.ndarray:
            return synthetic_clip(i % 3, np.random.default_rng(i))

    task = corpus_task(TwoSourceCorpus(), "all")
    assert task.train_actions == ["bend", "squat down"]
    assert len(task.subset("train")) == 2 and task.subset("test_seen").actions == ["squat down"]
