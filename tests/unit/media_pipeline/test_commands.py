"""The transcode's ffmpeg arguments: the filter graph and each rung's encoder."""

import re

import pytest

from media_pipeline.commands import plan_scale_sources, transcode_args
from media_pipeline.ladder import (
    HIGH_MOTION_POLICY,
    LECTURE_POLICY,
    plan_ladder,
)
from tests.unit.media_pipeline.test_ladder import source


def option(args, name):
    return args[args.index(name) + 1]


def chains(args):
    """Each output label of the filter graph with its filters, in order, and the
    label it reads: ``{label: (input, [filter, ...])}`` (a split has one entry
    per output)."""
    graph = option(args, "-filter_complex")
    links = {}
    for step in graph.split(";"):
        found = re.fullmatch(r"\[([^\]]+)\]([^\[]+)((?:\[[^\]]+\])+)", step)
        into, flt, outs = found.groups()
        for out in re.findall(r"\[([^\]]+)\]", outs):
            links[out] = (into, flt)
    return links


def lineage(links, label):
    """The filters from the input to ``label``, first first."""
    filters = []
    while label in links:
        label, flt = links[label]
        filters.append(flt)
    return list(reversed(filters))


def rung_lineages(args, count):
    links = chains(args)
    maps = [args[i + 1] for i, a in enumerate(args) if a == "-map"][:count]
    return [lineage(links, m.strip("[]")) for m in maps]


def names(filters):
    return [f.split("=")[0] for f in filters]


@pytest.mark.parametrize(
    ("count", "parents"),
    [
        (1, (None,)),
        (2, (None, 0)),
        (4, (None, 0, 0, 0)),
        (5, (None, 0, 0, 0, 0)),  # a source between two rungs: its own size on top
    ],
)
def test_the_top_rung_is_scaled_from_the_source_the_others_from_it(count, parents):
    assert plan_scale_sources(range(count)) == parents


@pytest.mark.parametrize(
    ("src", "policy", "expected"),
    [
        (
            source(1920, 1080),
            HIGH_MOTION_POLICY,
            [
                ["fps=30.0", "scale=1280:720", "split"],
                ["fps=30.0", "scale=1280:720", "split", "fps=30.0", "scale=854:480"],
                ["fps=30.0", "scale=1280:720", "split", "fps=30.0", "scale=640:360"],
                ["fps=30.0", "scale=1280:720", "split", "fps=15", "scale=426:240"],
            ],
        ),
        (
            source(1280, 720),
            LECTURE_POLICY,
            [
                ["fps=30.0", "scale=1280:720", "split"],
                ["fps=30.0", "scale=1280:720", "split", "fps=30.0", "scale=854:480"],
                ["fps=30.0", "scale=1280:720", "split", "fps=15", "scale=640:360"],
                ["fps=30.0", "scale=1280:720", "split", "fps=15", "scale=426:240"],
            ],
        ),
        (
            source(640, 272),
            LECTURE_POLICY,
            [
                ["fps=15", "scale=640:272", "split"],
                ["fps=15", "scale=640:272", "split", "fps=15", "scale=564:240"],
            ],
        ),
        (source(320, 180), LECTURE_POLICY, [["fps=15", "scale=320:180"]]),
    ],
)
def test_the_source_is_scaled_once_and_frames_are_dropped_before_scaling(
    src, policy, expected
):
    ladder = plan_ladder(src, policy)
    args = transcode_args("in.mp4", "mov", ladder, "/out")
    kept = [
        [f.split(":flags")[0] for f in chain if not f.startswith(("setsar", "format"))]
        for chain in rung_lineages(args, len(ladder.rungs))
    ]
    assert [[f.removesuffix("=4").removesuffix("=2") for f in c] for c in kept] == (
        expected
    )


def test_every_rung_ends_square_pixels_in_yuv420p():
    ladder = plan_ladder(source(1920, 1080), HIGH_MOTION_POLICY)
    args = transcode_args("in.mp4", "mov", ladder, "/out")
    for chain in rung_lineages(args, len(ladder.rungs)):
        chain = [f for f in chain if not f.startswith("split")]
        assert names(chain)[-3:] == ["scale", "setsar", "format"]
        assert chain[-2:] == ["setsar=1", "format=yuv420p"]


def test_each_rung_gets_its_own_preset_scaler_and_x264_settings():
    ladder = plan_ladder(source(1920, 1080), HIGH_MOTION_POLICY)
    args = transcode_args("in.mp4", "mov", ladder, "/out")
    for index, (rung, chain) in enumerate(
        zip(ladder.rungs, rung_lineages(args, len(ladder.rungs)), strict=True)
    ):
        assert option(args, f"-preset:v:{index}") == rung.preset
        scales = [f for f in chain if f.startswith("scale=")]
        assert scales[-1].endswith(f":flags={rung.scaler}")
        params = option(args, f"-x264-params:v:{index}").split(":")
        assert params[:2] == ["scenecut=0", "open-gop=0"]
        assert params[2:] == list(rung.x264_params)
        assert option(args, f"-crf:v:{index}") == str(rung.crf)
        assert option(args, f"-maxrate:v:{index}") == f"{rung.maxrate_kbps}k"


def test_keyframes_are_forced_by_time_on_every_rung_and_scene_cuts_are_off():
    ladder = plan_ladder(source(1920, 1080), HIGH_MOTION_POLICY)
    args = transcode_args("in.mp4", "mov", ladder, "/out")
    assert option(args, "-force_key_frames") == "expr:gte(t,n_forced*2)"
    assert option(args, "-sc_threshold") == "0"
    assert "-force_key_frames:v:0" not in args  # one setting for all rungs
