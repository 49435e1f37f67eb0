"""Pose model asset: the build route from the mediapipe wheel, metadata surgery, failures."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from core.pose import asset
from core.pose.errors import PoseModelError
from core.pose.model_bundle import DETECTOR_FILE, LANDMARKS_FILE, check_task, pack_task
from core.pose.tflite_metadata import (
    METADATA_NAME,
    ImageInput,
    TfliteFormatError,
    _Reader,
    build_metadata,
    read_metadata,
    with_metadata,
)

UNREACHABLE = "http://127.0.0.1:9/pose_landmarker.task"  # refused at once: forces the build route
OUR_LANDMARK_MODEL = b"BlazePose GHUM 3D full"


def _built_by_us(path: Path) -> bool:
    with zipfile.ZipFile(path) as archive:
        metadata = read_metadata(archive.read(LANDMARKS_FILE))
    return metadata is not None and metadata.name == OUR_LANDMARK_MODEL


@pytest.fixture(scope="module")
def built_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle made by the build route: the machine's cached one (built on first use, so CI
    builds it from PyPI once), or a fresh build when the cache holds a downloaded model."""
    try:
        path = asset.ensure_pose_model(url=UNREACHABLE, download_timeout_s=1.0)
        if not _built_by_us(path):
            path = asset.ensure_pose_model(
                cache_dir=tmp_path_factory.mktemp("pose"), url=UNREACHABLE, download_timeout_s=1.0
            )
    except PoseModelError as error:
        pytest.skip(f"pose model cannot be obtained here (PyPI unreachable?): {error}")
    return path


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_build_route_bundle_has_normalisation_metadata(built_model: Path) -> None:
    assert _built_by_us(built_model)
    members = _members(built_model)
    assert set(members) == {DETECTOR_FILE, LANDMARKS_FILE}
    for name, mean, std in ((DETECTOR_FILE, 127.5, 127.5), (LANDMARKS_FILE, 0.0, 255.0)):
        tensor = read_metadata(members[name]).subgraphMetadata[0].inputTensorMetadata[0]
        options = tensor.processUnits[0].options
        assert (float(options.mean[0]), float(options.std[0])) == (mean, std)


def test_bundle_members_are_stored_and_aligned(built_model: Path) -> None:
    raw = built_model.read_bytes()
    with zipfile.ZipFile(built_model) as archive:
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            name_length, extra_length = struct.unpack_from("<HH", raw, info.header_offset + 26)
            assert (info.header_offset + 30 + name_length + extra_length) % 64 == 0


def test_built_bundle_loads_in_mediapipe(built_model: Path) -> None:
    from core.pose.tracker import PoseTracker

    with PoseTracker(model_path=built_model, max_people=1) as tracker:
        assert tracker.max_people == 1


def test_metadata_surgery_keeps_the_model_and_replaces_old_metadata(built_model: Path) -> None:
    model = _members(built_model)[LANDMARKS_FILE]
    metadata = build_metadata("renamed", ImageInput("image", "test", 1.0, 2.0), ["a"])
    extended = with_metadata(model, metadata)
    assert extended.endswith(model)  # the original bytes are untouched, only prefixed
    assert len(extended) % 16 == len(model) % 16  # and keep their alignment
    assert read_metadata(extended).name == b"renamed"
    reader = _Reader(extended)
    names = [reader.string(entry, 0) for entry in reader.vector(reader.root, 6)]
    assert names.count(METADATA_NAME) == 1 and b"min_runtime_version" in names


def test_non_tflite_bytes_are_refused() -> None:
    with pytest.raises(TfliteFormatError, match="not a TFLite model"):
        with_metadata(b"definitely not a model", b"")


def test_check_task_refuses_broken_bundles(built_model: Path) -> None:
    members = _members(built_model)
    with pytest.raises(ValueError, match="not a zip"):
        check_task(b"plain bytes")
    only_detector = io.BytesIO()
    with zipfile.ZipFile(only_detector, "w") as archive:
        archive.writestr(DETECTOR_FILE, members[DETECTOR_FILE])
    with pytest.raises(ValueError, match=f"lacks {LANDMARKS_FILE}"):
        check_task(only_detector.getvalue())
    compressed = io.BytesIO()
    with zipfile.ZipFile(compressed, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="compressed"):
        check_task(compressed.getvalue())
    check_task(pack_task(members[DETECTOR_FILE], members[LANDMARKS_FILE]))


def test_download_route_is_preferred_and_cached(
    built_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(asset, "_download", lambda url, timeout: built_model.read_bytes())
    monkeypatch.setattr(asset, "_build", lambda: pytest.fail("the build route must not run"))
    path = asset.ensure_pose_model(cache_dir=tmp_path)
    assert path == tmp_path / asset.MODEL_FILE and path.read_bytes() == built_model.read_bytes()
    assert not list(tmp_path.glob(".partial-*"))


def test_clear_error_when_no_route_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args: object) -> bytes:
        raise OSError("network unreachable")

    monkeypatch.setattr(asset, "_download", offline)
    monkeypatch.setattr(asset, "_build", offline)
    with pytest.raises(PoseModelError) as caught:
        asset.ensure_pose_model(cache_dir=tmp_path)
    message = str(caught.value)
    assert "download: network unreachable" in message and "build: network unreachable" in message
    assert str(tmp_path / asset.MODEL_FILE) in message and asset.MODEL_ENV in message


def test_model_path_from_the_environment(
    built_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(asset.MODEL_ENV, str(built_model))
    assert asset.ensure_pose_model(cache_dir=tmp_path) == built_model
    bogus = tmp_path / "bogus.task"
    bogus.write_bytes(b"nope")
    monkeypatch.setenv(asset.MODEL_ENV, str(bogus))
    with pytest.raises(PoseModelError, match="not a pose .task bundle"):
        asset.ensure_pose_model(cache_dir=tmp_path)


def test_unwritable_cache_gets_a_clear_error(
    built_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(asset, "_download", lambda url, timeout: built_model.read_bytes())
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the cache folder should be")
    with pytest.raises(PoseModelError, match=f"cannot save the pose model.*{asset.CACHE_ENV}"):
        asset.ensure_pose_model(cache_dir=blocker / "pose")
