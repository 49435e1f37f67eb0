"""Errors of the pose pipeline whose messages are meant for the person running it."""

from __future__ import annotations


class PoseInputError(ValueError):
    """Input that cannot be turned into skeletons: missing, unreadable, empty or not a video."""


class PoseModelError(RuntimeError):
    """The MediaPipe pose model could be neither downloaded nor built from the mediapipe wheel."""
