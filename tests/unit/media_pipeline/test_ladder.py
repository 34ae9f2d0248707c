"""Ladder planning, one row per rule of DESIGN §2.4."""

import pytest

from media_pipeline.ladder import (
    HIGH_MOTION_POLICY,
    LECTURE_POLICY,
    LadderPolicy,
    RungPolicy,
    encoder_rates,
    plan_ladder,
    scaled_size,
)
from media_pipeline.probe import SourceInfo


def source(
    width=1280, height=720, fps=30.0, audio=True, video=True, channels=2, language=""
):
    return SourceInfo(
        container="mov,mp4,m4a,3gp,3g2,mj2",
        duration=60.0,
        width=width if video else 0,
        height=height if video else 0,
        fps=fps if video else 0.0,
        has_video=video,
        has_audio=audio,
        audio_channels=channels if audio else 0,
        is_variable_frame_rate=False,
        audio_language=language,
    )


def sizes(ladder):
    return [(r.width, r.height) for r in ladder.rungs]


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        (source(1920, 1080), [(1280, 720), (854, 480), (640, 360), (426, 240)]),
        (source(1280, 720), [(1280, 720), (854, 480), (640, 360), (426, 240)]),
        (source(854, 480), [(854, 480), (640, 360), (428, 240)]),  # never upscale
        (source(320, 180), [(320, 180)]),  # smaller than every rung: its own size
        (
            source(1080, 1920),
            [(720, 1280), (480, 854), (360, 640), (240, 426)],
        ),  # portrait
        (source(1024, 768), [(960, 720), (640, 480), (480, 360), (320, 240)]),  # 4:3
        (source(1366, 768), [(1280, 720), (854, 480), (640, 360), (426, 240)]),
        # Between two rungs: its own size too (it got only 564x240 before).
        (source(640, 272), [(640, 272), (564, 240)]),
        (source(272, 640), [(272, 640), (240, 564)]),
        (
            source(1280, 544),
            [(1280, 544), (1130, 480), (848, 360), (564, 240)],
        ),
        (source(600, 256), [(562, 240)]),  # within 10 % of 240p: nothing to add
        (
            source(1920, 800),
            [(1728, 720), (1152, 480), (864, 360), (576, 240)],
        ),  # above the top rung: no own size (never above 720p)
    ],
)
def test_rungs_fit_the_source(src, expected):
    assert sizes(plan_ladder(src)) == expected


def test_every_dimension_is_even():
    for width, height in [(333, 251), (1281, 721), (999, 1777)]:
        for w, h in sizes(plan_ladder(source(width, height))):
            assert w % 2 == 0 and h % 2 == 0


@pytest.mark.parametrize(
    ("fps", "expected"),
    [
        (30.0, [30.0, 30.0, 15.0, 15.0]),
        (25.0, [25.0, 25.0, 15.0, 15.0]),
        (60.0, [30.0, 30.0, 15.0, 15.0]),
        (10.0, [10.0, 10.0, 10.0, 10.0]),
        (29.97, [29.97, 29.97, 15.0, 15.0]),
    ],
)
def test_low_rungs_run_at_15_fps_and_no_rung_exceeds_the_source(fps, expected):
    assert [r.fps for r in plan_ladder(source(fps=fps)).rungs] == expected


def test_the_lowest_rung_is_near_240p_at_most_200_kbps():
    lowest = plan_ladder(source()).rungs[-1]
    assert lowest.height == 240 and lowest.cap_kbps == 200
    assert lowest.maxrate_kbps < 200


def test_a_rung_at_the_sources_own_size_takes_the_settings_of_the_rung_above():
    own, low = plan_ladder(source(640, 272)).rungs
    assert (own.name, own.fps, own.cap_kbps) == ("272p", 15.0, 450)
    assert (low.name, low.cap_kbps) == ("240p", 200)


@pytest.mark.parametrize(
    ("cap", "segment", "keyframe", "rates"),
    [
        # maxrate m and bufsize b with (3 s * m + b) / 3 s under 95 % of the cap.
        (1500, 6.0, 2.0, (1068, 1068)),
        (800, 6.0, 2.0, (570, 570)),
        (450, 6.0, 2.0, (320, 320)),
        (200, 6.0, 2.0, (142, 142)),
        (200, 4.0, 2.0, (126, 126)),  # shorter segments: shorter spans measured
        (200, 6.0, 1.0, (162, 81)),  # shorter GOPs: a smaller buffer
    ],
)
def test_encoder_rates_keep_every_measured_span_under_the_cap(
    cap, segment, keyframe, rates
):
    maxrate, bufsize = encoder_rates(cap, segment, keyframe)
    assert (maxrate, bufsize) == rates
    shortest = segment / 2  # RFC 8216 §4.3.4.2: runs of 0.5 to 1.5 target durations
    assert (maxrate * shortest + bufsize) / shortest <= 0.95 * cap


def test_lectures_use_capped_crf_with_2_second_keyframes_and_6_second_segments():
    ladder = plan_ladder(source())
    assert all(
        r.crf and (r.maxrate_kbps, r.bufsize_kbps) == encoder_rates(r.cap_kbps, 6, 2)
        for r in ladder.rungs
    )
    assert (ladder.keyframe_seconds, ladder.segment_seconds, ladder.tune) == (
        2.0,
        6.0,
        "stillimage",
    )
    assert ladder.segment_seconds % ladder.keyframe_seconds == 0


def test_high_motion_keeps_full_frame_rate_longer_and_spends_more_bits():
    lecture, surgery = plan_ladder(source()), plan_ladder(source(), HIGH_MOTION_POLICY)
    assert surgery.rungs[2].fps == 30.0 and lecture.rungs[2].fps == 15.0
    assert surgery.rungs[0].cap_kbps > lecture.rungs[0].cap_kbps
    assert surgery.tune == "film"


@pytest.mark.parametrize(("channels", "out"), [(1, 1), (2, 2), (6, 2)])
def test_audio_is_aac_64k_stereo_at_most(channels, out):
    audio = plan_ladder(source(channels=channels)).audio
    assert (audio.kbps, audio.channels) == (64, out)
    assert 48 <= LECTURE_POLICY.audio_kbps <= 64


@pytest.mark.parametrize(
    ("tagged", "course", "language", "name"),
    [
        ("en", "zh", "en", "English"),  # the recording's own tag wins
        ("", "en", "en", "English"),  # untagged: the course's language
        ("", "zh", "zh", "中文"),
        ("ja", "zh", "ja", "ja"),  # a language without a name of ours: its tag
    ],
)
def test_the_audio_language_is_the_sources_tag_else_the_courses(
    tagged, course, language, name
):
    audio = plan_ladder(source(language=tagged), LECTURE_POLICY, course).audio
    assert (audio.language, audio.name) == (language, name)


def test_without_a_course_language_the_audio_is_chinese():
    assert plan_ladder(source()).audio.language == "zh"


def test_an_audio_only_upload_gets_an_audio_only_ladder():
    ladder = plan_ladder(source(video=False))
    assert ladder.rungs == () and ladder.audio.channels == 2


def test_a_silent_video_gets_no_audio_rendition():
    assert plan_ladder(source(audio=False)).audio is None


@pytest.mark.parametrize(
    ("w", "h", "short", "size"),
    [
        (1920, 1080, 720, (1280, 720)),
        (1080, 1920, 720, (720, 1280)),
        (640, 480, 240, (320, 240)),
    ],
)
def test_scaled_size_keeps_the_aspect(w, h, short, size):
    assert scaled_size(w, h, short) == size


CUSTOM = LadderPolicy(
    name="custom",
    tune="film",
    rungs=(
        RungPolicy("720p", 720, 30, 22, 2500, "faster", "lanczos", ("aq-mode=2",)),
        RungPolicy("360p", 360, 30, 25, 600, "superfast", "bilinear"),
    ),
)


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        (
            source(1920, 1080),
            [
                ("720p", "faster", "lanczos", ("aq-mode=2",)),
                ("360p", "superfast", "bilinear", ()),
            ],
        ),
        # Its own size between two rungs: the settings of the rung above.
        (
            source(960, 540),
            [
                ("540p", "faster", "lanczos", ("aq-mode=2",)),
                ("360p", "superfast", "bilinear", ()),
            ],
        ),
        # Smaller than every rung: the lowest rung's settings.
        (source(320, 180), [("180p", "superfast", "bilinear", ())]),
    ],
)
def test_each_rung_carries_its_encoder_settings(src, expected):
    rungs = plan_ladder(src, CUSTOM).rungs
    assert [(r.name, r.preset, r.scaler, r.x264_params) for r in rungs] == expected
