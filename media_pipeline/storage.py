"""Where uploads, work folders and published ladders live on disk."""

import fcntl
import hashlib
import os
from contextlib import contextmanager
from pathlib import Path

BLOCK = 1024 * 1024


def version_name(job_id, attempt):
    """The folder of one job attempt's output (a version of a lecture's media)."""
    return f"job-{int(job_id)}-{int(attempt)}"


class ChecksumMismatch(ValueError):
    """A chunk's bytes do not match the digest the client sent."""


class Storage:
    def __init__(self, root):
        self.root = Path(root)

    def upload_path(self, token):
        return self.root / "uploads" / f"{token}.part"

    def lecture_dir(self, lecture_id):
        return self.root / "lectures" / str(int(lecture_id))

    def work_dir(self, lecture_id, job_id, attempt):
        return self.lecture_dir(lecture_id) / version_name(job_id, attempt)

    def published(self, lecture_id):
        """The symlink players read through (``.../current``)."""
        return self.lecture_dir(lecture_id) / "current"

    @contextmanager
    def locked(self, token):
        """Hold the upload's lock while a chunk is checked, written and recorded.

        Raises ``BlockingIOError`` at once when another request holds it: a chunk
        and its retry never write at the same time, and no thread waits on a slow
        client.
        """
        path = self.upload_path(token)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def append(self, token, offset, stream, limit, *, sha256=None):
        """Write ``stream`` at ``offset`` of the upload's file; returns bytes written.

        The caller holds :meth:`locked` and has checked that ``offset`` is what
        was recorded, so bytes beyond it are only what a dropped connection left
        unrecorded: they are cut first. Raises ``OverflowError`` when the stream
        holds more than ``limit`` bytes and ``ChecksumMismatch`` when ``sha256``
        (the chunk's digest, bytes) differs; either way nothing of it is kept.
        """
        path = self.upload_path(token)
        path.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        digest = hashlib.sha256()
        with open(path, "r+b" if path.exists() else "w+b") as handle:
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
                digest.update(block)
                written += len(block)
            if sha256 is not None and digest.digest() != sha256:
                handle.truncate(offset)
                raise ChecksumMismatch(offset)
            handle.flush()
            os.fsync(handle.fileno())
        return written

    def truncate(self, token, size):
        """Cut the upload's file back to ``size`` bytes (under :meth:`locked`)."""
        with open(self.upload_path(token), "r+b") as handle:
            handle.truncate(size)
            os.fsync(handle.fileno())

    def file_sha256(self, token):
        """The SHA-256 (hex) of the upload's whole file."""
        return self.path_sha256(self.upload_path(token))

    @staticmethod
    def path_sha256(path):
        """The SHA-256 (hex) of a file (``None`` when it is gone)."""
        digest = hashlib.sha256()
        if not Path(path).is_file():
            return None
        with open(path, "rb") as handle:
            while block := handle.read(BLOCK):
                digest.update(block)
        return digest.hexdigest()
