"""Where uploads, work folders and published ladders live on disk."""

import fcntl
import os
from pathlib import Path

BLOCK = 1024 * 1024


class Storage:
    def __init__(self, root):
        self.root = Path(root)

    def upload_path(self, token):
        return self.root / "uploads" / f"{token}.part"

    def lecture_dir(self, lecture_id):
        return self.root / "lectures" / str(int(lecture_id))

    def work_dir(self, lecture_id, job_id, attempt):
        return self.lecture_dir(lecture_id) / f"job-{int(job_id)}-{int(attempt)}"

    def published(self, lecture_id):
        """The symlink players read through (``.../current``)."""
        return self.lecture_dir(lecture_id) / "current"

    def append(self, token, offset, stream, limit):
        """Write ``stream`` at ``offset`` of the upload's file; returns bytes written.

        Bytes beyond ``offset`` left by a dropped connection are cut first, so a
        resumed chunk never mixes with a half-written one. Raises ``OverflowError``
        when the stream holds more than ``limit`` bytes (nothing past it is kept).
        """
        path = self.upload_path(token)
        path.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with open(path, "ab") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # one writer per upload at a time
            handle.truncate(offset)
            handle.seek(offset)
            while True:
                block = stream.read(BLOCK)
                if not block:
                    break
                if written + len(block) > limit:
                    handle.truncate(offset)
                    raise OverflowError(limit)
                handle.write(block)
                written += len(block)
            handle.flush()
            os.fsync(handle.fileno())
        return written
