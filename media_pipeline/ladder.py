"""Planning the HLS ladder of a recording (DESIGN §2.4).

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class RungPolicy:
    name: str
    #: The short side of the picture (720 for 1280x720 and for 720x1280).
    short_side: int
    max_fps: float
    crf: int
    maxrate_kbps: int
    bufsize_kbps: int


@dataclass(frozen=True)
class LadderPolicy:
    name: str
    rungs: tuple[RungPolicy, ...]
    #: libx264 tune: stillimage for slides and a speaker, film for surgery video.
    tune: str
    audio_kbps: int = 64
    keyframe_seconds: float = 2.0
    segment_seconds: float = 6.0


#: Slides and a speaker: capped CRF, low rungs at 15 fps (measured in DESIGN §2.4).
LECTURE_POLICY = LadderPolicy(
    name="lecture",
    tune="stillimage",
    rungs=(
        RungPolicy("720p", 720, 30, 26, 1500, 3000),
        RungPolicy("480p", 480, 30, 26, 800, 1600),
        RungPolicy("360p", 360, 15, 26, 450, 900),
        RungPolicy("240p", 240, 15, 26, 200, 400),
    ),
)

#: Surgery and other camera-heavy video: full frame rate longer down the ladder.
HIGH_MOTION_POLICY = LadderPolicy(
    name="high_motion",
    tune="film",
    rungs=(
        RungPolicy("720p", 720, 30, 23, 2500, 5000),
        RungPolicy("480p", 480, 30, 24, 1200, 2400),
        RungPolicy("360p", 360, 30, 25, 600, 1200),
        RungPolicy("240p", 240, 15, 26, 200, 400),
    ),
)

POLICIES = {p.name: p for p in (LECTURE_POLICY, HIGH_MOTION_POLICY)}


@dataclass(frozen=True)
class Rung:
    name: str
    width: int
    height: int
    fps: float
    crf: int
    maxrate_kbps: int
    bufsize_kbps: int


@dataclass(frozen=True)
class AudioRendition:
    kbps: int
    channels: int


@dataclass(frozen=True)
class Ladder:
    rungs: tuple[Rung, ...]
    audio: AudioRendition | None
    tune: str
    keyframe_seconds: float
    segment_seconds: float


def even(value):
    """The nearest even whole number, at least 2 (H.264 4:2:0 needs even sizes)."""
    return max(2, round(value / 2) * 2)


def scaled_size(width, height, short_side):
    """The picture scaled so its short side is ``short_side``, aspect kept, even."""
    if width >= height:
        return even(width * short_side / height), even(short_side)
    return even(short_side), even(height * short_side / width)


def plan_ladder(source, policy=LECTURE_POLICY):
    """The rungs and the audio rendition for ``source`` (a ``SourceInfo``).

    Never upscales: rungs taller than the source are dropped, and a source smaller
    than every rung gets one rung at its own (even) size. Frame rates never rise
    above the source's. Audio is AAC-LC at the policy's rate, stereo at most.
    """
    rungs = []
    if source.has_video:
        short = min(source.width, source.height)
        fitting = [r for r in policy.rungs if r.short_side <= short]
        if not fitting:
            lowest = policy.rungs[-1]
            fitting = [
                RungPolicy(
                    f"{short}p",
                    short,
                    lowest.max_fps,
                    lowest.crf,
                    lowest.maxrate_kbps,
                    lowest.bufsize_kbps,
                )
            ]
        for spec in fitting:
            width, height = scaled_size(source.width, source.height, spec.short_side)
            fps = min(source.fps, spec.max_fps)
            rungs.append(
                Rung(
                    spec.name,
                    width,
                    height,
                    round(fps, 3),
                    spec.crf,
                    spec.maxrate_kbps,
                    spec.bufsize_kbps,
                )
            )
    audio = None
    if source.has_audio:
        audio = AudioRendition(
            kbps=policy.audio_kbps, channels=max(1, min(2, source.audio_channels))
        )
    return Ladder(
        tuple(rungs),
        audio,
        policy.tune,
        policy.keyframe_seconds,
        policy.segment_seconds,
    )
