"""A broadcast's replay: its recording, through the VOD pipeline, into a lecture
of the session's replay course (a draft for the office to approve).

courses never imports media_pipeline (arrows only go down), so the media part
(joining the runs' recordings into one upload and queuing its transcode) is
provided by ``media_pipeline.replay`` as :class:`ReplayMedia`, connected by the
app factory like ``courses.credit_terms``.

Operations: they flush, never commit.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from courses.models import Course, Option, Question
from courses.operations import add_lecture, create_course
from courses.sessions.booking import session_params
from courses.sessions.models import LiveBroadcast, ScheduledSession
from courses.sessions.queries import lock_session
from courses.sessions.schedule import LOCAL_TZ
from courses.workflow import CourseStatus
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.db import db
from lms.enums import CourseFormat
from lms.notifications.kinds import NotificationKind
from lms.notifications.operations import notify_many

#: A replay course still open to a further broadcast's lecture.
OPEN_STATUSES = (CourseStatus.DRAFT, CourseStatus.RETURNED)
#: The course fields a replay takes over from the session's recorded course.
COURSE_TERMS = (
    "specialty",
    "credit_category",
    "completion_threshold",
    "pass_mark",
    "max_attempts",
    "questions_per_attempt",
)


@dataclass(frozen=True)
class ReplayMedia:
    """What the media pipeline does for a replay (``media_pipeline.replay``)."""

    #: ``join(paths) -> recording``: the parts joined into one upload file,
    #: run outside any lock (a long broadcast's join takes a while).
    join: Callable[[list], Any]
    #: ``place(recording, lecture, uploader, now) -> TranscodeJob``: a completed
    #: upload of the lecture and its pending transcode job (flushed).
    place: Callable[..., Any]
    #: ``discard(recording)``: a joined file nobody will use.
    discard: Callable[[Any], None]


_provided = {}


def provide(media):
    """Connect the media pipeline's part (the app factory calls this)."""
    _provided["media"] = media


def _media():
    try:
        return _provided["media"]
    except KeyError:
        raise RuntimeError(
            "No media pipeline for replays: create the app first "
            "(it connects media_pipeline.replay)."
        ) from None


def make_replay(broadcast_id, recordings, now):
    """Turn an ended broadcast's recordings (its runs' files, in order) into one
    replay lecture and its pending transcode job; the caller commits, then
    enqueues ``media_pipeline.tasks.transcode_job``. :func:`join_recordings`
    then :func:`place_replay`: a caller holding no lock while the parts are
    joined (the live lane) calls them one by one.
    """
    if not needs_replay(broadcast_id):
        return None
    recording = join_recordings(recordings)
    if recording is None:
        return None
    try:
        return place_replay(broadcast_id, recording, now)
    except BaseException:
        discard_recording(recording)
        raise


def discard_recording(recording):
    """Give back a joined recording nobody will use (a placement that failed:
    a try that comes later joins the parts again)."""
    _media().discard(recording)


def needs_replay(broadcast_id):
    """Whether the broadcast exists and has no replay lecture yet."""
    broadcast = db.session.get(LiveBroadcast, broadcast_id)
    return broadcast is not None and broadcast.replay_lecture_id is None


def join_recordings(recordings):
    """The runs' recordings joined into ONE upload file (a drop leaves a gap,
    not two lectures), or None when none has anything in it. No database
    access: run it outside every transaction, as a long broadcast's join takes
    a while."""
    parts = [Path(p) for p in recordings]
    parts = [p for p in parts if p.is_file() and p.stat().st_size > 0]
    return _media().join(parts) if parts else None


def place_replay(broadcast_id, recording, now):
    """The replay lecture of a joined ``recording``, under the session's lock:
    in the session's replay course (created as a draft when none is open), a
    completed upload and its pending transcode job. Returns None, and discards
    the file, when the broadcast already has its replay (a retried task makes
    no second lecture)."""
    media = _media()
    broadcast = db.session.get(LiveBroadcast, broadcast_id)
    if broadcast is None:
        media.discard(recording)
        return None
    session = lock_session(broadcast.session_id)
    db.session.refresh(broadcast)
    if broadcast.replay_lecture_id is not None:  # another worker won meanwhile
        media.discard(recording)
        return None
    course = _replay_course(session)
    lecture = add_lecture(
        course,
        course.owner,
        title_zh=_lecture_title(session.title_zh, broadcast, "回放"),
        title_en=_lecture_title(session.title_en, broadcast, "replay")
        if session.title_en
        else "",
        lecturer=session.lecturers[0] if session.lecturers else course.owner,
    )
    broadcast.replay_course_id = course.id
    broadcast.replay_lecture_id = lecture.id
    db.session.flush()
    return media.place(recording, lecture, course.owner, now)


def _lecture_title(title, broadcast, word):
    """The session's title, the broadcast's date and a word; within 200."""
    started = broadcast.started_dt.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    suffix = f" · {word} {started}"
    return title[: 200 - len(suffix)] + suffix


def replay_owner(session):
    """Who owns the replay course: the session's owner when they teach (a
    lecturer), else its first lecturer (an office member who set the session
    up does not own its course); the owner when it has no lecturer."""
    if session.owner.role == Role.LECTURER or not session.lecturers:
        return session.owner
    return session.lecturers[0]


def _replay_course(session):
    """The session's replay course still open to a lecture, else a new draft."""
    existing = db.session.scalar(
        sa.select(Course)
        .join(LiveBroadcast, LiveBroadcast.replay_course_id == Course.id)
        .where(
            LiveBroadcast.session_id == session.id,
            Course.status.in_(OPEN_STATUSES),
        )
        .order_by(Course.id.desc())
        .limit(1)
    )
    return existing or _new_replay_course(session)


def _new_replay_course(session):
    """A draft with the session's title, lecturers and credit terms as a
    distance-education course, and the question bank of its recorded course."""
    source = session.course
    owner = replay_owner(session)
    values = {
        "title_zh": session.title_zh,
        "title_en": session.title_en,
        "description_zh": session.description_zh,
        "description_en": session.description_en,
        "target_professions": list(session.audience_professions or []),
        "project_level": session.project_level,
        "format": CourseFormat.RECORDED,
        "rule_set_code": session.rule_set_code,
    }
    if session.credit_category:
        values["credit_category"] = session.credit_category
    if source is not None:
        values.update(
            {k: getattr(source, k) for k in COURSE_TERMS if getattr(source, k)}
        )
    course = create_course(owner, **values)
    # The office confirms it on approval, as for any course; the session's is
    # where it starts.
    course.project_number = session.project_number
    for person in [session.owner, *session.lecturers]:
        if person.role == Role.LECTURER and person not in course.lecturers:
            course.lecturers.append(person)
    if source is not None:
        _copy_questions(source, course)
    db.session.flush()
    return course


def _copy_questions(source, course):
    for question in source.questions:
        copy = Question(
            course=course,
            position=question.position,
            kind=question.kind,
            text_zh=question.text_zh,
            text_en=question.text_en,
            explanation_zh=question.explanation_zh,
            explanation_en=question.explanation_en,
        )
        copy.options = [
            Option(
                position=option.position,
                text_zh=option.text_zh,
                text_en=option.text_en,
                is_correct=option.is_correct,
            )
            for option in question.options
        ]
        db.session.add(copy)


def replay_of_lecture(lecture_id):
    """The broadcast whose replay ``lecture_id`` is (None for other lectures)."""
    return db.session.scalar(
        sa.select(LiveBroadcast).where(LiveBroadcast.replay_lecture_id == lecture_id)
    )


def announce_replay_ready(lecture_id, now):
    """Tell the office a broadcast's replay lecture finished transcoding (called
    by the transcode task when a lecture's media becomes ready); nothing for a
    lecture that is no replay. Returns how many were told."""
    broadcast = replay_of_lecture(lecture_id)
    if broadcast is None:
        return 0
    session = db.session.get(ScheduledSession, broadcast.session_id)
    office = db.session.scalars(
        sa.select(User.id).where(
            User.role == Role.ADMINISTRATOR, User.is_active.is_(True)
        )
    ).all()
    return notify_many(
        office,
        NotificationKind.REPLAY_READY,
        params=session_params(session),
        link=f"/teach/courses/{broadcast.replay_course_id}",
    )
