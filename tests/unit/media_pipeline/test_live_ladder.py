"""The live ladder's pure rules: which variants a push gets, the ffmpeg
arguments, how long a run may last, when the worker beats and when its beat
is stale (DESIGN §2.8)."""

from datetime import UTC, datetime, timedelta

import pytest

from media_pipeline import live
from media_pipeline.live import PushedStream

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("stream", "names"),
    [
        (PushedStream(True, True, 1080), ["source", "360p", "240p", "audio"]),
        (PushedStream(True, True, 720), ["source", "360p", "240p", "audio"]),
        (PushedStream(True, True, 480), ["source", "360p", "240p", "audio"]),
        (PushedStream(True, True, 360), ["source", "240p", "audio"]),
        (PushedStream(True, True, 240), ["source", "audio"]),
        (PushedStream(True, True, 180), ["source", "audio"]),
        # Height unknown (no metadata): every rung, each capped at the source.
        (PushedStream(True, True, 0), ["source", "360p", "240p", "audio"]),
        (PushedStream(True, False, 720), ["source", "360p", "240p"]),
        (PushedStream(False, True, 0), ["audio"]),
        (PushedStream(False, False, 0), []),
    ],
)
def test_the_variants_of_a_push(stream, names):
    assert live.rung_names(stream) == names


def _value(args, flag):
    return args[args.index(flag) + 1]


def test_a_push_with_both_gets_every_variant_and_a_copy():
    args = live.ladder_args(
        "rtmp://127.0.0.1:1935/live/b7",
        "/l/b7/r1",
        "/l/rec.ts",
        PushedStream(True, True, 720),
    )
    assert args[0] == "ffmpeg"
    assert _value(args, "-i") == "rtmp://127.0.0.1:1935/live/b7"
    assert _value(args, "-protocol_whitelist") == "rtmp,tcp"
    assert _value(args, "-var_stream_map") == (
        "v:0,a:0,name:source v:1,a:1,name:360p v:2,a:2,name:240p a:3,name:audio"
    )
    graph = _value(args, "-filter_complex")
    assert graph.startswith("[0:v]split=3[s0][s1][s2];")
    assert "scale=w=-2:h='min(720,ih)'" in graph
    assert "[s1]fps=15,scale=w=-2:h='min(360,ih)'" in graph
    assert _value(args, "-hls_time") == "2"
    assert _value(args, "-hls_list_size") == "10"
    assert "delete_segments" in _value(args, "-hls_flags")
    assert _value(args, "-force_key_frames") == "expr:gte(t,n_forced*2)"
    assert _value(args, "-hls_segment_filename") == "/l/b7/r1/%v/seg_%05d.ts"
    # A pull started again in the run's folder never reuses a segment's name.
    assert _value(args, "-hls_start_number_source") == "epoch"
    assert args[-1] == "/l/rec.ts"
    assert args[-9:-1] == [
        "-map",
        "0:v:0",
        "-map",
        "0:a:0",
        "-c",
        "copy",
        "-f",
        "mpegts",
    ]
    assert _value(args, "-progress") == "pipe:1"


def test_a_push_without_audio_maps_no_audio():
    args = live.ladder_args("u", "/o", "/r.ts", PushedStream(True, False, 720))
    assert "0:a:0" not in args
    assert "-c:a" not in args
    assert _value(args, "-var_stream_map") == (
        "v:0,name:source v:1,name:360p v:2,name:240p"
    )


def test_a_push_without_video_has_no_filter_and_one_variant():
    args = live.ladder_args("u", "/o", "/r.ts", PushedStream(False, True, 0))
    assert "-filter_complex" not in args
    assert "-c:v" not in args
    assert "0:v:0" not in args
    assert _value(args, "-var_stream_map") == "a:0,name:audio"


def test_a_push_with_neither_has_no_ladder():
    with pytest.raises(ValueError):
        live.ladder_args("u", "/o", "/r.ts", PushedStream(False, False, 0))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {
                "streams": [
                    {"codec_type": "video", "height": 720},
                    {"codec_type": "audio"},
                ]
            },
            PushedStream(True, True, 720),
        ),
        ({"streams": [{"codec_type": "audio"}]}, PushedStream(False, True, 0)),
        ({"streams": [{"codec_type": "video"}]}, PushedStream(True, False, 0)),
        (
            {"streams": [{"codec_type": "video", "height": "x"}]},
            PushedStream(True, False, 0),
        ),
        ({"streams": [{"codec_type": "data"}]}, PushedStream(False, False, 0)),
        ({}, PushedStream(False, False, 0)),
    ],
)
def test_what_a_probe_says_of_a_push(data, expected):
    assert live.parse_stream_probe(data) == expected


@pytest.mark.parametrize(
    ("deadline", "seconds"),
    [
        (NOW + timedelta(hours=1), 3600 + 120),
        (NOW, 120),
        # Past its deadline already: it stops almost at once.
        (NOW - timedelta(hours=1), 1.0),
        (None, 14 * 3600),
    ],
)
def test_how_long_a_run_may_last(deadline, seconds):
    assert live.ladder_seconds(deadline, NOW) == seconds


@pytest.mark.parametrize(
    ("last", "due"),
    [
        (None, True),
        (NOW - timedelta(seconds=1), False),
        (NOW - timedelta(seconds=4.9), False),
        (NOW - timedelta(seconds=5), True),
        (NOW - timedelta(minutes=5), True),
    ],
)
def test_when_the_worker_beats(last, due):
    assert live.beat_due(last, NOW, 15) is due


@pytest.mark.parametrize(
    ("beat", "changed", "stale"),
    [
        (NOW - timedelta(seconds=10), NOW - timedelta(hours=1), False),
        (NOW - timedelta(seconds=45), NOW - timedelta(hours=1), False),
        (NOW - timedelta(seconds=46), NOW - timedelta(hours=1), True),
        # Never beat: counted from the push's start.
        (None, NOW - timedelta(seconds=30), False),
        (None, NOW - timedelta(minutes=2), True),
        (None, None, True),
    ],
)
def test_when_a_ladder_is_taken_for_dead(beat, changed, stale):
    assert live.beat_is_stale(beat, changed, NOW, 15) is stale


@pytest.mark.parametrize(
    ("line", "item"),
    [
        ("out_time_us=2000000\n", ("out_time_us", "2000000")),
        ("progress=continue", ("progress", "continue")),
        ("garbage", None),
        ("=1", None),
    ],
)
def test_progress_lines(line, item):
    assert live.parse_progress(line) == item


@pytest.mark.parametrize(
    ("value", "seconds"), [("2500000", 2.5), ("0", 0.0), ("-1", None), ("N/A", None)]
)
def test_progress_times(value, seconds):
    assert live.out_time_seconds(value) == seconds


def test_the_pull_names_the_broadcast_never_the_key():
    assert live.pull_url("127.0.0.1", 19350, "b42") == "rtmp://127.0.0.1:19350/live/b42"
    args = live.probe_args("rtmp://127.0.0.1:19350/live/b42")
    assert _value(args, "-protocol_whitelist") == "rtmp,tcp"
    assert args[-1] == "rtmp://127.0.0.1:19350/live/b42"


@pytest.mark.parametrize(
    ("error", "attempts"),
    [
        ("", 0),
        (None, 0),
        ("ffmpeg exited with 1", 0),
        ("replay attempt 1 failed: x", 1),
        ("the ladder failed\nreplay attempt 3 failed: x", 3),
        ("said: replay attempt 4 failed", 0),  # only a line of its own counts
    ],
)
def test_replay_attempts_are_read_from_the_error(error, attempts):
    assert live.replay_attempts(error) == attempts


@pytest.mark.parametrize(
    ("error", "message", "after"),
    [
        ("", "RuntimeError: boom", "replay attempt 1 failed: RuntimeError: boom"),
        (
            "the ladder failed",
            "OSError: disk\nfull",
            "the ladder failed\nreplay attempt 1 failed: OSError: disk full",
        ),
        (
            "the ladder failed\nreplay attempt 1 failed: a",
            "b",
            "the ladder failed\nreplay attempt 2 failed: b",
        ),
        ("replay attempt 4 failed: a", "b", "replay attempt 5 failed: b"),
    ],
)
def test_a_failed_replay_is_one_more_attempt_and_keeps_the_ladders_error(
    error, message, after
):
    assert live.replay_failed(error, message) == after


def test_a_long_error_stays_bounded():
    after = live.replay_failed("x" * 5000, "y" * 5000)
    assert len(after) < 2000
    assert live.replay_attempts(after) == 1
