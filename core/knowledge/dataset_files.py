"""Which subjects each raw dataset archive holds, read from member names only.

Choosing held-out subjects needs to know who exists and how many clips each one has, but not
the motion itself, so this lists the archives without unpacking them. The converted packs
(core.data.packs) are small and unpacked once into the build's cache; their readers name each
clip's subject (MD4FD's from the frames its overlapping windows share). Penn Action is the other
exception: its clips have no actor ids and their file names (``NNNN.mat``) carry neither the
action nor the official train/test flag, so those two small fields are read from each member.
Its "subjects" are the two official halves, "train" and "test", as in the corpus, and the test
half is fixed (OFFICIAL_TEST_SUBJECTS) rather than drawn.
"""

from __future__ import annotations

import io
import re
import tarfile
from collections import Counter
from pathlib import Path

from core.data.packs import pack_rows
from core.data.source_cache import unpacked
from core.data.sources import PACK_SOURCES, SOURCES

ARCHIVES = {source: archive for source, (archive, _) in SOURCES.items()}

# File name -> (subject, class key); the class key only has to tell one class from another.
_NAME_PATTERNS = {
    "nw-ucla": re.compile(r"^(?P<key>a\d+)_s(?P<subject>\d+)_e\d+_v\d+\.json$"),
    "kard": re.compile(r"^(?P<key>a\d+)_s(?P<subject>\d+)_e\d+_realworld\.txt$"),
    "msr-action3d": re.compile(r"^(?P<key>a\d+)_s(?P<subject>\d+)_e\d+_skeleton3D\.txt$"),
    # every UTKinect take holds all ten actions, so the take itself is the only class key
    "utkinect": re.compile(r"^joints_s(?P<subject>\d+)_e\d+\.txt$"),
    "cad-60": re.compile(r"^a\d+_(?P<key>.+)_\d+_p(?P<subject>\d+)\.txt$"),
    "bandai-namco": re.compile(r"^dataset-(?P<set>\d+)_(?P<key>[^_]+)_[^_]+_(?P<subject>\d{3})\.bvh$"),
    "kinder-gator": re.compile(r"^POSE-p(?P<subject>\d+)_\d+-(?P<key>.+)-\d+\.csv$"),
    "utd-mhad": re.compile(r"^(?P<key>a\d+)_s(?P<subject>\d+)_t\d+_skeleton\.mat$"),
    "sbu": re.compile(r"^(?P<subject>s\d\ds\d\d)/(?P<key>\d\d)/\d+/skeleton_pos\.txt$"),
    "hdm05": re.compile(r"^HDM_(?P<subject>[a-z]+)_(?P<key>[A-Za-z0-9]+)_\d+_120\.amc$"),
}
# How many trailing path parts a pattern sees: SBU names its subjects (pairs) by folder.
_PATH_PARTS = {"sbu": 4}
_PENN_MEMBER = re.compile(r"(^|/)penn-action/labels/\d+\.mat$")

# subject -> class key -> number of files
SubjectInventory = dict[str, Counter[str]]


def subject_name(source: str, match: re.Match[str]) -> str:
    """The subject string the corpus uses: 's01', 'p1', '<set>-<ID>' (Bandai-Namco), 's01s03' (SBU), 'bd' (HDM05)."""
    number = match.group("subject")
    if source == "sbu":
        return number  # the pair folder, s01s03
    if source in ("cad-60", "kinder-gator"):
        return f"p{int(number)}"
    if source == "bandai-namco":
        return f"{match.group('set')}-{number}"
    if source == "hdm05":
        return number
    return f"s{int(number):02d}"


def inventory_from_names(source: str, names: list[str]) -> SubjectInventory:
    """Count files per subject and class key among archive member names."""
    pattern = _NAME_PATTERNS[source]
    inventory: SubjectInventory = {}
    for name in names:
        match = pattern.match("/".join(name.split("/")[-_PATH_PARTS.get(source, 1):]))
        if match:
            key = match.groupdict().get("key") or "all"
            inventory.setdefault(subject_name(source, match), Counter())[key] += 1
    return inventory


def read_inventory(data_dir: Path) -> dict[str, SubjectInventory]:
    """Subjects of every raw archive under data_dir/raw (a few seconds: xz must be decompressed)."""
    inventories = {}
    for source, archive_name in ARCHIVES.items():
        path = Path(data_dir) / "raw" / archive_name
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: the {source} archive is needed to list its subjects")
        if source in PACK_SOURCES:
            inventories[source] = _pack_inventory(source, path)
            continue
        with tarfile.open(path) as archive:
            if source == "penn-action":
                inventories[source] = _penn_inventory(archive)
            else:
                inventories[source] = inventory_from_names(source, archive.getnames())
        if not inventories[source]:
            raise ValueError(f"{path} holds no file named like a {source} sample")
    return inventories


def _pack_inventory(source: str, archive: Path) -> SubjectInventory:
    """Clips per subject and label of a converted pack, by its reader's own subject rule."""
    reader = SOURCES[source][1]
    folder, rows = pack_rows(unpacked(archive), Path(ARCHIVES[source]).name.split(".")[0])
    inventory: SubjectInventory = {}
    for row, subject in zip(rows, reader.subjects(folder, rows)):
        inventory.setdefault(subject, Counter())[row["label"]] += 1
    return inventory


def _penn_inventory(archive: tarfile.TarFile) -> SubjectInventory:
    """Clips per official half and action, from the ``train`` and ``action`` fields of each .mat."""
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    from core.data.penn_action import SUBJECTS

    inventory: SubjectInventory = {}
    for member in archive:
        if not _PENN_MEMBER.search(member.name):
            continue
        try:
            fields = loadmat(io.BytesIO(archive.extractfile(member).read()), variable_names=["train", "action"])
            half, action = SUBJECTS[int(fields["train"].ravel()[0])], str(fields["action"].ravel()[0])
        except (MatReadError, ValueError, KeyError, IndexError, TypeError, NotImplementedError):
            continue  # the reader reports an unreadable clip; the inventory just leaves it out
        inventory.setdefault(half, Counter())[action] += 1
    return inventory
