"""Build MediaPipe's pose landmarker ``.task`` bundle from the models inside a mediapipe wheel.

The Tasks API wants one zip holding ``pose_detector.tflite`` and
``pose_landmarks_detector.tflite``, each with input-normalisation metadata. Recent mediapipe
wheels ship no pose model, but mediapipe 0.10.21 still carries the BlazePose detector and the
full landmark model for its legacy API. Only those two files are taken from that wheel (it is
downloaded to a temporary folder, never installed).
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from core.pose.tflite_metadata import ImageInput, build_metadata, read_metadata, with_metadata

WHEEL_REQUIREMENT = "mediapipe==0.10.21"
# The models are platform independent; pinning one wheel makes the build the same everywhere.
WHEEL_TARGET = (
    "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311",
    "--platform", "manylinux_2_28_x86_64",
)
DETECTOR_MEMBER = "mediapipe/modules/pose_detection/pose_detection.tflite"
LANDMARKS_MEMBER = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
DETECTOR_FILE = "pose_detector.tflite"
LANDMARKS_FILE = "pose_landmarks_detector.tflite"

# BlazePose's detector takes pixels scaled to [-1, 1], its landmark model pixels in [0, 1].
DETECTOR_INPUT = ImageInput("image", "RGB frame letterboxed to 224x224", mean=127.5, std=127.5)
LANDMARKS_INPUT = ImageInput("image", "RGB crop around one person, 256x256", mean=0.0, std=255.0)
DETECTOR_OUTPUTS = ["raw boxes and keypoints", "scores"]
LANDMARKS_OUTPUTS = ["landmarks", "pose presence", "segmentation", "heatmap", "world landmarks"]
_ZIP_ALIGN = 64  # TFLite maps weights in place when they are aligned; it copies them otherwise
_ALIGN_EXTRA_ID = 0xD935  # the extra-field id Android's zipalign uses for padding


def download_wheel(directory: Path, timeout_s: float = 600.0) -> Path:
    """Fetch the mediapipe 0.10.21 wheel with pip (no install, no dependencies)."""
    command = [
        sys.executable, "-m", "pip", "download", WHEEL_REQUIREMENT, "--no-deps",
        "--only-binary=:all:", *WHEEL_TARGET, "--disable-pip-version-check", "-q",
        "-d", str(directory),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise OSError(f"pip download {WHEEL_REQUIREMENT} took over {timeout_s:.0f} s") from None
    wheels = sorted(directory.glob("mediapipe-*.whl"))
    if done.returncode != 0 or not wheels:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no wheel"]
        raise OSError(f"pip download {WHEEL_REQUIREMENT} failed: {detail[0]}")
    return wheels[0]


def models_from_wheel(wheel: Path) -> tuple[bytes, bytes]:
    """The raw detector and landmark models stored in the wheel."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(DETECTOR_MEMBER), archive.read(LANDMARKS_MEMBER)
    except (zipfile.BadZipFile, KeyError) as error:
        raise ValueError(f"{wheel.name} does not hold the BlazePose models: {error}") from None


def pack_task(detector: bytes, landmarks: bytes) -> bytes:
    """An uncompressed zip (MediaPipe reads members in place) with 64-byte aligned members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in ((DETECTOR_FILE, detector), (LANDMARKS_FILE, landmarks)):
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 31, 0, 0, 0))
            data_start = buffer.tell() + 30 + len(name.encode()) + 4
            padding = -data_start % _ZIP_ALIGN
            info.extra = _ALIGN_EXTRA_ID.to_bytes(2, "little") + padding.to_bytes(2, "little")
            info.extra += bytes(padding)
            archive.writestr(info, data)
    return buffer.getvalue()


def check_task(data: bytes) -> None:
    """Raise ValueError unless ``data`` is a pose landmarker bundle the Tasks API can load."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {info.filename: info for info in archive.infolist()}
            for name in (DETECTOR_FILE, LANDMARKS_FILE):
                if name not in members:
                    raise ValueError(f"the bundle lacks {name}")
                if members[name].compress_type != zipfile.ZIP_STORED:
                    raise ValueError(f"{name} is compressed; MediaPipe needs it stored")
                if read_metadata(archive.read(name)) is None:
                    raise ValueError(f"{name} has no input-normalisation metadata")
    except zipfile.BadZipFile:
        raise ValueError("not a zip archive, so not a MediaPipe .task bundle") from None


def build_task_from_wheel(timeout_s: float = 600.0) -> bytes:
    """Download the wheel, take its two pose models, add metadata and bundle them."""
    with tempfile.TemporaryDirectory(prefix="skeletoncontext-wheel-") as directory:
        detector, landmarks = models_from_wheel(download_wheel(Path(directory), timeout_s))
    detector = with_metadata(
        detector, build_metadata("BlazePose detector", DETECTOR_INPUT, DETECTOR_OUTPUTS)
    )
    landmarks = with_metadata(
        landmarks, build_metadata("BlazePose GHUM 3D full", LANDMARKS_INPUT, LANDMARKS_OUTPUTS)
    )
    task = pack_task(detector, landmarks)
    check_task(task)
    return task
