"""Ladder planning, one row per rule of DESIGN §2.4."""

import pytest

from media_pipeline.ladder import (
    HIGH_MOTION_POLICY,
    LECTURE_POLICY,
    plan_ladder,
    scaled_size,
)
from media_pipeline.probe import SourceInfo


def source(width=1280, height=720, fps=30.0, audio=True, video=True, channels=2):
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
    assert lowest.height == 240 and lowest.maxrate_kbps <= 200


def test_lectures_use_capped_crf_with_2_second_keyframes_and_6_second_segments():
    ladder = plan_ladder(source())
    assert all(
        r.crf and r.maxrate_kbps and r.bufsize_kbps == 2 * r.maxrate_kbps
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
    assert surgery.rungs[0].maxrate_kbps > lecture.rungs[0].maxrate_kbps
    assert surgery.tune == "film"


@pytest.mark.parametrize(("channels", "out"), [(1, 1), (2, 2), (6, 2)])
def test_audio_is_aac_64k_stereo_at_most(channels, out):
    audio = plan_ladder(source(channels=channels)).audio
    assert (audio.kbps, audio.channels) == (64, out)
    assert 48 <= LECTURE_POLICY.audio_kbps <= 64


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


def test_playlists_measure_peak_and_average_and_rewrite_the_master():
    from media_pipeline.playlists import (
        Bandwidth,
        measure_bandwidth,
        parse_media_playlist,
        rewrite_master,
    )

    assert parse_media_playlist(
        '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:6.0,\nseg_0.m4s\n'
        "#EXTINF:2.0,\nseg_1.m4s\n#EXT-X-ENDLIST\n"
    ) == [(6.0, "seg_0.m4s"), (2.0, "seg_1.m4s")]
    # 6 s of 60 kB (+1 kB init) and 2 s of 30 kB: peak 120 kbit/s, average 91 kbit/s.
    assert measure_bandwidth([(6.0, 60_000), (2.0, 30_000)], 1_000) == Bandwidth(
        120_000, 91_000
    )
    master = (
        '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",URI="audio/index.m3u8"\n'
        '#EXT-X-STREAM-INF:BANDWIDTH=1720400,RESOLUTION=1280x720,AUDIO="aud"\n'
        "720p/index.m3u8\n"
    )
    rewritten = rewrite_master(
        master,
        {"720p/index.m3u8": Bandwidth(400_000, 300_000)},
        audio=Bandwidth(70_000, 64_000),
    )
    assert (
        "#EXT-X-STREAM-INF:BANDWIDTH=470000,AVERAGE-BANDWIDTH=364000,"
        'RESOLUTION=1280x720,AUDIO="aud"'
    ) in rewritten
