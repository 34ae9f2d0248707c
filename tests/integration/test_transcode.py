"""The ladder for real: ffprobe and one ffmpeg process on tiny generated clips."""

import dataclasses
import http.server
import json
import shutil
import subprocess
import threading

import m3u8
import pytest

from media_pipeline.commands import POSTER_WIDTH
from media_pipeline.ladder import LECTURE_POLICY
from media_pipeline.probe import ProbeRejected
from media_pipeline.runner import (
    TranscodeFailed,
    build_ladder,
    make_stills,
    probe,
    publish,
    transcode,
    verify_output,
)
from tests.media.clips import make_clip, make_variable_frame_rate_clip


def ffprobe_json(*args):
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-protocol_whitelist", "file", "-of", "json", *args],
        capture_output=True,
        check=True,
        text=True,
    )
    return json.loads(result.stdout)


def eval_rate(text):
    numerator, denominator = text.split("/")
    return int(numerator) / int(denominator)


def keyframe_times(playlist):
    frames = ffprobe_json(
        "-skip_frame",
        "nokey",
        "-select_streams",
        "v:0",
        "-show_entries",
        "frame=pts_time",
        str(playlist),
    )["frames"]
    return [round(float(f["pts_time"]), 2) for f in frames]


@pytest.fixture(scope="module")
def lecture(tmp_path_factory):
    """A 14 s 854x480 30 fps clip with stereo sound, through the whole ladder."""
    work = tmp_path_factory.mktemp("ladder")
    clip = make_clip(work / "lecture.mp4", size="854x480")
    progress = []
    source, ladder = build_ladder(clip, work / "out", on_progress=progress.append)
    return source, ladder, work / "out", progress


def test_every_rung_has_its_size_and_frame_rate(lecture):
    _, ladder, out, _ = lecture
    assert [r.name for r in ladder.rungs] == ["480p", "360p", "240p"]  # no upscaling
    assert [r.fps for r in ladder.rungs] == [30.0, 15.0, 15.0]
    for rung in ladder.rungs:
        stream = ffprobe_json(
            "-show_streams",
            "-select_streams",
            "v:0",
            str(out / rung.name / "index.m3u8"),
        )["streams"][0]
        assert (stream["width"], stream["height"]) == (rung.width, rung.height)
        numerator, denominator = stream["r_frame_rate"].split("/")
        assert int(numerator) / int(denominator) == rung.fps


def test_keyframes_fall_at_the_same_times_on_every_rung(lecture):
    _, ladder, out, _ = lecture
    times = [keyframe_times(out / r.name / "index.m3u8") for r in ladder.rungs]
    start = times[0][0]  # the muxer's start offset, the same on every rung
    assert [round(t - start, 2) for t in times[0]] == [0, 2, 4, 6, 8, 10, 12]
    assert all(t == times[0] for t in times)


def test_segments_are_six_seconds_vod_fmp4(lecture):
    _, ladder, out, _ = lecture
    for name in [r.name for r in ladder.rungs] + ["audio"]:
        playlist = m3u8.load(str(out / name / "index.m3u8"))
        assert playlist.playlist_type == "vod" and playlist.is_endlist
        durations = [s.duration for s in playlist.segments]
        # Video cuts exactly at keyframes; AAC frames (21.3 ms) land within one frame.
        assert durations == pytest.approx([6.0, 6.0, 2.0], abs=0.05)
        assert playlist.segment_map and playlist.segments[0].uri.endswith(".m4s")


def test_the_master_states_measured_bandwidth_resolution_codecs_and_language(lecture):
    _, ladder, out, _ = lecture
    master = m3u8.load(str(out / "master.m3u8"))
    # The video rungs, then the audio-only variant (tests/integration/
    # test_hls_conformance.py checks it and the other rules of HLS).
    assert len(master.playlists) == len(ladder.rungs) + 1
    for variant, rung in zip(master.playlists, ladder.rungs, strict=False):
        info = variant.stream_info
        assert info.resolution == (rung.width, rung.height)
        assert info.codecs.startswith("avc1.") and "mp4a.40.2" in info.codecs
        assert 0 < info.average_bandwidth <= info.bandwidth
        # Measured, not the declared cap (which ffmpeg would have written).
        assert info.bandwidth < (rung.cap_kbps + 64) * 1000
    audio = master.media[0]
    assert (audio.type, audio.language, audio.uri) == (
        "AUDIO",
        "zh",
        "audio/index.m3u8",
    )
    lowest = master.playlists[-2].stream_info
    assert lowest.resolution[1] == 240 and lowest.bandwidth <= 200_000 + 64_000 * 1.5


def test_progress_is_reported_and_stills_are_made(lecture):
    _, _, out, progress = lecture
    assert progress and progress[-1] > 0.9 and progress == sorted(progress)
    assert (out / "poster.jpg").stat().st_size > 0
    assert len(list(out.glob("thumb_*.jpg"))) >= 1


def test_a_grainy_1080p_poster_is_small_enough_for_a_slow_link(tmp_path):
    """The poster is all a lecture page fetches of its video before play: a 1080p
    frame of grain, the heaviest picture there is, stays narrow and light."""
    clip = make_clip(tmp_path / "camera.mp4", seconds=1, size="1920x1080", noise=True)
    (tmp_path / "out").mkdir()
    make_stills(clip, probe(clip), tmp_path / "out")
    poster = tmp_path / "out" / "poster.jpg"
    width = ffprobe_json("-show_streams", str(poster))["streams"][0]["width"]
    assert width == POSTER_WIDTH
    # 1280 px at JPEG quality 3 (the poster before) weighed 350 KB here, now 39 KB.
    assert poster.stat().st_size < 100_000


def test_the_audio_rendition_is_stereo_aac(lecture):
    _, _, out, _ = lecture
    stream = ffprobe_json("-show_streams", str(out / "audio" / "index.m3u8"))["streams"]
    assert [(s["codec_name"], s["channels"]) for s in stream] == [("aac", 2)]


def test_a_surround_source_is_downmixed_and_a_portrait_one_stays_portrait(tmp_path):
    clip = make_clip(tmp_path / "phone.mp4", seconds=4, size="360x640", channels=6)
    source, ladder = build_ladder(clip, tmp_path / "out")
    assert source.is_portrait and [(r.width, r.height) for r in ladder.rungs] == [
        (360, 640),
        (240, 426),
    ]
    stream = ffprobe_json("-show_streams", str(tmp_path / "out/audio/index.m3u8"))
    assert stream["streams"][0]["channels"] == 2


def test_an_audio_only_upload_gets_an_audio_only_ladder(tmp_path):
    clip = make_clip(tmp_path / "talk.m4a", seconds=4, video=False)
    source, ladder = build_ladder(clip, tmp_path / "out")
    assert not source.has_video and ladder.rungs == ()
    master = m3u8.load(str(tmp_path / "out" / "master.m3u8"))
    assert [p.uri for p in master.playlists] == ["audio/index.m3u8"]
    assert (tmp_path / "out" / "poster.jpg").stat().st_size > 0  # its waveform


def test_output_is_checked_before_it_may_be_published(lecture, tmp_path):
    source, ladder, out, _ = lecture
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    verify_output(copy, ladder, source)
    (copy / "240p" / "index.m3u8").unlink()
    with pytest.raises(TranscodeFailed, match="240p"):
        verify_output(copy, ladder, source)


def test_a_variable_frame_rate_source_becomes_constant_rate_rungs(tmp_path):
    clip = make_variable_frame_rate_clip(tmp_path / "phone.mp4")
    source, ladder = build_ladder(clip, tmp_path / "out")
    assert source.is_variable_frame_rate
    playlist = tmp_path / "out" / ladder.rungs[0].name / "index.m3u8"
    stream = ffprobe_json("-show_streams", "-select_streams", "v:0", str(playlist))
    video = stream["streams"][0]
    nominal, average = (eval_rate(video[k]) for k in ("r_frame_rate", "avg_frame_rate"))
    assert nominal == pytest.approx(ladder.rungs[0].fps, abs=0.01)
    assert average == pytest.approx(nominal, rel=0.01)  # constant from here on
    times = keyframe_times(playlist)
    assert [round(t - times[0]) for t in times] == [0, 2, 4, 6, 8, 10][: len(times)]


def test_ffmpeg_failing_gives_a_readable_error_and_no_output(lecture, tmp_path):
    _source, ladder, _, _ = lecture
    impossible = dataclasses.replace(
        ladder,
        rungs=(
            dataclasses.replace(ladder.rungs[0], width=853),
        ),  # an odd width: x264 refuses it
    )
    clip = make_clip(tmp_path / "short.mp4", seconds=2, size="854x480")
    with pytest.raises(TranscodeFailed) as info:
        transcode(clip, probe(clip), impossible, tmp_path / "out")
    assert str(info.value).strip() and "Traceback" not in str(info.value)
    assert not (tmp_path / "out" / "master.m3u8").exists()


def test_a_text_file_renamed_mp4_is_refused(tmp_path):
    fake = tmp_path / "lecture.mp4"
    fake.write_text("这不是视频 / not a video\n" * 100)
    with pytest.raises(ProbeRejected):
        probe(fake)


def test_a_truncated_mp4_is_refused(tmp_path):
    clip = make_clip(tmp_path / "whole.mp4", seconds=4)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[: clip.stat().st_size // 3])
    with pytest.raises(ProbeRejected):
        probe(cut)


def test_an_ffconcat_file_is_refused(tmp_path):
    fake = tmp_path / "lecture.mp4"
    fake.write_text("ffconcat version 1.0\nfile /etc/passwd\n")
    with pytest.raises(ProbeRejected):
        probe(fake)


def test_a_playlist_saved_as_mp4_reaches_no_server_and_no_file(tmp_path):
    requests = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for target in (
            f"http://127.0.0.1:{server.server_port}/seg.ts",
            "file:///etc/passwd",
        ):
            fake = tmp_path / "lecture.mp4"
            fake.write_text(
                "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n"
                f"{target}\n#EXT-X-ENDLIST\n"
            )
            with pytest.raises(ProbeRejected) as info:
                probe(fake)
            assert "root:" not in str(info.value)
    finally:
        server.shutdown()
    assert requests == []


def test_publishing_swaps_the_output_atomically(tmp_path):
    first, second = tmp_path / "v1", tmp_path / "v2"
    first.mkdir()
    (first / "master.m3u8").write_text("one")
    second.mkdir()
    (second / "master.m3u8").write_text("two")
    link = tmp_path / "current"
    publish(first, link)
    assert (link / "master.m3u8").read_text() == "one"
    publish(second, link)
    assert (link / "master.m3u8").read_text() == "two" and not first.exists()


def test_the_lecture_policy_is_the_default():
    assert LECTURE_POLICY.tune == "stillimage"
