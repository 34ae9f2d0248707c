"""Tiny recordings generated with ffmpeg's lavfi sources (no binary files in git)."""

import subprocess


def make_clip(
    path,
    *,
    seconds=14,
    size="640x360",
    rate=30,
    video=True,
    audio=True,
    channels=2,
    rotate=None,
    noise=False,
    language=None,
):
    """A lecture-like clip: a test pattern with a clock, and a tone.

    ``noise`` adds grain that changes every frame (the hardest picture for a rate
    cap); ``language`` tags the audio stream (ISO 639-2, as recorders write it).
    """
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
    if video:
        grain = ",noise=alls=60:allf=t+u" if noise else ""
        args += ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}{grain}"]
    if audio:
        layout = {1: "mono", 2: "stereo", 6: "5.1"}[channels]
        args += [
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate=48000,aformat=channel_layouts={layout}",
        ]
    args += ["-t", str(seconds)]
    if video:
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        if rotate is not None:
            args += ["-metadata:s:v:0", f"rotate={rotate}"]
    if audio:
        args += ["-c:a", "aac", "-ac", str(channels)]
        if language:
            args += ["-metadata:s:a:0", f"language={language}"]
    subprocess.run([*args, str(path)], check=True)
    return path


def make_variable_frame_rate_clip(path):
    """Two seconds and a half at 24 fps, then the rest at 12 fps (a phone does this)."""
    args = [
        "ffmpeg",
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostdin",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=426x240:rate=30",
        "-t",
        "6",
        "-vf",
        "setpts='N/(24*TB)+if(gt(N,60),N/(24*TB),0)'",
        "-vsync",
        "passthrough",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        str(path),
    ]
    subprocess.run(args, check=True)
    return path
