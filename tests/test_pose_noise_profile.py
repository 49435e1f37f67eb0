"""The MediaPipe-versus-Kinect noise profile: its tools, and its constants against the real pair."""

from __future__ import annotations

import numpy as np
import pytest

from core.pose import noise_profile
from core.skeleton.transforms import rotation_matrix
from core.training.augment import smooth_noise
from tests.conftest import require_data


def test_rigid_alignment_recovers_a_rotation_and_translation() -> None:
    rng = np.random.default_rng(0)
    points = rng.normal(size=(50, 3))
    rotation = rotation_matrix(np.array([0.3, -1.1, 0.5])).astype(np.float64)
    moved = points @ rotation.T + [0.5, -1.0, 3.0]
    found_rotation, found_shift = noise_profile.rigid_alignment(points, moved, np.ones(50))
    np.testing.assert_allclose(found_rotation, rotation, atol=1e-6)
    np.testing.assert_allclose(found_shift, [0.5, -1.0, 3.0], atol=1e-6)


def test_jitter_measures_white_noise_and_ignores_steady_motion() -> None:
    rng = np.random.default_rng(1)
    steady = np.linspace(0, 1, 400)[:, None, None] * np.ones((1, 25, 3))
    sigma = noise_profile.jitter(steady + rng.normal(scale=0.01, size=(400, 25, 3)))
    np.testing.assert_allclose(sigma, 0.01, rtol=0.15)
    assert noise_profile.jitter(steady).max() < 1e-9


def test_the_augmentations_slow_noise_has_the_correlation_time_it_was_measured_with() -> None:
    noise = smooth_noise(np.random.default_rng(2), (1, 3000, 25, 3), 11)
    assert noise.std() == pytest.approx(1.0, rel=0.1)
    assert noise_profile.correlation_frames(noise[0]) in range(10, 13)


def test_the_constants_are_what_the_a001_video_and_kinect_pair_measure() -> None:
    from core.data.ntu import read_skeleton
    from core.pose.asset import ensure_pose_model
    from core.pose.errors import PoseModelError
    from core.pose.video import extract_video

    skeleton_file = require_data("ntu", f"{noise_profile.CLIP}.skeleton")
    video_file = require_data("videos", f"{noise_profile.CLIP}_rgb.avi")
    try:
        ensure_pose_model()
    except PoseModelError as error:
        pytest.skip(f"pose model cannot be obtained here: {error}")
    kinect = read_skeleton(skeleton_file)
    pose = extract_video(video_file, mirrored=True, horizontal_fov_deg=noise_profile.NTU_COLOUR_FOV_DEG)
    profile = noise_profile.measure(pose.world[0], kinect.joints[0], kinect.joint_tracking[0])  # the world landmarks
    for name in ("BIAS_TORSOS", "WOBBLE_TORSOS", "DEPTH_NOISE_TORSOS"):
        np.testing.assert_allclose(getattr(noise_profile, name), profile[name.lower()], atol=0.01, err_msg=name)
    assert noise_profile.WOBBLE_FRAMES == profile["wobble_frames"]
    assert noise_profile.TRAVEL_DEPTH_SCALE_ERROR == pytest.approx(profile["travel_depth_scale_error"], abs=0.01)
    # MediaPipe (VIDEO mode) is smoother than Kinect: training adds no frame-to-frame jitter.
    assert (profile["jitter_mediapipe_m"] <= profile["jitter_kinect_m"] + 1e-3).all()
