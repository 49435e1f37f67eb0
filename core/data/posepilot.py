"""PosePilot yoga: MediaPipe Pose landmarks of six poses from four cameras, and sun salutations.

The landmarks become a skeleton by the app's own rule (core.data.mediapipe_pack). The source
states neither the frame size nor the fps. The aspect ratio matters (x is normalised by the
width, y by the height), so it was told from the landmarks themselves: the aspect at which
MediaPipe's bones (x, y and its relative depth) keep the steadiest length over a clip. That is
not the true aspect, but it keeps setups apart: on pushfit, whose frame sizes are known, it is
0.8 for 320x240 clips and 1.4 for 640x360 ones; PosePilot's four pose cameras give 0.6-0.9 and
its sun salutations 1.4. So the poses are taken as 4:3 and the sun salutations as 16:9
(``tests/test_readers_packs_real.py`` repeats the measurement). The fps is taken as 30.

``subject`` is the performer (``P<n>``; the four cameras of one performance share it); a sun
salutation recording, whose performer is not recorded, is its own subject.
"""

from __future__ import annotations

from pathlib import Path

from core.data.mediapipe_pack import landmark_skeleton
from core.data.packs import Row, per_row, read_pack
from core.data.sample import Sample, SourceRead
from core.pose import landmarks

SOURCE = "posepilot-yoga"
EXPECTED = 199
FPS = 30.0
SUN_SALUTATION = "surya_namaskar"
POSE_FRAME = (640.0, 480.0)  # 4:3, as measured (see above)
SUN_SALUTATION_FRAME = (1280.0, 720.0)  # 16:9
CODE_DEPENDENCIES = (Path(landmarks.__file__),)


def subject(row: Row) -> str:
    return row.get("subject") or f"sun-{Path(row['file']).stem.split('_')[-1][:8]}"


def frame_size(row: Row) -> tuple[float, float]:
    return SUN_SALUTATION_FRAME if row["label"] == SUN_SALUTATION else POSE_FRAME


subjects = per_row(subject)


def read_row(path: Path, row: Row, subject_name: str) -> list[Sample]:
    joints = landmark_skeleton(path, frame_size(row))
    return [Sample(SOURCE, subject_name, row["label"], f"posepilot_{path.stem}", FPS, joints)]


def read_source(root: Path) -> SourceRead:
    return read_pack(root, "posepilot-yoga", read_row, SourceRead(SOURCE, "clips", EXPECTED), subjects)
