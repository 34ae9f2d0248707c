from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, db, enum_column, utcnow
from media_pipeline.states import JobState, ReviewState


class MediaUpload(db.Model):
    """A recording arriving in chunks; a dropped link resumes at ``received``."""

    __tablename__ = "media_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The unguessable id clients send with each chunk.
    token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    lecture_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lectures.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: The client's file name, cleaned, for display only (never a path).
    filename: Mapped[str] = mapped_column(sa.String(200), default="")
    size: Mapped[int] = mapped_column(sa.BigInteger)
    received: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: The whole file's SHA-256 (hex) as the client declared it, checked on completion.
    expected_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    #: The whole file's SHA-256 (hex) as received; the transcoder checks it again.
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    __table_args__ = (
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.CheckConstraint("received >= 0 AND received <= size", name="received_range"),
    )

    def __repr__(self):
        progress = f"{self.received}/{self.size}"
        return f"<MediaUpload {self.id} lecture={self.lecture_id} {progress}>"


class TranscodeJob(db.Model):
    """The durable truth of a transcode (the queue delivers at most once)."""

    __tablename__ = "transcode_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lectures.id", ondelete="CASCADE"), index=True
    )
    upload_id: Mapped[int] = mapped_column(sa.ForeignKey("media_uploads.id"))
    state: Mapped[JobState] = mapped_column(
        enum_column(JobState, "job_state"), default=JobState.PENDING, index=True
    )
    #: The policy asked for: a name of ``ladder.POLICIES`` or "auto".
    policy: Mapped[str] = mapped_column(sa.String(32), default="lecture")
    #: What the analysis of the source found (``content.CLASSES``); None if not run.
    content_class: Mapped[str | None] = mapped_column(sa.String(16))
    #: The policy the ladder was built with ("auto" resolved).
    used_policy: Mapped[str | None] = mapped_column(sa.String(32))
    #: The analysis's measurements (``content.Features`` as a dict).
    content_features: Mapped[dict | None] = mapped_column(sa.JSON)
    #: Why an "auto" job fell back to the lecture policy, when it did.
    analysis_note: Mapped[str] = mapped_column(sa.Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    progress: Mapped[float] = mapped_column(default=0.0)
    #: Set by the running worker every few seconds; a stale one means it died.
    heartbeat_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    #: Why it failed, as a code translated where shown (``disk_full``, ``timeout``).
    error_code: Mapped[str] = mapped_column(sa.String(32), default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Length of this job's output; the lecture's once the output is published.
    duration_seconds: Mapped[float | None] = mapped_column()
    #: Set when the output waits for the office (the course is published).
    review_state: Mapped[ReviewState | None] = mapped_column(
        enum_column(ReviewState, "media_review_state"), index=True
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str] = mapped_column(sa.Text, default="")

    upload = relationship("MediaUpload")
    lecture = relationship("Lecture")
    reviewed_by = relationship("User")

    __table_args__ = (
        sa.CheckConstraint("progress >= 0 AND progress <= 1", name="progress_range"),
    )

    def __repr__(self):
        return f"<TranscodeJob {self.id} lecture={self.lecture_id} {self.state.value}>"


class TranscodeChunk(db.Model):
    """One piece of a long recording's job (``media_pipeline.chunks``), run as a
    queue task of its own by any media worker."""

    __tablename__ = "transcode_chunks"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(
        sa.ForeignKey("transcode_jobs.id", ondelete="CASCADE"), index=True
    )
    #: The chunk's place in the recording (the audio piece comes after the last).
    position: Mapped[int] = mapped_column()
    #: The whole recording's audio rendition and stills, not a span of video.
    is_audio: Mapped[bool] = mapped_column(default=False)
    start_seconds: Mapped[float] = mapped_column(default=0.0)
    #: None: to the recording's end.
    end_seconds: Mapped[float | None] = mapped_column()
    #: The number of its first segment in the joined playlists.
    first_segment: Mapped[int] = mapped_column(default=0)
    #: The ladder policy the job chose: every piece uses the same ladder.
    policy: Mapped[str] = mapped_column(sa.String(32), default="lecture")
    state: Mapped[JobState] = mapped_column(
        enum_column(JobState, "chunk_state"), default=JobState.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    #: Set by the running worker every few seconds; a stale one means it died.
    heartbeat_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The worker running it (``host:pid``), for the operator.
    worker: Mapped[str] = mapped_column(sa.String(100), default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    started_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    job = relationship("TranscodeJob")

    __table_args__ = (sa.UniqueConstraint("job_id", "position"),)

    def __repr__(self):
        where = f"job={self.job_id} #{self.position}"
        return f"<TranscodeChunk {self.id} {where} {self.state.value}>"
