"""The demo network: on an empty database of its own, as `make run` sees it."""

import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.operations import authenticate
from lms.accounts.roles import Role
from lms.db import db
from lms.demo import DEMO_PASSWORD, is_empty, seed_demo
from lms.hospitals.models import Hospital
from lms.hospitals.network import Tier
from tests.conftest import make_app


def test_seed_demo_makes_the_documented_logins_and_network(tmp_path):
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    with app.app_context():
        assert is_empty()
        seed_demo()
        db.session.commit()
        assert not is_empty()
        hospitals = db.session.scalars(sa.select(Hospital)).all()
        assert len(hospitals) >= 30
        assert {h.tier for h in hospitals} == set(Tier)
        assert len({h.province_code for h in hospitals}) >= 10
        assert sum(h.tier == Tier.HUB for h in hospitals) == 1
        for login, role in [
            ("admin@example.com", Role.ADMINISTRATOR),
            ("lecturer@example.com", Role.LECTURER),
            ("learner@example.com", Role.LEARNER),
        ]:
            user = authenticate(login, DEMO_PASSWORD)
            assert user is not None and user.role == role
        learner = db.session.scalar(
            sa.select(User).filter_by(login="learner@example.com")
        )
        assert learner.hospital.tier == Tier.COUNTY
        db.engine.dispose()


def test_demo_courses_put_learners_at_every_stage(tmp_path):
    from courses.gates import Step
    from courses.models import Course, Enrolment, Lecture
    from courses.queries import enrolment_step
    from courses.workflow import CourseStatus

    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'demo2.sqlite3'}")
    with app.app_context():
        seed_demo()
        db.session.commit()
        statuses = {c.status for c in db.session.scalars(sa.select(Course))}
        assert {
            CourseStatus.APPROVED,
            CourseStatus.SUBMITTED,
            CourseStatus.DRAFT,
        } <= statuses
        steps = {enrolment_step(e) for e in db.session.scalars(sa.select(Enrolment))}
        assert {Step.WATCH, Step.TEST, Step.COMPLETE} <= steps

        from lms.demo_courses import seed_demo_media
        from media_pipeline.states import MediaStatus
        from media_pipeline.storage import Storage

        assert seed_demo_media(str(tmp_path / "media")) == 2
        ready = db.session.scalars(
            sa.select(Lecture).filter_by(media_status=MediaStatus.READY)
        ).all()
        # The other demo lectures stand in for transcoded ones (ready, no files).
        storage = Storage(tmp_path / "media")
        played = [lec for lec in ready if storage.published(lec.id).exists()]
        assert len(played) == 2 and all(lec.duration_seconds > 19 for lec in played)
        db.engine.dispose()


def test_demo_sessions_show_every_kind_and_the_learners_part_in_them(tmp_path):
    """Upcoming sessions of every kind (one cancelled, one with a waiting list,
    one scheduled from a visit request, the demo learner booked on one) and a
    past one whose attendance is a line on the demo learner's transcript."""
    from certificates.queries import get_transcript, list_awards
    from courses.sessions.models import (
        Presence,
        Reservation,
        ScheduledSession,
        SessionOutcome,
        VisitRequest,
    )
    from courses.sessions.states import (
        ReservationKind,
        ReservationState,
        SessionKind,
        SessionState,
        VisitState,
    )
    from lms.db import utcnow

    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'demo3.sqlite3'}")
    with app.app_context():
        seed_demo()
        db.session.commit()
        now = utcnow()
        sessions = db.session.scalars(sa.select(ScheduledSession)).all()
        assert {s.kind for s in sessions} == set(SessionKind)
        upcoming = [s for s in sessions if s.starts_dt > now]
        assert {s.state for s in upcoming} == {
            SessionState.PLANNED,
            SessionState.OPEN,
            SessionState.CANCELLED,
        }
        broadcast = next(
            s
            for s in upcoming
            if s.kind == SessionKind.BROADCAST and s.state == SessionState.OPEN
        )
        rooms = db.session.scalars(
            sa.select(Reservation).filter_by(
                session_id=broadcast.id, kind=ReservationKind.ROOM
            )
        ).all()
        assert len(rooms) >= 3
        assert {r.hospital.tier for r in rooms} == {Tier.COUNTY, Tier.TOWNSHIP}
        states = {r.state for r in db.session.scalars(sa.select(Reservation))}
        assert ReservationState.WAITING in states
        visits = db.session.scalars(sa.select(VisitRequest)).all()
        scheduled = [v for v in visits if v.state == VisitState.SCHEDULED]
        assert scheduled and scheduled[0].session.kind == SessionKind.ONSITE
        assert scheduled[0].session.venue.tier == Tier.COUNTY
        assert any(v.state == VisitState.REQUESTED for v in visits)

        learner = db.session.scalar(
            sa.select(User).filter_by(login="learner@example.com")
        )
        seats = db.session.scalars(
            sa.select(Reservation).filter_by(
                user_id=learner.id, state=ReservationState.BOOKED
            )
        ).all()
        assert any(r.session.starts_dt > now for r in seats)

        (past,) = [s for s in sessions if s.ends_dt < now]
        assert past.state == SessionState.ENDED and past.credited_dt is not None
        # A broadcast under way, for pushing to at once (README: Live broadcast).
        (on_now,) = [s for s in sessions if s.starts_dt < now < s.ends_dt]
        assert (on_now.kind, on_now.state) == (SessionKind.BROADCAST, SessionState.OPEN)
        presence = db.session.scalar(
            sa.select(Presence).filter_by(session_id=past.id, user_id=learner.id)
        )
        assert presence.minutes >= past.days[0].minutes * 0.8
        outcomes = db.session.scalars(
            sa.select(SessionOutcome).filter_by(session_id=past.id)
        ).all()
        # Who stayed earned the line; who left early is listed with the reason.
        assert any(o.award_id is None and o.reason for o in outcomes)
        (line,) = [a for a in list_awards(learner.id) if a.session_id == past.id]
        transcript, _ = get_transcript(learner, line.year)
        assert line.id in {counted.line.award_id for counted in transcript.lines}
        db.engine.dispose()
