"""Many variable-length skeleton sequences in one small array, and back.

Coordinates are stored as whole millimetres (finer than float16's 2 mm steps at 3 m), each
frame as the difference from the previous frame of its sequence (the first frame absolute).
Those small integers compress to under half the size of float16 positions with zlib, which is
what keeps the whole corpus small enough to ship to a GPU machine. A sequence of M bodies
(M, T, J, 3) is stored as its bodies one after the other (M * T frames); the reader says how
many bodies to split it back into.
"""

from __future__ import annotations

import numpy as np

MM_PER_M = 1000.0
_LIMIT = np.iinfo(np.int16).max


def _body_frames(sequence: np.ndarray) -> np.ndarray:
    """(T, J, 3) as is; (M, T, J, 3) as (M * T, J, 3), body after body."""
    array = np.asarray(sequence, dtype=np.float64)
    return array.reshape(-1, *array.shape[-2:]) if array.ndim == 4 else array


def pack(sequences: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(sum M*T, J, 3) int16 frame-to-frame differences in mm, and (N + 1,) int64 frame offsets."""
    sequences = [_body_frames(sequence) for sequence in sequences]
    offsets = np.zeros(len(sequences) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(sequence) for sequence in sequences])
    parts = []
    for number, sequence in enumerate(sequences):
        millimetres = np.round(sequence * MM_PER_M).astype(np.int64)
        steps = np.diff(millimetres, axis=0, prepend=np.zeros_like(millimetres[:1]))
        if np.abs(steps).max(initial=0) > _LIMIT:
            raise ValueError(
                f"sequence {number} does not fit in int16 mm steps (a coordinate beyond 32 m "
                "or a jump of more than 32 m between frames)"
            )
        parts.append(steps.astype(np.int16))
    if not parts:
        return np.zeros((0, 0, 3), dtype=np.int16), offsets
    return np.concatenate(parts), offsets


def unpack(steps: np.ndarray, offsets: np.ndarray, index: int, bodies: int = 1) -> np.ndarray:
    """Sequence ``index`` as float32 metres: (T, J, 3) for one body, (bodies, T, J, 3) for more."""
    start, end = int(offsets[index]), int(offsets[index + 1])
    frames = (np.cumsum(steps[start:end], axis=0, dtype=np.int64) / MM_PER_M).astype(np.float32)
    if bodies == 1:
        return frames
    if len(frames) % bodies:
        raise ValueError(f"sequence {index} holds {len(frames)} frames, not a multiple of {bodies} bodies")
    return frames.reshape(bodies, -1, *frames.shape[1:])
