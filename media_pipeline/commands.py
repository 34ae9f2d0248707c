"""The ffmpeg and ffprobe argument lists of the pipeline, built with ffmpeg-python.

Nothing here runs a process: ``media_pipeline.runner`` is the only module that does.
"""

import dataclasses

import ffmpeg

#: Seconds between thumbnails on the seek bar.
THUMBNAIL_SECONDS = 10


def probe_args(path, binary="ffprobe"):
    """ffprobe of a local file only: no network or other protocols, JSON out."""
    return [
        binary,
        "-v",
        "error",
        "-protocol_whitelist",
        "file",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        str(path),
    ]


def plan_scale_sources(rungs):
    """Which picture each rung is scaled from: ``None`` for the source, else the
    index of the rung whose branch it takes.

    The top rung is scaled from the source once; every lower rung from the top
    rung's picture (a 1080p source is scaled down once, not once per rung: the
    costliest filter work of a camera recording). Rungs are listed top first.
    """
    return tuple(None if index == 0 else 0 for index in range(len(rungs)))


def _scaled(stream, rung, flags):
    """``stream`` at the rung's frame rate (dropped before the scale, so frames
    that will not be kept are never scaled), size and square pixels."""
    return (
        stream.filter("fps", rung.fps)
        .filter("scale", rung.width, rung.height, flags=flags)
        .filter("setsar", 1)  # square pixels: scale alone leaves 1281:1280
        .filter("format", "yuv420p")
    )


def rung_pictures(video, rungs):
    """The filtered picture of each rung, scaled as :func:`plan_scale_sources` says."""
    parents = plan_scale_sources(rungs)
    children = {
        index: [c for c, parent in enumerate(parents) if parent == index]
        for index in range(len(rungs))
    }
    pictures = [None] * len(rungs)
    top = _scaled(video, rungs[0], rungs[0].scaler)
    if children[0]:
        branches = top.filter_multi_output("split", len(children[0]) + 1)
        pictures[0] = branches[0]
        for number, child in enumerate(children[0], start=1):
            pictures[child] = _scaled(
                branches[number], rungs[child], rungs[child].scaler
            )
    else:
        pictures[0] = top
    return pictures


def transcode_args(
    source_path,
    demuxer,
    ladder,
    out_dir,
    *,
    binary="ffmpeg",
):
    """One ffmpeg process: one decode, the source scaled once to the top rung and
    the lower rungs from that picture, one encoder per rung, one HLS muxer.

    Keyframes are forced every ``keyframe_seconds`` by time, so rungs at different
    frame rates cut their segments at the same instants; scene-cut keyframes are off.
    """
    source = ffmpeg.input(str(source_path), f=demuxer, protocol_whitelist="file")
    outputs, options, stream_map = [], {}, []
    if ladder.rungs:
        pictures = rung_pictures(source["v:0"], ladder.rungs)
        for index, rung in enumerate(ladder.rungs):
            outputs.append(pictures[index])
            options.update(
                {
                    f"crf:v:{index}": rung.crf,
                    f"maxrate:v:{index}": f"{rung.maxrate_kbps}k",
                    f"bufsize:v:{index}": f"{rung.bufsize_kbps}k",
                    f"preset:v:{index}": rung.preset,
                    f"x264-params:v:{index}": ":".join(
                        ["scenecut=0", "open-gop=0", *rung.x264_params]
                    ),
                }
            )
            entry = f"v:{index},name:{rung.name}"
            stream_map.append(entry + (",agroup:aud" if ladder.audio else ""))
        keyframe = ladder.keyframe_seconds
        options.update(
            {
                "c:v": "libx264",
                "tune": ladder.tune,
                "profile:v": "high",
                "force_key_frames": f"expr:gte(t,n_forced*{keyframe:g})",
                "sc_threshold": 0,
            }
        )
    if ladder.audio:
        outputs.append(source["a:0"])
        options.update(
            {
                "c:a": "aac",
                "b:a": f"{ladder.audio.kbps}k",
                "ac": ladder.audio.channels,
                "ar": 48000,
            }
        )
        # The master's EXT-X-MEDIA is finished by playlists.rewrite_master.
        audio_entry = f"a:0,name:audio,language:{ladder.audio.language}"
        if ladder.rungs:
            audio_entry += ",agroup:aud,default:yes"
        stream_map.append(audio_entry)
    options.update(
        {
            "f": "hls",
            "hls_time": f"{ladder.segment_seconds:g}",
            "hls_playlist_type": "vod",
            "hls_segment_type": "fmp4",
            "hls_flags": "independent_segments",
            "hls_fmp4_init_filename": "init.mp4",
            "hls_segment_filename": f"{out_dir}/%v/seg_%05d.m4s",
            "master_pl_name": "master.m3u8",
            "var_stream_map": " ".join(stream_map),
        }
    )
    output = ffmpeg.output(*outputs, f"{out_dir}/%v/index.m3u8", **options)
    compiled = ffmpeg.compile(output, cmd=binary)
    return [
        compiled[0],
        "-hide_banner",
        "-nostdin",
        "-y",
        "-v",
        "error",
        "-progress",
        "pipe:1",
        "-nostats",
        *compiled[1:],
    ]


#: The poster is all a lecture page fetches of its video before play (issue 16): at
#: 854 px and JPEG quality 7 a grainy 1080p camera frame is 33 KB (98 KB at 1280 px
#: and quality 3), which keeps the page under 250 KB on a county clinic's link.
POSTER_WIDTH = 854
POSTER_QUALITY = 7


def poster_args(
    source_path, demuxer, out_path, *, at_seconds, width=POSTER_WIDTH, binary="ffmpeg"
):
    """A JPEG poster frame at ``at_seconds`` (scaled down, never up)."""
    stream = ffmpeg.input(
        str(source_path), f=demuxer, protocol_whitelist="file", ss=f"{at_seconds:.3f}"
    ).filter("scale", f"min({width},iw)", -2)
    output = ffmpeg.output(stream, str(out_path), vframes=1, q=POSTER_QUALITY)
    compiled = ffmpeg.compile(output, cmd=binary)
    return [compiled[0], "-hide_banner", "-nostdin", "-y", "-v", "error", *compiled[1:]]


def waveform_poster_args(
    source_path, demuxer, out_path, *, width=1280, height=720, binary="ffmpeg"
):
    """A poster for an audio-only recording: a picture of its waveform."""
    stream = ffmpeg.input(str(source_path), f=demuxer, protocol_whitelist="file")[
        "a:0"
    ].filter("showwavespic", s=f"{width}x{height}", colors="#0b6e4f")
    output = ffmpeg.output(stream, str(out_path), vframes=1)
    compiled = ffmpeg.compile(output, cmd=binary)
    return [compiled[0], "-hide_banner", "-nostdin", "-y", "-v", "error", *compiled[1:]]


def thumbnails_args(
    source_path,
    demuxer,
    out_pattern,
    *,
    every=THUMBNAIL_SECONDS,
    width=160,
    binary="ffmpeg",
):
    """One small JPEG every ``every`` seconds, for previews on the seek bar."""
    stream = (
        ffmpeg.input(str(source_path), f=demuxer, protocol_whitelist="file")
        .filter("fps", f"1/{every}")
        .filter("scale", width, -2)
    )
    output = ffmpeg.output(stream, str(out_pattern), q=5)
    compiled = ffmpeg.compile(output, cmd=binary)
    return [compiled[0], "-hide_banner", "-nostdin", "-y", "-v", "error", *compiled[1:]]


#: Where each window's crop at the source's own size is taken, as shares of the
#: room left around it: the middle, then the four quarters (text sits anywhere).
CROP_PLACES = ((0.5, 0.5), (0.2, 0.25), (0.8, 0.25), (0.2, 0.75), (0.8, 0.75))


def analysis_args(source_path, demuxer, windows, *, size, fps, binary="ffmpeg"):
    """Short windows of the picture as raw grey frames on stdout, for
    ``content.measure``: each window ``(start, frames)`` is read from its own
    seek (never the whole file) and gives exactly ``frames`` frames at ``fps``,
    each the whole picture scaled to ``size`` above a crop of the same size at
    the source's own resolution (its grain and text; each window's from another
    place, ``CROP_PLACES``), padded when the source is smaller.
    """
    width, height = size
    parts = []
    for index, (start, frames) in enumerate(windows):
        place_x, place_y = CROP_PLACES[index % len(CROP_PLACES)]
        picture = ffmpeg.input(
            str(source_path),
            f=demuxer,
            protocol_whitelist="file",
            ss=f"{start:.3f}",
            t=f"{frames / fps + 0.2:.3f}",
        )["v:0"]
        picture = (
            picture.filter("fps", fps)
            .filter("tpad", stop=frames, stop_mode="clone")
            .filter("trim", end_frame=frames)
            .filter("format", "gray")
            .filter_multi_output("split", 2)
        )
        whole = picture[0].filter("scale", width, height, flags="area")
        grain = (
            picture[1]
            .filter(
                "crop",
                f"min(iw,{width})",
                f"min(ih,{height})",
                f"(iw-ow)*{place_x}",
                f"(ih-oh)*{place_y}",
            )
            .filter("pad", width, height)
        )
        parts.append(ffmpeg.filter([whole, grain], "vstack").filter("setsar", 1))
    joined = parts[0] if len(parts) == 1 else ffmpeg.concat(*parts, v=1, a=0)
    output = ffmpeg.output(joined, "pipe:1", f="rawvideo", pix_fmt="gray")
    compiled = ffmpeg.compile(output, cmd=binary)
    return [compiled[0], "-hide_banner", "-nostdin", "-v", "error", *compiled[1:]]


def piece_args(source_path, demuxer, ladder, out_dir, *, chunk=None, lead=0.0):
    """ffmpeg's arguments for one piece of a long recording (``media_pipeline.chunks``):
    a chunk's video rungs (``chunk``), or the whole recording's audio rendition
    (``chunk`` None).

    The ladder's own command (``commands.transcode_args``), with an accurate
    input seek and length (decoding from the keyframe before ``start`` and
    dropping what comes before it), timestamps offset to continue the
    recording's, and segments numbered from the chunk's first. ``frag_discont``
    makes the fMP4 muxer write those timestamps into the fragments themselves
    (without it each chunk starts at zero behind an edit list, and the
    initialisation sections differ).
    """
    if chunk is None:
        ladder = dataclasses.replace(ladder, rungs=())
        start, duration, first = 0.0, None, 0
    else:
        ladder = dataclasses.replace(ladder, audio=None)
        start, duration = chunk.start_seconds, chunk.duration_seconds
        first = chunk.first_segment
    args = transcode_args(source_path, demuxer, ladder, out_dir)
    seek = ["-ss", f"{start:.6f}"]
    if duration is not None:
        seek += ["-t", f"{duration:.6f}"]
    at = args.index("-i")
    args[at:at] = seek
    args[-1:-1] = [
        "-output_ts_offset",
        f"{start + lead:.6f}",
        "-start_number",
        str(first),
        "-hls_segment_options",
        "movflags=+frag_discont",
    ]
    return args
