"""The background's shift under a moving camera, and its removal before a body is placed."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.pose.camera_motion import ANALYSIS_WIDTH, CameraShift
from core.pose.landmarks import skeletons_from_landmarks
from core.skeleton.layout import JOINT

WIDTH, HEIGHT = 640, 360


def _scene(seed: int = 0, contrast: tuple[int, int] = (100, 150)) -> np.ndarray:
    """A faintly textured wall much wider than the frame, so a camera can pan across it."""
    noise = np.random.default_rng(seed).integers(0, 256, (HEIGHT + 200, WIDTH + 400), dtype=np.uint8)
    wall = cv2.GaussianBlur(noise, (0, 0), 2.0)
    return cv2.cvtColor(cv2.normalize(wall, None, *contrast, cv2.NORM_MINMAX), cv2.COLOR_GRAY2RGB)


def _person_points(box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    return np.array([[[x0, y0], [x1, y0], [x0, y1], [x1, y1]]], dtype=np.float64)


def _filmed(scene: np.ndarray, origins: list[tuple[int, int]], person_box: tuple[int, int, int, int]) -> list[np.ndarray]:
    """Frames of a camera whose view starts at each origin of the wall, a person it follows fixed in view.

    The person is sharper than the wall, so most of a frame's strongest corners are on the person,
    moving their own way: only the person's box being left out keeps them from the camera's shift.
    """
    person = _scene(seed=1, contrast=(0, 255))[:HEIGHT, :WIDTH]
    x0, y0, x1, y1 = person_box
    frames = []
    for step, (left, top) in enumerate(origins):
        frame = scene[top:top + HEIGHT, left:left + WIDTH].copy()
        frame[y0:y1, x0:x1] = np.roll(person, 7 * step, axis=1)[y0:y1, x0:x1]  # the person moves too
        frames.append(frame)
    return frames


def test_a_panning_camera_is_followed_by_the_background_not_by_the_person():
    origins = [(100 + 6 * step, 50 + 2 * step) for step in range(20)]  # the camera moves right and down
    box = (240, 60, 400, 330)
    camera = CameraShift()
    offsets = [camera.update(frame, _person_points(box), WIDTH) for frame in _filmed(_scene(), origins, box)]
    assert np.allclose(offsets[0], 0.0)
    # the scene moves left and up in the image, 6 and 2 pixels a frame
    np.testing.assert_allclose(offsets[-1], [-6 * 19, -2 * 19], atol=2.0)


def test_a_still_camera_gives_no_shift_and_the_units_are_the_peoples_pixels():
    frames = _filmed(_scene(), [(100, 50)] * 10, (240, 60, 400, 330))
    camera = CameraShift()
    for frame in frames:
        offset = camera.update(frame, _person_points((240, 60, 400, 330)), WIDTH)
    np.testing.assert_allclose(offset, [0.0, 0.0], atol=0.2)
    # the same pan seen in a frame half the size, with the people's points in full-size pixels
    origins = [(100 + 8 * step, 50) for step in range(8)]
    camera = CameraShift()
    for frame in _filmed(_scene(), origins, (240, 60, 400, 330)):
        small = cv2.resize(frame, (WIDTH // 2, HEIGHT // 2), interpolation=cv2.INTER_AREA)
        offset = camera.update(small, _person_points((240, 60, 400, 330)), WIDTH)
    np.testing.assert_allclose(offset, [-8 * 7, 0.0], atol=2.0)


def test_a_background_without_corners_counts_as_a_still_camera():
    plain = np.full((HEIGHT, WIDTH, 3), 90, np.uint8)
    camera = CameraShift()
    for _ in range(3):
        offset = camera.update(plain, np.zeros((0, 33, 2)), WIDTH)
    assert np.array_equal(offset, [0.0, 0.0])
    # a person whose box covers the whole view leaves no background to read
    frames = _filmed(_scene(), [(100 + 6 * step, 50) for step in range(4)], (0, 0, WIDTH, HEIGHT))
    camera = CameraShift()
    for frame in frames:
        offset = camera.update(frame, _person_points((0, 0, WIDTH, HEIGHT)), WIDTH)
    assert np.array_equal(offset, [0.0, 0.0])
    with pytest.raises(ValueError, match="width"):
        camera.update(plain, np.zeros((0, 33, 2)), 0)
    assert ANALYSIS_WIDTH < WIDTH


def _standing_landmarks(frames: int) -> np.ndarray:
    """(1, T, 25, 2) NTU image joints of a still person, pixels, y down."""
    rng = np.random.default_rng(3)
    body = np.zeros((25, 2))
    places = {"spine_base": (320, 200), "spine_mid": (320, 160), "spine_shoulder": (320, 120), "neck": (320, 110),
              "head": (320, 90), "left_shoulder": (345, 120), "right_shoulder": (295, 120), "left_elbow": (350, 160),
              "right_elbow": (290, 160), "left_wrist": (352, 195), "right_wrist": (288, 195), "left_hip": (335, 200),
              "right_hip": (305, 200), "left_knee": (337, 260), "right_knee": (303, 260), "left_ankle": (338, 320),
              "right_ankle": (302, 320)}
    for name, place in places.items():
        body[JOINT[name]] = place
    return (body + rng.normal(scale=0.5, size=(frames, 25, 2)))[None]


def test_the_cameras_shift_is_taken_off_before_the_body_is_placed():
    still = _standing_landmarks(30)
    pan = np.stack([np.arange(30) * -5.0, np.zeros(30)], axis=1)  # the scene drifts left, 5 px a frame
    present = np.ones((1, 30), bool)
    filmed = still + pan[None, :, None, :]
    placed_still = skeletons_from_landmarks(still, present, layout="ntu")
    drifting = skeletons_from_landmarks(filmed, present, layout="ntu")
    compensated = skeletons_from_landmarks(filmed, present, layout="ntu", camera=pan)
    root = JOINT["spine_base"]
    travel = lambda skeleton: np.ptp(skeleton[0, :, root, 0])  # noqa: E731
    assert travel(drifting) > 0.5  # metres: the pan reads as a walk to one side
    assert travel(compensated) < 0.05
    np.testing.assert_allclose(compensated - compensated[0, :, root].mean(axis=0),
                               placed_still - placed_still[0, :, root].mean(axis=0), atol=1e-4)
    with pytest.raises(ValueError, match="camera offsets"):
        skeletons_from_landmarks(filmed, present, layout="ntu", camera=pan[:10])
