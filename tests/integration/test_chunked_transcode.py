"""Long recordings in chunks (issue 16, item 5), at the runner: a 30 s 480p clip cut
into 12 s chunks and joined equals the whole-file transcode of it."""

import m3u8
import pytest

from media_pipeline.chunks import plan_chunks, timestamp_lead
from media_pipeline.ladder import LECTURE_POLICY, plan_ladder
from media_pipeline.runner import (
    build_ladder,
    join_pieces,
    probe,
    transcode_piece,
)
from tests.media.clips import make_clip
from tests.media.ladders import compare, plays_through, renditions


def transcode_in_chunks(clip, out, chunk_seconds=12):
    source = probe(clip)
    ladder = plan_ladder(source, LECTURE_POLICY)
    plan = plan_chunks(
        source.duration,
        segment_seconds=ladder.segment_seconds,
        threshold_seconds=10,
        chunk_seconds=chunk_seconds,
    )
    lead = timestamp_lead(ladder)
    pieces = out / "chunks"
    for chunk in plan:
        transcode_piece(
            clip, source, ladder, pieces / str(chunk.index), chunk=chunk, lead=lead
        )
    transcode_piece(clip, source, ladder, pieces / "audio", lead=lead)
    join_pieces(
        out,
        [pieces / str(c.index) for c in plan],
        pieces / "audio",
        ladder,
        source,
    )
    return source, ladder, plan


@pytest.fixture(scope="module", params=["30", "30000/1001"], ids=["30fps", "ntsc"])
def ladders(request, tmp_path_factory):
    """At 30 fps and at 29.97 (NTSC: no chunk boundary falls on a frame)."""
    work = tmp_path_factory.mktemp("chunks")
    clip = make_clip(work / "clip.mp4", seconds=30, size="854x480", rate=request.param)
    build_ladder(clip, work / "whole", policy=LECTURE_POLICY)
    _source, ladder, plan = transcode_in_chunks(clip, work / "joined")
    return clip, work / "whole", work / "joined", ladder, plan


def test_the_clip_is_cut_in_three_chunks(ladders):
    *_, plan = ladders
    assert [(c.start_seconds, c.end_seconds) for c in plan] == [
        (0, 12),
        (12, 24),
        (24, None),  # the 6 s tail: half a chunk, a chunk of its own
    ]


def test_joined_ladder_equals_the_whole_file_transcode(ladders):
    clip, whole, joined, ladder, _ = ladders
    assert renditions(joined) == renditions(whole)
    rows = compare(whole, joined, clip, ladder)
    assert set(rows) == {r.name for r in ladder.rungs} | {"audio"}
    for name, row in rows.items():
        assert row["same_segments"], name
        (da, db), (pa, pb) = row["duration"], row["packets"]
        assert db == pytest.approx(da, abs=0.05), name
        assert pb == pa, name  # no frame lost or doubled at a seam
        if "ssim" in row:
            a, b = row["ssim"]
            assert abs(a - b) <= 0.005, (name, a, b)


def test_every_rung_shares_one_init_section_without_discontinuity(ladders):
    _, _, joined, ladder, _plan = ladders
    for rung in ladder.rungs:
        playlist = m3u8.load(str(joined / rung.name / "index.m3u8"))
        assert playlist.is_endlist and playlist.is_independent_segments
        assert [s.init_section.uri for s in playlist.segments] == ["init.mp4"] * len(
            playlist.segments
        )
        assert not any(s.discontinuity for s in playlist.segments)
        assert len(playlist.segments) == 5


def test_joined_master_conforms_as_the_whole_file_s(ladders):
    _, whole, joined, _, _ = ladders
    a = m3u8.load(str(whole / "master.m3u8"))
    b = m3u8.load(str(joined / "master.m3u8"))
    assert b.is_independent_segments
    media = [
        (m.type, m.name, m.language, m.channels, m.autoselect, m.default, m.uri)
        for m in (a.media, b.media)
        for m in m
    ]
    assert media[: len(a.media)] == media[len(a.media) :]
    variants = [
        [
            (
                p.uri,
                p.stream_info.resolution,
                p.stream_info.frame_rate,
                p.stream_info.codecs,
                p.stream_info.audio,
            )
            for p in master.playlists
        ]
        for master in (a, b)
    ]
    assert variants[0] == variants[1]
    for x, y in zip(a.playlists, b.playlists, strict=True):
        assert y.stream_info.bandwidth == pytest.approx(
            x.stream_info.bandwidth, rel=0.2
        )


def test_ffmpeg_plays_the_joined_master_to_the_end(ladders):
    _, _, joined, _, _ = ladders
    ok, errors = plays_through(joined / "master.m3u8")
    assert ok, errors
