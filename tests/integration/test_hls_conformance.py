"""HLS conformance (issue 16, item 2): every playlist of real transcodes, via m3u8.

Three tiny generated sources go through the whole pipeline:
- ``motion``: 854x480 with grain changing every frame (the hardest picture for a
  rate cap), 9.5 s so the last segment (3.5 s) counts alone in the peak, audio
  tagged ``eng`` by its recorder;
- ``wide``: 640x272, between the 240p and 360p rungs, untagged audio, a course
  in English;
- ``silent``: 640x272 with grain and no audio (240p without audio peaked over
  its cap before).
"""

import json
import subprocess
from pathlib import Path

import m3u8
import pytest

from media_pipeline.runner import build_ladder
from tests.media.clips import make_clip

SOURCES = {
    # name: (make_clip's options, the course's language)
    "motion": (
        {"size": "854x480", "seconds": 9.5, "noise": True, "language": "eng"},
        "zh",
    ),
    "wide": ({"size": "640x272", "seconds": 8}, "en"),
    "silent": (
        {"size": "640x272", "seconds": 9.5, "noise": True, "audio": False},
        "zh",
    ),
}


@pytest.fixture(scope="module", params=sorted(SOURCES))
def ladder(request, tmp_path_factory):
    name = request.param
    options, course_language = SOURCES[name]
    work = tmp_path_factory.mktemp(name)
    clip = make_clip(work / f"{name}.mp4", **options)
    source, planned = build_ladder(clip, work / "out", language=course_language)
    return name, source, planned, work / "out"


def every_playlist(out):
    master = m3u8.load(str(out / "master.m3u8"))
    media = {uri: m3u8.load(str(out / uri)) for uri in playlist_uris(master)}
    return master, media


def playlist_uris(master):
    uris = [p.uri for p in master.playlists] + [m.uri for m in master.media if m.uri]
    return sorted(set(uris))


def video_variants(master):
    return [p for p in master.playlists if p.stream_info.resolution]


def test_every_playlist_states_independent_segments(ladder):
    _, _, planned, out = ladder
    master, media = every_playlist(out)
    expected = {f"{r.name}/index.m3u8" for r in planned.rungs}
    if planned.audio:
        expected.add("audio/index.m3u8")
    assert set(media) == expected
    assert master.is_independent_segments
    assert all(playlist.is_independent_segments for playlist in media.values())


def test_every_video_variant_states_its_frame_rate(ladder):
    _, _, planned, out = ladder
    master = m3u8.load(str(out / "master.m3u8"))
    rates = {f"{r.name}/index.m3u8": r.fps for r in planned.rungs}
    variants = video_variants(master)
    assert len(variants) == len(planned.rungs)
    for variant in variants:
        assert variant.stream_info.frame_rate == rates[variant.uri]
        stream = ffprobe_video(out / variant.uri)
        numerator, denominator = stream["r_frame_rate"].split("/")
        assert int(numerator) / int(denominator) == variant.stream_info.frame_rate


def test_the_audio_rendition_is_named_with_channels_autoselect_and_language(ladder):
    name, _, planned, out = ladder
    master = m3u8.load(str(out / "master.m3u8"))
    if planned.audio is None:
        assert master.media == [] or all(m.type != "AUDIO" for m in master.media)
        return
    (audio,) = master.media
    # The recorder's tag wins (eng -> en); untagged audio takes the course's.
    expected = {"motion": ("en", "English"), "wide": ("en", "English")}[name]
    assert (audio.type, audio.language, audio.name) == ("AUDIO", *expected)
    assert (audio.default, audio.autoselect) == ("YES", "YES")
    channels = ffprobe_json("-show_streams", str(out / audio.uri))["streams"][0]
    assert audio.channels == str(channels["channels"]) == "2"
    assert all(v.stream_info.audio == audio.group_id for v in video_variants(master))


def test_every_rung_has_square_pixels(ladder):
    _, _, _, out = ladder
    master = m3u8.load(str(out / "master.m3u8"))
    for variant in video_variants(master):
        stream = ffprobe_video(out / variant.uri)
        assert stream["sample_aspect_ratio"] == "1:1", variant.uri
        assert variant.stream_info.resolution == (stream["width"], stream["height"])


def test_a_source_between_two_rungs_is_offered_at_its_own_size(ladder):
    name, _, _, out = ladder
    master = m3u8.load(str(out / "master.m3u8"))
    sizes = [v.stream_info.resolution for v in video_variants(master)]
    expected = {
        "motion": [(854, 480), (640, 360), (428, 240)],
        "wide": [(640, 272), (564, 240)],
        "silent": [(640, 272), (564, 240)],
    }[name]
    assert sizes == expected


def test_an_audio_only_variant_comes_last_for_standard_clients(ladder):
    _, _, planned, out = ladder
    master = m3u8.load(str(out / "master.m3u8"))
    audio_only = [p for p in master.playlists if not p.stream_info.resolution]
    if planned.audio is None:
        assert audio_only == []
        return
    # Last, with no RESOLUTION and an audio codec only: hls.js leaves it out of a
    # master with video (the player offers audio-only itself); others may pick it.
    assert master.playlists[-1] is audio_only[0] and len(audio_only) == 1
    info = audio_only[0].stream_info
    assert (audio_only[0].uri, info.codecs) == ("audio/index.m3u8", "mp4a.40.2")
    assert info.bandwidth < min(v.stream_info.bandwidth for v in video_variants(master))
    assert info.bandwidth >= peak_rate(out / "audio/index.m3u8")


def test_every_rung_peaks_within_its_cap(ladder):
    """Peak = bytes x 8 / duration of each segment (the first with its init section),
    and of each run of segments HLS measures (RFC 8216 §4.3.4.2), under the rung's
    stated cap; the master's BANDWIDTH is at least that peak (with the audio)."""
    _, _, planned, out = ladder
    master = m3u8.load(str(out / "master.m3u8"))
    by_uri = {v.uri: v for v in master.playlists}
    audio_peak = peak_rate(out / "audio/index.m3u8") if planned.audio else 0
    for rung in planned.rungs:
        playlist = out / rung.name / "index.m3u8"
        rates = [rate for _, rate in segment_rates(playlist)]
        assert max(rates) <= rung.cap_kbps * 1000, (rung.name, rates)
        peak = peak_rate(playlist)
        assert peak <= rung.cap_kbps * 1000, (rung.name, peak)
        declared = by_uri[f"{rung.name}/index.m3u8"].stream_info.bandwidth
        assert peak + audio_peak * 0.99 <= declared <= rung.cap_kbps * 1000 + audio_peak


# --- measuring, independently of media_pipeline.playlists --------------------------


def ffprobe_json(*args):
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-protocol_whitelist", "file", "-of", "json", *args],
        capture_output=True,
        check=True,
        text=True,
    )
    return json.loads(result.stdout)


def ffprobe_video(playlist):
    return ffprobe_json("-show_streams", "-select_streams", "v:0", str(playlist))[
        "streams"
    ][0]


def segment_rates(playlist):
    """``[(seconds, bits per second)]`` of each segment of a media playlist; the
    init section counts with the first segment (a player loads both to start)."""
    parsed = m3u8.load(str(playlist))
    folder = Path(playlist).parent
    init = (folder / parsed.segment_map[0].uri).stat().st_size
    rates = []
    for index, segment in enumerate(parsed.segments):
        size = (folder / segment.uri).stat().st_size + (init if index == 0 else 0)
        rates.append((segment.duration, 8 * size / segment.duration))
    return rates


def peak_rate(playlist):
    """The highest rate of any run of segments lasting 0.5-1.5 target durations."""
    target = m3u8.load(str(playlist)).target_duration
    segments = segment_rates(playlist)
    peaks = []
    for first in range(len(segments)):
        bits = seconds = 0.0
        for duration, rate in segments[first:]:
            bits, seconds = bits + rate * duration, seconds + duration
            if seconds > 1.5 * target:
                break
            if seconds >= 0.5 * target:
                peaks.append(bits / seconds)
    return max(peaks)


def test_ffmpeg_plays_every_variant_of_the_master_to_the_end(ladder):
    """An independent client: ffmpeg's HLS demuxer reads the conformed master
    (the audio-only variant too) and decodes every stream without an error."""
    _, _, planned, out = ladder
    result = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-v",
            "error",
            "-protocol_whitelist",
            "file",
            "-i",
            str(out / "master.m3u8"),
            "-map",
            "0",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    programs = ffprobe_json("-show_programs", str(out / "master.m3u8"))["programs"]
    assert len(programs) == len(planned.rungs) + (1 if planned.audio else 0)
