"""A broadcast's replay for real: its runs' recordings (MPEG-TS, as the live
ladder writes them) joined by ffmpeg, placed as an upload of a lecture of the
session's replay course, and transcoded by the VOD pipeline."""

import hashlib
import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from courses.models import Course, Lecture
from courses.sessions import replay
from courses.sessions.models import LiveBroadcast, StreamKey
from courses.sessions.states import BroadcastEnd, LiveState
from courses.workflow import CourseStatus
from lms.accounts.roles import Role
from lms.db import utcnow
from lms.enums import CourseFormat
from lms.notifications.kinds import NotificationKind
from lms.notifications.models import Notification
from media_pipeline.models import MediaUpload, TranscodeJob
from media_pipeline.runner import probe
from media_pipeline.states import JobState, MediaStatus
from tests.media.clips import make_clip


def runs(folder, *seconds):
    """One small recording per run, each starting its timestamps afresh (a new
    push is a new ffmpeg process)."""
    paths = []
    for number, length in enumerate(seconds, start=1):
        path = folder / f"b1/r{number}/recording.ts"
        path.parent.mkdir(parents=True, exist_ok=True)
        paths.append(make_clip(path, seconds=length, size="320x180", rate=25))
    return paths


def ended_broadcast(db, session, now):
    key = StreamKey(
        session_id=session.id,
        key_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
        hint="abcd",
        created_by_id=session.owner_id,
        revoked_dt=now,  # one key in force per session; these ended
    )
    db.session.add(key)
    db.session.flush()
    broadcast = LiveBroadcast(
        session_id=session.id,
        key_id=key.id,
        state=LiveState.ENDED,
        runs=2,
        started_dt=now - timedelta(minutes=10),
        changed_dt=now,
        ended_dt=now,
        end_reason=BroadcastEnd.STOPPED,
    )
    db.session.add(broadcast)
    db.session.flush()
    return broadcast


def lectures_of(db, session):
    return db.session.scalars(
        sa.select(Lecture)
        .join(LiveBroadcast, LiveBroadcast.replay_lecture_id == Lecture.id)
        .where(LiveBroadcast.session_id == session.id)
    ).all()


def test_a_dropped_push_is_one_replay_lecture_with_a_gap(
    app, db, tmp_path, create_scheduled_session
):
    """Two runs (a drop and a return) make ONE upload whose length is both runs'
    (a byte-wise join of the two files probes as the second run alone: 3 s)."""
    now = utcnow()
    session = create_scheduled_session()
    broadcast = ended_broadcast(db, session, now)

    job = replay.make_replay(broadcast.id, runs(tmp_path, 2, 3), now)

    assert job.state == JobState.PENDING
    upload = job.upload
    assert upload.completed_dt == now and upload.received == upload.size
    path = app.config["MEDIA_DIR"] + f"/uploads/{upload.token}.part"
    with open(path, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == upload.sha256
    assert 4.8 < probe(path).duration < 5.3
    assert broadcast.replay_lecture_id == job.lecture_id
    assert [lecture.id for lecture in lectures_of(db, session)] == [job.lecture_id]
    lecture = job.lecture
    assert lecture.media_status == MediaStatus.PROCESSING
    assert lecture.title_zh.startswith(session.title_zh + " · 回放 ")


def test_the_replay_course_is_a_distance_draft_with_the_sessions_terms(
    db, tmp_path, create_scheduled_session, create_user, create_course
):
    lecturer = create_user(role=Role.LECTURER, name="主讲")
    office = create_user(role=Role.ADMINISTRATOR)
    recorded = create_course(questions=3)
    session = create_scheduled_session(
        owner=office, lecturers=[lecturer], course_id=recorded.id
    )
    session.lecturers = [lecturer]  # the office set it up; one lecturer teaches
    db.session.flush()
    now = utcnow()
    broadcast = ended_broadcast(db, session, now)

    job = replay.make_replay(broadcast.id, runs(tmp_path, 2), now)

    course = db.session.get(Course, broadcast.replay_course_id)
    assert course.status == CourseStatus.DRAFT
    assert course.format == CourseFormat.RECORDED  # distance education
    assert (course.title_zh, course.title_en) == (session.title_zh, session.title_en)
    assert course.owner_id == lecturer.id
    assert [p.id for p in course.lecturers] == [lecturer.id]
    assert (course.rule_set_code, course.credit_category) == ("CN-2024", "CME")
    assert course.project_level == session.project_level
    assert course.project_number == session.project_number
    assert course.specialty == recorded.specialty
    assert [q.text_zh for q in course.questions] == [
        q.text_zh for q in recorded.questions
    ]
    assert [len(q.options) for q in course.questions] == [
        len(q.options) for q in recorded.questions
    ]
    assert {q.id for q in course.questions}.isdisjoint(q.id for q in recorded.questions)
    assert job.lecture.lecturer_id == lecturer.id
    assert job.upload.user_id == lecturer.id


def test_a_retried_replay_makes_no_second_lecture(
    db, tmp_path, create_scheduled_session
):
    now = utcnow()
    session = create_scheduled_session()
    broadcast = ended_broadcast(db, session, now)
    recordings = runs(tmp_path, 2)
    assert replay.make_replay(broadcast.id, recordings, now) is not None

    assert replay.make_replay(broadcast.id, recordings, now) is None

    assert len(lectures_of(db, session)) == 1
    assert db.session.scalar(sa.select(sa.func.count(MediaUpload.id))) >= 1
    uploads = db.session.scalars(
        sa.select(MediaUpload).filter_by(lecture_id=broadcast.replay_lecture_id)
    ).all()
    assert len(uploads) == 1


def test_nothing_recorded_makes_no_replay(db, tmp_path, create_scheduled_session):
    now = utcnow()
    session = create_scheduled_session()
    broadcast = ended_broadcast(db, session, now)
    empty = tmp_path / "b1/r2/recording.ts"
    empty.parent.mkdir(parents=True)
    empty.touch()

    assert replay.make_replay(broadcast.id, [tmp_path / "gone.ts", empty], now) is None
    assert broadcast.replay_course_id is None and broadcast.replay_lecture_id is None
    assert replay.make_replay(10**9, [], now) is None


def test_a_second_broadcast_joins_the_draft_and_an_approved_replay_is_left_alone(
    db, tmp_path, create_scheduled_session
):
    now = utcnow()
    session = create_scheduled_session()
    first = ended_broadcast(db, session, now)
    replay.make_replay(first.id, runs(tmp_path / "one", 2), now)
    second = ended_broadcast(db, session, now + timedelta(hours=1))
    replay.make_replay(second.id, runs(tmp_path / "two", 2), now)

    assert second.replay_course_id == first.replay_course_id
    course = db.session.get(Course, first.replay_course_id)
    assert [lecture.position for lecture in course.lectures] == [0, 1]

    course.status = CourseStatus.APPROVED  # the office approved the replay
    db.session.flush()
    third = ended_broadcast(db, session, now + timedelta(hours=2))
    replay.make_replay(third.id, runs(tmp_path / "three", 2), now)

    assert third.replay_course_id != course.id
    assert len(course.lectures) == 2


def test_the_replay_reaches_ready_and_the_office_is_told(
    db, tmp_path, create_scheduled_session, create_user
):
    from media_pipeline.tasks import transcode_job

    office = create_user(role=Role.ADMINISTRATOR)
    learner = create_user(role=Role.LEARNER)
    now = utcnow()
    session = create_scheduled_session()
    broadcast = ended_broadcast(db, session, now)
    job = replay.make_replay(broadcast.id, runs(tmp_path, 2, 2), now)
    job_id, lecture_id = job.id, job.lecture_id
    db.session.commit()

    transcode_job(job_id)

    assert db.session.get(TranscodeJob, job_id).state == JobState.SUCCEEDED
    lecture = db.session.get(Lecture, lecture_id)
    assert lecture.media_status == MediaStatus.READY
    assert 3.5 < lecture.duration_seconds < 4.5
    told = db.session.scalars(
        sa.select(Notification).filter_by(kind=NotificationKind.REPLAY_READY)
    ).all()
    assert office.id in {n.user_id for n in told}
    assert learner.id not in {n.user_id for n in told}
    notice = next(n for n in told if n.user_id == office.id)
    assert notice.params["session"] == {"zh": session.title_zh, "en": session.title_en}
    assert notice.link == f"/teach/courses/{broadcast.replay_course_id}"


def test_an_ordinary_lecture_ready_tells_nobody_of_a_replay(db, create_course):
    course = create_course()
    assert replay.announce_replay_ready(course.lectures[0].id, utcnow()) == 0


@pytest.mark.parametrize(
    "carries", [{"video": False}, {"audio": False}], ids=["sound only", "picture only"]
)
def test_a_push_without_sound_or_picture_still_has_a_replay(
    db, tmp_path, create_scheduled_session, carries
):
    from media_pipeline.tasks import transcode_job

    now = utcnow()
    session = create_scheduled_session()
    broadcast = ended_broadcast(db, session, now)
    recordings = []
    for number in (1, 2):
        path = tmp_path / f"b1/r{number}/recording.ts"
        path.parent.mkdir(parents=True)
        recordings.append(make_clip(path, seconds=2, size="320x180", **carries))
    job = replay.make_replay(broadcast.id, recordings, now)
    job_id, lecture_id = job.id, job.lecture_id
    db.session.commit()

    transcode_job(job_id)

    assert db.session.get(TranscodeJob, job_id).state == JobState.SUCCEEDED
    lecture = db.session.get(Lecture, lecture_id)
    assert lecture.media_status == MediaStatus.READY
    assert 3.5 < lecture.duration_seconds < 4.5


def test_a_session_title_at_the_limit_still_names_its_replay_lecture(
    db, tmp_path, create_scheduled_session
):
    now = utcnow()
    session = create_scheduled_session(title_zh="卒" * 200, title_en="S" * 200)
    broadcast = ended_broadcast(db, session, now)

    job = replay.make_replay(broadcast.id, runs(tmp_path, 2), now)

    assert job.lecture.course.title_zh == "卒" * 200
    assert len(job.lecture.title_zh) == len(job.lecture.title_en) == 200
    assert " · replay " in job.lecture.title_en
    assert " · 回放 " in job.lecture.title_zh
