"""Planning the HLS ladder of a recording (DESIGN §2.4).

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import math
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RungPolicy:
    name: str
    #: The short side of the picture (720 for 1280x720 and for 720x1280).
    short_side: int
    max_fps: float
    crf: int
    #: The stated cap: no span of segments HLS measures a peak over may exceed it.
    cap_kbps: int
    #: libx264's preset for this rung (low rungs may spend less time per frame).
    preset: str = "veryfast"
    #: swscale's flags for the scale to this rung (see commands.rung_pictures).
    scaler: str = "bicubic"
    #: Further libx264 settings, ``key=value`` each (aq, lookahead ...).
    x264_params: tuple[str, ...] = ()


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
        RungPolicy("720p", 720, 30, 26, 1500),
        RungPolicy("480p", 480, 30, 26, 800),
        RungPolicy("360p", 360, 15, 26, 450),
        RungPolicy("240p", 240, 15, 26, 200),
    ),
)

#: Surgery and other camera-heavy video: full frame rate longer down the ladder.
#: The top rung is scaled from the (often 1080p) source with bilinear filtering:
#: on the bench's camera footage 1.6 CPU s of 35 saved a minute, 720p SSIM
#: 0.982 -> 0.980 (bench/transcode.py; the lower rungs come from this picture).
HIGH_MOTION_POLICY = LadderPolicy(
    name="high_motion",
    tune="film",
    rungs=(
        RungPolicy("720p", 720, 30, 23, 2500, scaler="bilinear"),
        RungPolicy("480p", 480, 30, 24, 1200),
        RungPolicy("360p", 360, 30, 25, 600),
        RungPolicy("240p", 240, 15, 26, 200),
    ),
)

#: Screen captures (small text, still for long stretches): resolution over frame
#: rate, so text stays legible on the low rungs; no rung below 360p.
SCREEN_POLICY = LadderPolicy(
    name="screen",
    tune="stillimage",
    rungs=(
        RungPolicy("720p", 720, 15, 24, 1200),
        RungPolicy("540p", 540, 10, 25, 650),
        RungPolicy("360p", 360, 5, 26, 250),
    ),
)

POLICIES = {p.name: p for p in (LECTURE_POLICY, HIGH_MOTION_POLICY, SCREEN_POLICY)}

#: The language of a recording whose audio carries no tag. Courses have no language
#: of their own: they are Chinese CME courses, with an optional English title, so
#: "the course's language" is Chinese unless the caller knows better.
DEFAULT_LANGUAGE = "zh"
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}

#: fMP4 boxes (moof, trun, the init section with the first segment) on top of the
#: encoder's bits, measured here at 240p: under 4 %.
CONTAINER_OVERHEAD = 0.05

#: A source whose short side is this much above the rung below it gets its own
#: size as a rung (a 640x272 source: 272p beside 240p); closer, it adds nothing.
OWN_SIZE_MARGIN = 1.1


@dataclass(frozen=True)
class Rung:
    name: str
    width: int
    height: int
    fps: float
    crf: int
    #: The stated cap (the policy's); the encoder's VBV below keeps the peak under it.
    cap_kbps: int
    maxrate_kbps: int
    bufsize_kbps: int
    preset: str = "veryfast"
    scaler: str = "bicubic"
    x264_params: tuple[str, ...] = ()


@dataclass(frozen=True)
class AudioRendition:
    kbps: int
    channels: int
    #: BCP 47 (``zh``, ``en``): the source's own tag, else the course's language.
    language: str = DEFAULT_LANGUAGE

    @property
    def name(self):
        """The rendition's NAME in the master playlist, in its own language."""
        return LANGUAGE_NAMES.get(self.language, self.language)


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


def encoder_rates(cap_kbps, segment_seconds, keyframe_seconds):
    """``(maxrate, bufsize)`` in kbit/s and kbit that keep every peak under the cap.

    HLS measures BANDWIDTH over any run of segments lasting from half the target
    duration up (RFC 8216 §4.3.4.2). Over a span of ``t`` seconds an encoder
    with VBV ``maxrate`` m and ``bufsize`` b spends at most ``m*t + b`` bits, so
    with a buffer of half a GOP and the shortest span ``segment_seconds / 2`` the
    rate is set to keep ``(m*t + b) / t`` plus the container under the cap.
    """
    window = segment_seconds / 2
    buffer_seconds = keyframe_seconds / 2
    maxrate = cap_kbps * (1 - CONTAINER_OVERHEAD) * window / (window + buffer_seconds)
    return math.floor(maxrate), math.floor(maxrate * buffer_seconds)


def rung_specs(short, policy):
    """The policy's rungs that fit a source whose short side is ``short``.

    Never upscales: rungs taller than the source are dropped. A source between two
    rungs also gets its own size, with the settings of the rung above it; a source
    smaller than every rung gets one rung at its own size.
    """
    fitting = [r for r in policy.rungs if r.short_side <= short]
    above = [r for r in policy.rungs if r.short_side > short]
    if not fitting:
        lowest = policy.rungs[-1]
        return [replace(lowest, name=f"{short}p", short_side=short)]
    if above and short >= fitting[0].short_side * OWN_SIZE_MARGIN:
        own = replace(above[-1], name=f"{short}p", short_side=short)
        return [own, *fitting]
    return fitting


def plan_ladder(source, policy=LECTURE_POLICY, language=DEFAULT_LANGUAGE):
    """The rungs and the audio rendition for ``source`` (a ``SourceInfo``).

    See :func:`rung_specs` for the sizes. Frame rates never rise above the
    source's. Audio is AAC-LC at the policy's rate, stereo at most, in the
    source's tagged language, else ``language`` (the course's).
    """
    rungs = []
    if source.has_video:
        short = min(source.width, source.height)
        for spec in rung_specs(short, policy):
            width, height = scaled_size(source.width, source.height, spec.short_side)
            fps = min(source.fps, spec.max_fps)
            maxrate, bufsize = encoder_rates(
                spec.cap_kbps, policy.segment_seconds, policy.keyframe_seconds
            )
            rungs.append(
                Rung(
                    spec.name,
                    width,
                    height,
                    round(fps, 3),
                    spec.crf,
                    spec.cap_kbps,
                    maxrate,
                    bufsize,
                    spec.preset,
                    spec.scaler,
                    spec.x264_params,
                )
            )
    audio = None
    if source.has_audio:
        audio = AudioRendition(
            kbps=policy.audio_kbps,
            channels=max(1, min(2, source.audio_channels)),
            language=source.audio_language or language,
        )
    return Ladder(
        tuple(rungs),
        audio,
        policy.tune,
        policy.keyframe_seconds,
        policy.segment_seconds,
    )
