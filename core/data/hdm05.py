"""HDM05 optical motion capture (an 11-class cut): one ASF skeleton per actor, AMC motions.

Files are ``hdm05/{train,test}/<class>/HDM_<actor>_<motion>_<NNN>_120.amc`` beside the actor's
``HDM_<actor>.asf``. The label is the <motion> field; the subject is the actor code ("bd",
"mm", ...). The AMC frames were thinned from 120 to 30 fps for this archive (the ``_120`` in the
names is the original rate). Forward kinematics (core.data.asf_amc) gives metres in a Y-up
world where the floor is Y = 0; the body is then turned to face a virtual Kinect
(core.data.staging). ASF bone end points map onto NTU joints as below: the lower neck ends at
the neck, the head bone runs from the skull base to the crown, so NTU's head centre is its
midpoint; the radius bone ends mid-forearm in these Vicon skeletons, the wrist bone at the
wrist. NTU's spine_mid has no ASF counterpart and is synthesised like every other source's.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.data.asf_amc import AsfSkeleton, positions, read_amc, read_asf
from core.data.sample import MalformedFileError, Sample, SourceRead, read_each
from core.data.staging import face_camera
from core.data.synthesis import complete_skeleton

SOURCE = "hdm05"
EXPECTED = 287
FPS = 30.0
_SIDED = {
    "hipjoint": "hip", "femur": "knee", "tibia": "ankle", "foot": "foot", "clavicle": "shoulder",
    "humerus": "elbow", "wrist": "wrist", "hand": "hand", "fingers": "hand_tip", "thumb": "thumb",
}
ASF_TO_NTU = {"root": "spine_base", "thorax": "spine_shoulder", "lowerneck": "neck"}
ASF_TO_NTU.update({f"{side[0]}{bone}": f"{side}_{joint}"
                   for side in ("left", "right") for bone, joint in _SIDED.items()})
_NAME = re.compile(r"^HDM_(?P<actor>[a-z]+)_(?P<motion>[A-Za-z0-9]+)_(?P<take>\d+)_120$")


@lru_cache(maxsize=16)
def _skeleton(path: Path) -> AsfSkeleton:
    return read_asf(path)


def skeleton_from_amc(path: Path, asf: Path) -> np.ndarray:
    """(T, 25, 3) NTU joints in the Kinect convention from one AMC motion and its actor's ASF."""
    skeleton = _skeleton(asf)
    ends = positions(skeleton, read_amc(path, skeleton))
    absent = sorted({*ASF_TO_NTU, "upperneck", "head"} - set(ends))
    if absent:
        raise MalformedFileError(path, f"its skeleton {asf.name} lacks the bones {absent}")
    joints = {ntu: ends[bone] for bone, ntu in ASF_TO_NTU.items()}
    joints["head"] = (ends["upperneck"] + ends["head"]) / 2
    return complete_skeleton(face_camera(joints))


def read_file(path: Path) -> list[Sample]:
    match = _NAME.match(path.stem)
    if not match:
        raise MalformedFileError(path, "name is not HDM_<actor>_<motion>_<NNN>_120")
    asf = path.with_name(f"HDM_{match['actor']}.asf")
    if not asf.is_file():
        raise MalformedFileError(path, f"has no skeleton {asf.name} beside it")
    joints = skeleton_from_amc(path, asf)
    return [Sample(SOURCE, match["actor"], match["motion"], path.stem, FPS, joints)]


def read_source(root: Path) -> SourceRead:
    paths = sorted(Path(root).glob("**/hdm05/*/*/HDM_*.amc"))
    return read_each(paths, read_file, SourceRead(SOURCE, "files", EXPECTED))
