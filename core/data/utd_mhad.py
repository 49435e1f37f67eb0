"""UTD-MHAD skeletons: ``a<A>_s<S>_t<T>_skeleton.mat`` (MATLAB v5), ``d_skel`` of shape (20, 3, T).

The joints are Kinect v1 ones in metres and camera convention, but listed in the dataset's own
order (Skeleton_joint_order.txt): head, shoulder centre, spine, hip centre, then the Kinect SDK
order. Checked on the data: the "right" joints sit at the larger X and are the ones that move in
"right hand wave" (tests/test_readers_kinect_real.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import scipy.io

from core.data.kinect_v1 import KINECT_V1_JOINTS
from core.data.sample import MalformedFileError, Sample, SourceRead, check_finite, read_each
from core.data.synthesis import complete_skeleton

SOURCE = "utd-mhad"
EXPECTED = 861
FPS = 30.0
JOINT_ORDER: tuple[str, ...] = ("head", "spine_shoulder", "spine_mid", "spine_base") + KINECT_V1_JOINTS[4:]
LABELS = {
    f"a{number}": label
    for number, label in enumerate(
        (
            "right arm swipe to the left", "right arm swipe to the right", "right hand wave",
            "two hand front clap", "right arm throw", "cross arms in the chest", "basketball shoot",
            "right hand draw x", "right hand draw circle (clockwise)",
            "right hand draw circle (counter clockwise)", "draw triangle", "bowling (right hand)",
            "front boxing", "baseball swing from right", "tennis right hand forehand swing",
            "arm curl (two arms)", "tennis serve", "two hand push", "right hand knock on door",
            "right hand catch an object", "right hand pick up and throw", "jogging in place",
            "walking in place", "sit to stand", "stand to sit", "forward lunge (left foot forward)",
            "squat (two arms stretch out)",
        ),
        start=1,
    )
}
_NAME = re.compile(r"^(a\d+)_(s\d+)_t\d+_skeleton$")


def read_file(path: Path) -> list[Sample]:
    match = _NAME.match(path.stem)
    if not match or match.group(1) not in LABELS:
        raise MalformedFileError(path, "name is not a<A>_s<S>_t<T>_skeleton with a known action")
    try:
        content = scipy.io.loadmat(path)
    except Exception as error:  # noqa: BLE001 - scipy raises IndexError, struct.error... on a damaged file
        raise MalformedFileError(path, f"is not a MATLAB v5 file ({error})") from error
    if "d_skel" not in content:
        raise MalformedFileError(path, "holds no d_skel variable")
    skeleton = np.asarray(content["d_skel"])
    if skeleton.ndim != 3 or skeleton.shape[:2] != (len(JOINT_ORDER), 3) or skeleton.shape[2] == 0:
        raise MalformedFileError(path, f"d_skel should be (20, 3, T), got {skeleton.shape}")
    if not np.issubdtype(skeleton.dtype, np.number):
        raise MalformedFileError(path, f"d_skel holds {skeleton.dtype}, not numbers")
    frames = check_finite(path, skeleton.transpose(2, 0, 1).astype(np.float64))
    joints = complete_skeleton({name: frames[:, i] for i, name in enumerate(JOINT_ORDER)})
    subject = f"s{int(match.group(2)[1:]):02d}"  # s01, as the split maker names it
    return [Sample(SOURCE, subject, LABELS[match.group(1)], path.stem, FPS, joints)]


def read_source(root: Path) -> SourceRead:
    paths = sorted(Path(root).glob("**/Skeleton/a*_s*_t*_skeleton.mat"))
    return read_each(paths, read_file, SourceRead(SOURCE, "files", EXPECTED))
