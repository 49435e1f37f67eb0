"""ASE: Reallusion sword-and-shield motion capture and three AMP locomotion clips (NVIDIA ASE).

Each clip holds ``joints`` (T, J, 3), global positions in metres from forward kinematics, z up,
the performer starting towards +x with the left side at +y: 17 joints (pelvis, torso, head,
right upper arm, lower arm, hand, sword, left upper arm, lower arm, shield, left hand, right
thigh, shin, foot, left thigh, shin, foot) or 15 without sword and shield (AMP). The joints are
body-frame origins: "upper arm" is the shoulder, "lower arm" the elbow, "hand" the wrist,
"thigh" the hip, "shin" the knee, "foot" the ankle, and "head" the base of the head, 3 cm above
the shoulder line, so NTU's head centre is put HEAD_ABOVE_NECK_M further along the neck (as for
Bandai-Namco). Axes become Kinect's (Y up, X to the performer's right, Z behind), then the clip is
turned to face the camera and placed like a Kinect recording (core.data.staging).

The motion names keep the source's spelling ("Dodgle" for Dodge). Two names describe the hit,
not the fall: in ``Fall_Left`` the performer falls to the right (the pelvis lands 1.2 m to the
right, 1.5 m back) and in ``Fall_Right`` to the left (1.6 m left, 0.6 m back), so the label map
follows the motion. Every fall ends with the performer getting up again. Three idle clips are
byte-identical twins (``Idle_Alert(0)``...): a clip whose joints repeat an earlier one is left out.
One performer per set: ``subject`` is "reallusion" or "amp".
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

from core.data.packs import Row, load_arrays, per_row, read_pack
from core.data.sample import MalformedFileError, Sample, SourceRead
from core.data.staging import face_camera
from core.data.synthesis import complete_skeleton

SOURCE = "ase"
EXPECTED = 90
HEAD_ABOVE_NECK_M = 0.2
# joint index -> NTU name, for the 17-joint (sword and shield) and the 15-joint (AMP) bodies
_BODY = {
    17: {2: "neck", 3: "right_shoulder", 4: "right_elbow", 5: "right_wrist",
         7: "left_shoulder", 8: "left_elbow", 10: "left_wrist", 11: "right_hip", 12: "right_knee",
         13: "right_ankle", 14: "left_hip", 15: "left_knee", 16: "left_ankle"},
    15: {2: "neck", 3: "right_shoulder", 4: "right_elbow", 5: "right_wrist",
         6: "left_shoulder", 7: "left_elbow", 8: "left_wrist", 9: "right_hip", 10: "right_knee",
         11: "right_ankle", 12: "left_hip", 13: "left_knee", 14: "left_ankle"},
}
# (x forward, y left, z up) -> Kinect (X right, Y up, Z behind the performer): a proper rotation
_TO_KINECT = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, 1.0], [-1.0, 0.0, 0.0]])


_COPY_MARK = re.compile(r"\(\d+\)$")  # "Idle_Alert(0)": the source's copy of Idle_Alert


def label(row: Row) -> str:
    return _COPY_MARK.sub("", row["label"])


def subject(row: Row) -> str:
    return "amp" if Path(row["file"]).stem.startswith("amp_") else "reallusion"


subjects = per_row(subject)


def skeleton(path: Path, positions: np.ndarray) -> np.ndarray:
    """(T, 25, 3) NTU skeleton in the Kinect convention from (T, J, 3) ASE positions."""
    if positions.ndim != 3 or positions.shape[1] not in _BODY or positions.shape[2] != 3:
        raise MalformedFileError(path, f"joints must be (frames, 17 or 15, 3), not {positions.shape}")
    if not np.isfinite(positions).all():
        raise MalformedFileError(path, "contains NaN or infinite coordinates")
    kinect = positions @ _TO_KINECT.T
    joints = {name: kinect[:, index] for index, name in _BODY[positions.shape[1]].items()}
    # the base of the head lies on the shoulder line: NTU's neck is synthesised between it and the head
    neck = joints.pop("neck")
    joints["spine_base"] = (joints["left_hip"] + joints["right_hip"]) / 2
    up = neck - joints["spine_base"]
    joints["head"] = neck + HEAD_ABOVE_NECK_M * up / np.maximum(np.linalg.norm(up, axis=-1, keepdims=True), 1e-6)
    return complete_skeleton(face_camera(joints))


def read_source(root: Path) -> SourceRead:
    seen: dict[str, str] = {}  # joints' digest -> the first clip that had them

    def read_row(path: Path, row: Row, subject_name: str) -> list[Sample]:
        arrays = load_arrays(path, ("joints", "fps"))
        digest = hashlib.sha256(arrays["joints"].tobytes()).hexdigest()
        if digest in seen:
            raise MalformedFileError(path, f"the same motion as {seen[digest]}, left out")
        seen[digest] = path.name
        return [Sample(SOURCE, subject_name, label(row), f"ase_{path.stem}", float(arrays["fps"]),
                       skeleton(path, arrays["joints"]))]

    return read_pack(root, "ase", read_row, SourceRead(SOURCE, "clips", EXPECTED), subjects)
