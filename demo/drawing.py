"""Drawing skeletons and captions onto RGB frames for the live and video views.

Joints are tinted by the model's key-part importance so a viewer sees which body parts the
recogniser is looking at, not just where the body is.
"""

from __future__ import annotations

import cv2
import numpy as np

from core.skeleton.layout import BONES, NUM_JOINTS

BONE_COLOR = (235, 235, 235)
# Importance 0 -> cool blue, 1 -> hot red (RGB); joints in between are blended.
COLD = np.array((60, 140, 255), dtype=np.float32)
HOT = np.array((255, 40, 20), dtype=np.float32)
MIN_VISIBILITY = 0.3
FOCUS_FLOOR = 0.2  # a peak under 1.2x the uniform share is too flat to call a focus


def importance_colors(importance: np.ndarray | None) -> np.ndarray:
    """RGB colour per joint, ``(25, 3)`` uint8, from an importance vector of any scale."""
    return _heat_colors(_relative(importance))


def _heat_colors(weights: np.ndarray) -> np.ndarray:
    colors = COLD[None] + weights[:, None] * (HOT - COLD)[None]
    return np.clip(colors, 0, 255).astype(np.uint8)


def _scale(frame: np.ndarray) -> float:
    return max(frame.shape[0], frame.shape[1]) / 640.0


def draw_skeletons(
    frame: np.ndarray,
    image_points: np.ndarray,
    visibility: np.ndarray | None = None,
    importance: np.ndarray | None = None,
) -> np.ndarray:
    """A copy of ``frame`` (H, W, 3 RGB) with every body of ``image_points`` (P, 25, 2) drawn.

    Joints whose visibility is below MIN_VISIBILITY are left out with their bones, so a guessed
    off-screen limb does not look like a detection.
    """
    canvas = np.ascontiguousarray(frame, dtype=np.uint8).copy()
    points = np.asarray(image_points, dtype=np.float32).reshape(-1, NUM_JOINTS, 2)
    if visibility is None:
        shown = np.ones(points.shape[:2], dtype=bool)
    else:
        shown = np.asarray(visibility, dtype=np.float32).reshape(-1, NUM_JOINTS) >= MIN_VISIBILITY
    shown &= np.isfinite(points).all(axis=-1)
    weights = _relative(importance)
    colors = _heat_colors(weights)
    scale = _scale(canvas)
    thickness = max(1, round(2 * scale))
    for body, body_shown in zip(points, shown):
        pixels = np.round(np.nan_to_num(body)).astype(np.int32)
        for child, parent in BONES:
            if body_shown[child] and body_shown[parent]:
                cv2.line(canvas, tuple(pixels[child]), tuple(pixels[parent]), BONE_COLOR, thickness, cv2.LINE_AA)
        for joint in np.flatnonzero(body_shown):
            radius = max(2, round((4 + 5 * weights[joint]) * scale))
            color = tuple(int(c) for c in colors[joint])
            cv2.circle(canvas, tuple(pixels[joint]), radius, color, -1, cv2.LINE_AA)
            cv2.circle(canvas, tuple(pixels[joint]), radius, (20, 20, 20), 1, cv2.LINE_AA)
    return canvas


def _relative(importance: np.ndarray | None) -> np.ndarray:
    """Each joint's share above the uniform 1/25, scaled so the most important joint is 1.

    Measured from the uniform share rather than from zero because trained KPD weights stay
    close to uniform (the shipped model's peak is ~1.4x it), so only the excess shows where the
    model looks; below FOCUS_FLOOR of excess there is no focus to show and joints stay cold.
    """
    if importance is None:
        return np.zeros(NUM_JOINTS, dtype=np.float32)
    weights = np.asarray(importance, dtype=np.float32).reshape(NUM_JOINTS)
    total = float(weights.sum())
    if total <= 0:
        return np.zeros(NUM_JOINTS, dtype=np.float32)
    excess = weights / total * NUM_JOINTS - 1
    return np.clip(excess / max(float(excess.max()), FOCUS_FLOOR), 0, 1)


def draw_caption(frame: np.ndarray, text: str, warning: bool = False) -> np.ndarray:
    """``frame`` with a readable caption box in its bottom-left corner (drawn in place).

    Bottom rather than top: Gradio overlays the image's label on the top-left corner.
    """
    scale = _scale(frame)
    font_scale = 0.6 * scale
    thickness = max(1, round(1.5 * scale))
    (width, height), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)
    pad = round(6 * scale)
    background = (170, 30, 30) if warning else (20, 20, 20)
    top = frame.shape[0] - (height + baseline + 2 * pad)
    cv2.rectangle(frame, (0, top), (width + 2 * pad, frame.shape[0]), background, -1)
    cv2.putText(
        frame, text, (pad, top + pad + height), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (255, 255, 255),
        thickness, cv2.LINE_AA,
    )
    return frame
