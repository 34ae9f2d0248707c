"""What a recording shows, from a quick look at its picture, and the ladder policy
that suits it (issue 16: content-aware ladders).

No I/O, no Flask, no SQLAlchemy: the runner hands over the raw grey frames of a
few short windows (``commands.analysis_args``); this module measures them
(:func:`measure`), names the class (:func:`classify`) and the policy
(:func:`policy_for`).

The classes:

* ``slides``: a digital picture (flat colours, no grain) that stands still
  between slide changes, perhaps with a small speaker picture that moves;
* ``screen``: a screen capture: a digital picture with small sharp text, still
  for long stretches, changing in bursts (typing, scrolling), with no moving
  corner; text must stay legible on the low rungs;
* ``camera``: a natural picture (grain, texture, no flat areas) with motion over
  much of the frame: surgery, a filmed lecture hall, a demonstration.
"""

from dataclasses import asdict, dataclass

import numpy as np

from media_pipeline.ladder import (
    HIGH_MOTION_POLICY,
    LECTURE_POLICY,
    SCREEN_POLICY,
)

#: The policy value that asks for the analysis.
AUTO = "auto"
SLIDES, SCREEN, CAMERA = "slides", "screen", "camera"
CLASSES = (SLIDES, SCREEN, CAMERA)
POLICY_OF_CLASS = {
    SLIDES: LECTURE_POLICY,
    SCREEN: SCREEN_POLICY,
    CAMERA: HIGH_MOTION_POLICY,
}

#: The size each window's frames are scaled to (and of the crop at full size).
SAMPLE_SIZE = (320, 180)
#: Frames a second sampled within a window (fewer when the source has fewer).
SAMPLE_FPS = 5
#: Seconds of each window, and windows spread over the recording: the decoder
#: reads ~11 s of the source whatever its length (seeks are cheap).
WINDOW_SECONDS = 2.0
WINDOWS = 5

#: A pixel moved between two frames when its grey level changed more than this.
MOVED_LEVEL = 8
#: A pair of frames is still when less than this share of the picture moved.
STILL_AREA = 0.002
#: A cut: most of the picture changed, and by a lot.
CUT_AREA, CUT_LEVEL = 0.6, 30.0
#: A pixel is flat when its second difference (3x3 Laplacian-like mask) is at most
#: this, and an edge when above ``EDGE_LEVEL``.
FLAT_LEVEL, EDGE_LEVEL = 2, 64
#: median(|I*M|) of white noise of sigma s, for the mask M below, is 0.6745*6*s.
_MAD_TO_SIGMA = 1 / (0.6745 * 6)


@dataclass(frozen=True)
class Features:
    """What :func:`measure` found; shares are 0..1, levels 0..255."""

    #: Mean grey-level change between consecutive frames.
    motion: float
    #: Mean share of the picture that moved between consecutive frames.
    moving_area: float
    #: Share of the picture that moved in at least half the pairs (a speaker's
    #: corner, a camera's whole frame).
    persistent_area: float
    #: Share of consecutive pairs in which (almost) nothing moved.
    still_share: float
    #: Cuts (most of the picture changed at once) per minute sampled.
    cuts_per_minute: float
    #: Share of flat pixels (no second difference): flat colour.
    flat_share: float
    #: Share of sharp-edge pixels at the source's own resolution: small text.
    edge_share: float
    #: Grain: the estimated standard deviation of noise at the source's own size.
    noise: float
    #: Seconds of the recording looked at.
    sampled_seconds: float

    def as_dict(self):
        return {k: round(v, 4) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values):
        return cls(**{k: float(values[k]) for k in cls.__dataclass_fields__})


def sample_fps(source_fps):
    """Frames a second to sample: ``SAMPLE_FPS``, or the source's own when lower
    (sampling faster would repeat frames and read as a still picture)."""
    if not source_fps or source_fps <= 0:
        return SAMPLE_FPS
    return min(SAMPLE_FPS, source_fps)


def sample_windows(duration, fps=SAMPLE_FPS, *, windows=WINDOWS, length=WINDOW_SECONDS):
    """``(start, frames)`` of the windows looked at, spread evenly over ``duration``
    seconds (each in the middle of its share); a short recording is one window."""
    frames = max(2, round(length * fps))
    if duration <= windows * length:
        return [(0.0, max(2, min(frames * windows, int(duration * fps))))]
    share = duration / windows
    return [
        (round(max(0.0, share * (i + 0.5) - length / 2), 3), frames)
        for i in range(windows)
    ]


def _second_difference(picture):
    """|picture * M| for M = [[1,-2,1],[-2,4,-2],[1,-2,1]] (Immerkaer), inner pixels."""
    p = picture.astype(np.int32)
    horizontal = p[:, :-2] - 2 * p[:, 1:-1] + p[:, 2:]
    return np.abs(horizontal[:-2] - 2 * horizontal[1:-1] + horizontal[2:])


def measure(raw, windows, fps=SAMPLE_FPS, *, size=SAMPLE_SIZE, grain_size=None):
    """The :class:`Features` of ``raw``: the frames ``commands.analysis_args``
    wrote for ``windows``, each the scaled picture above a crop at the source's
    own size (``grain_size``, its part not padded, is where grain is measured).

    Raises ``ValueError`` when ``raw`` holds fewer than two frames.
    """
    width, height = size
    frame_bytes = width * height * 2
    count = len(raw) // frame_bytes
    if count < 2:
        raise ValueError("the analysis read fewer than two frames")
    frames = np.frombuffer(raw[: count * frame_bytes], dtype=np.uint8).reshape(
        count, height * 2, width
    )
    whole, crop = frames[:, :height], frames[:, height:]
    grain_width, grain_height = grain_size or size
    crop = crop[:, : min(height, grain_height), : min(width, grain_width)]

    # Pairs of consecutive frames within a window (never across two windows).
    pairs, start = [], 0
    for _, wanted in windows:
        end = min(count, start + wanted)
        pairs.extend((i, i + 1) for i in range(start, end - 1))
        start = end
    if not pairs:
        raise ValueError("the analysis read fewer than two frames of a window")
    first = np.array([a for a, _ in pairs])
    second = first + 1
    difference = np.abs(whole[second].astype(np.int16) - whole[first])
    moved = difference > MOVED_LEVEL
    area = moved.mean(axis=(1, 2))
    level = difference.mean(axis=(1, 2))
    cuts = int(np.count_nonzero((area > CUT_AREA) & (level > CUT_LEVEL)))
    persistent = moved.mean(axis=0) >= 0.5

    second_whole = np.stack([_second_difference(f) for f in whole])
    if crop.shape[1] > 2 and crop.shape[2] > 2:
        second_crop = np.stack([_second_difference(f) for f in crop])
        # Grain where the picture is smooth: the median ignores edges and text.
        noise = float(np.median(second_crop)) * _MAD_TO_SIGMA
        edges = float((second_crop > EDGE_LEVEL).mean())
    else:
        noise, edges = 0.0, 0.0
    sampled = count / fps
    return Features(
        motion=float(level.mean()),
        moving_area=float(area.mean()),
        persistent_area=float(persistent.mean()),
        still_share=float((area < STILL_AREA).mean()),
        cuts_per_minute=cuts / sampled * 60,
        flat_share=float((second_whole <= FLAT_LEVEL).mean()),
        edge_share=edges,
        noise=noise,
        sampled_seconds=sampled,
    )


#: The thresholds of :func:`classify` (measured on generated lecture and screen
#: clips and on real footage: OpenCV's samples, Big Buck Bunny; see the tests).
#: Mean grey-level change above which anything is camera work (cuts, action).
HIGH_MOTION = 6.0
#: A natural picture: fewer flat pixels than this, or grain at least this.
NATURAL_FLAT, NATURAL_GRAIN = 0.5, 0.2
#: A screen: still in at least this share of pairs, no moving corner larger
#: than ``CORNER_AREA``, and small text (sharp edges) over at least ``TEXT_EDGES``.
SCREEN_STILL, CORNER_AREA, TEXT_EDGES = 0.5, 0.01, 0.005


def is_natural(features):
    """A picture from a camera (or a film): grain, texture, few flat areas."""
    return features.flat_share < NATURAL_FLAT or features.noise >= NATURAL_GRAIN


def classify(features):
    """The class of a recording with these :class:`Features` (see the module).

    Much motion is camera work whatever the picture; a natural picture that
    moves is a camera's (a still one is a photograph on a slide); a digital
    picture that stands still most of the time with small text and no moving
    corner is a screen capture; anything else is slides, whose policy is the
    safe default.
    """
    if features.motion >= HIGH_MOTION:
        return CAMERA
    if is_natural(features):
        return CAMERA if features.still_share < SCREEN_STILL else SLIDES
    if (
        features.still_share >= SCREEN_STILL
        and features.persistent_area < CORNER_AREA
        and features.edge_share >= TEXT_EDGES
    ):
        return SCREEN
    return SLIDES


def policy_for(content_class):
    """The ladder policy of a class (the lecture policy for an unknown one)."""
    return POLICY_OF_CLASS.get(content_class, LECTURE_POLICY)
