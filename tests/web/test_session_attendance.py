"""Room attendance by rotating code (issue 13, DESIGN §2.7): each bad input of
the issue that belongs to the room, against the operations at a given ``now``
and through the API and the pages at real time."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from courses.sessions import attendance, codes
from courses.sessions.attendance import AttendanceError
from courses.sessions.models import Presence, Reservation
from courses.sessions.schedule import LOCAL_TZ
from courses.sessions.states import (
    PresenceSource,
    ReservationKind,
    ReservationState,
    SessionState,
)
from lms.accounts.roles import Role
from lms.audit.models import AuditEntry
from lms.db import utcnow
from tests.conftest import csrf_token_from

#: 09:00 in Beijing on a Tuesday; the day runs to 11:00.
START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
END = START + timedelta(hours=2)
MIN = timedelta(minutes=1)


@pytest.fixture
def venue(create_hospital):
    from lms.hospitals.network import Tier

    return create_hospital(tier=Tier.HUB, name_zh="华西医院")


@pytest.fixture
def scene(db, create_scheduled_session, create_user, create_hospital, venue):
    """A session at the hub on one day, a county hospital with its room booked,
    its coordinator and two learners, and a learner of a third hospital."""
    county = create_hospital(name_zh="蒲江县人民医院")
    other = create_hospital(name_zh="大邑县人民医院")

    def build(**fields):
        session = create_scheduled_session(days=[(START, END)], venue=venue, **fields)
        coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=county)
        room = Reservation(
            session_id=session.id,
            kind=ReservationKind.ROOM,
            state=ReservationState.BOOKED,
            user_id=coordinator.id,
            hospital_id=county.id,
            seats=20,
            room="三楼会议室",
        )
        db.session.add(room)
        db.session.flush()
        return Scene(
            session=session,
            day=session.days[0],
            county=county,
            other=other,
            room=room,
            coordinator=coordinator,
            learner=create_user(hospital=county, name="李娜"),
            colleague=create_user(hospital=county, name="王芳"),
            stranger=create_user(hospital=other, name="赵强"),
            host=session.owner,
        )

    return build


class Scene:
    def __init__(self, **kw):
        self.__dict__.update(kw)

    def code(self, now, room=None, secret=None):
        key = codes.room_key(room.id if room else None)
        return codes.current_code(secret or self.session.code_secret, key, now)


def presences(db, session):
    return list(
        db.session.scalars(sa.select(Presence).where(Presence.session_id == session.id))
    )


def refused(code, function, *args, **kwargs):
    with pytest.raises(AttendanceError) as error:
        function(*args, **kwargs)
    assert error.value.code == code, error.value.message
    return error.value


# --- codes ------------------------------------------------------------------------


def test_the_screens_code_signs_in_and_names_the_room(db, scene):
    s = scene()
    now = START - 10 * MIN
    presence = attendance.sign_in(s.session, s.learner, s.code(now, s.room), now)
    assert presence.signed_in_dt == now
    assert presence.reservation_id == s.room.id
    assert presence.source == PresenceSource.CODE
    assert presence.flags == []


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        pytest.param(lambda s, now: "ABCDEF", "invalid_code", id="wrong code"),
        pytest.param(
            lambda s, now: s.code(now - 40 * timedelta(seconds=1), s.room),
            "invalid_code",
            id="expired: two steps old",
        ),
        pytest.param(
            lambda s, now: s.code(now, s.room, secret="ab" * 32),
            "invalid_code",
            id="another session's code",
        ),
        pytest.param(lambda s, now: "", "invalid_code", id="empty"),
    ],
)
def test_a_bad_code_is_refused_and_changes_nothing(db, scene, typed, code):
    s = scene()
    now = START + 5 * MIN
    error = refused(code, attendance.sign_in, s.session, s.learner, typed(s, now), now)
    assert error.status == 422
    assert presences(db, s.session) == []


def test_a_code_replayed_after_its_step_is_refused(db, scene):
    """The current and the previous step are accepted, nothing else."""
    s = scene()
    shown = START + 5 * MIN
    code = s.code(shown, s.room)
    step_end = codes.expires_at(shown)
    # Sent to a colleague who types it during the next step: still accepted.
    attendance.sign_in(s.session, s.colleague, code, step_end + timedelta(seconds=5))
    # Replayed a step later: refused.
    late = step_end + timedelta(seconds=codes.STEP_SECONDS)
    refused("invalid_code", attendance.sign_in, s.session, s.learner, code, late)
    assert [p.user_id for p in presences(db, s.session)] == [s.colleague.id]


# --- when -------------------------------------------------------------------------


def test_sign_in_before_the_doors_open_is_refused_with_the_time(db, scene):
    s = scene(doors_open_minutes=30)
    now = START - 31 * MIN
    error = refused(
        "doors_not_open", attendance.sign_in, s.session, s.learner, s.code(now), now
    )
    assert error.at == START - 30 * MIN
    assert "08:30" in error.message
    # A minute later the doors are open.
    now = START - 29 * MIN
    attendance.sign_in(s.session, s.learner, s.code(now), now)


def test_sign_in_after_the_end_is_refused_with_the_time(db, scene):
    s = scene()
    now = END + MIN
    error = refused(
        "sign_in_closed", attendance.sign_in, s.session, s.learner, s.code(now), now
    )
    assert "11:00" in error.message


def test_double_sign_in_is_a_conflict_naming_the_first(db, scene):
    s = scene()
    first = START - 5 * MIN
    attendance.sign_in(s.session, s.learner, s.code(first, s.room), first)
    again = START + 30 * MIN
    error = refused(
        "already_signed_in",
        attendance.sign_in,
        s.session,
        s.learner,
        s.code(again, s.room),
        again,
    )
    assert error.status == 409
    assert error.at == first and "08:55" in error.message
    assert len(presences(db, s.session)) == 1


def test_sign_out_without_sign_in_is_a_conflict(db, scene):
    s = scene()
    now = START + 90 * MIN
    error = refused(
        "not_signed_in", attendance.sign_out, s.session, s.learner, s.code(now), now
    )
    assert error.status == 409


def test_sign_out_counts_presence_within_the_scheduled_hours(db, scene):
    s = scene()
    attendance.sign_in(s.session, s.learner, s.code(START - 20 * MIN), START - 20 * MIN)
    out = START + 100 * MIN
    presence = attendance.sign_out(s.session, s.learner, s.code(out, s.room), out)
    assert presence.signed_out_dt == out
    assert presence.minutes == 100  # from the start, not from the early sign-in
    refused(
        "already_signed_out",
        attendance.sign_out,
        s.session,
        s.learner,
        s.code(out + MIN),
        out + MIN,
    )


@pytest.mark.parametrize(
    ("state", "code"),
    [
        (SessionState.PLANNED, "session_planned"),
        (SessionState.CANCELLED, "session_cancelled"),
        (SessionState.ENDED, "session_ended"),
    ],
)
def test_only_open_sessions_take_sign_ins(db, scene, state, code):
    s = scene(state=state)
    now = START + MIN
    refused(code, attendance.sign_in, s.session, s.learner, s.code(now), now)


# --- who --------------------------------------------------------------------------


def test_a_learner_outside_the_audience_is_refused_with_the_reason(db, scene):
    s = scene(audience_hospital_ids=[])
    s.session.audience_hospital_ids = [s.county.id]
    db.session.flush()
    now = START + MIN
    error = refused(
        "not_in_audience", attendance.sign_in, s.session, s.stranger, s.code(now), now
    )
    assert error.status == 403
    assert "other hospitals" in error.message


def test_booking_required_refuses_a_learner_whose_hospital_did_not_book(db, scene):
    s = scene(is_booking_required=True)
    now = START + MIN
    error = refused(
        "not_booked", attendance.sign_in, s.session, s.stranger, s.code(now), now
    )
    assert error.status == 403 and "no seat" in error.message
    # Their hospital's room booked: the same learner's colleague walks in; a
    # learner with a seat of their own too.
    attendance.sign_in(s.session, s.learner, s.code(now, s.room), now)
    db.session.add(
        Reservation(
            session_id=s.session.id,
            kind=ReservationKind.SEAT,
            state=ReservationState.BOOKED,
            user_id=s.stranger.id,
            hospital_id=s.other.id,
        )
    )
    db.session.flush()
    presence = attendance.sign_in(s.session, s.stranger, s.code(now), now)
    assert presence.flags == []


def test_without_booking_required_a_walk_in_is_flagged_not_booked(db, scene):
    s = scene(is_booking_required=False)
    now = START + MIN
    presence = attendance.sign_in(s.session, s.stranger, s.code(now), now)
    assert "not_booked" in presence.flags


def test_a_sign_in_in_another_hospitals_room_is_flagged(db, scene):
    s = scene()
    now = START + MIN
    # A learner of a hospital without a room signs in with the county's room code.
    presence = attendance.sign_in(s.session, s.stranger, s.code(now, s.room), now)
    assert presence.reservation_id == s.room.id
    assert presence.flags == ["other_hospital", "not_booked"]
    # At the venue's own screen, too (the venue is the hub, not their hospital).
    venue = attendance.sign_in(s.session, s.learner, s.code(now), now)
    assert venue.flags == ["other_hospital"]


def test_sign_ins_above_the_headcount_are_flagged_and_recomputed(db, scene):
    s = scene()
    t = START + MIN
    day = s.day.id
    attendance.enter_headcount(
        s.session, s.coordinator, t, day_id=day, reservation_id=s.room.id, headcount=1
    )
    first = attendance.sign_in(s.session, s.learner, s.code(t, s.room), t)
    second = attendance.sign_in(
        s.session, s.colleague, s.code(t + MIN, s.room), t + MIN
    )
    assert first.flags == [] and second.flags == ["above_headcount"]
    attendance.enter_headcount(
        s.session, s.coordinator, t, day_id=day, reservation_id=s.room.id, headcount=2
    )
    assert second.flags == []
    attendance.enter_headcount(
        s.session, s.coordinator, t, day_id=day, reservation_id=s.room.id, headcount=0
    )
    assert first.flags == second.flags == ["above_headcount"]


def test_only_the_rooms_coordinator_or_a_host_enters_its_headcount(
    db, scene, create_user
):
    s = scene()
    outsider = create_user(role=Role.SITE_COORDINATOR, hospital=s.other)
    refused(
        "not_your_room",
        attendance.enter_headcount,
        s.session,
        outsider,
        START,
        day_id=s.day.id,
        reservation_id=s.room.id,
        headcount=3,
    )
    attendance.enter_headcount(
        s.session, s.host, START, day_id=s.day.id, reservation_id=s.room.id, headcount=3
    )


# --- vouching ---------------------------------------------------------------------


def vouch(s, actor, now, **kw):
    values = {
        "user_id": s.learner.id,
        "day_id": s.day.id,
        "signed_in": START,
        "signed_out": END,
        "reason": "手机没电，本人在场",
        "client_ref": "ref-1",
    }
    values.update(kw)
    return attendance.vouch(s.session, actor, now, **values)


def test_a_vouch_replayed_makes_one_presence(db, scene):
    """An offline queue sent twice changes nothing the second time."""
    s = scene()
    now = END + 5 * MIN
    first = vouch(s, s.coordinator, now)
    again = vouch(s, s.coordinator, now + MIN)
    assert again.id == first.id
    assert first.minutes == 120 and first.source == PresenceSource.VOUCHED
    assert first.vouch_reason == "手机没电，本人在场"
    assert len(presences(db, s.session)) == 1
    audits = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.target_type == "session_presences",
            AuditEntry.target_id == first.id,
        )
    ).all()
    assert len(audits) == 1
    # A correction is applied (and audited with the values before).
    corrected = vouch(s, s.coordinator, now, signed_out=END - 30 * MIN, client_ref="r2")
    assert corrected.id == first.id and corrected.minutes == 90


def test_a_vouch_completes_a_sign_in_without_sign_out(db, scene):
    s = scene()
    attendance.sign_in(s.session, s.learner, s.code(START), START)
    presence = vouch(s, s.coordinator, END + MIN, signed_in=START, signed_out=END)
    assert presence.minutes == 120
    assert len(presences(db, s.session)) == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        pytest.param({"reason": "  \u200b "}, "reason_required", id="blank reason"),
        pytest.param({"signed_out": START - MIN}, "invalid_times", id="out before in"),
        pytest.param(
            {"signed_in": START - 3 * timedelta(hours=1)},
            "invalid_times",
            id="before the doors",
        ),
        pytest.param(
            {"signed_out": END + timedelta(hours=2)}, "invalid_times", id="long after"
        ),
        pytest.param({"day_id": 10**9}, "unknown_day", id="another day"),
        pytest.param({"user_id": 10**9}, "unknown_user", id="nobody"),
    ],
)
def test_a_bad_vouch_is_refused(db, scene, change, code):
    s = scene()
    refused(code, vouch, s, s.coordinator, END + 10 * MIN, **change)
    assert presences(db, s.session) == []


def test_vouching_for_the_future_is_refused(db, scene):
    s = scene()
    refused("invalid_times", vouch, s, s.coordinator, START + 10 * MIN)


def test_only_the_learners_coordinator_or_a_host_vouches(db, scene, create_user):
    s = scene()
    outsider = create_user(role=Role.SITE_COORDINATOR, hospital=s.other)
    refused("not_your_staff", vouch, s, outsider, END + MIN)
    refused("not_your_staff", vouch, s, s.stranger, END + MIN)
    vouch(s, s.host, END + MIN)


# --- reading ----------------------------------------------------------------------


def test_a_coordinator_reads_their_hospitals_rows_only(db, scene):
    s = scene()
    now = START + MIN
    attendance.sign_in(s.session, s.learner, s.code(now, s.room), now)
    attendance.sign_in(s.session, s.stranger, s.code(now), now)
    mine = attendance.list_attendance(s.session, s.coordinator)
    assert [p.user_id for p in mine] == [s.learner.id]
    assert len(attendance.list_attendance(s.session, s.host)) == 2
    refused("not_allowed", attendance.list_attendance, s.session, s.learner)


# --- through the API and the pages, at real time ------------------------------------


@pytest.fixture
def live(db, create_scheduled_session, create_user, create_hospital, venue):
    """A session under way now (started ten minutes ago), the county's room booked."""
    now = utcnow().replace(microsecond=0)
    county = create_hospital()
    session = create_scheduled_session(
        days=[(now - 10 * MIN, now + 110 * MIN)], venue=venue
    )
    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=county)
    room = Reservation(
        session_id=session.id,
        kind=ReservationKind.ROOM,
        state=ReservationState.BOOKED,
        user_id=coordinator.id,
        hospital_id=county.id,
        seats=10,
        room="示教室",
    )
    db.session.add(room)
    db.session.flush()
    return Scene(
        session=session,
        day=session.days[0],
        room=room,
        county=county,
        coordinator=coordinator,
        learner=create_user(hospital=county),
        host=session.owner,
    )


def test_the_api_gives_the_code_signs_in_and_out(client, live, api_token):
    s = live
    base = f"/api/v1/sessions/{s.session.id}"
    answer = client.get(f"{base}/code", headers=api_token(s.coordinator))
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["room"] == s.room.id
    assert body["qr_url"].endswith(f"/sessions/{s.session.id}/here?code={body['code']}")
    assert body["qr_url"].startswith("http")
    assert body["code"] in (
        s.code(utcnow(), s.room),
        s.code(utcnow() - 20 * MIN / 60, s.room),
    )
    assert client.get(f"{base}/code", headers=api_token(s.learner)).status_code == 403
    host = client.get(f"{base}/code?room={s.room.id}", headers=api_token(s.host)).json
    assert host["room"] == s.room.id
    assert client.get(f"{base}/code", headers=api_token(s.host)).json["room"] is None

    learner = api_token(s.learner)
    signed = client.post(
        f"{base}/sign-in", json={"code": body["code"]}, headers=learner
    )
    assert signed.status_code == 200, signed.json
    assert signed.json["day"] == s.day.id and signed.json["flags"] == []
    again = client.post(f"{base}/sign-in", json={"code": body["code"]}, headers=learner)
    assert again.status_code == 409
    assert again.json["error"]["code"] == "already_signed_in"
    wrong = client.post(f"{base}/sign-in", json={"code": "zzzzzz"}, headers=learner)
    assert wrong.status_code == 422  # refused before anything else is looked at
    out = client.post(
        f"{base}/sign-out", json={"code": s.code(utcnow(), s.room)}, headers=learner
    )
    assert out.status_code == 200, out.json
    assert out.json["presence_minutes"] == 0  # signed in and out in the same minute
    rows = client.get(f"{base}/attendance", headers=api_token(s.coordinator)).json
    assert [p["user_id"] for p in rows["presences"]] == [s.learner.id]
    assert client.get(f"{base}/attendance", headers=learner).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"code": 123456},
        {"code": ""},
        {"code": "A" * 65},
        {},
    ],
)
def test_the_api_refuses_malformed_codes(client, live, api_token, body):
    answer = client.post(
        f"/api/v1/sessions/{live.session.id}/sign-in",
        json=body,
        headers=api_token(live.learner),
    )
    assert answer.status_code == 422


def test_a_vouch_through_the_api_replayed_makes_one_presence(
    client, db, live, api_token
):
    s = live
    now = utcnow()
    body = {
        "user_id": s.learner.id,
        "day": s.day.id,
        "signed_in_at": (now - 9 * MIN).isoformat(),
        "signed_out_at": (now - 2 * MIN).isoformat(),
        "reason": "签到设备故障",
        "client_ref": "3f0b6c",
    }
    url = f"/api/v1/sessions/{s.session.id}/attendance"
    first = client.post(url, json=body, headers=api_token(s.coordinator))
    second = client.post(url, json=body, headers=api_token(s.coordinator))
    assert first.status_code == second.status_code == 200, first.json
    assert first.json == second.json
    assert first.json["minutes"] == 7
    assert len(presences(db, s.session)) == 1
    headcount = client.post(
        f"/api/v1/sessions/{s.session.id}/headcount",
        json={"day": s.day.id, "room": s.room.id, "headcount": 0},
        headers=api_token(s.coordinator),
    )
    assert headcount.status_code == 200, headcount.json
    rows = client.get(url, headers=api_token(s.coordinator)).json
    assert rows["presences"][0]["flags"] == ["above_headcount"]
    assert rows["headcounts"] == [{"day": s.day.id, "room": s.room.id, "headcount": 0}]


def test_the_phone_page_signs_in_and_out(client, auth, live):
    s = live
    url = f"/sessions/{s.session.id}/here"
    code = s.code(utcnow(), s.room)
    anonymous = client.get(f"{url}?code={code}")
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    login_page = client.get(anonymous.location).get_data(as_text=True)
    back = client.post(
        anonymous.location,
        data={
            "login": s.learner.login,
            "password": "correct-horse-battery",
            "csrf_token": csrf_token_from(login_page),
        },
    )
    assert back.status_code == 302
    assert back.location.endswith(f"{url}?code={code}")  # back with the code
    page = client.get(f"{url}?code={code}").get_data(as_text=True)
    assert f'value="{code}"' in page and "data-autosubmit" in page
    token = csrf_token_from(page)
    wrong = client.post(
        url, data={"code": "ABCDEF", "action": "sign_in", "csrf_token": token}
    )
    assert wrong.status_code == 422
    signed = client.post(
        url,
        data={"code": code, "action": "sign_in", "csrf_token": token},
        follow_redirects=True,
    )
    text = signed.get_data(as_text=True)
    assert signed.status_code == 200
    assert 'name="action" value="sign_out"' in text
    out = client.post(
        url,
        data={
            "code": s.code(utcnow(), s.room),
            "action": "sign_out",
            "csrf_token": token,
        },
        follow_redirects=True,
    )
    assert 'id="here-presence"' in out.get_data(as_text=True)


def test_the_room_screen_and_roster_are_for_their_people(client, auth, live):
    s = live
    auth.login(s.learner.login)
    assert client.get(f"/sessions/{s.session.id}/room").status_code == 403
    assert client.get(f"/sessions/{s.session.id}/roster").status_code == 403
    auth.logout()
    auth.login(s.coordinator.login)
    screen = client.get(f"/sessions/{s.session.id}/room")
    assert screen.status_code == 200
    html = screen.get_data(as_text=True)
    assert "<svg" in html and s.code(utcnow(), s.room)[:3] in html
    code = client.get(f"/sessions/{s.session.id}/room/code").json
    assert code["room"] == s.room.id
    roster = client.get(f"/sessions/{s.session.id}/roster")
    assert roster.status_code == 200
    assert s.learner.name in roster.get_data(as_text=True)


def test_a_host_vouches_on_the_roster_of_everyone_booked(client, db, auth, live):
    """Hosts' session pages link the roster: it lists the booked rooms' learners."""
    s = live
    auth.login(s.host.login)
    url = f"/sessions/{s.session.id}/roster"
    page = client.get(url).get_data(as_text=True)
    assert f'data-person="{s.learner.id}"' in page
    now = utcnow().astimezone(LOCAL_TZ)
    answer = client.post(
        url,
        data={
            "csrf_token": csrf_token_from(page),
            "action": "vouch",
            "user_id": s.learner.id,
            "signed_in": (now - 9 * MIN).strftime("%H:%M"),
            "signed_out": (now - 2 * MIN).strftime("%H:%M"),
            "reason": "讲者确认在场",
        },
    )
    assert answer.status_code == 302
    (presence,) = presences(db, s.session)
    assert presence.vouched_by_id == s.host.id and presence.minutes == 7
    blank = client.post(
        url,
        data={
            "csrf_token": csrf_token_from(page),
            "action": "vouch",
            "user_id": s.learner.id,
            "signed_in": "99:99",
            "signed_out": "",
            "reason": "x",
        },
    )
    assert blank.status_code == 422


# --- found by an attacker's read ------------------------------------------------


def test_guessing_the_room_code_is_throttled(
    client, auth, live, api_token, create_user
):
    """32**6 codes and two steps of every room: a learner (or a script) typing
    code after code is stopped after ten, through the API and the phone page
    alike, and the right code waits too; a room's typos on one address do not
    stop their colleagues."""
    s = live
    url = f"/api/v1/sessions/{s.session.id}/sign-in"
    headers = api_token(s.learner)
    statuses = [
        client.post(url, json={"code": guess}, headers=headers).status_code
        for guess in ("ABCDEF", "BCDEFG", "CDEFGH", "DEFGHJ", "EFGHJK") * 2
    ]
    assert statuses == [422] * 10
    right = s.code(utcnow(), s.room)
    stopped = client.post(url, json={"code": right}, headers=headers)
    assert stopped.status_code == 429, stopped.json
    assert stopped.json["error"]["code"] == "too_many_codes"
    assert presences(db_session(), s.session) == []
    # The same person on the phone page is stopped as well.
    auth.login(s.learner.login)
    page = f"/sessions/{s.session.id}/here"
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    answer = client.post(
        page, data={"code": right, "action": "sign_in", "csrf_token": token}
    )
    assert answer.status_code == 429
    # A colleague in the same room (the same address) signs in.
    colleague = create_user(hospital=s.county)
    answer = client.post(url, json={"code": right}, headers=api_token(colleague))
    assert answer.status_code == 200, answer.json


def db_session():
    from lms.db import db

    return db


def test_a_vouch_does_not_get_round_a_required_booking(db, scene, create_user):
    s = scene(is_booking_required=True)
    walk_in = create_user(hospital=s.other)
    their_coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=s.other)
    refused(
        "not_booked",
        attendance.vouch,
        s.session,
        their_coordinator,
        END + MIN,
        user_id=walk_in.id,
        day_id=s.day.id,
        signed_in=START,
        signed_out=END,
        reason="在场",
    )
    assert presences(db, s.session) == []


def test_the_same_hours_never_count_at_two_sessions(
    db, scene, create_scheduled_session, create_hospital
):
    s = scene()
    elsewhere = create_scheduled_session(
        days=[(START, END)], venue=create_hospital(), project_number="2026-51-01-002"
    )
    now = START + MIN
    attendance.sign_in(s.session, s.learner, s.code(now, s.room), now)
    other_code = codes.current_code(elsewhere.code_secret, codes.VENUE, now)
    error = refused(
        "present_elsewhere", attendance.sign_in, elsewhere, s.learner, other_code, now
    )
    assert f"#{s.session.id}" in error.message
    # Signed out of the first, the learner may walk over to the second.
    later = START + 60 * MIN
    attendance.sign_out(s.session, s.learner, s.code(later, s.room), later)
    other_code = codes.current_code(elsewhere.code_secret, codes.VENUE, later + MIN)
    moved = attendance.sign_in(elsewhere, s.learner, other_code, later + MIN)
    assert moved.signed_in_dt == later + MIN
    # A vouch for hours already spent elsewhere is refused too.
    attendance.sign_in(s.session, s.colleague, s.code(START, s.room), START)
    refused(
        "present_elsewhere",
        attendance.vouch,
        elsewhere,
        elsewhere.owner,
        END + MIN,
        user_id=s.colleague.id,
        day_id=elsewhere.days[0].id,
        signed_in=START,
        signed_out=END,
        reason="补录",
    )


def test_presence_stops_when_a_host_ends_the_session_early(db, scene):
    """Ended an hour into a two-hour day: a sign-out five minutes later counts
    the hour, and an hour later (a relayed code) there is no code to scan."""
    from courses.sessions import crediting

    s = scene()
    attendance.sign_in(s.session, s.learner, s.code(START, s.room), START)
    attendance.sign_in(s.session, s.colleague, s.code(START, s.room), START)
    ended_at = START + 60 * MIN
    crediting.end_session(s.session, s.host, ended_at)
    soon = ended_at + 5 * MIN
    out = attendance.sign_out(s.session, s.learner, s.code(soon, s.room), soon)
    assert out.minutes == 60
    late = END - MIN
    refused(
        "session_ended",
        attendance.sign_out,
        s.session,
        s.colleague,
        s.code(late, s.room),
        late,
    )
    refused("session_ended", attendance.room_code, s.session, s.host, late)


def test_a_headcount_after_the_corrections_close_is_refused_and_changes_are_audited(
    db, scene
):
    from courses.sessions import crediting

    s = scene()
    for person in (s.learner, s.colleague):
        attendance.sign_in(s.session, person, s.code(START, s.room), START)
    first = attendance.enter_headcount(
        s.session, s.coordinator, START + MIN, day_id=s.day.id,
        reservation_id=s.room.id, headcount=1,
    )  # fmt: skip
    assert sum("above_headcount" in p.flags for p in presences(db, s.session)) == 1
    changed = attendance.enter_headcount(
        s.session, s.coordinator, START + 2 * MIN, day_id=s.day.id,
        reservation_id=s.room.id, headcount=2,
    )  # fmt: skip
    assert changed.id == first.id
    (entry,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "attendance_corrected")
    ).all()
    assert entry.before == {"headcount": 1}
    crediting.end_session(s.session, s.host, END)
    refused(
        "corrections_closed",
        attendance.enter_headcount,
        s.session,
        s.coordinator,
        END + timedelta(days=8),
        day_id=s.day.id,
        reservation_id=s.room.id,
        headcount=100_000,
    )


def test_a_planned_session_is_not_found_by_its_room_pages_or_attendance(
    client, auth, api_token, create_scheduled_session, create_user, create_hospital
):
    session = create_scheduled_session(
        state=SessionState.PLANNED, title_zh="未批准的课程"
    )
    stranger = create_user(role=Role.SITE_COORDINATOR, hospital=create_hospital())
    api = client.get(
        f"/api/v1/sessions/{session.id}/attendance", headers=api_token(stranger)
    )
    assert api.status_code == 404
    auth.login(stranger.login)
    for path in ("roster", "here", "room"):
        answer = client.get(f"/sessions/{session.id}/{path}")
        assert answer.status_code == 404, path
        assert "未批准的课程" not in answer.get_data(as_text=True)


def test_a_coordinator_reads_only_their_rooms_headcount(
    client, db, live, api_token, create_user, create_hospital
):
    s = live
    attendance.enter_headcount(
        s.session, s.host, utcnow(), day_id=s.day.id, reservation_id=None,
        headcount=40,
    )  # fmt: skip
    db.session.commit()
    rows = client.get(
        f"/api/v1/sessions/{s.session.id}/attendance", headers=api_token(s.coordinator)
    ).json
    assert rows["headcounts"] == []
    host_rows = client.get(
        f"/api/v1/sessions/{s.session.id}/attendance", headers=api_token(s.host)
    ).json
    assert host_rows["headcounts"] == [{"day": s.day.id, "room": None, "headcount": 40}]


@pytest.mark.parametrize(
    "form",
    [
        {"action": "vouch", "user_id": "²"},
        {"action": "vouch", "user_id": "9999999999"},
        {"action": "headcount", "headcount": "³"},
    ],
    ids=["superscript id", "id past the column", "superscript headcount"],
)
def test_the_roster_form_refuses_odd_digits_without_a_500(client, auth, live, form):
    s = live
    auth.login(s.coordinator.login)
    url = f"/sessions/{s.session.id}/roster"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    now = utcnow().astimezone(LOCAL_TZ)
    answer = client.post(
        url,
        data={
            "csrf_token": token,
            "signed_in": (now - 9 * MIN).strftime("%H:%M"),
            "signed_out": (now - 2 * MIN).strftime("%H:%M"),
            "reason": "x",
            **form,
        },
    )
    assert answer.status_code in (400, 422)


@pytest.mark.parametrize(
    "query", ["to=0001-01-01", "to=9999-12-31", "from=0001-01-01&to=0001-01-02"]
)
def test_a_hospitals_attendance_at_the_calendars_edges_is_a_message(
    client, auth, create_user, query
):
    coordinator = create_user(role=Role.SITE_COORDINATOR)
    auth.login(coordinator.login)
    answer = client.get(f"/hospitals/{coordinator.hospital_id}/attendance?{query}")
    assert answer.status_code in (200, 400)


def test_a_code_is_judged_when_the_request_arrived_not_after_it_queued(app, live):
    """A hall signing in queues requests behind the write lock; a learner whose
    request waited 45 s (two code steps) is judged, and signed in, at arrival."""
    from flask import g

    from lms.sessions.guessing import attend_by_code

    s = live
    arrived = utcnow() - timedelta(seconds=45)
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.0.0.9"}):
        g.request_arrived = arrived
        presence = attend_by_code(
            attendance.sign_in, s.session, s.learner, s.code(arrived, s.room)
        )
    assert presence.signed_in_dt == arrived
