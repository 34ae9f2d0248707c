"""Ending a session: attendance becomes credit lines on the learner's transcript,
what did not count is listed with its reason, lecturers get teaching lines
(issue 13, DESIGN §2.7)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from certificates.models import CreditAward
from certificates.rules import Source
from courses.sessions import crediting
from courses.sessions.models import Presence, SessionOutcome
from courses.sessions.states import PresenceSource, SessionKind, SessionState
from courses.sessions.tasks import credit_session_task, end_finished_sessions
from lms.accounts.roles import Role
from lms.db import db, utcnow


@pytest.fixture
def past_session(create_scheduled_session):
    """A session whose one two-hour day ended an hour ago (under way: nobody
    ended it yet)."""

    def factory(hours=2, days_ago=0, **fields):
        start = utcnow().replace(microsecond=0) - timedelta(
            days=days_ago, hours=hours + 1
        )
        return create_scheduled_session(
            days=[(start, start + timedelta(hours=hours))], **fields
        )

    return factory


def present(session, user, sign_in=0, sign_out=120, *, day=0, minutes=None):
    """A presence row: signed in and out these minutes after the day's start
    (``sign_out`` None: never signed out)."""
    day = session.days[day]
    signed_out = (
        None if sign_out is None else day.starts_dt + timedelta(minutes=sign_out)
    )
    if minutes is None and signed_out is not None:
        minutes = max(0, min(sign_out, day.minutes) - max(sign_in, 0))
    row = Presence(
        session_id=session.id,
        day_id=day.id,
        user_id=user.id,
        hospital_id=user.hospital_id,
        source=PresenceSource.CODE,
        signed_in_dt=day.starts_dt + timedelta(minutes=sign_in),
        signed_out_dt=signed_out,
        minutes=minutes,
    )
    db.session.add(row)
    db.session.flush()
    return row


def lines_of(user_id, session_id=None):
    query = sa.select(CreditAward).filter_by(user_id=user_id)
    if session_id is not None:
        query = query.filter_by(session_id=session_id)
    return list(db.session.scalars(query.order_by(CreditAward.id)))


def end(client, session, headers):
    return client.post(f"/api/v1/sessions/{session.id}/end", headers=headers)


def outcomes(client, session, headers):
    response = client.get(f"/api/v1/sessions/{session.id}/outcomes", headers=headers)
    assert response.status_code == 200, response.json
    return {(o["user_id"], o["role"]): o for o in response.json["outcomes"]}


def test_ending_puts_attendance_lines_on_the_transcript(
    client, past_session, create_user, api_token
):
    session = past_session()
    learner = create_user()
    present(session, learner, sign_in=-5, sign_out=130)
    response = end(client, session, api_token(session.owner))
    assert response.status_code == 200, response.json
    assert response.json == {"state": "ended", "credited": True}

    transcript = client.get("/api/v1/me/transcript", headers=api_token(learner)).json
    (line,) = transcript["lines"]
    assert line["source"] == "attendance"
    assert line["title_zh"] == session.title_zh
    assert line["project_number"] == session.project_number
    assert line["session_id"] == session.id
    assert line["credits"] == "0.5"  # CN-2024: 2 hours of 3 per credit, in halves
    (award,) = lines_of(learner.id, session.id)
    assert award.source == Source.ATTENDANCE
    assert award.project_level == "provincial"
    assert award.course_id is None


def test_below_the_minimum_earns_no_line_and_says_why(
    client, past_session, create_user, api_token
):
    session = past_session()
    short, unclosed, enough = create_user(), create_user(), create_user()
    present(session, short, sign_in=0, sign_out=52)
    present(session, unclosed, sign_in=0, sign_out=None)
    present(session, enough, sign_in=24, sign_out=120)
    assert end(client, session, api_token(session.owner)).status_code == 200

    seen = outcomes(client, session, api_token(session.owner))
    assert seen[(short.id, "learner")]["reason"] == (
        "present 52 of 120 minutes; 96 needed"
    )
    assert seen[(short.id, "learner")]["credits"] is None
    assert seen[(unclosed.id, "learner")]["reason"] == (
        "signed in but never signed out"
    )
    assert seen[(enough.id, "learner")]["reason"] is None
    assert seen[(enough.id, "learner")]["presence_minutes"] == 96
    assert seen[(enough.id, "learner")]["scheduled_minutes"] == 120
    assert lines_of(short.id) == lines_of(unclosed.id) == []
    assert len(lines_of(enough.id)) == 1


def test_lecturers_get_teaching_lines(client, past_session, create_user, api_token):
    guest = create_user(role=Role.LECTURER)
    session = past_session(hours=3, lecturers=[guest])
    assert end(client, session, api_token(session.owner)).status_code == 200
    for lecturer in (session.owner, guest):
        (line,) = lines_of(lecturer.id, session.id)
        assert line.source == Source.TEACHING
        assert line.credits == Decimal(3)  # provincial: 1 credit an hour taught
    seen = outcomes(client, session, api_token(guest))
    assert seen[(guest.id, "lecturer")]["scheduled_minutes"] == 180
    assert seen[(guest.id, "lecturer")]["source"] == "teaching"


def test_ending_twice_is_a_conflict(client, past_session, api_token):
    session = past_session()
    headers = api_token(session.owner)
    assert end(client, session, headers).status_code == 200
    again = end(client, session, headers)
    assert again.status_code == 409
    assert again.json["error"]["code"] == "already_ended"


@pytest.mark.parametrize("role", [Role.LEARNER, Role.SITE_COORDINATOR, Role.LECTURER])
def test_only_hosts_and_the_office_end_a_session(
    client, past_session, create_user, api_token, role
):
    session = past_session()
    outsider = create_user(role=role)
    response = end(client, session, api_token(outsider))
    assert response.status_code == 403
    assert db.session.get(type(session), session.id).state == SessionState.OPEN
    office = create_user(role=Role.ADMINISTRATOR)
    assert end(client, session, api_token(office)).status_code == 200


@pytest.mark.parametrize(
    ("state", "starts_in", "code"),
    [
        (SessionState.OPEN, timedelta(hours=1), "not_started"),
        (SessionState.PLANNED, -timedelta(hours=3), "not_under_way"),
        (SessionState.CANCELLED, -timedelta(hours=3), "not_under_way"),
    ],
)
def test_only_a_session_under_way_ends(
    client, create_scheduled_session, api_token, state, starts_in, code
):
    start = utcnow().replace(microsecond=0) + starts_in
    session = create_scheduled_session(
        state=state, days=[(start, start + timedelta(hours=2))]
    )
    response = end(client, session, api_token(session.owner))
    assert response.status_code == 409
    assert response.json["error"]["code"] == code


def test_an_unknown_session_is_a_404(client, create_user, api_token):
    headers = api_token(create_user(role=Role.ADMINISTRATOR))
    assert (
        client.post("/api/v1/sessions/99999999/end", headers=headers).status_code == 404
    )
    assert (
        client.get("/api/v1/sessions/99999999/outcomes", headers=headers).status_code
        == 404
    )


def test_the_credit_task_run_twice_doubles_nothing(
    client, past_session, create_user, api_token
):
    session = past_session()
    learner = create_user()
    present(session, learner)
    assert end(client, session, api_token(session.owner)).status_code == 200
    db.session.expire_all()
    credited = db.session.get(type(session), session.id).credited_dt
    assert credited is not None
    credit_session_task(session.id)
    credit_session_task(session.id)
    assert len(lines_of(learner.id)) == 1
    assert len(lines_of(session.owner_id)) == 1
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(SessionOutcome)
            .filter_by(session_id=session.id)
        )
        == 2
    )
    assert db.session.get(type(session), session.id).credited_dt == credited


def test_presence_vouched_after_a_first_run_is_credited_by_the_next(
    client, past_session, create_user, api_token
):
    session = past_session()
    first, late = create_user(), create_user()
    present(session, first)
    assert end(client, session, api_token(session.owner)).status_code == 200
    present(session, late, minutes=110)
    credit_session_task(session.id)
    assert len(lines_of(first.id)) == len(lines_of(late.id)) == 1


def test_an_ama_session_credits_the_minutes_taken_part(
    client, past_session, create_user, api_token
):
    session = past_session(rule_set_code="AMA-PRA-1", credit_category="AMA-1")
    learner = create_user()
    present(session, learner, sign_in=10, sign_out=120)
    assert end(client, session, api_token(session.owner)).status_code == 200
    (line,) = lines_of(learner.id, session.id)
    # 110 minutes to the nearest quarter hour, not the session's two hours.
    assert line.credits == Decimal("1.75")
    (teaching,) = lines_of(session.owner_id, session.id)
    assert teaching.credits == Decimal(4)  # 2 credits an hour presented live


def test_the_project_cap_is_shared_with_other_sessions_of_the_project(
    client, past_session, create_user, api_token
):
    """CN-2006: a national distance project gives at most 5 credits."""
    terms = {
        "rule_set_code": "CN-2006",
        "credit_category": "I",
        "project_level": "national",
        "project_number": "2026-04-01-007",
    }
    first = past_session(hours=12, days_ago=2, **terms)
    second = past_session(hours=6, **terms)
    learner = create_user()
    present(first, learner, sign_out=720)
    present(second, learner, sign_out=360)
    headers = api_token(first.owner)
    assert end(client, first, headers).status_code == 200
    assert end(client, second, api_token(second.owner)).status_code == 200
    one, two = lines_of(learner.id)
    assert (one.session_id, one.credits) == (first.id, Decimal(4))
    assert (two.session_id, two.credits) == (second.id, Decimal(1))
    assert two.reason == "capped at 5 for a distance project"


def test_a_lecturer_present_as_a_learner_earns_teaching_only(
    client, past_session, api_token
):
    session = past_session()
    present(session, session.owner)
    assert end(client, session, api_token(session.owner)).status_code == 200
    (line,) = lines_of(session.owner_id)
    assert line.source == Source.TEACHING
    seen = outcomes(client, session, api_token(session.owner))
    assert seen[(session.owner_id, "learner")]["reason"] == crediting.LECTURER_PRESENT


def test_a_group_viewing_joins_the_course_line_the_learner_has(
    client, past_session, create_user, create_course, api_token
):
    """One project, one line: a learner who completed the course online keeps
    that line; the group viewing's outcome points at it."""
    course = create_course()
    session = past_session(kind=SessionKind.GROUP_VIEWING, course_id=course.id)
    had, new = create_user(), create_user()
    online = CreditAward(
        user_id=had.id,
        course_id=course.id,
        source=Source.ONLINE,
        title_zh=course.title_zh,
        rule_set_code="CN-2024",
        rule_set_version=1,
        scale="CN",
        category="CME",
        class_hours=Decimal(1),
        credits=Decimal("0.5"),
        activity_date=utcnow().date(),
        year=utcnow().year,
    )
    db.session.add(online)
    db.session.flush()
    present(session, had)
    present(session, new)
    assert end(client, session, api_token(session.owner)).status_code == 200
    assert lines_of(had.id) == [online]
    seen = outcomes(client, session, api_token(session.owner))
    assert seen[(had.id, "learner")]["award_id"] == online.id
    (line,) = lines_of(new.id)
    assert (line.course_id, line.session_id) == (course.id, session.id)
    # A group viewing shows a recorded course: its lecturers taught it there.
    assert lines_of(session.owner_id) == []
    assert seen[(session.owner_id, "lecturer")]["reason"]


def test_who_reads_which_outcomes(
    client, past_session, create_user, create_hospital, api_token
):
    session = past_session()
    hospital = create_hospital()
    mine = create_user(hospital=hospital)
    other = create_user()
    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=hospital)
    present(session, mine)
    present(session, other)
    assert end(client, session, api_token(session.owner)).status_code == 200
    assert set(outcomes(client, session, api_token(coordinator))) == {
        (mine.id, "learner")
    }
    assert set(outcomes(client, session, api_token(other))) == {(other.id, "learner")}
    office = create_user(role=Role.ADMINISTRATOR)
    assert len(outcomes(client, session, api_token(office))) == 3


def test_the_worker_ends_sessions_long_over(app, past_session, create_user):
    hours = app.config["SESSION_AUTO_END_HOURS"]
    stale = past_session(days_ago=1)
    recent = past_session()
    learner = create_user()
    present(stale, learner)
    end_finished_sessions()
    db.session.expire_all()
    assert db.session.get(type(stale), stale.id).state == SessionState.ENDED
    assert db.session.get(type(stale), stale.id).credited_dt is not None
    assert db.session.get(type(recent), recent.id).state == SessionState.OPEN
    assert len(lines_of(learner.id, stale.id)) == 1
    assert hours == 6


# --- the pages ----------------------------------------------------------------


def test_the_attendance_page_ends_the_session_and_lists_outcomes(
    client, auth, past_session, create_user
):
    session = past_session()
    learner, short = create_user(name="张三"), create_user(name="李四")
    present(session, learner)
    present(session, short, sign_out=52)
    auth.login(session.owner.login)
    page = client.get(f"/sessions/{session.id}/attendance")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "End the session and award credits" in html or "结束" in html
    token = auth.csrf_token(f"/sessions/{session.id}/attendance")
    response = client.post(
        f"/sessions/{session.id}/attendance/end",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "张三" in html and "李四" in html
    assert len(lines_of(learner.id, session.id)) == 1
    assert lines_of(short.id) == []
    again = client.post(
        f"/sessions/{session.id}/attendance/end",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert again.status_code == 200
    assert len(lines_of(learner.id)) == 1


def test_a_learner_cannot_end_from_the_page(client, auth, past_session, create_user):
    session = past_session()
    learner = create_user()
    auth.login(learner.login)
    assert client.get(f"/sessions/{session.id}/attendance").status_code == 403
    token = auth.csrf_token("/")
    response = client.post(
        f"/sessions/{session.id}/attendance/end", data={"csrf_token": token}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(type(session), session.id).state == SessionState.OPEN


def test_a_coordinator_sees_their_hospital_people_only(
    client, auth, past_session, create_user, create_hospital, api_token
):
    session = past_session()
    hospital = create_hospital()
    mine = create_user(name="本院学员", hospital=hospital)
    other = create_user(name="外院学员")
    present(session, mine)
    present(session, other)
    assert end(client, session, api_token(session.owner)).status_code == 200
    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=hospital)
    auth.login(coordinator.login)
    html = client.get(f"/sessions/{session.id}/attendance").get_data(as_text=True)
    assert "本院学员" in html and "外院学员" not in html
    assert "attendance/end" not in html
    mine_page = client.get(f"/hospitals/{hospital.id}/attendance")
    assert mine_page.status_code == 200
    assert "本院学员" in mine_page.get_data(as_text=True)
    other_page = client.get(f"/hospitals/{other.hospital_id}/attendance")
    assert other_page.status_code == 403
    bad = client.get(f"/hospitals/{hospital.id}/attendance?from=yesterday")
    assert bad.status_code == 200
    csv_text = client.get(f"/sessions/{session.id}/attendance?format=csv").get_data(
        as_text=True
    )
    assert "本院学员" in csv_text and "外院学员" not in csv_text


def test_a_planned_session_exists_only_for_its_hosts(
    client, auth, create_scheduled_session, create_user, api_token
):
    session = create_scheduled_session(state=SessionState.PLANNED)
    coordinator = create_user(role=Role.SITE_COORDINATOR)
    url = f"/api/v1/sessions/{session.id}/outcomes"
    assert client.get(url, headers=api_token(coordinator)).status_code == 404
    assert client.get(url, headers=api_token(session.owner)).status_code == 200
    auth.login(coordinator.login)
    assert client.get(f"/sessions/{session.id}/attendance").status_code == 404


def test_the_office_reads_any_hospital_attendance(
    client, auth, past_session, create_user, api_token
):
    session = past_session()
    learner = create_user(name="赵六")
    present(session, learner)
    assert end(client, session, api_token(session.owner)).status_code == 200
    office = create_user(role=Role.ADMINISTRATOR)
    auth.login(office.login)
    staff = client.get(f"/admin/hospitals/{learner.hospital_id}/staff")
    assert f"/hospitals/{learner.hospital_id}/attendance" in staff.get_data(
        as_text=True
    )
    page = client.get(f"/hospitals/{learner.hospital_id}/attendance")
    assert page.status_code == 200
    assert "赵六" in page.get_data(as_text=True)
    long_ago = client.get(
        f"/hospitals/{learner.hospital_id}/attendance?from=2020-01-01&to=2020-03-01"
    )
    assert "赵六" not in long_ago.get_data(as_text=True)


def test_a_roster_synced_after_the_end_corrects_the_outcome_and_earns_the_line(
    client, past_session, create_user, api_token
):
    """A coordinator's roster kept through an outage syncs after the host ended
    the session: the vouch is taken, and the credits run again for it (a
    learner who left early by the phone's record now has the line)."""
    session = past_session()
    learner = create_user()
    present(session, learner, sign_out=30)  # the phone's sign-out, early
    assert end(client, session, api_token(session.owner)).status_code == 200
    before = outcomes(client, session, api_token(session.owner))
    assert before[(learner.id, "learner")]["credits"] is None
    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=learner.hospital)
    day = session.days[0]
    vouched = client.post(
        f"/api/v1/sessions/{session.id}/attendance",
        json={
            "user_id": learner.id,
            "day": day.id,
            "signed_in_at": day.starts_dt.isoformat(),
            "signed_out_at": day.ends_dt.isoformat(),
            "reason": "断网期间纸质签到表记录全程在场",
            "client_ref": "offline-7",
        },
        headers=api_token(coordinator),
    )
    assert vouched.status_code == 200, vouched.json
    after = outcomes(client, session, api_token(session.owner))
    assert after[(learner.id, "learner")]["credits"] is not None
    assert len(lines_of(learner.id, session.id)) == 1


def test_corrections_close_a_week_after_the_end(
    client, past_session, create_user, api_token
):
    session = past_session(days_ago=8)
    learner = create_user()
    present(session, learner, sign_out=30)
    assert end(client, session, api_token(session.owner)).status_code == 200
    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=learner.hospital)
    day = session.days[0]
    refused = client.post(
        f"/api/v1/sessions/{session.id}/attendance",
        json={
            "user_id": learner.id,
            "day": day.id,
            "signed_in_at": day.starts_dt.isoformat(),
            "signed_out_at": day.ends_dt.isoformat(),
            "reason": "补录",
        },
        headers=api_token(coordinator),
    )
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "corrections_closed"
    assert lines_of(learner.id, session.id) == []


def test_signing_out_after_the_host_ended_the_session_still_counts(
    client, create_scheduled_session, create_user, api_token
):
    """The host ends the session as the lecture finishes; people scan the code
    on their way out, within the sign-out grace, and their presence counts."""
    from courses.sessions import codes

    now = utcnow().replace(microsecond=0)
    start = now - timedelta(hours=2, minutes=10)
    session = create_scheduled_session(days=[(start, start + timedelta(hours=2))])
    learner = create_user()
    present(session, learner, sign_out=None)
    assert end(client, session, api_token(session.owner)).status_code == 200
    code = codes.current_code(session.code_secret, codes.VENUE, utcnow())
    signed_out = client.post(
        f"/api/v1/sessions/{session.id}/sign-out",
        json={"code": code},
        headers=api_token(learner),
    )
    assert signed_out.status_code == 200, signed_out.json
    assert signed_out.json["presence_minutes"] == 120
    assert len(lines_of(learner.id, session.id)) == 1
    signed_in = client.post(
        f"/api/v1/sessions/{session.id}/sign-in",
        json={"code": code},
        headers=api_token(create_user()),
    )
    assert signed_in.status_code == 409  # nobody signs in to an ended session
