"""How MediaPipe's skeletons differ from Kinect's, measured on the one clip filmed by both.

NTU's A001 clip S001C001P001R001A001 has a Kinect v2 skeleton and the RGB video of the same 103
frames (a mirror view). Training data comes from depth sensors and motion capture, the app sees
MediaPipe, so training adds the noise measured here (core/training/augment.py). All figures are
in torso lengths (Kinect's spine base to spine shoulder), the unit of normalised windows.

Measured with ``python -m core.pose.noise_profile`` (the MediaPipe skeleton aligned onto
Kinect's by one rotation and translation for the whole clip, fitted on the joints Kinect tracked):

- bias: the constant part of each joint's error over the clip (across the image, per axis):
  MediaPipe and Kinect mark joints at somewhat different places, differently per person;
- wobble: the part of each joint's error that changes over time (across the image, per axis),
  and how many frames it takes to change (where its autocorrelation falls below one half);
- jitter: frame-to-frame white noise, from the second difference ``x[t] - (x[t-1] + x[t+1]) / 2``
  (variance 1.5 sigma^2 for white noise). MediaPipe's (VIDEO mode smooths) is below Kinect's on
  every joint of this clip, so training adds none: its error is the slow wobble, not jitter;
- depth noise: how much larger MediaPipe's error is along the camera's depth axis than across
  the image, per joint;
- travel depth scale: the ratio of the distances to the hips the tracker's travel recovery and
  Kinect give (field of view 84 degrees, NTU's colour camera).

Errors are taken on the frames where Kinect tracked the joint (not where it inferred it, as
with this subject's left arm). The profile is of MediaPipe's world landmarks with the recovered
travel (``VideoPose.world``), on which the shipped weights' augmentation was sized; the app now
scores the skeleton lifted from the image joints (``VideoPose.skeleton``), about as close to
Kinect on this clip (README, *Pose extraction*).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from core.skeleton.layout import JOINT, JOINT_NAMES

# Measured by `python -m core.pose.noise_profile` (see the module docstring).
BIAS_TORSOS: tuple[float, ...] = (
    0.080, 0.086, 0.105, 0.112, 0.136, 0.114, 0.089, 0.097, 0.128, 0.098, 0.086, 0.072, 0.076,
    0.078, 0.134, 0.117, 0.092, 0.070, 0.105, 0.096, 0.099, 0.526, 0.245, 0.055, 0.128,
)
WOBBLE_TORSOS: tuple[float, ...] = (
    0.022, 0.014, 0.017, 0.021, 0.015, 0.012, 0.059, 0.024, 0.010, 0.018, 0.064, 0.040, 0.023,
    0.025, 0.023, 0.033, 0.021, 0.021, 0.016, 0.022, 0.022, 0.276, 0.193, 0.051, 0.101,
)
WOBBLE_FRAMES = 11  # at NTU's 30 frames/s
DEPTH_NOISE_TORSOS: tuple[float, ...] = (
    0.033, 0.000, 0.000, 0.000, 0.000, 0.000, 0.213, 0.000, 0.000, 0.000, 0.130, 0.048, 0.000,
    0.000, 0.000, 0.055, 0.000, 0.000, 0.000, 0.081, 0.000, 0.000, 0.226, 0.330, 0.102,
)
TRAVEL_DEPTH_SCALE_ERROR = 0.084  # |MediaPipe distance / Kinect distance - 1|

CLIP = "S001C001P001R001A001"
NTU_COLOUR_FOV_DEG = 84.0
TRACKED = 2  # Kinect's joint tracking state for a measured (not inferred) joint


def rigid_alignment(source: np.ndarray, target: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotation R and translation t minimising the weighted ``|R source + t - target|`` (Kabsch)."""
    w = weights[:, None] / weights.sum()
    source_mean, target_mean = (w * source).sum(0), (w * target).sum(0)
    covariance = ((source - source_mean) * w).T @ (target - target_mean)
    u, _, vt = np.linalg.svd(covariance)
    d = np.sign(np.linalg.det(vt.T @ u.T))
    rotation = vt.T @ np.diag([1.0, 1.0, d]) @ u.T
    return rotation, target_mean - rotation @ source_mean


def jitter(sequence: np.ndarray) -> np.ndarray:
    """Per-joint white-noise sigma ``(25,)`` of a ``(T, 25, 3)`` sequence, averaged over axes."""
    second = sequence[1:-1] - (sequence[:-2] + sequence[2:]) / 2
    return np.sqrt((second**2).mean(axis=(0, 2)) / 1.5)


def measure(mediapipe: np.ndarray, kinect: np.ndarray, tracking: np.ndarray) -> dict[str, np.ndarray | float]:
    """The profile of one clip: ``(T, 25, 3)`` skeletons of the same frames, Kinect tracking ``(T, 25)``."""
    both = (np.abs(mediapipe).sum(axis=(1, 2)) > 0) & (np.abs(kinect).sum(axis=(1, 2)) > 0)
    mediapipe, kinect, tracked = mediapipe[both], kinect[both], tracking[both] == TRACKED
    torso = float(np.linalg.norm(kinect[:, JOINT["spine_shoulder"]] - kinect[:, JOINT["spine_base"]], axis=-1).mean())
    rotation, shift = rigid_alignment(
        mediapipe.reshape(-1, 3).astype(np.float64), kinect.reshape(-1, 3).astype(np.float64),
        tracked.reshape(-1).astype(np.float64) + 1e-9,
    )
    aligned = mediapipe @ rotation.T + shift
    error = np.where(tracked[..., None], aligned - kinect, np.nan)
    mean_error = np.nanmean(error, axis=0)  # (25, 3)
    residual = error - mean_error
    across = np.sqrt(np.nanmean(error[..., :2] ** 2, axis=(0, 2)))
    along = np.sqrt(np.nanmean(error[..., 2] ** 2, axis=0))
    hips = JOINT["spine_base"]
    return {
        "torso_m": torso,
        "error_m": np.nanmean(np.linalg.norm(error, axis=-1), axis=0),
        "jitter_mediapipe_m": jitter(aligned),
        "jitter_kinect_m": jitter(kinect),
        "bias_torsos": np.sqrt((mean_error[:, :2] ** 2).mean(axis=1)) / torso,
        "wobble_torsos": np.sqrt(np.nanmean(residual[..., :2] ** 2, axis=(0, 2))) / torso,
        "wobble_frames": correlation_frames(residual),
        "depth_noise_torsos": np.sqrt(np.maximum(along**2 - across**2, 0.0)) / torso,
        "travel_depth_scale_error": float(abs(mediapipe[:, hips, 2].mean() / kinect[:, hips, 2].mean() - 1.0)),
    }


def correlation_frames(residual: np.ndarray) -> int:
    """First lag at which the mean autocorrelation of ``(T, 25, 3)`` errors (NaN: unknown) falls below 1/2."""
    values = np.nan_to_num(residual.reshape(len(residual), -1))
    energy = (values**2).sum()
    for lag in range(1, len(values)):
        if (values[lag:] * values[:-lag]).sum() / energy < 0.5:
            return lag
    return len(values)


def _rounded(values: np.ndarray) -> str:
    return "(" + ", ".join(f"{value:.3f}" for value in values) + ")"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    args = parser.parse_args(argv)
    skeleton_file = args.data / "ntu" / f"{CLIP}.skeleton"
    video_file = args.data / "videos" / f"{CLIP}_rgb.avi"
    for path in (skeleton_file, video_file):
        if not path.is_file():
            print(f"error: {path} not found (the A001 Kinect skeleton and its RGB video are needed)", file=sys.stderr)
            return 2
    from core.data.ntu import read_skeleton
    from core.pose.video import extract_video

    kinect = read_skeleton(skeleton_file)
    pose = extract_video(video_file, mirrored=True, horizontal_fov_deg=NTU_COLOUR_FOV_DEG)
    frames = min(kinect.num_frames, pose.num_frames)
    profile = measure(pose.world[0, :frames], kinect.joints[0, :frames], kinect.joint_tracking[0, :frames])
    print(f"{CLIP}: {frames} frames, Kinect torso {profile['torso_m']:.3f} m")
    print(f"{'joint':16s} {'err cm':>7s} {'jit MP':>7s} {'jit K':>7s} {'bias T':>7s} {'wobble T':>8s} {'depth T':>7s}")
    for j, name in enumerate(JOINT_NAMES):
        print(
            f"{name:16s} {100 * profile['error_m'][j]:7.1f} {100 * profile['jitter_mediapipe_m'][j]:7.2f} "
            f"{100 * profile['jitter_kinect_m'][j]:7.2f} {profile['bias_torsos'][j]:7.3f} "
            f"{profile['wobble_torsos'][j]:8.3f} {profile['depth_noise_torsos'][j]:7.3f}"
        )
    print(f"mean error {100 * np.mean(profile['error_m']):.1f} cm (err: 3D error after alignment; jit: jitter, cm; T: torsos)")
    print(f"BIAS_TORSOS = {_rounded(profile['bias_torsos'])}")
    print(f"WOBBLE_TORSOS = {_rounded(profile['wobble_torsos'])}")
    print(f"WOBBLE_FRAMES = {profile['wobble_frames']}")
    print(f"DEPTH_NOISE_TORSOS = {_rounded(profile['depth_noise_torsos'])}")
    print(f"TRAVEL_DEPTH_SCALE_ERROR = {profile['travel_depth_scale_error']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
