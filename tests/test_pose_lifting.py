"""The 2D-to-3D lifter: input normalisation, the shipped weights, and that training learns.

HDM05 never enters the lifter's training corpus (``lifter.UNSEEN_SOURCE``), so lifting its
projected frames is an error measured on unseen people and unseen motion capture, compared with
the trivial guess of their own mean pose.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.data import hdm05
from core.data.corpus import SampleInfo, write_corpus
from core.data.packing import pack
from core.data.source_cache import unpacked
from core.pose import lifting
from core.training import lifter as lifter_training
from core.skeleton.layout import JOINT
from tests.conftest import require_data


def test_normalisation_ignores_where_the_body_is_and_how_large_it_appears():
    rng = np.random.default_rng(0)
    points = rng.uniform(0, 100, (5, 13, 2))
    flat = lifting.normalise_2d(points)
    assert flat.shape == (5, 26) and flat.dtype == np.float32
    assert np.allclose(lifting.normalise_2d(points * 3.5 + [40.0, -7.0]), flat, atol=1e-5)
    hips = flat.reshape(5, 13, 2)[:, [lifting.LIFT_JOINTS.index("left_hip"), lifting.LIFT_JOINTS.index("right_hip")]]
    assert np.allclose(hips.mean(axis=1), 0.0, atol=1e-6)
    with pytest.raises(ValueError, match=r"expected \(N, 13, 2\)"):
        lifting.normalise_2d(np.zeros((5, 12, 2)))


def test_shipped_lifter_gives_deterministic_metric_joints():
    rng = np.random.default_rng(1)
    points = rng.uniform(0, 300, (7, 13, 2))
    first, second = lifting.lift(points), lifting.lift(points)
    assert first.shape == (7, 13, 3) and first.dtype == np.float32
    assert np.array_equal(first, second)
    assert lifting.lift(np.zeros((0, 13, 2))).shape == (0, 13, 3)
    _, record = lifting.read_lifter()
    assert record["steps"] > 0 and record["held_out_mpjpe_mm"] < record["mean_pose_mpjpe_mm"]


def test_the_lifter_trains_on_measured_3d_only(tmp_path):
    rng = np.random.default_rng(3)
    sources = ("kard", "penn-action", "hdm05", "sbu")  # measured, lifted from 2D, kept out whole, two people
    bodies = [1, 1, 1, 2]
    sequences = [rng.normal(size=(n, 6, 25, 3)).astype(np.float32) for n in bodies]
    index = [SampleInfo(source, "s01", "x", "x", "", 30.0, 6, f"{source}-0", bodies=n)
             for source, n in zip(sources, bodies)]
    steps, offsets = pack([sequence[0] if len(sequence) == 1 else sequence for sequence in sequences])
    write_corpus(tmp_path, index, steps, offsets, {})
    poses, held = lifter_training.corpus_poses(tmp_path, stride=1)
    assert len(poses) == 6 + 2 * 6 and len(held) == len(poses)  # kard's frames and both SBU people


def test_unreadable_lifter_files_are_refused(tmp_path):
    with pytest.raises(lifting.LifterError, match="not found"):
        lifting.read_lifter(tmp_path / "absent.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"junk")
    with pytest.raises(lifting.LifterError, match="not a usable lifter"):
        lifting.read_lifter(tmp_path / "junk.safetensors")


@pytest.fixture(scope="module")
def hdm05_poses():
    """Every 4th frame of every HDM05 clip, 13 lifter joints, relative to the hip midpoint."""
    samples = hdm05.read_source(unpacked(require_data("raw", "hdm05.tar.xz"))).samples
    index = [JOINT[name] for name in lifting.LIFT_JOINTS]
    frames = np.concatenate([sample.joints[::4][:, index] for sample in samples]).astype(np.float64)
    return samples, frames - frames[:, lifter_training._HIPS].mean(axis=1, keepdims=True)


def test_shipped_lifter_beats_the_mean_pose_on_unseen_motion_capture(hdm05_poses):
    _, poses = hdm05_poses
    inputs, targets = lifter_training.random_views(poses, np.random.default_rng(7))
    with torch.inference_mode():
        predicted = lifting.read_lifter()[0](torch.from_numpy(inputs)).numpy()
    lifted = lifter_training.mpjpe_mm(predicted, targets)
    mean_pose = lifter_training.mpjpe_mm(targets.mean(axis=0, keepdims=True), targets)
    assert lifted < 0.6 * mean_pose, (lifted, mean_pose)


def test_training_learns_and_is_reproducible(hdm05_poses, tmp_path):
    samples, _ = hdm05_poses
    # ten made-up subjects of a made-up source (HDM05 itself never trains the lifter), so the
    # held-out rule (crc32 % 5) takes some of them
    index = [SampleInfo("mocap", f"s{k % 10:02d}", s.label, s.label, "", s.fps, len(s.joints), s.name)
             for k, s in enumerate(samples)]
    assert any(lifter_training.is_held_out("mocap", info.subject) for info in index)
    steps, offsets = pack([sample.joints for sample in samples])
    write_corpus(tmp_path, index, steps, offsets, {})
    torch.set_num_threads(1)
    model, record = lifter_training.train(tmp_path, steps=150, seed=3)
    errors = lifter_training.held_out_errors(model, tmp_path)
    assert errors["held_out_mpjpe_mm"] < 0.8 * errors["mean_pose_mpjpe_mm"], errors
    first, _ = lifter_training.train(tmp_path, steps=3, seed=5)
    second, _ = lifter_training.train(tmp_path, steps=3, seed=5)
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))
    path = tmp_path / "lifter.safetensors"
    lifting.save_lifter(path, model, record)
    reread, saved = lifting.read_lifter(path)
    assert saved == record
    inputs = torch.from_numpy(lifting.normalise_2d(np.random.default_rng(2).uniform(0, 9, (4, 13, 2))))
    with torch.inference_mode():
        assert torch.equal(reread(inputs), model(inputs))
