"""Ranking several live streams in one pass of the network (Recognizer.rank_latest): each clip
gets the ranking of its latest moment as ``window_scores`` reads it alone, against its own labels;
a clip that cannot be ranked gets its error and the others are ranked all the same."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.recognition.recognizer import batch_bucket
from tests.test_recognition import encoder, moving_clip, recognizer, weights  # noqa: F401 (fixtures)


def test_clips_ranked_together_rank_their_latest_moment_as_alone(recognizer):  # noqa: F811
    first = recognizer.encode_labels(["drink water", "clapping"])
    second = recognizer.encode_labels(["clapping", "juggle three balls", "drink water"])
    clips = [
        (moving_clip(40, seed=1), first, None),
        (moving_clip(25, bodies=2, seed=2), second, np.cumsum(np.full(25, 1 / 15))),
        (np.zeros((30, 25, 3), np.float32), first, None),  # nobody present: nothing to rank
        (moving_clip(120, seed=3), second, None),  # 4 s: its latest moment is read at every tempo
    ]
    together = recognizer.rank_latest(clips)
    assert isinstance(together[2], ValueError)
    for (skeleton, labels, times), ranking in zip(clips, together):
        if isinstance(ranking, ValueError):
            with pytest.raises(ValueError):
                recognizer.window_scores(skeleton, labels, times=times)[-1]
            continue
        latest = recognizer.window_scores(skeleton, labels, times=times)[-1]
        alone = latest.ranking(labels.labels)
        assert [label for label, _ in ranking.entries] == [label for label, _ in alone.entries]
        assert np.allclose([p for _, p in ranking.entries], [p for _, p in alone.entries], atol=1e-5)
        importance = latest.joint_importance / latest.joint_importance.sum()
        assert np.allclose(ranking.joint_importance, importance, atol=1e-5)
        assert ranking.motion == pytest.approx(latest.motion)  # what the live steady answer weighs it by
    assert recognizer.rank_latest([]) == []


def test_batches_run_at_a_few_bucketed_sizes_and_give_each_window_its_own_scores(recognizer):  # noqa: F811
    assert [batch_bucket(n) for n in (0, 1, 2, 3, 5, 16, 17, 33, 80)] == [0, 1, 2, 4, 8, 16, 32, 48, 80]
    assert len({batch_bucket(n) for n in range(1, 161)}) == 14  # not 160 shapes for the backend to keep
    windows = torch.randn(5, 2, recognizer.window, 25, 3)
    batched = recognizer._forward(windows)  # run as a batch of 8
    with torch.inference_mode():
        alone = recognizer.model(windows)
    for key, value in batched.items():
        assert value.shape[0] == 5
        assert torch.allclose(value.float(), alone[key].float(), atol=1e-5)
