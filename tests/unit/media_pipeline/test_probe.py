"""Which uploads are accepted, judged from ffprobe's JSON (DESIGN §4)."""

import pytest

from media_pipeline.probe import ProbeRejected, language_tag, parse_probe, parse_rate

MP4 = "mov,mp4,m4a,3gp,3g2,mj2"


def probe(container=MP4, duration="60.0", streams=None):
    if streams is None:
        streams = [video(), audio()]
    return {
        "format": {"format_name": container, "duration": duration},
        "streams": streams,
    }


def video(width=1280, height=720, avg="30/1", rate="30/1", **extra):
    return {
        "codec_type": "video",
        "width": width,
        "height": height,
        "avg_frame_rate": avg,
        "r_frame_rate": rate,
        **extra,
    }


def audio(channels=2):
    return {"codec_type": "audio", "channels": channels}


def test_a_normal_recording_is_described():
    info = parse_probe(probe())
    assert (info.width, info.height, info.fps, info.duration) == (1280, 720, 30.0, 60.0)
    assert info.has_video and info.has_audio and not info.is_variable_frame_rate


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({}, "not_media"),
        ("text", "not_media"),
        (probe(container="hls"), "unsupported_container"),  # a playlist saved as .mp4
        (probe(container="concat"), "unsupported_container"),  # an ffconcat file
        (probe(container="tty"), "unsupported_container"),  # a text file
        (probe(container="image2"), "unsupported_container"),
        (probe(streams=[]), "no_streams"),
        (probe(streams=[{"codec_type": "subtitle"}]), "no_streams"),
        (probe(duration="N/A", streams=[video()]), "no_duration"),
        (probe(duration="0", streams=[video()]), "no_duration"),
        (probe(duration=str(100 * 3600)), "too_long"),  # 100 hours
        (probe(streams=[video(100000, 100000)]), "too_large"),
        (probe(streams=[video(0, 0)]), "bad_dimensions"),
        (probe(streams=[video(avg="0/0", rate="0/0")]), "bad_frame_rate"),
        (probe(streams=[audio()] * 40), "too_many_streams"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(data, code):
    with pytest.raises(ProbeRejected) as info:
        parse_probe(data)
    assert info.value.code == code and str(info.value)


def test_audio_only_uploads_are_accepted():
    info = parse_probe(probe(streams=[audio(6)]))
    assert not info.has_video and info.audio_channels == 6


def test_cover_art_is_not_video():
    art = video(disposition={"attached_pic": 1})
    info = parse_probe(probe(streams=[art, audio()]))
    assert not info.has_video


def test_a_rotated_phone_video_is_portrait():
    rotated = video(1920, 1080, side_data_list=[{"rotation": -90}])
    info = parse_probe(probe(streams=[rotated, audio()]))
    assert (info.width, info.height, info.is_portrait) == (1080, 1920, True)


def test_variable_frame_rate_is_noticed():
    info = parse_probe(probe(streams=[video(avg="2217000/88943", rate="30/1")]))
    assert info.is_variable_frame_rate and 24 < info.fps < 25


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("30000/1001", 29.97),
        ("25/1", 25.0),
        ("0/0", None),
        ("", None),
        (None, None),
        ("abc", None),
        ("30", 30.0),
    ],
)
def test_parse_rate(text, value):
    result = parse_rate(text)
    assert (result is None and value is None) or round(result, 2) == value


@pytest.mark.parametrize(
    ("error_text", "head", "truncated"),
    [
        ("[mov] moov atom not found\nx.mp4: Invalid data", b"\0\0\0\x20ftypisom", True),
        ("[mov] moov atom not found\nx.mp4: Invalid data", b"\x89PNG\r\n\x1a\n", False),
        ("[mov] stream 0, offset 0x4ec7: partial file", b"", True),
        ("[matroska] File ended prematurely; truncated", b"", True),
        ("x.mp4: Invalid data found when processing input", b"", False),
        ("", b"", False),
        (None, b"", False),
    ],
    ids=[
        "mp4-without-index",
        "not-an-mp4",
        "partial-file",
        "truncated",
        "unreadable",
        "nothing-said",
        "none",
    ],
)
def test_is_truncated_reads_ffmpegs_words(error_text, head, truncated):
    from media_pipeline.probe import is_truncated

    assert is_truncated(error_text, head) is truncated


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("eng", "en"),  # ISO 639-2, as MP4 and Matroska store it
        ("chi", "zh"),  # bibliographic form
        ("zho", "zh"),  # terminology form
        ("ZH", "zh"),
        ("en-US", "en-us"),
        ("zh_CN", "zh-cn"),
        ("yue", "yue"),
        ("und", ""),  # undetermined: no language at all
        ("zxx", ""),
        ("", ""),
        (None, ""),
        (42, ""),
        ('en",URI="evil', ""),  # never reaches a playlist attribute
        ("english", ""),
    ],
)
def test_language_tag_is_bcp47_or_nothing(tag, expected):
    assert language_tag(tag) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [({"language": "eng"}, "en"), ({"language": "und"}, ""), ({}, ""), (None, "")],
)
def test_the_audio_streams_language_tag_is_read(tags, expected):
    stream = {**audio(), "tags": tags}
    assert parse_probe(probe(streams=[video(), stream])).audio_language == expected
