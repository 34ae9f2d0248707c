"""Cutting a long recording into chunks and joining their playlists (pure)."""

import pytest

from media_pipeline.chunks import (
    Chunk,
    align_to_frames,
    compose_master,
    join_media_playlists,
    parse_map_uri,
    piece_problem,
    plan_chunks,
    timestamp_lead,
)
from media_pipeline.ladder import Ladder, Rung


def spans(plan):
    return [(c.start_seconds, c.end_seconds, c.first_segment) for c in plan]


@pytest.mark.parametrize(
    ("duration", "threshold", "chunk", "expected"),
    [
        pytest.param(600, 600, 120, [], id="at-the-threshold-whole"),
        pytest.param(30, 600, 120, [], id="short-source-whole"),
        pytest.param(0, 0, 12, [], id="no-duration-whole"),
        pytest.param(
            601,
            600,
            120,
            [
                (0, 120, 0),
                (120, 240, 20),
                (240, 360, 40),
                (360, 480, 60),
                (480, None, 80),
            ],
            id="tail-under-half-joins-the-last",
        ),
        pytest.param(
            40, 10, 12, [(0, 12, 0), (12, 24, 2), (24, None, 4)], id="tail-of-16s"
        ),
        pytest.param(
            42,
            10,
            12,
            [(0, 12, 0), (12, 24, 2), (24, 36, 4), (36, None, 6)],
            id="tail-of-half-a-chunk-is-its-own",
        ),
        pytest.param(
            36, 10, 12, [(0, 12, 0), (12, 24, 2), (24, None, 4)], id="exact-multiple"
        ),
        pytest.param(
            40,
            10,
            14,
            [(0, 12, 0), (12, 24, 2), (24, None, 4)],
            id="rounded-to-segments",
        ),
        pytest.param(
            20, 10, 3, [(0, 6, 0), (6, 12, 1), (12, None, 2)], id="one-segment-least"
        ),
        pytest.param(20, 10, 18, [], id="one-chunk-is-whole"),
    ],
)
def test_chunks_start_on_segment_boundaries(duration, threshold, chunk, expected):
    plan = plan_chunks(
        duration, segment_seconds=6, threshold_seconds=threshold, chunk_seconds=chunk
    )
    assert spans(plan) == expected
    assert [c.index for c in plan] == list(range(len(plan)))


def test_a_chunk_lasts_to_its_end_and_the_last_to_the_recording_s():
    plan = plan_chunks(40, segment_seconds=6, threshold_seconds=10, chunk_seconds=12)
    assert [c.duration_seconds for c in plan] == [12, 12, None]


def rung(name, fps):
    return Rung(name, 320, 240, fps, 26, 200, 142, 142)


@pytest.mark.parametrize(
    ("rates", "lead"),
    [((30, 15), 4 / 15), ((30,), 4 / 30), ((), 4 / 30)],
)
def test_timestamps_lead_by_frames_of_the_slowest_rung(rates, lead):
    ladder = Ladder(tuple(rung(f"{r}", r) for r in rates), None, "film", 2, 6)
    assert timestamp_lead(ladder) == pytest.approx(lead, abs=1e-6)


def playlist(init, *segments):
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:6"]
    lines += ["#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD"]
    lines.append(f'#EXT-X-MAP:URI="{init}"')
    for duration, uri in segments:
        lines += [f"#EXTINF:{duration:.6f},", uri]
    return "\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n"


def test_joined_playlist_lists_every_segment_in_order_under_one_map():
    first = playlist("init.mp4", (6, "seg_00000.m4s"), (6, "seg_00001.m4s"))
    last = playlist("init.mp4", (6, "seg_00002.m4s"), (4, "seg_00003.m4s"))
    joined = join_media_playlists([first, last], ["init.mp4", "init.mp4"])
    assert joined.count("#EXT-X-MAP") == 1
    assert "DISCONTINUITY" not in joined
    assert "#EXT-X-INDEPENDENT-SEGMENTS" in joined
    assert joined.endswith("#EXT-X-ENDLIST\n")
    assert [x for x in joined.splitlines() if x.startswith("seg_")] == [
        f"seg_0000{i}.m4s" for i in range(4)
    ]
    assert "#EXTINF:4.000000," in joined


def test_a_chunk_with_another_init_section_gets_its_own_map():
    parts = [playlist("init.mp4", (6, f"seg_0000{i}.m4s")) for i in range(3)]
    joined = join_media_playlists(parts, ["init.mp4", "init_1.mp4", "init_1.mp4"])
    maps = [x for x in joined.splitlines() if x.startswith("#EXT-X-MAP")]
    assert maps == ['#EXT-X-MAP:URI="init.mp4"', '#EXT-X-MAP:URI="init_1.mp4"']


def test_join_needs_a_map_per_playlist():
    with pytest.raises(ValueError):
        join_media_playlists([playlist("init.mp4")], [])


def test_map_uri_is_read_from_the_playlist():
    assert parse_map_uri(playlist("init_0.mp4")) == "init_0.mp4"
    assert parse_map_uri("#EXTM3U\n") is None


def test_master_plays_the_video_with_the_audio_rendition():
    video = (
        "#EXTM3U\n#EXT-X-VERSION:7\n"
        '#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=320x240,CODECS="avc1.64000c"\n'
        "240p/index.m3u8\n\n"
    )
    master = compose_master(video, "mp4a.40.2", "en")
    assert 'CODECS="avc1.64000c,mp4a.40.2",AUDIO="group_aud"' in master
    assert 'LANGUAGE="en",URI="audio/index.m3u8"' in master
    assert "240p/index.m3u8" in master
    assert "AUDIO=" not in compose_master(video, None, "en")


def test_chunk_is_a_plain_value():
    assert Chunk(1, 12, 24, 2).duration_seconds == 12


def test_a_chunk_s_command_seeks_trims_and_continues_the_timestamps():
    from media_pipeline.commands import piece_args
    from media_pipeline.ladder import AudioRendition

    ladder = Ladder((rung("240p", 15),), AudioRendition(64, 2), "stillimage", 2, 6)
    chunk = Chunk(1, 12, 24, 2)
    args = piece_args("in.mp4", "mov", ladder, "out", chunk=chunk, lead=0.25)
    at = args.index("-i")
    assert args[at - 4 : at] == ["-ss", "12.000000", "-t", "12.000000"]
    assert args[args.index("-output_ts_offset") + 1] == "12.250000"
    assert args[args.index("-start_number") + 1] == "2"
    assert args[args.index("-hls_segment_options") + 1] == "movflags=+frag_discont"
    assert "c:a" not in " ".join(args) and "240p" in " ".join(args)
    audio = piece_args("in.mp4", "mov", ladder, "out", lead=0.25)
    assert "-t" not in audio and "libx264" not in audio
    assert audio[audio.index("-output_ts_offset") + 1] == "0.250000"


@pytest.mark.parametrize(
    ("fps", "chunk", "expected"),
    [
        pytest.param(30, Chunk(1, 12, 24, 2), (12, 24), id="on-frames-already"),
        pytest.param(25, Chunk(2, 24, None, 4), (24, None), id="last-chunk"),
        pytest.param(
            30000 / 1001, Chunk(1, 12, 24, 2), (12.012, 24.024), id="ntsc-next-frame"
        ),
        pytest.param(0, Chunk(1, 12, 24, 2), (12, 24), id="unknown-rate"),
    ],
)
def test_chunks_start_on_the_first_frame_at_or_after_their_boundary(
    fps, chunk, expected
):
    aligned = align_to_frames(chunk, fps)
    assert (aligned.start_seconds, aligned.end_seconds) == expected
    assert (aligned.index, aligned.first_segment) == (chunk.index, chunk.first_segment)


def piece_playlist(first, count, seconds=6.0, last_seconds=None):
    lines = ["#EXTM3U", '#EXT-X-MAP:URI="init_0.mp4"']
    for number in range(first, first + count):
        length = (
            last_seconds if number == first + count - 1 and last_seconds else seconds
        )
        lines += [f"#EXTINF:{length:.6f},", f"seg_{number:05d}.m4s"]
    return "\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n"


@pytest.mark.parametrize(
    ("text", "chunk", "problem"),
    [
        pytest.param(piece_playlist(2, 2), Chunk(1, 12, 24, 2), None, id="as-planned"),
        pytest.param(
            piece_playlist(4, 3, last_seconds=2), Chunk(2, 24, None, 4), None, id="last"
        ),
        pytest.param(
            piece_playlist(2, 3),
            Chunk(1, 12, 24, 2),
            "3 segments, planned 2",
            id="one-more",
        ),
        pytest.param(
            piece_playlist(1, 2),
            Chunk(1, 12, 24, 2),
            "planned from 2",
            id="starts-early",
        ),
        pytest.param(
            piece_playlist(4, 2), Chunk(2, 24, None, 2), "planned from 2", id="last-off"
        ),
        pytest.param(
            piece_playlist(2, 2, seconds=5),
            Chunk(1, 12, 24, 2),
            "lasts 10.000",
            id="short",
        ),
        pytest.param("#EXTM3U\n", Chunk(0, 0, 12, 0), "no segment", id="empty"),
    ],
)
def test_a_chunk_s_piece_holds_exactly_its_planned_segments(text, chunk, problem):
    found = piece_problem(text, chunk, 6.0)
    assert (found is None) if problem is None else (problem in found)
