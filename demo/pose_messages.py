"""What a visitor's page may send over its browser-pose connection, checked before anything uses it.

Two kinds of JSON text message, both small:

- ``{"type": "labels", "text": "squat, walking"}``: the label box as typed;
- ``{"type": "pose", "t": 1234.5, "w": 640, "h": 480, "people": [[x0, y0, ..., x32, y32], ...]}``:
  one camera frame's timestamp in milliseconds (the page's clock, strictly increasing), the
  frame's size in pixels, and for each person found (at most two) MediaPipe's 33 landmarks as
  x, y fractions of the frame, of the camera's real (unmirrored) view.

Anything else (not JSON, unknown type, wrong shapes, numbers that are not finite or far off the
frame, a frame over ``MAX_FRAME_PIXELS``, a message over ``MAX_POSE_MESSAGE_KB``) raises
``MessageError`` with one line saying what was wrong.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from core import limits
from core.pose.mapping import NUM_LANDMARKS
from core.skeleton.layout import MAX_BODIES

MAX_TIMESTAMP_MS = 1e12  # about 30 years of a page's clock
LANDMARK_RANGE = (-1.0, 2.0)  # MediaPipe places joints it guesses off the frame a little outside [0, 1]


class MessageError(ValueError):
    """A message the server refuses; the session that sent it is closed with this text."""


class MessageTooLarge(MessageError):
    """A message over ``MAX_POSE_MESSAGE_KB``."""


@dataclass(frozen=True)
class PoseFrame:
    time_ms: float
    landmarks: np.ndarray  # (P, 33, 2) float32 pixels of the real view, y down


@dataclass(frozen=True)
class LabelsText:
    text: str


def max_message_bytes() -> int:
    return int(limits.MAX_POSE_MESSAGE_KB * 1024)


def parse_message(raw: str | bytes) -> PoseFrame | LabelsText:
    """One message from the page, checked; raises MessageError."""
    size = len(raw) if isinstance(raw, bytes) or len(raw) > max_message_bytes() else len(raw.encode())
    if size > max_message_bytes():
        raise MessageTooLarge(f"message of {size:,} bytes is over the {max_message_bytes():,}-byte limit "
                           f"(${limits.env_name('MAX_POSE_MESSAGE_KB')})")
    try:
        message = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise MessageError("a message must be JSON text") from None
    if not isinstance(message, dict):
        raise MessageError("a message must be a JSON object")
    kind = message.get("type")
    if kind == "labels":
        text = message.get("text")
        if not isinstance(text, str):
            raise MessageError("a labels message needs its text as a string")
        return LabelsText(text)
    if kind == "pose":
        return _pose(message)
    raise MessageError(f"unknown message type {kind!r} (expected 'pose' or 'labels')")


def _number(message: dict, key: str) -> float:
    value = message.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise MessageError(f"a pose message needs {key!r} as a finite number")
    return float(value)


def _pose(message: dict) -> PoseFrame:
    time_ms = _number(message, "t")
    if not 0 <= time_ms <= MAX_TIMESTAMP_MS:
        raise MessageError(f"timestamp {time_ms:g} ms is out of range (0 to {MAX_TIMESTAMP_MS:g})")
    width, height = _number(message, "w"), _number(message, "h")
    if not (width >= 1 and height >= 1 and width.is_integer() and height.is_integer()):
        raise MessageError("the frame size 'w' x 'h' must be whole numbers of pixels")
    if width * height > limits.MAX_FRAME_PIXELS:
        raise MessageError(f"frame of {width:.0f}x{height:.0f} pixels is over {limits.MAX_FRAME_PIXELS:,} pixels "
                           f"(${limits.env_name('MAX_FRAME_PIXELS')})")
    people = message.get("people")
    if not isinstance(people, list) or len(people) > MAX_BODIES:
        raise MessageError(f"'people' must be a list of at most {MAX_BODIES} people")
    values = 2 * NUM_LANDMARKS
    if any(not isinstance(person, list) or len(person) != values for person in people):
        raise MessageError(f"each person must be {values} numbers: x, y of MediaPipe's {NUM_LANDMARKS} landmarks")
    try:
        points = np.array(people, dtype=np.float64).reshape(len(people), NUM_LANDMARKS, 2)
    except (TypeError, ValueError):
        raise MessageError("landmarks must be numbers") from None
    low, high = LANDMARK_RANGE
    if not (np.isfinite(points).all() and (points >= low).all() and (points <= high).all()):
        raise MessageError(f"landmarks must be fractions of the frame between {low:g} and {high:g}")
    return PoseFrame(time_ms, (points * (width, height)).astype(np.float32))
