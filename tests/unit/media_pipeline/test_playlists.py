"""Measured bandwidth and conforming playlists (DESIGN §2.4, issue 16 item 2)."""

import m3u8
import pytest

from media_pipeline.ladder import AudioRendition
from media_pipeline.playlists import (
    INDEPENDENT,
    Bandwidth,
    measure_bandwidth,
    parse_media_playlist,
    parse_target_duration,
    rewrite_master,
    with_independent_segments,
)

MEDIA = (
    "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n"
    '#EXT-X-MAP:URI="init.mp4"\n#EXTINF:6.0,\nseg_0.m4s\n'
    "#EXTINF:2.0,\nseg_1.m4s\n#EXT-X-ENDLIST\n"
)

MASTER = (
    "#EXTM3U\n#EXT-X-VERSION:7\n"
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio_1",DEFAULT=YES,'
    'LANGUAGE="zh",URI="audio/index.m3u8"\n'
    '#EXT-X-STREAM-INF:BANDWIDTH=1720400,RESOLUTION=1280x720,CODECS="avc1.64001f,'
    'mp4a.40.2",AUDIO="aud"\n720p/index.m3u8\n\n'
    '#EXT-X-STREAM-INF:BANDWIDTH=264000,RESOLUTION=426x240,CODECS="avc1.640015,'
    'mp4a.40.2",AUDIO="aud"\n240p/index.m3u8\n'
)
MEASURED = {
    "720p/index.m3u8": Bandwidth(400_000, 300_000),
    "240p/index.m3u8": Bandwidth(150_000, 120_000),
    "audio/index.m3u8": Bandwidth(70_000, 64_000),
}


def test_media_playlists_are_read():
    assert parse_media_playlist(MEDIA) == [(6.0, "seg_0.m4s"), (2.0, "seg_1.m4s")]
    assert parse_target_duration(MEDIA) == 6.0
    assert parse_target_duration("#EXTM3U\n") is None


@pytest.mark.parametrize(
    ("segments", "init", "target", "expected"),
    [
        # 6 s of 60 kB (+1 kB init) then 2 s of 30 kB: the 2 s alone is shorter
        # than half the target, so it counts only with the 6 s before it.
        ([(6.0, 60_000), (2.0, 30_000)], 1_000, 6, Bandwidth(91_000, 91_000)),
        # A last segment of 3.5 s counts alone.
        ([(6.0, 60_000), (3.5, 42_000)], 0, 6, Bandwidth(96_000, 85_895)),
        # Two 3 s segments: each alone and both together are measured.
        ([(3.0, 45_000), (3.0, 15_000)], 0, 6, Bandwidth(120_000, 80_000)),
        # Runs longer than 1.5 target durations are not: 6 + 6 s > 9 s.
        ([(6.0, 30_000), (6.0, 60_000)], 0, 6, Bandwidth(80_000, 60_000)),
        # A stream shorter than half the target is one run.
        ([(2.0, 10_000)], 0, 6, Bandwidth(40_000, 40_000)),
        # Without a target duration: the longest segment's.
        ([(6.0, 60_000), (2.0, 30_000)], 0, None, Bandwidth(90_000, 90_000)),
        ([], 0, 6, Bandwidth(0, 0)),
    ],
)
def test_the_peak_is_hls_peak_segment_bit_rate(segments, init, target, expected):
    assert measure_bandwidth(segments, init, target) == expected


@pytest.mark.parametrize(
    ("text", "count"),
    [
        (MEDIA, 1),
        (with_independent_segments(MEDIA), 1),  # never twice
        (f"#EXTM3U\n{INDEPENDENT}\n#EXT-X-TARGETDURATION:6\n", 1),
        ("#EXTM3U\n#EXTINF:6.0,\na.m4s\n", 1),  # no version line: after EXTM3U
    ],
)
def test_every_media_playlist_states_independent_segments(text, count):
    written = with_independent_segments(text)
    assert written.splitlines().count(INDEPENDENT) == count
    assert (
        written.startswith("#EXTM3U\n") and m3u8.loads(written).is_independent_segments
    )


STEREO_ENGLISH = AudioRendition(64, 2, "en")


def conformed(rendition=STEREO_ENGLISH):
    text = rewrite_master(
        MASTER,
        MEASURED,
        MEASURED["audio/index.m3u8"],
        frame_rates={"720p/index.m3u8": 30.0, "240p/index.m3u8": 15},
        rendition=rendition,
    )
    return text, m3u8.loads(text)


def test_the_master_states_measured_rates_with_the_audio_added():
    text, _ = conformed()
    assert (
        "#EXT-X-STREAM-INF:BANDWIDTH=470000,AVERAGE-BANDWIDTH=364000,"
        'RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",AUDIO="aud",'
        "FRAME-RATE=30.000"
    ) in text


@pytest.mark.parametrize(
    ("rule", "check"),
    [
        ("independent segments", lambda m: m.is_independent_segments),
        (
            "frame rate on every video variant",
            lambda m: [p.stream_info.frame_rate for p in m.playlists[:2]] == [30, 15],
        ),
        ("audio NAME", lambda m: m.media[0].name == "English"),
        ("audio LANGUAGE", lambda m: m.media[0].language == "en"),
        ("audio CHANNELS", lambda m: m.media[0].channels == "2"),
        ("audio AUTOSELECT", lambda m: m.media[0].autoselect == "YES"),
        ("audio DEFAULT", lambda m: m.media[0].default == "YES"),
        (
            "audio-only variant last",
            lambda m: (
                (
                    m.playlists[-1].uri,
                    m.playlists[-1].stream_info.codecs,
                    m.playlists[-1].stream_info.resolution,
                    m.playlists[-1].stream_info.bandwidth,
                    m.playlists[-1].stream_info.audio,
                )
                == ("audio/index.m3u8", "mp4a.40.2", None, 70_000, None)
            ),
        ),
        ("three variants", lambda m: len(m.playlists) == 3),
    ],
)
def test_the_master_conforms(rule, check):
    _, master = conformed()
    assert check(master), rule


def test_a_mono_chinese_rendition_says_so():
    _, master = conformed(AudioRendition(64, 1, "zh"))
    assert (master.media[0].name, master.media[0].channels) == ("中文", "1")
    assert master.media[0].language == "zh"


def test_a_master_without_audio_gets_no_audio_only_variant():
    text = (
        "#EXTM3U\n#EXT-X-VERSION:7\n"
        '#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=426x240,CODECS="avc1.640015"\n'
        "240p/index.m3u8\n"
    )
    master = m3u8.loads(
        rewrite_master(text, MEASURED, None, frame_rates={"240p/index.m3u8": 15})
    )
    assert [p.uri for p in master.playlists] == ["240p/index.m3u8"]
    assert master.is_independent_segments and master.media == []


def test_an_audio_only_master_is_left_with_its_one_variant():
    text = (
        "#EXTM3U\n#EXT-X-VERSION:7\n"
        '#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS="mp4a.40.2"\naudio/index.m3u8\n'
    )
    master = m3u8.loads(rewrite_master(text, MEASURED, MEASURED["audio/index.m3u8"]))
    assert [p.uri for p in master.playlists] == ["audio/index.m3u8"]
    assert master.playlists[0].stream_info.bandwidth == 70_000
