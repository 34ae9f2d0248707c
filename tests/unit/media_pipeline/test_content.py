"""The content classifier: measured features to a class, a class to a policy."""

import numpy as np
import pytest

from media_pipeline import content
from media_pipeline.content import (
    CAMERA,
    SCREEN,
    SLIDES,
    Features,
    classify,
    measure,
    policy_for,
    sample_fps,
    sample_windows,
)
from media_pipeline.ladder import HIGH_MOTION_POLICY, LECTURE_POLICY, SCREEN_POLICY


def features(**values):
    base = {
        "motion": 0.7,
        "moving_area": 0.013,
        "persistent_area": 0.001,
        "still_share": 0.0,
        "cuts_per_minute": 0.0,
        "flat_share": 0.98,
        "edge_share": 0.0,
        "noise": 0.0,
        "sampled_seconds": 10.0,
    }
    return Features(**(base | values))


#: Measured with ``runner.analyse`` on real and generated sources (issue 16's
#: bench sources; the camera-like ones made as bench/transcode.py makes them).
MEASURED = [
    # name, motion, moving, persistent, still, cuts/min, flat, edges, grain, class
    (
        "vtest.avi 768x576 (street camera)",
        2.291,
        0.028,
        0,
        0,
        0,
        0.253,
        0.014,
        0.741,
        CAMERA,
    ),
    (
        "vtest at 1080p30 (camera1080)",
        3.053,
        0.036,
        0.001,
        0,
        0,
        0.262,
        0,
        0.494,
        CAMERA,
    ),
    ("vtest at 1080p30, an hour", 3.455, 0.034, 0.008, 0, 0, 0.260, 0, 0.494, CAMERA),
    (
        "Megamind.avi (animated trailer)",
        9.094,
        0.196,
        0.047,
        0,
        18,
        0.717,
        0.001,
        0.247,
        CAMERA,
    ),
    ("Megamind at 720p", 9.691, 0.205, 0.051, 0, 18, 0.708, 0, 0, CAMERA),
    ("bigbuckbunny.mp4", 7.975, 0.251, 0.032, 0, 0, 0.242, 0, 0.741, CAMERA),
    ("bigbuckbunny at 1080p30", 7.647, 0.203, 0.025, 0, 18, 0.239, 0, 0.494, CAMERA),
    (
        "tree.avi (still shots of a tree)",
        2.292,
        0.082,
        0,
        0.6,
        0,
        0.298,
        0.118,
        3.459,
        SLIDES,
    ),
    ("generated lecture 720p", 0.722, 0.013, 0.001, 0, 0, 0.982, 0.003, 0, SLIDES),
    ("generated lecture 480p", 0.739, 0.014, 0.005, 0, 0, 0.969, 0.003, 0, SLIDES),
    ("generated lecture 360p", 0.675, 0.013, 0.002, 0, 0, 0.970, 0.004, 0, SLIDES),
    (
        "generated screen capture 1080p",
        0.032,
        0.001,
        0,
        0.889,
        0,
        0.845,
        0.057,
        0,
        SCREEN,
    ),
    ("generated screen capture 720p", 0.078, 0.001, 0, 0.6, 0, 0.925, 0.015, 0, SCREEN),
    (
        "testsrc2 with grain 720p",
        4.706,
        0.057,
        0.005,
        0,
        0,
        0.257,
        0.100,
        5.189,
        CAMERA,
    ),
    (
        "testsrc2 with grain 360p",
        9.566,
        0.136,
        0.014,
        0,
        0,
        0.145,
        0.091,
        5.189,
        CAMERA,
    ),
]


@pytest.mark.parametrize(
    "motion, moving, persistent, still, cuts, flat, edges, grain, expected",
    [row[1:] for row in MEASURED],
    ids=[row[0] for row in MEASURED],
)
def test_measured_sources_are_classified(
    motion, moving, persistent, still, cuts, flat, edges, grain, expected
):
    measured = Features(motion, moving, persistent, still, cuts, flat, edges, grain, 10)
    assert classify(measured) == expected


@pytest.mark.parametrize(
    "values, expected",
    [
        # Motion at the threshold is camera work whatever the picture.
        ({"motion": 6.0}, CAMERA),
        ({"motion": 5.99}, SLIDES),
        ({"motion": 6.0, "still_share": 0.9, "edge_share": 0.05}, CAMERA),
        # Natural: few flat pixels, or grain; moving -> camera, still -> a photo slide.
        ({"flat_share": 0.49, "motion": 2}, CAMERA),
        ({"flat_share": 0.5, "motion": 2}, SLIDES),
        ({"noise": 0.2, "motion": 1}, CAMERA),
        ({"noise": 0.19, "motion": 1}, SLIDES),
        ({"flat_share": 0.3, "noise": 1, "still_share": 0.5}, SLIDES),
        ({"flat_share": 0.3, "noise": 1, "still_share": 0.49}, CAMERA),
        # Screen: still, small text, no moving corner; each condition on its edge.
        ({"still_share": 0.5, "edge_share": 0.005}, SCREEN),
        ({"still_share": 0.49, "edge_share": 0.005}, SLIDES),
        ({"still_share": 0.5, "edge_share": 0.0049}, SLIDES),
        ({"still_share": 0.9, "edge_share": 0.02, "persistent_area": 0.01}, SLIDES),
        ({"still_share": 0.9, "edge_share": 0.02, "persistent_area": 0.0099}, SCREEN),
        # A screen capture with grain is a camera filming a screen.
        ({"still_share": 0.9, "edge_share": 0.02, "noise": 0.5}, SLIDES),
    ],
)
def test_borderline_cases(values, expected):
    assert classify(features(**values)) == expected


@pytest.mark.parametrize(
    "found, policy",
    [
        (SLIDES, LECTURE_POLICY),
        (SCREEN, SCREEN_POLICY),
        (CAMERA, HIGH_MOTION_POLICY),
        ("unknown", LECTURE_POLICY),
        (None, LECTURE_POLICY),
    ],
)
def test_each_class_has_its_policy(found, policy):
    assert policy_for(found) is policy


def test_the_screen_policy_keeps_text_legible_on_its_lowest_rung():
    lowest = SCREEN_POLICY.rungs[-1]
    assert lowest.short_side >= 360
    assert lowest.short_side > LECTURE_POLICY.rungs[-1].short_side


@pytest.mark.parametrize(
    "duration, fps, expected",
    [
        # An hour: five 2 s windows in the middle of each fifth.
        (
            3600,
            5,
            [(359.0, 10), (1079.0, 10), (1799.0, 10), (2519.0, 10), (3239.0, 10)],
        ),
        # Short: one window over the whole recording, at most 5 windows' frames.
        (4, 5, [(0.0, 20)]),
        (10, 5, [(0.0, 50)]),
        (0.1, 5, [(0.0, 2)]),
        # A 2 fps source: 4 frames a window.
        (600, 2, [(59.0, 4), (179.0, 4), (299.0, 4), (419.0, 4), (539.0, 4)]),
    ],
)
def test_windows_are_spread_and_bounded(duration, fps, expected):
    assert sample_windows(duration, fps) == expected


@pytest.mark.parametrize(
    "source_fps, expected", [(30, 5), (5, 5), (2, 2), (0, 5), (None, 5)]
)
def test_never_sampled_faster_than_the_source(source_fps, expected):
    assert sample_fps(source_fps) == expected


def frames_bytes(wholes, crops=None):
    """Frames as ``commands.analysis_args`` writes them: picture above crop."""
    crops = crops if crops is not None else wholes
    return b"".join(
        np.vstack([w, c]).astype(np.uint8).tobytes()
        for w, c in zip(wholes, crops, strict=True)
    )


def test_measure_tells_a_still_flat_picture_from_a_grainy_moving_one():
    width, height = content.SAMPLE_SIZE
    rng = np.random.default_rng(7)
    flat = np.full((height, width), 200)
    flat[40:60, 30:300:6] = 0  # a line of "text": sharp edges on flat white
    still = measure(frames_bytes([flat] * 10), [(0.0, 10)])
    assert still.still_share == 1 and still.motion == 0 and still.noise == 0
    assert still.flat_share > 0.9 and still.edge_share > 0.005
    assert classify(still) == SCREEN

    grainy = [
        np.clip(128 + rng.normal(0, 6, (height, width)) + i * 3, 0, 255)
        for i in range(10)
    ]
    moving = measure(frames_bytes(grainy), [(0.0, 10)])
    assert moving.still_share == 0 and moving.noise > 3 and moving.flat_share < 0.2
    assert classify(moving) == CAMERA


def test_pairs_across_two_windows_are_not_compared():
    width, height = content.SAMPLE_SIZE
    black, white = np.zeros((height, width)), np.full((height, width), 255)
    measured = measure(frames_bytes([black] * 3 + [white] * 3), [(0, 3), (60, 3)])
    assert measured.motion == 0 and measured.cuts_per_minute == 0
    # One window: the jump is a cut.
    one = measure(frames_bytes([black] * 3 + [white] * 3), [(0, 6)])
    assert one.cuts_per_minute == pytest.approx(1 / (6 / 5) * 60)


def test_grain_is_measured_only_where_the_crop_is_not_padding():
    width, height = content.SAMPLE_SIZE
    rng = np.random.default_rng(3)
    crop = np.zeros((height, width))
    crop[:100, :100] = np.clip(128 + rng.normal(0, 8, (100, 100)), 0, 255)
    whole = np.full((height, width), 100)
    small = measure(
        frames_bytes([whole] * 2, [crop] * 2), [(0, 2)], grain_size=(100, 100)
    )
    assert small.noise > 5  # the padding's zeros would have made it 0


@pytest.mark.parametrize("raw", [b"", b"\0" * 1000, b"\0" * (320 * 360)])
def test_fewer_than_two_frames_is_an_error(raw):
    with pytest.raises(ValueError):
        measure(raw, [(0.0, 10)])


def test_features_round_trip_through_the_job_row():
    measured = features(motion=1.23456, noise=0.5)
    stored = measured.as_dict()
    assert stored["motion"] == 1.2346
    assert Features.from_dict(stored) == features(motion=1.2346, noise=0.5)
