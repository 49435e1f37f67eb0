"""The standard NTU RGB+D zero-shot protocols over a folder of raw ``.skeleton`` files.

Unseen classes follow the published splits (0-based class indices) and samples follow the
cross-subject split. The standard protocol has no validation classes, so GZSL on NTU is
reported without calibration.
"""

from __future__ import annotations

from pathlib import Path

from core.protocol.clips import LabelledClips, ZeroShotTask

NTU_SPLITS: dict[str, tuple[int, tuple[int, ...]]] = {
    "ntu55-5": (60, (10, 11, 19, 26, 56)),
    "ntu48-12": (60, (3, 5, 9, 12, 15, 40, 42, 47, 51, 56, 58, 59)),
    "ntu110-10": (120, (4, 13, 37, 43, 49, 65, 88, 95, 99, 106)),
    "ntu96-24": (
        120,
        (5, 9, 11, 16, 18, 20, 22, 29, 35, 39, 45, 49, 59, 68, 70, 81, 84, 87, 93, 94, 104, 113, 114, 119),
    ),
}
NTU_FPS = 30.0  # Kinect v2 skeleton rate of the raw .skeleton files
# Cross-subject training performers of NTU RGB+D 120 (the first 20 are NTU-60's).
TRAIN_SUBJECTS = frozenset(
    (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38, 45, 46, 47, 49, 50, 52, 53, 54,
     55, 56, 57, 58, 59, 70, 74, 78, 80, 81, 82, 83, 84, 85, 86, 89, 91, 92, 93, 94, 95, 97, 98, 100, 103)
)


def is_ntu_folder(path: Path | str) -> bool:
    path = Path(path)
    return path.is_dir() and any(path.glob("*.skeleton"))


def ntu_task(folder: Path | str, split: str, vocabulary) -> ZeroShotTask:
    """Read every ``.skeleton`` file of ``folder`` and arrange it by the NTU split ``split``."""
    from core.data.ntu import parse_ntu_name, read_skeleton

    if split not in NTU_SPLITS:
        raise ValueError(f"unknown NTU split {split!r}; expected one of {sorted(NTU_SPLITS)}")
    classes, unseen_indices = NTU_SPLITS[split]
    names = vocabulary.ntu_names()
    missing = [i for i in range(1, classes + 1) if i not in names]
    if missing:
        raise ValueError(f"the vocabulary has no knowledge for NTU classes {missing[:10]}")
    unseen = {names[i + 1] for i in unseen_indices}
    subsets = {name: LabelledClips() for name in ("train", "test_seen", "test_unseen")}
    files = sorted(Path(folder).glob("*.skeleton"))
    if not files:
        raise FileNotFoundError(f"no .skeleton files in {folder}")
    for path in files:
        parsed = parse_ntu_name(path.name)
        if parsed is None:
            raise ValueError(f"{path.name}: not an NTU file name (SsssCcccPpppRrrrAaaa.skeleton)")
        _, _, performer, _, label = parsed
        if label > classes:
            continue
        action = names[label]
        joints = read_skeleton(path).joints
        if action in unseen:
            subsets["test_unseen"].add(joints, action, NTU_FPS)
        elif performer in TRAIN_SUBJECTS:
            subsets["train"].add(joints, action, NTU_FPS)
        else:
            subsets["test_seen"].add(joints, action, NTU_FPS)
    seen = sorted(names[i] for i in range(1, classes + 1) if names[i] not in unseen)
    return ZeroShotTask(split, seen, [], sorted(unseen), subsets)
