"""MediaPipe's web runtime for pose in the visitor's browser: fetched once, verified, served by the app.

The live tab runs MediaPipe's PoseLandmarker in the page (npm ``@mediapipe/tasks-vision``,
Apache-2.0: a JavaScript bundle and a WebAssembly runtime). Nothing is loaded from a CDN at run
time: on first use the pinned package is fetched from the npm registry, checked against the
registry's SHA-512 integrity, and the three files the page needs are unpacked into
``~/.cache/skeletoncontext/web/`` (or ``$SKELETONCONTEXT_CACHE/web``). Later starts check their
sizes and serve them; a machine that cannot reach the registry may be given the tarball by hand
at the path the error names. The pose model the page runs is the server's own ``.task`` bundle
(core.pose.asset), so both paths see people through the same network.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from core.cache import cache_root, write_atomically

DOWNLOAD_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Pin:
    """One npm package version as the registry published it, and the files the page takes from it."""

    package: str
    version: str
    url: str
    size: int
    sha512: str  # the registry's "integrity" (base64 SHA-512 of the tarball)
    files: dict[str, tuple[str, int]]  # served name -> (tarball member, size)

    @property
    def folder_name(self) -> str:
        return f"{self.package.rsplit('/', 1)[-1]}-{self.version}"


# npm view @mediapipe/tasks-vision@1.1.0 dist: the ES-module runtime, which a module Web Worker imports.
TASKS_VISION = Pin(
    package="@mediapipe/tasks-vision",
    version="1.1.0",
    url="https://registry.npmjs.org/@mediapipe/tasks-vision/-/tasks-vision-1.1.0.tgz",
    size=11_967_669,
    sha512="ZJqh0wMKOINorfSffvDAxzyO1//c+FiG3IkzOdNDnLqvBB3DbMfj0bB/tys2SNf9S914sgoIbIpF4HTOi336cg==",
    files={
        "vision_bundle.mjs": ("package/vision_bundle.mjs", 156_135),
        "vision_wasm_module_internal.js": ("package/wasm/vision_wasm_module_internal.js", 335_431),
        "vision_wasm_module_internal.wasm": ("package/wasm/vision_wasm_module_internal.wasm", 12_997_272),
    },
)
FILES = tuple(TASKS_VISION.files)


class WebAssetError(OSError):
    """The browser-pose runtime could not be obtained; the message says why and what to do."""


def default_cache_dir() -> Path:
    return cache_root() / "web"


def _complete(folder: Path, pin: Pin) -> bool:
    try:
        return all((folder / name).stat().st_size == size for name, (_, size) in pin.files.items())
    except OSError:
        return False


def _fetch(url: str, timeout_s: float, size: int) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 (a pinned https URL, or a test's file URL)
        return response.read(size + 1)  # a larger answer is not the tarball: no need to read it all


def check_tarball(data: bytes, pin: Pin = TASKS_VISION) -> None:
    """Raise ValueError unless ``data`` is exactly the pinned package tarball."""
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if len(data) != pin.size or digest != pin.sha512:
        raise ValueError(f"not {pin.package}@{pin.version} as the registry published it "
                         f"({len(data):,} bytes, expected {pin.size:,} with the registry's SHA-512)")


def unpack(data: bytes, folder: Path, pin: Pin = TASKS_VISION) -> None:
    """The page's files from a checked tarball into ``folder``, whole or not at all."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".partial-"))
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for name, (member, _) in pin.files.items():
                source = archive.extractfile(member)
                if source is None:
                    raise ValueError(f"{member} is not a file in the tarball")
                (staging / name).write_bytes(source.read())
        os.chmod(staging, 0o755)
        if not _complete(staging, pin):
            raise ValueError("the unpacked files do not have the published sizes")
        if _complete(folder, pin):  # another process won the race
            return
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def ensure_web_assets(cache_dir: Path | None = None, pin: Pin = TASKS_VISION,
                      timeout_s: float = DOWNLOAD_TIMEOUT_S) -> Path:
    """The folder holding the page's runtime files, obtaining them on first use."""
    root = cache_dir or default_cache_dir()
    folder = root / pin.folder_name
    if _complete(folder, pin):
        return folder
    kept = root / f"{pin.folder_name}.tgz"  # a tarball put here by hand, or a fetch kept
    try:
        fetched = not kept.is_file()
        data = _fetch(pin.url, timeout_s, pin.size) if fetched else kept.read_bytes()
        check_tarball(data, pin)
        if fetched:  # kept, so that a damaged folder is unpacked again without the network
            write_atomically(kept, data)
        unpack(data, folder, pin)
    except (OSError, ValueError, tarfile.TarError) as error:
        raise WebAssetError(
            f"the browser pose runtime ({pin.package}@{pin.version}) could not be obtained: {error}. "
            f"Put the package tarball ({pin.url}) at {kept}, or use the server-side webcam"
        ) from None
    return folder
