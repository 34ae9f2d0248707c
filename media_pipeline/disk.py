"""The media folder's disk: how much room is left."""

import shutil
from dataclasses import dataclass
from pathlib import Path

from media_pipeline.limits import is_space_low


@dataclass(frozen=True)
class MediaSpace:
    free_bytes: int
    total_bytes: int
    #: Below the threshold the office asked to be warned at.
    is_low: bool


def measure_media_space(media_dir, low_bytes):
    """Free and total bytes of the disk that holds (or will hold) ``media_dir``."""
    path = Path(media_dir)
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    return MediaSpace(usage.free, usage.total, is_space_low(usage.free, low_bytes))
