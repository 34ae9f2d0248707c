"""The calendar's pages and the secret iCalendar feeds (issue 13)."""

import re
from datetime import datetime, timedelta

import icalendar
import pytest
import sqlalchemy as sa

from courses.sessions.models import CalendarFeed, Reservation
from courses.sessions.schedule import LOCAL_TZ
from courses.sessions.states import ReservationKind, ReservationState, SessionState
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.db import utcnow
from tests.conftest import csrf_token_from

FEED_URL = re.compile(r'value="(https?://[^"]+/calendar/([A-Za-z0-9_-]+)\.ics)"')


@pytest.fixture
def book(db):
    """A reservation as a row: a learner's seat, or (``hospital``) a room."""

    def factory(session, user, *, state=ReservationState.BOOKED, hospital=None):
        reservation = Reservation(
            session_id=session.id,
            kind=ReservationKind.ROOM if hospital else ReservationKind.SEAT,
            state=state,
            user_id=user.id,
            hospital_id=hospital.id if hospital else user.hospital_id,
            seats=12 if hospital else 1,
        )
        db.session.add(reservation)
        db.session.flush()
        return reservation

    return factory


def make_feed(client, scope="person", **form):
    page = client.get("/calendar/feeds").get_data(as_text=True)
    response = client.post(
        "/calendar/feeds",
        data={
            "csrf_token": csrf_token_from(page),
            "scope": scope,
            "action": "issue",
            **form,
        },
    )
    return response


def feed_secret(response):
    assert response.status_code == 200, response.status_code
    match = FEED_URL.search(response.get_data(as_text=True))
    assert match, "no feed address on the page"
    return match.group(2)


def fetch(client, secret, **headers):
    return client.get(f"/calendar/{secret}.ics", headers=headers)


def heading(response):
    return re.search(r"<h1>(.*?)</h1>", response.get_data(as_text=True)).group(1)


def events_of(response):
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.data)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def english(user):
    """``user`` reading the site (and their feed) in English."""
    user.locale = "en"
    return user


def at(year, month, day, hour, minute=0):
    """A time in Asia/Shanghai."""
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


def in_days(days, hours=2):
    start = (utcnow() + timedelta(days=days)).replace(microsecond=0)
    return [(start, start + timedelta(hours=hours))]


# --- the feed -------------------------------------------------------------------


def test_a_persons_feed_parses_and_holds_their_booked_session(
    app, client, auth, create_user, create_scheduled_session, book
):
    learner = create_user()
    session = create_scheduled_session(days=in_days(3), venue_room="一号会议室")
    book(session, learner)
    auth.login(learner.login)
    secret = feed_secret(make_feed(client))
    auth.logout()

    response = fetch(client, secret)

    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-cache" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
    calendar = icalendar.Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]).endswith(learner.name)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    events = events_of(response)
    day = session.days[0]
    uid = f"session-{session.id}-day-{day.id}@127.0.0.1"
    assert list(events) == [uid]
    event = events[uid]
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["SEQUENCE"] == session.sequence
    assert event["SUMMARY"] == "基层卒中识别直播课"  # the owner's language: Chinese
    assert "一号会议室" in str(event["LOCATION"])
    assert str(event["URL"]).endswith(f"/sessions/{session.id}")
    assert event.decoded("DTSTART") == day.starts_dt
    assert event.decoded("DTSTART").tzinfo.key == "Asia/Shanghai"
    assert event.decoded("DTEND") == day.ends_dt
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert event.decoded("LAST-MODIFIED").tzinfo is not None


def test_a_feed_speaks_its_owners_language(
    client, auth, db, create_user, create_scheduled_session, book
):
    learner = english(create_user())
    book(create_scheduled_session(days=in_days(3)), learner)
    auth.login(learner.login)
    secret = feed_secret(make_feed(client))

    (event,) = events_of(fetch(client, secret)).values()

    assert event["SUMMARY"] == "Stroke recognition, live"
    assert "Live broadcast" in str(event["DESCRIPTION"])


def test_a_changed_session_keeps_its_uid_with_a_higher_sequence(
    client, auth, create_user, create_scheduled_session, book
):
    from courses.sessions.booking import update_session

    learner = create_user()
    session = create_scheduled_session(days=in_days(3))
    book(session, learner)
    auth.login(learner.login)
    secret = feed_secret(make_feed(client))
    (uid, before), *_ = events_of(fetch(client, secret)).items()

    start = session.days[0].starts_dt + timedelta(hours=3)
    update_session(
        session,
        session.owner,
        utcnow(),
        days=[(start, start + timedelta(hours=2))],
        reason="专家手术调整",
    )

    after = events_of(fetch(client, secret))
    assert list(after) == [uid]
    assert after[uid]["SEQUENCE"] > before["SEQUENCE"]
    assert after[uid].decoded("DTSTART") == start
    assert after[uid].decoded("DTEND") == start + timedelta(hours=2)


def test_a_cancelled_session_stays_in_the_feed_as_cancelled(
    client, auth, db, create_user, create_scheduled_session, book
):
    from courses.sessions.booking import cancel_session

    learner = create_user()
    session = create_scheduled_session(days=in_days(3))
    booked = book(session, learner)
    auth.login(learner.login)
    secret = feed_secret(make_feed(client))

    cancel_session(session, session.owner, utcnow(), "讲者临时出诊")
    (event,) = events_of(fetch(client, secret)).values()
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert "讲者临时出诊" in str(event["DESCRIPTION"])

    # Bookings cancelled together with the session keep it there too.
    db.session.execute(
        sa.update(Reservation)
        .where(Reservation.id == booked.id)
        .values(state=ReservationState.CANCELLED, cancelled_dt=session.cancelled_dt)
    )
    (event,) = events_of(fetch(client, secret)).values()
    assert str(event["STATUS"]) == "CANCELLED"


def test_a_seat_the_person_cancelled_leaves_their_feed(
    client, auth, create_user, create_scheduled_session, book
):
    from courses.sessions.booking import cancel_reservation

    learner = create_user()
    session = create_scheduled_session(days=in_days(3))
    booked = book(session, learner)
    auth.login(learner.login)
    secret = feed_secret(make_feed(client))
    cancel_reservation(booked, learner, utcnow())

    assert events_of(fetch(client, secret)) == {}


def test_a_place_on_the_waiting_list_is_tentative(
    client, auth, create_user, create_scheduled_session, book
):
    learner = create_user()
    book(
        create_scheduled_session(days=in_days(3)),
        learner,
        state=ReservationState.WAITING,
    )
    auth.login(learner.login)
    secret = feed_secret(make_feed(client))

    (event,) = events_of(fetch(client, secret)).values()
    assert str(event["STATUS"]) == "TENTATIVE"


def test_a_feed_never_shows_another_persons_bookings_or_merely_open_sessions(
    client, auth, create_user, create_scheduled_session, book
):
    learner, colleague = create_user(), create_user()
    mine = create_scheduled_session(days=in_days(3), title_zh="我的课")
    theirs = create_scheduled_session(days=in_days(4), title_zh="同事的课")
    create_scheduled_session(days=in_days(5), title_zh="开放的课")
    book(mine, learner)
    book(theirs, colleague)
    auth.login(learner.login)
    secret = feed_secret(make_feed(client))

    events = events_of(fetch(client, secret))

    assert [str(event["SUMMARY"]) for event in events.values()] == ["我的课"]


def test_lecturers_see_what_they_teach(
    client, auth, create_user, create_scheduled_session
):
    lecturer = create_user(role=Role.LECTURER)
    taught = create_scheduled_session(
        days=in_days(3), lecturers=[lecturer], state=SessionState.PLANNED
    )
    auth.login(lecturer.login)
    secret = feed_secret(make_feed(client))

    (event,) = events_of(fetch(client, secret)).values()
    assert str(event["UID"]).startswith(f"session-{taught.id}-")
    assert str(event["STATUS"]) == "TENTATIVE"  # not approved yet


@pytest.mark.parametrize(
    "secret",
    ["A" * 43, "short", "A" * 44, "%00" * 15, "..%2F..%2Fetc%2Fpasswd", "é" * 43],
)
def test_a_wrong_secret_is_a_404(client, secret):
    response = client.get(f"/calendar/{secret}.ics")
    assert response.status_code == 404


def test_revoked_and_rotated_away_secrets_are_404s_like_unknown_ones(
    client, auth, db, create_user
):
    learner = create_user()
    auth.login(learner.login)
    first = feed_secret(make_feed(client))
    second = feed_secret(make_feed(client))  # rotating: the first stops
    assert fetch(client, first).status_code == 404
    assert fetch(client, second).status_code == 200

    page = client.get("/calendar/feeds").get_data(as_text=True)
    assert second not in page  # the secret is shown once
    revoked = client.post(
        "/calendar/feeds",
        data={
            "csrf_token": csrf_token_from(page),
            "scope": "person",
            "action": "revoke",
        },
    )
    assert revoked.status_code == 302
    gone = fetch(client, second)
    unknown = fetch(client, "B" * 43)
    assert gone.status_code == unknown.status_code == 404
    assert heading(gone) == heading(unknown)
    # Only the hash of a secret is stored.
    hashes = db.session.scalars(sa.select(CalendarFeed.token_hash)).all()
    assert second not in hashes and all(len(value) == 64 for value in hashes)


def test_a_deactivated_persons_feed_is_a_404(client, auth, db, create_user):
    learner = create_user()
    auth.login(learner.login)
    secret = feed_secret(make_feed(client))
    db.session.execute(
        sa.update(User).where(User.id == learner.id).values(is_active=False)
    )
    assert fetch(client, secret).status_code == 404


def test_fetching_a_feed_writes_nothing_and_answers_a_repeat_with_304(
    app, client, auth, db, create_user, create_scheduled_session, book
):
    learner = create_user()
    book(create_scheduled_session(days=in_days(3)), learner)
    auth.login(learner.login)
    secret = feed_secret(make_feed(client))
    auth.logout()
    writes = []

    def spy(conn, cursor, statement, *args):
        if statement.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", spy)
    try:
        first = fetch(client, secret)
        again = fetch(client, secret, **{"If-None-Match": first.headers["ETag"]})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", spy)

    assert first.status_code == 200 and again.status_code == 304
    assert writes == []


# --- hospital feeds ----------------------------------------------------------------


def test_only_the_hospitals_coordinator_or_the_office_makes_its_feed(
    client, auth, create_user, create_hospital
):
    hospital = create_hospital()
    learner = create_user(hospital=hospital)
    other_coordinator = create_user(role=Role.SITE_COORDINATOR)
    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=hospital)
    office = create_user(role=Role.ADMINISTRATOR)

    for outsider in (learner, other_coordinator):
        auth.login(outsider.login)
        response = make_feed(client, "hospital", hospital_id=hospital.id)
        assert response.status_code == 403
        auth.logout()

    auth.login(coordinator.login)
    assert feed_secret(make_feed(client, "hospital", hospital_id=hospital.id))
    auth.logout()
    auth.login(office.login)
    response = client.get(f"/calendar/feeds?hospital_id={hospital.id}")
    assert hospital.name_zh in response.get_data(as_text=True)
    assert feed_secret(make_feed(client, "hospital", hospital_id=hospital.id))


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"hospital_id": "99999999999999999999"}, 400),
        ({"hospital_id": "abc"}, 400),
        ({}, 400),
        ({"hospital_id": "2147483000"}, 404),
        ({"scope": "everyone"}, 400),
        ({"action": "delete"}, 400),
    ],
)
def test_a_feed_form_not_understood_changes_nothing(
    client, auth, db, create_user, form, status
):
    auth.login(create_user(role=Role.ADMINISTRATOR).login)
    page = client.get("/calendar/feeds").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "scope": "hospital", "action": "issue"}

    feeds = sa.select(sa.func.count(CalendarFeed.id))
    before = db.session.scalar(feeds)

    response = client.post("/calendar/feeds", data={**data, **form})

    assert response.status_code == status
    assert db.session.scalar(feeds) == before


def test_a_hospital_feed_holds_its_rooms_and_its_sessions_not_its_staffs_seats(
    client, auth, create_user, create_hospital, create_scheduled_session, book
):
    hospital = create_hospital()
    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=hospital)
    learner = create_user(hospital=hospital)
    room = create_scheduled_session(days=in_days(2), title_zh="本院订了会议室")
    here = create_scheduled_session(days=in_days(3), venue=hospital, title_zh="在本院")
    seat = create_scheduled_session(days=in_days(4), title_zh="个人座位")
    book(room, coordinator, hospital=hospital)
    book(seat, learner)
    auth.login(coordinator.login)
    secret = feed_secret(make_feed(client, "hospital", hospital_id=hospital.id))

    calendar = icalendar.Calendar.from_ical(fetch(client, secret).data)
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]

    assert summaries == ["本院订了会议室", "在本院"]
    assert str(calendar["X-WR-CALNAME"]).endswith(hospital.name_zh)
    assert here.id != seat.id


# --- the pages --------------------------------------------------------------------


def cell_of(html, title):
    """The month grid's cell (its screen-reader date) holding ``title``."""
    for cell in re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.S):
        if title in cell:
            return re.search(r'class="cal-full">([^<]+)<', cell).group(1)
    return None


def test_a_session_at_half_past_midnight_is_on_its_local_day(
    client, auth, create_user, create_scheduled_session, book
):
    learner = english(create_user())
    start = at(2026, 12, 10, 0, 30)  # 16:30 UTC on the 9th
    session = create_scheduled_session(
        days=[(start, start + timedelta(hours=1))], title_en="Night shift rounds"
    )
    book(session, learner)
    auth.login(learner.login)

    month = client.get("/calendar?date=2026-12-01").get_data(as_text=True)
    week = client.get("/calendar?view=week&date=2026-12-09").get_data(as_text=True)
    listed = client.get("/calendar?view=list&date=2026-12-01").get_data(as_text=True)

    assert cell_of(month, "Night shift rounds") == "Thu, Dec 10"
    assert cell_of(week, "Night shift rounds") == "Thu, Dec 10"
    assert f'href="/sessions/{session.id}"' in month
    assert "00:30" in month and "00:30–01:30" in week
    row = re.search(
        r"<tr[^>]*>((?:(?!</tr>).)*Night shift rounds.*?)</tr>", listed, re.S
    )
    assert "Thu, Dec 10" in row.group(1) and "Seat booked" in row.group(1)


def test_the_month_marks_today_and_shows_cancelled_and_open_sessions(
    client, auth, create_user, create_scheduled_session, book
):
    learner = english(create_user())
    cancelled = create_scheduled_session(
        days=in_days(0, hours=1), title_en="Called off", state=SessionState.CANCELLED
    )
    cancelled.cancelled_dt = utcnow()
    book(cancelled, learner)
    create_scheduled_session(days=in_days(0, hours=1), title_en="Anyone may come")
    create_scheduled_session(
        days=in_days(0, hours=1),
        title_en="Other hospitals only",
        audience_hospital_ids=[learner.hospital_id + 1000],
    )
    auth.login(learner.login)

    html = client.get("/calendar").get_data(as_text=True)

    assert 'aria-current="date"' in html
    days = re.findall(r'<th scope="col"><abbr title="([^"]+)"', html)
    assert days == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert "Called off" in html and "Cancelled" in html
    assert "Anyone may come" in html
    assert "Other hospitals only" not in html
    mine = client.get("/calendar?show=mine").get_data(as_text=True)
    assert "Called off" in mine and "Anyone may come" not in mine
    open_to_me = client.get("/calendar?show=open").get_data(as_text=True)
    assert "Called off" not in open_to_me and "Anyone may come" in open_to_me


def test_a_coordinator_sees_their_hospitals_calendar(
    client, auth, create_user, create_hospital, create_scheduled_session, book
):
    hospital = create_hospital()
    coordinator = english(create_user(role=Role.SITE_COORDINATOR, hospital=hospital))
    session = create_scheduled_session(days=in_days(1), title_en="Room for us")
    book(session, coordinator, hospital=hospital)
    auth.login(coordinator.login)

    html = client.get("/calendar?view=list&show=hospital").get_data(as_text=True)

    assert "Room for us" in html and "Room booked" in html


def count_selects(db, action):
    statements = []

    def spy(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", spy)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", spy)
    return len(statements)


@pytest.mark.parametrize("view", ["month", "week", "list"])
def test_a_calendar_page_costs_the_same_queries_for_two_sessions_or_ten(
    client, auth, db, create_user, create_scheduled_session, book, view
):
    learner = create_user()
    auth.login(learner.login)

    def add(count):
        for n in range(count):
            session = create_scheduled_session(days=in_days(1 + n % 5))
            if n % 2:
                book(session, learner)

    def page():
        assert client.get(f"/calendar?view={view}").status_code == 200

    add(2)
    few = count_selects(db, page)
    add(8)
    assert count_selects(db, page) == few


@pytest.mark.parametrize(
    "query",
    [
        "date=2026-02-30",
        "date=99999-01-01",
        "date=1999-12-31",
        "date=yesterday",
        "date=2026-1-5",
        "view=year",
        "show=everyone",
        "show=hospital",  # a learner has no hospital calendar
    ],
)
def test_a_calendar_address_not_understood_redirects_with_a_message(
    client, auth, create_user, query
):
    auth.login(english(create_user()).login)

    response = client.get(f"/calendar?{query}")

    assert response.status_code == 302
    assert response.headers["Location"] == "/calendar"
    page = client.get("/calendar").get_data(as_text=True)
    # The message in the page's language (Chinese unless the person chose English).
    assert "was not understood" in page or "无法识别该日历地址" in page


@pytest.mark.parametrize("view", ["month", "week", "list"])
def test_every_view_steps_back_and_forth(client, auth, create_user, view):
    auth.login(create_user().login)
    html = client.get(f"/calendar?view={view}&date=2026-03-31").get_data(as_text=True)
    links = dict(re.findall(r'rel="(prev|next)" href="([^"]+)"', html))
    expected = {
        "month": ("2026-02-28", "2026-04-01"),
        "week": ("2026-03-24", "2026-04-07"),
        "list": ("2026-03-03", "2026-04-28"),
    }[view]
    assert f"date={expected[0]}" in links["prev"]
    assert f"date={expected[1]}" in links["next"]
    assert client.get(links["next"].replace("&amp;", "&")).status_code == 200


def test_the_calendar_is_for_signed_in_people(client):
    assert client.get("/calendar").status_code in (302, 401)
    assert client.get("/calendar/feeds").status_code in (302, 401)


def test_the_edges_of_the_range_have_no_link_past_them(client, auth, create_user):
    auth.login(create_user().login)
    html = client.get("/calendar?date=2100-12-15").get_data(as_text=True)
    assert 'rel="next"' not in html and 'rel="prev"' in html


# --- holes found by the attacker of issue 13 ---------------------------------------


def test_a_planned_session_is_not_on_its_venues_calendar_or_feed(
    client, auth, db, create_user, create_hospital, create_scheduled_session
):
    """The session page and the API hid an unapproved session from the venue's
    coordinator; the calendar's "my hospital" view and the hospital feed did not."""
    hospital = create_hospital()
    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=hospital)
    lecturer = create_user(role=Role.LECTURER)
    days = in_days(2)
    create_scheduled_session(
        owner=lecturer,
        days=days,
        venue=hospital,
        title_zh="秘密未批准课程XYZ",
        state=SessionState.PLANNED,
    )
    create_scheduled_session(
        days=in_days(2, hours=1), venue=hospital, title_zh="已批准课程"
    )
    db.session.commit()
    auth.login(coordinator.login)
    date = days[0][0].astimezone(LOCAL_TZ).date().isoformat()
    page = client.get(f"/calendar?view=list&show=hospital&date={date}")
    html = page.get_data(as_text=True)
    assert "已批准课程" in html and "秘密未批准课程XYZ" not in html
    secret = feed_secret(make_feed(client, "hospital", hospital_id=hospital.id))
    summaries = [str(e["SUMMARY"]) for e in events_of(fetch(client, secret)).values()]
    assert summaries == ["已批准课程"]
    auth.logout()
    # Its host still sees it on their own calendar.
    auth.login(lecturer.login)
    html = client.get(f"/calendar?view=list&date={date}").get_data(as_text=True)
    assert "秘密未批准课程XYZ" in html


@pytest.mark.parametrize("change", ["deactivated", "demoted", "moved"])
def test_a_hospital_feed_stops_when_its_maker_may_no_longer_hold_it(
    client, auth, db, create_user, create_hospital, change
):
    from lms.accounts.operations import update_user_as_admin

    hospital, elsewhere = create_hospital(), create_hospital()
    office = create_user(role=Role.ADMINISTRATOR)
    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=hospital)
    db.session.commit()
    auth.login(coordinator.login)
    secret = feed_secret(make_feed(client, "hospital", hospital_id=hospital.id))
    auth.logout()
    assert fetch(client, secret).status_code == 200
    role, at_hospital, active = {
        "deactivated": (coordinator.role, hospital, False),
        "demoted": (Role.LEARNER, hospital, True),
        "moved": (coordinator.role, elsewhere, True),
    }[change]
    update_user_as_admin(
        coordinator, role=role, hospital=at_hospital, is_active=active, actor=office
    )
    db.session.commit()
    assert fetch(client, secret).status_code == 404


def test_a_feeds_secret_is_not_written_to_the_request_log(
    client, auth, create_user, caplog
):
    import logging

    auth.login(create_user().login)
    secret = feed_secret(make_feed(client))
    with caplog.at_level(logging.INFO, logger="lms.requests"):
        assert fetch(client, secret).status_code == 200
        fetch(client, secret[:-1] + "A")  # a wrong one neither
    lines = [r.getMessage() for r in caplog.records if r.name == "lms.requests"]
    assert any("/calendar/<secret>.ics" in line for line in lines)
    assert secret not in caplog.text and secret[:-1] not in caplog.text
