"""A truncated upload fails as ``incomplete`` (real ffmpeg on tiny lavfi clips), and a
job's error reaches the page in the reader's language."""

import subprocess

import pytest

from media_pipeline.probe import ProbeRejected
from media_pipeline.runner import TranscodeFailed, build_ladder, probe
from tests.media.clips import make_clip


def cut(path, keep):
    data = path.read_bytes()
    out = path.with_name("cut-" + path.name)
    out.write_bytes(data[: int(len(data) * keep)])
    return out


def test_an_mp4_cut_before_its_index_is_incomplete_not_unreadable(tmp_path):
    clip = make_clip(tmp_path / "talk.mp4", seconds=3, size="160x90", rate=15)
    with pytest.raises(ProbeRejected) as rejected:
        probe(cut(clip, 0.5))
    assert rejected.value.code == "incomplete"


def test_random_bytes_named_mp4_are_still_not_media(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(ProbeRejected) as rejected:
        probe(junk)
    assert rejected.value.code == "not_media"


def test_a_faststart_mp4_cut_short_fails_its_transcode_as_incomplete(tmp_path):
    clip = make_clip(tmp_path / "talk.mp4", seconds=4, size="160x90", rate=15)
    fast = tmp_path / "fast.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(clip),
            "-c",
            "copy",
            "-movflags",
            "+faststart",
            str(fast),
        ],
        check=True,
    )
    with pytest.raises(TranscodeFailed) as failed:
        build_ladder(cut(fast, 0.5), tmp_path / "work")
    assert failed.value.code == "incomplete"
