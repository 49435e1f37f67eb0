"""MediaPipe's web runtime for the page: fetched once, verified against the registry's hash,
unpacked whole, served from the cache, repaired offline, refused when it is not the package."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from demo.web_assets import TASKS_VISION, Pin, WebAssetError, check_tarball, ensure_web_assets

UNREACHABLE = "http://127.0.0.1:9/tasks-vision.tgz"  # refused at once


def _tarball(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _pin(data: bytes, url: str, members: dict[str, bytes]) -> Pin:
    return Pin("@test/runtime", "1.0.0", url, len(data), base64.b64encode(hashlib.sha512(data).digest()).decode(),
               {Path(name).name: (name, len(content)) for name, content in members.items()})


@pytest.fixture
def package(tmp_path) -> tuple[Path, dict[str, bytes]]:
    members = {"package/runtime.mjs": b"export const answer = 42;", "package/wasm/runtime.wasm": b"\0asm" + bytes(100)}
    path = tmp_path / "runtime-1.0.0.tgz"
    path.write_bytes(_tarball({**members, "package/README.md": b"not served"}))
    return path, members


def test_fetched_once_verified_unpacked_and_then_served_from_the_cache(tmp_path, package):
    path, members = package
    pin = _pin(path.read_bytes(), path.as_uri(), members)
    folder = ensure_web_assets(tmp_path / "cache", pin)
    assert sorted(p.name for p in folder.iterdir()) == ["runtime.mjs", "runtime.wasm"]
    assert (folder / "runtime.mjs").read_bytes() == members["package/runtime.mjs"]
    offline = Pin(**{**pin.__dict__, "url": UNREACHABLE})
    assert ensure_web_assets(tmp_path / "cache", offline) == folder  # no network needed any more

    (folder / "runtime.wasm").write_bytes(b"damaged")  # a damaged file is unpacked again, still offline
    assert ensure_web_assets(tmp_path / "cache", offline) == folder
    assert (folder / "runtime.wasm").read_bytes() == members["package/wasm/runtime.wasm"]


def test_a_tarball_that_is_not_the_published_one_is_refused_and_nothing_is_served(tmp_path, package):
    path, members = package
    pin = _pin(path.read_bytes(), path.as_uri(), members)
    path.write_bytes(_tarball({name: data + b"// injected" for name, data in members.items()}))
    with pytest.raises(WebAssetError, match="not @test/runtime@1.0.0 as the registry published it"):
        ensure_web_assets(tmp_path / "cache", pin)
    assert not (tmp_path / "cache" / pin.folder_name).exists()
    assert not (tmp_path / "cache" / f"{pin.folder_name}.tgz").exists()


def test_without_the_network_the_error_says_where_to_put_the_tarball(tmp_path, package):
    path, members = package
    pin = Pin(**{**_pin(path.read_bytes(), path.as_uri(), members).__dict__, "url": UNREACHABLE})
    with pytest.raises(WebAssetError) as raised:
        ensure_web_assets(tmp_path / "cache", pin)
    kept = tmp_path / "cache" / f"{pin.folder_name}.tgz"
    assert f"Put the package tarball ({UNREACHABLE}) at {kept}" in str(raised.value)
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(path.read_bytes())  # given by hand, as the message says
    assert (ensure_web_assets(tmp_path / "cache", pin) / "runtime.mjs").is_file()


def test_the_pinned_package_is_the_one_the_registry_published():
    """The real @mediapipe/tasks-vision 1.1.0 (fetched once per machine, as the app does)."""
    try:
        folder = ensure_web_assets()
    except WebAssetError as error:
        pytest.skip(f"the npm registry cannot be reached here: {error}")
    check_tarball((folder.parent / f"{TASKS_VISION.folder_name}.tgz").read_bytes())
    assert {p.name: p.stat().st_size for p in folder.iterdir()} == {
        name: size for name, (_, size) in TASKS_VISION.files.items()}
    assert b"PoseLandmarker" in (folder / "vision_bundle.mjs").read_bytes()
