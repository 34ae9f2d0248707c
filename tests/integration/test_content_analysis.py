"""The content analysis for real: one ffmpeg run over generated clips and OpenCV's
camera footage (Debian opencv-doc), then the class and the ladder policy."""

import logging

import pytest

from media_pipeline.content import CAMERA, SCREEN, SLIDES
from media_pipeline.ladder import HIGH_MOTION_POLICY, LECTURE_POLICY, SCREEN_POLICY
from media_pipeline.limits import TimeLimits
from media_pipeline.runner import choose_policy, probe
from tests.media.content_clips import (
    ffmpeg,
    make_grainy_camera,
    make_screen,
    make_slides,
    make_street_camera,
)

MAKERS = {
    "slides": make_slides,
    "grainy camera": make_grainy_camera,
    "screen": make_screen,
    "street camera": make_street_camera,
}


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("content")
    return {
        name: make(folder / f"{i}.mp4") for i, (name, make) in enumerate(MAKERS.items())
    }


@pytest.mark.parametrize(
    "name, expected, policy",
    [
        ("slides", SLIDES, LECTURE_POLICY),
        ("grainy camera", CAMERA, HIGH_MOTION_POLICY),
        ("screen", SCREEN, SCREEN_POLICY),
        ("street camera", CAMERA, HIGH_MOTION_POLICY),
    ],
)
def test_auto_classifies_each_kind_of_recording(clips, name, expected, policy):
    source = probe(clips[name])
    choice = choose_policy(clips[name], source, "auto")
    assert (choice.content_class, choice.policy, choice.note) == (expected, policy, "")
    assert choice.features.sampled_seconds == pytest.approx(10, abs=0.5)


def test_a_named_policy_is_used_as_it_is_without_an_analysis(clips):
    source = probe(clips["grainy camera"])
    choice = choose_policy(clips["grainy camera"], source, "lecture")
    assert choice.policy is LECTURE_POLICY
    assert choice.content_class is None and choice.features is None
    # An unknown stored name is the lecture policy too.
    assert choose_policy(clips["slides"], source, "cinema").policy is LECTURE_POLICY


def test_an_analysis_killed_at_its_limit_falls_back_with_a_logged_reason(clips, caplog):
    source = probe(clips["grainy camera"])
    with caplog.at_level(logging.WARNING, logger="media_pipeline.runner"):
        choice = choose_policy(
            clips["grainy camera"],
            source,
            "auto",
            time_limits=TimeLimits(floor_seconds=0.01),
        )
    assert choice.policy is LECTURE_POLICY and choice.content_class is None
    assert "ran past its limit" in choice.note
    assert "lecture policy used" in caplog.text


def test_a_recording_cut_short_falls_back_to_the_lecture_policy(tmp_path, caplog):
    """Its index says 12 s (the probe passes); the analysis finds almost nothing."""
    whole = tmp_path / "whole.mp4"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "12"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-movflags", "+faststart"),
        str(whole),
    )
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 50])
    with caplog.at_level(logging.WARNING, logger="media_pipeline.runner"):
        choice = choose_policy(cut, probe(cut), "auto")
    assert choice.policy is LECTURE_POLICY and choice.content_class is None
    assert "fewer than two frames" in choice.note and str(cut) in caplog.text


def test_a_recording_without_a_picture_gets_the_lecture_policy(tmp_path):
    talk = tmp_path / "talk.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300", "-t", "3", str(talk))
    choice = choose_policy(talk, probe(talk), "auto")
    assert choice.policy is LECTURE_POLICY and choice.note == "no picture to analyse"
