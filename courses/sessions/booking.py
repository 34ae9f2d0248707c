"""Creating, changing and booking scheduled sessions, and hospitals' requests for
on-site visits (DESIGN §2.7). Operations flush; the edges commit.

Seats are decided under the session's row lock (``queries.lock_session``), never
read-then-write; the partial unique indexes on reservations are the backstop for
one seat per learner and one room per hospital.
"""

import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from courses.credit_terms import credit_terms
from courses.models import Course
from courses.sessions import booking_rules as rules
from courses.sessions import queries
from courses.sessions.models import (
    Reservation,
    ScheduledSession,
    SessionDay,
    VisitRequest,
    session_lecturers,
)
from courses.sessions.schedule import audience_problem, scheduled_minutes, state_at
from courses.sessions.states import (
    ACTIVE_RESERVATION_STATES,
    ReservationKind,
    ReservationState,
    SessionKind,
    SessionState,
    VisitState,
)
from courses.workflow import CourseStatus
from lms import limits
from lms.accounts.models import User
from lms.accounts.roles import Profession, Role
from lms.audit.actions import AuditAction
from lms.audit.operations import record_audit
from lms.db import db
from lms.enums import ProjectLevel
from lms.hospitals.models import Hospital
from lms.hospitals.network import PROVINCES_BY_CODE, Tier
from lms.notifications.kinds import NotificationKind
from lms.notifications.operations import notify, notify_many
from lms.problems import DomainError, Kind
from lms.text import BlankText, clean_text


class SessionError(DomainError):
    """A request about a scheduled session that cannot be carried out."""


def _refuse(refusal, kind=Kind.CONFLICT):
    if refusal is not None:
        raise SessionError(refusal.code, refusal.message, kind)


def session_link(session):
    return f"/sessions/{session.id}"


def session_params(session, **extra):
    """The params naming a session in a notice: both titles and its days."""
    days = [(day.starts_dt, day.ends_dt) for day in session.days]
    return {
        "session": {"zh": session.title_zh, "en": session.title_en},
        "when": rules.describe_when(days) if days else "",
        **extra,
    }


# --- checking what people enter ----------------------------------------------------


def _text(value, name, maximum, *, required=False, multiline=False):
    try:
        text = clean_text(value, multiline=multiline, required=required)
    except BlankText:
        raise SessionError(
            f"invalid_{name}",
            f"The {name.replace('_', ' ')} is required.",
            Kind.INVALID,
        ) from None
    if len(text) > maximum:
        raise SessionError(
            f"invalid_{name}",
            f"The {name.replace('_', ' ')} has at most {maximum} characters.",
            Kind.INVALID,
        )
    return text


def _reason(reason, *, required=True):
    return _text(reason, "reason", limits.REASON_MAX, required=required)


def _whole(value, name, low, high):
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise SessionError(
            f"invalid_{name}",
            f"The {name.replace('_', ' ')} is a whole number from {low} to {high}.",
            Kind.INVALID,
        )
    return value


def _choices(values, name, allowed):
    values = list(values or ())
    if len(values) > limits.SESSION_AUDIENCE_MAX:
        raise SessionError(
            f"invalid_{name}",
            f"At most {limits.SESSION_AUDIENCE_MAX} {name.replace('_', ' ')}.",
            Kind.INVALID,
        )
    clean = []
    for value in values:
        value = getattr(value, "value", value)
        if value not in allowed:
            raise SessionError(
                f"invalid_{name}",
                f"Unknown {name.replace('_', ' ')}: {str(value)[:40]!r}.",
                Kind.INVALID,
            )
        if value not in clean:
            clean.append(value)
    return clean


def _days(days):
    try:
        pairs = [(start, end) for start, end in days]
    except (TypeError, ValueError):
        raise SessionError(
            "invalid_days", "Days are pairs of a start and an end.", Kind.INVALID
        ) from None
    _refuse(rules.days_problem(pairs), Kind.INVALID)
    return rules.sorted_days(pairs)


def _hospital(hospital_id, name="venue_hospital_id"):
    hospital = (
        db.session.get(Hospital, hospital_id)
        if isinstance(hospital_id, int) and not isinstance(hospital_id, bool)
        else None
    )
    if hospital is None or not hospital.is_active:
        raise SessionError(
            f"invalid_{name.removesuffix('_id')}",
            "No such hospital in the network.",
            Kind.INVALID,
        )
    return hospital


def _lecturers(lecturer_ids):
    ids = list(dict.fromkeys(lecturer_ids or ()))
    if len(ids) > limits.SESSION_LECTURERS_MAX:
        raise SessionError(
            "invalid_lecturers",
            f"At most {limits.SESSION_LECTURERS_MAX} lecturers.",
            Kind.INVALID,
        )
    if any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        raise SessionError("invalid_lecturers", "Lecturers are user ids.", Kind.INVALID)
    users = (
        list(db.session.scalars(sa.select(User).where(User.id.in_(ids)))) if ids else []
    )
    found = {user.id: user for user in users}
    if len(found) != len(ids) or any(
        user.role != Role.LECTURER or not user.is_active for user in users
    ):
        raise SessionError(
            "invalid_lecturers",
            "Every lecturer must be an active lecturer.",
            Kind.INVALID,
        )
    return [found[i] for i in ids]


def _credit_terms(rule_set_code, project_level, credit_category):
    rule_set = credit_terms().get_rule_set(rule_set_code) if rule_set_code else None
    if rule_set is None:
        raise SessionError("invalid_rule_set", "No such credit rule set.", Kind.INVALID)
    try:
        level = ProjectLevel(getattr(project_level, "value", project_level))
    except ValueError:
        raise SessionError(
            "invalid_project_level",
            "The project level is one of "
            + ", ".join(level.value for level in ProjectLevel)
            + ".",
            Kind.INVALID,
        ) from None
    if credit_category not in rule_set.categories:
        raise SessionError(
            "invalid_credit_category",
            "The credit category is one of " + ", ".join(rule_set.categories) + ".",
            Kind.INVALID,
        )
    return rule_set, level


def _room_conflict(venue_hospital_id, room, days, *, exclude_id=None):
    """Refuse a venue room already used by an overlapping approved session
    (open, under way or ended; the venue's row is locked first, so two cannot
    both pass on PostgreSQL; SQLite's write lock serialises them anyway).

    A planned session holds no room: a lecturer's unapproved plans would
    otherwise squat a venue's rooms for months. Approval checks again, so of
    two overlapping plans only the first approved gets the room."""
    if not rules.room_key(room):
        return
    db.session.execute(
        sa.select(Hospital.id).where(Hospital.id == venue_hospital_id).with_for_update()
    )
    rows = db.session.execute(
        sa.select(
            ScheduledSession.id,
            ScheduledSession.venue_room,
            SessionDay.starts_dt,
            SessionDay.ends_dt,
        )
        .join(SessionDay, SessionDay.session_id == ScheduledSession.id)
        .where(
            ScheduledSession.venue_hospital_id == venue_hospital_id,
            ScheduledSession.state.not_in(
                (SessionState.CANCELLED, SessionState.PLANNED)
            ),
            ScheduledSession.id != (exclude_id or 0),
            SessionDay.starts_dt < max(end for _, end in days),
            SessionDay.ends_dt > min(start for start, _ in days),
        )
    ).all()
    others = {}
    for session_id, other_room, starts, ends in rows:
        others.setdefault(session_id, (session_id, venue_hospital_id, other_room, []))
        others[session_id][3].append((starts, ends))
    taken = rules.room_conflict(venue_hospital_id, room, days, others.values())
    if taken is not None:
        raise SessionError(
            "room_taken",
            f"The room is used by session {taken} at an overlapping time.",
            Kind.CONFLICT,
        )


def _lecturer_conflict(lecturer_ids, days, *, exclude_id=None):
    """Refuse days on which one of ``lecturer_ids`` teaches another approved
    session (open, under way or ended) at an overlapping time: one lecturer,
    one place, and the same hours never earn two teaching lines. Each
    lecturer's row is locked first, so two cannot both pass on PostgreSQL."""
    lecturer_ids = sorted(set(lecturer_ids))
    if not lecturer_ids or not days:
        return
    db.session.execute(
        sa.select(User.id).where(User.id.in_(lecturer_ids)).with_for_update()
    )
    taken = db.session.scalar(
        sa.select(ScheduledSession.id)
        .join(SessionDay, SessionDay.session_id == ScheduledSession.id)
        .join(session_lecturers, session_lecturers.c.session_id == ScheduledSession.id)
        .where(
            session_lecturers.c.user_id.in_(lecturer_ids),
            ScheduledSession.state.not_in(
                (SessionState.CANCELLED, SessionState.PLANNED)
            ),
            ScheduledSession.id != (exclude_id or 0),
            sa.or_(
                *(
                    sa.and_(SessionDay.starts_dt < end, SessionDay.ends_dt > start)
                    for start, end in days
                )
            ),
        )
        .limit(1)
    )
    if taken is not None:
        raise SessionError(
            "lecturer_taken",
            f"A lecturer of this session teaches session {taken} at an "
            "overlapping time.",
            Kind.CONFLICT,
        )


def _clean_fields(fields, *, current=None):
    """The session fields of a create or an update, checked and cleaned. On an
    update only the given keys are returned (the rest stays)."""
    out = {}
    given = set(fields)
    if current is None or "title_zh" in given:
        out["title_zh"] = _text(
            fields.get("title_zh"), "title", limits.TITLE_MAX, required=True
        )
    if "title_en" in given:
        out["title_en"] = _text(fields["title_en"], "title_en", limits.TITLE_MAX)
    for key in ("description_zh", "description_en"):
        if key in given:
            out[key] = _text(fields[key], key, limits.DESCRIPTION_MAX, multiline=True)
    if "kind" in given:
        try:
            out["kind"] = SessionKind(getattr(fields["kind"], "value", fields["kind"]))
        except ValueError:
            raise SessionError(
                "invalid_kind",
                "The kind is one of " + ", ".join(k.value for k in SessionKind) + ".",
                Kind.INVALID,
            ) from None
    if "venue_hospital_id" in given:
        out["venue_hospital_id"] = _hospital(fields["venue_hospital_id"]).id
    if "venue_room" in given:
        out["venue_room"] = _text(
            fields["venue_room"], "venue_room", limits.SESSION_ROOM_MAX
        )
    if "course_id" in given and fields["course_id"] is not None:
        course_id = fields["course_id"]
        if (
            isinstance(course_id, bool)
            or not isinstance(course_id, int)
            or db.session.get(Course, course_id) is None
            or db.session.get(Course, course_id).status != CourseStatus.APPROVED
        ):
            # A draft (another lecturer's, unpublished) would show its title on
            # the session's page to everyone.
            raise SessionError(
                "invalid_course", "No such approved course.", Kind.INVALID
            )
        out["course_id"] = course_id
    elif "course_id" in given:
        out["course_id"] = None
    if "capacity" in given:
        out["capacity"] = _whole(
            fields["capacity"], "capacity", 1, limits.SESSION_CAPACITY_MAX
        )
    if "room_capacity" in given:
        out["room_capacity"] = (
            None
            if fields["room_capacity"] is None
            else _whole(
                fields["room_capacity"],
                "room_capacity",
                1,
                limits.SESSION_CAPACITY_MAX,
            )
        )
    audiences = {
        "audience_hospital_ids": None,
        "audience_tiers": {tier.value for tier in Tier},
        "audience_provinces": set(PROVINCES_BY_CODE),
        "audience_professions": {p.value for p in Profession},
    }
    for key, allowed in audiences.items():
        if key not in given:
            continue
        if allowed is None:
            ids = _choices(
                fields[key],
                key,
                {
                    value
                    for value in fields[key] or ()
                    if isinstance(value, int) and not isinstance(value, bool)
                },
            )
            known = set(
                db.session.scalars(sa.select(Hospital.id).where(Hospital.id.in_(ids)))
                if ids
                else ()
            )
            if known != set(ids):
                raise SessionError(
                    "invalid_audience_hospital_ids",
                    "Every audience hospital must be in the network.",
                    Kind.INVALID,
                )
            out[key] = ids
        else:
            out[key] = _choices(fields[key], key, allowed)
    if "is_booking_required" in given:
        out["is_booking_required"] = bool(fields["is_booking_required"])
    if "project_number" in given:
        out["project_number"] = _text(
            fields["project_number"], "project_number", limits.PROJECT_NUMBER_MAX
        )
    if "min_presence" in given:
        _refuse(rules.min_presence_problem(fields["min_presence"]), Kind.INVALID)
        out["min_presence"] = Decimal(str(fields["min_presence"]))
    if "doors_open_minutes" in given:
        out["doors_open_minutes"] = _whole(
            fields["doors_open_minutes"],
            "doors_open_minutes",
            0,
            limits.SESSION_DOORS_OPEN_MAX,
        )
    if "booking_closes_dt" in given:
        out["booking_closes_dt"] = fields["booking_closes_dt"]
    if {"rule_set_code", "project_level", "credit_category"} & given:
        _, level = _credit_terms(
            fields.get("rule_set_code", getattr(current, "rule_set_code", None)),
            fields.get("project_level", getattr(current, "project_level", None)),
            fields.get("credit_category", getattr(current, "credit_category", None)),
        )
        for key in ("rule_set_code", "credit_category"):
            if key in given:
                out[key] = fields[key]
        if "project_level" in given:
            out["project_level"] = level
    return out


def _check_lecturer_ids(actor, lecturer_ids):
    lecturers = _lecturers(lecturer_ids)
    if actor.role == Role.LECTURER and actor not in lecturers:
        lecturers.insert(0, actor)
    return lecturers


# --- sessions ------------------------------------------------------------------------


def create_session(
    actor,
    now,
    *,
    kind,
    title_zh,
    title_en="",
    description_zh="",
    description_en="",
    days,
    venue_hospital_id,
    venue_room="",
    lecturer_ids=(),
    course_id=None,
    capacity,
    room_capacity=None,
    audience_hospital_ids=(),
    audience_tiers=(),
    audience_provinces=(),
    audience_professions=(),
    is_booking_required=False,
    rule_set_code,
    project_level,
    credit_category,
    project_number="",
    min_presence=Decimal("0.80"),
    booking_closes_dt=None,
    doors_open_minutes=30,
):
    """A new session, PLANNED until the office approves its credit terms.

    The office or a lecturer creates it (a lecturer becomes its owner and one of
    its lecturers). ``days`` are (start, end) pairs of aware datetimes, in the
    future; texts are cleaned; a named venue room already used by an
    overlapping session is refused (``room_taken``)."""
    if not rules.may_create_session(actor):
        raise SessionError(
            "forbidden",
            "Only the CME office and lecturers create sessions.",
            Kind.FORBIDDEN,
        )
    fields = _clean_fields(
        {
            "kind": kind,
            "title_zh": title_zh,
            "title_en": title_en,
            "description_zh": description_zh,
            "description_en": description_en,
            "venue_hospital_id": venue_hospital_id,
            "venue_room": venue_room,
            "course_id": course_id,
            "capacity": capacity,
            "room_capacity": room_capacity,
            "audience_hospital_ids": audience_hospital_ids,
            "audience_tiers": audience_tiers,
            "audience_provinces": audience_provinces,
            "audience_professions": audience_professions,
            "is_booking_required": is_booking_required,
            "rule_set_code": rule_set_code,
            "project_level": project_level,
            "credit_category": credit_category,
            "project_number": project_number,
            "min_presence": min_presence,
            "booking_closes_dt": booking_closes_dt,
            "doors_open_minutes": doors_open_minutes,
        }
    )
    days = _days(days)
    _refuse(rules.changed_days_problem([], days, now), Kind.INVALID)
    _refuse(
        rules.capacity_problem(fields["capacity"], fields["room_capacity"], 0),
        Kind.INVALID,
    )
    _refuse(
        rules.booking_closes_problem(fields["booking_closes_dt"], days[0][0]),
        Kind.INVALID,
    )
    lecturers = _check_lecturer_ids(actor, lecturer_ids)
    _room_conflict(fields["venue_hospital_id"], fields["venue_room"], days)
    session = ScheduledSession(
        **fields,
        state=SessionState.PLANNED,
        owner_id=actor.id,
        code_secret=secrets.token_hex(32),
        sequence=0,
        created_dt=now,
        updated_dt=now,
    )
    session.lecturers = lecturers
    session.days = [SessionDay(starts_dt=start, ends_dt=end) for start, end in days]
    db.session.add(session)
    db.session.flush()
    return session


def _terms(session):
    return rules.Terms(
        title_zh=session.title_zh,
        title_en=session.title_en,
        days=tuple((day.starts_dt, day.ends_dt) for day in session.days),
        venue_hospital_id=session.venue_hospital_id,
        venue_room=session.venue_room,
        state=session.state,
    )


def _people_booked(session_id):
    """Everyone holding or waiting for a place: learners of seats and the
    coordinators who booked rooms."""
    return sorted(
        {reservation.user_id for reservation in queries.active_reservations(session_id)}
    )


#: Where moved days wait during an edit (no session is scheduled in 1971).
_PARKED = datetime(1971, 1, 1, tzinfo=UTC)


def _set_days(session, days):
    """The session's days set in place by position: a day that still exists
    keeps its row (and id), extra days are added, missing ones removed."""
    rows = list(session.days)
    moved = [
        row
        for row, (start, end) in zip(rows, days, strict=False)
        if (row.starts_dt, row.ends_dt) != (start, end)
    ]
    for row in rows[len(days) :]:
        session.days.remove(row)
    if moved:
        # Park the moved rows first: (session, start) is unique, and a day moved
        # onto another's old start would collide in the middle of the flush.
        for index, row in enumerate(moved):
            row.starts_dt = _PARKED + index * rules.MAX_DAY_LENGTH
            row.ends_dt = row.starts_dt + rules.MAX_DAY_LENGTH / 2
        db.session.flush()
    for row, (start, end) in zip(rows, days, strict=False):
        row.starts_dt, row.ends_dt = start, end
    for start, end in days[len(rows) :]:
        session.days.append(SessionDay(starts_dt=start, ends_dt=end))
    db.session.flush()


def _class_hours(session, days):
    terms = credit_terms()
    rule_set = terms.get_rule_set(session.rule_set_code)
    minutes = sum(int((end - start).total_seconds() // 60) for start, end in days)
    return terms.calculate_class_hours(minutes, rule_set) if rule_set else minutes


def _lock_to_manage(session, actor, verb):
    """The session locked for its owner or the office to ``verb`` ("change",
    "cancel"), while it has neither ended nor been cancelled."""
    session = queries.lock_session(session.id)
    if not rules.may_manage_session(actor, session.owner_id):
        raise SessionError(
            "forbidden",
            f"Only the session's owner and the CME office {verb} it.",
            Kind.FORBIDDEN,
        )
    if session.state in (SessionState.ENDED, SessionState.CANCELLED):
        raise SessionError(
            "session_closed", f"This session is {session.state.value}.", Kind.CONFLICT
        )
    return session


def update_session(session, actor, now, *, reason="", **fields):
    """Change a session (its owner or the office) that has not ended or been
    cancelled. Once the office approved it, its credit terms
    (``rules.OFFICE_TERMS``), lecturers and class hours are the office's to
    change; once it is under way only the office changes anything
    (``rules.edit_problem``). Days are changed in place by position; a day
    whose doors have opened, or with sign-ins or headcounts, stays as it was.
    The capacity never drops below the seats booked; raising it promotes the
    waiting list. A change of title, days or place raises the ``sequence`` and
    tells everyone booked or waiting, with ``reason`` (then required)."""
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise TypeError(f"update_session() got unexpected fields {sorted(unknown)}")
    session = _lock_to_manage(session, actor, "change")
    before = _terms(session)
    clean = _clean_fields(fields, current=session)
    days = before.days
    if "days" in fields:
        days = tuple(_days(fields["days"]))
    lecturers = None
    if "lecturer_ids" in fields:
        owner = db.session.get(User, session.owner_id)
        lecturers = _check_lecturer_ids(owner, fields["lecturer_ids"])
    changed = [
        key
        for key in rules.OFFICE_TERMS
        if key in clean and clean[key] != getattr(session, key)
    ]
    if lecturers is not None and {u.id for u in lecturers} != {
        u.id for u in session.lecturers
    }:
        changed.append("lecturers")
    if days != before.days and _class_hours(session, days) != _class_hours(
        session, before.days
    ):
        changed.append("class_hours")
    problem = rules.edit_problem(
        is_office=actor.role == Role.ADMINISTRATOR,
        seen_state=state_at(session.state, session.starts_dt, now),
        is_approved=session.approved_dt is not None
        or session.state != SessionState.PLANNED,
        changed=changed,
    )
    if problem is not None:
        kind = Kind.FORBIDDEN if problem.code == "office_only" else Kind.CONFLICT
        raise SessionError(problem.code, problem.message, kind)
    if days != before.days:
        attended = queries.attended_day_ids(session.id)
        doors = max(
            session.doors_open_minutes,
            clean.get("doors_open_minutes", session.doors_open_minutes),
        )
        _refuse(
            rules.changed_days_problem(
                list(before.days),
                list(days),
                now,
                doors_open=timedelta(minutes=doors),
                attended={
                    index
                    for index, row in enumerate(session.days)
                    if row.id in attended
                },
            )
        )
    taken = queries.seats_taken(session.id)
    largest_room = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(Reservation.seats), 0)).where(
            Reservation.session_id == session.id,
            Reservation.kind == ReservationKind.ROOM,
            Reservation.state.in_(ACTIVE_RESERVATION_STATES),
        )
    )
    capacity = clean.get("capacity", session.capacity)
    room_capacity = clean.get("room_capacity", session.room_capacity)
    _refuse(rules.capacity_problem(capacity, room_capacity, taken, largest_room))
    closes = clean.get("booking_closes_dt", session.booking_closes_dt)
    _refuse(rules.booking_closes_problem(closes, days[0][0]), Kind.INVALID)
    venue = clean.get("venue_hospital_id", session.venue_hospital_id)
    room = clean.get("venue_room", session.venue_room)
    after = rules.Terms(
        title_zh=clean.get("title_zh", before.title_zh),
        title_en=clean.get("title_en", before.title_en),
        days=days,
        venue_hospital_id=venue,
        venue_room=room,
        state=session.state,
    )
    changes = rules.notified_changes(before, after)
    people = _people_booked(session.id) if changes else []
    reason = _reason(reason, required=bool(people))
    if {"days", "place"} & set(changes):
        _room_conflict(venue, room, list(days), exclude_id=session.id)
    if session.state != SessionState.PLANNED and (
        "days" in changes or lecturers is not None
    ):
        _lecturer_conflict(
            [u.id for u in (lecturers if lecturers is not None else session.lecturers)],
            list(days),
            exclude_id=session.id,
        )
    for key, value in clean.items():
        setattr(session, key, value)
    if lecturers is not None:
        session.lecturers = lecturers
    if "days" in changes:
        _set_days(session, list(days))
    session.updated_dt = now
    if changes:
        session.sequence += 1
    db.session.flush()
    notify_many(
        people,
        NotificationKind.SESSION_CHANGED,
        params=session_params(session, reason=reason),
        link=session_link(session),
    )
    _promote(session, now)
    return session


_UPDATABLE = frozenset(
    {
        "kind",
        "title_zh",
        "title_en",
        "description_zh",
        "description_en",
        "days",
        "venue_hospital_id",
        "venue_room",
        "lecturer_ids",
        "course_id",
        "capacity",
        "room_capacity",
        "audience_hospital_ids",
        "audience_tiers",
        "audience_provinces",
        "audience_professions",
        "is_booking_required",
        "rule_set_code",
        "project_level",
        "credit_category",
        "project_number",
        "min_presence",
        "booking_closes_dt",
        "doors_open_minutes",
    }
)


def approve_session(session, actor, now):
    """The office approves a planned session's credit terms
    (``approval_problems``, as a course's): PLANNED → OPEN for booking; the
    owner is told; audited."""
    if actor.role != Role.ADMINISTRATOR:
        raise SessionError(
            "forbidden", "Only the CME office approves sessions.", Kind.FORBIDDEN
        )
    session = queries.lock_session(session.id)
    if session.state != SessionState.PLANNED:
        raise SessionError(
            "not_planned",
            f"Only a planned session is approved; this one is {session.state.value}.",
        )
    # A day stored before years were bounded is refused, not a 500.
    _refuse(
        rules.days_problem([(d.starts_dt, d.ends_dt) for d in session.days]),
        Kind.INVALID,
    )
    if session.starts_dt <= now:
        raise SessionError(
            "day_in_past",
            "This session's first day has begun; move its days first.",
        )
    _room_conflict(
        session.venue_hospital_id,
        session.venue_room,
        [(day.starts_dt, day.ends_dt) for day in session.days],
        exclude_id=session.id,
    )
    _lecturer_conflict(
        [u.id for u in session.lecturers],
        [(day.starts_dt, day.ends_dt) for day in session.days],
        exclude_id=session.id,
    )
    terms = credit_terms()
    rule_set = terms.get_rule_set(session.rule_set_code)
    minutes = scheduled_minutes(queries.days_of(session))
    problems = terms.approval_problems(
        class_hours=terms.calculate_class_hours(minutes, rule_set),
        project_level=session.project_level.value,
        project_number=session.project_number,
        category=session.credit_category,
        rule_set=rule_set,
    )
    if problems:
        raise SessionError(
            "invalid_credit_terms",
            "Cannot approve: " + "; ".join(problems) + ".",
            Kind.INVALID,
        )
    session.state = SessionState.OPEN
    session.approved_dt = now
    session.approved_by_id = actor.id
    session.updated_dt = now
    session.sequence += 1
    db.session.flush()
    record_audit(
        actor,
        AuditAction.SESSION_APPROVED,
        session,
        before={"state": SessionState.PLANNED},
        after={"state": SessionState.OPEN},
    )
    if session.owner_id != actor.id:
        notify(
            session.owner_id,
            NotificationKind.SESSION_APPROVED,
            params=session_params(session),
            link=session_link(session),
        )
    return session


def cancel_session(session, actor, now, reason):
    """The owner (before it starts) or the office cancels a session that has
    not ended, with a reason: CANCELLED, ``sequence`` raised, everyone booked
    or waiting told, audited. Reservations stay as they were, so calendars that
    list them show the cancellation."""
    session = _lock_to_manage(session, actor, "cancel")
    if actor.role != Role.ADMINISTRATOR and (
        state_at(session.state, session.starts_dt, now) == SessionState.UNDER_WAY
    ):
        # Its people were in the room: only the office may take that away.
        raise SessionError(
            "office_only",
            "This session is under way: only the CME office cancels it now.",
            Kind.FORBIDDEN,
        )
    reason = _reason(reason)
    before = session.state
    session.state = SessionState.CANCELLED
    session.cancelled_dt = now
    session.cancel_reason = reason
    session.updated_dt = now
    session.sequence += 1
    db.session.flush()
    record_audit(
        actor,
        AuditAction.SESSION_CANCELLED,
        session,
        before={"state": before},
        after={"state": SessionState.CANCELLED},
        reason=reason,
    )
    notify_many(
        _people_booked(session.id),
        NotificationKind.SESSION_CANCELLED,
        params=session_params(session, reason=reason),
        link=session_link(session),
    )
    return session


# --- reservations ----------------------------------------------------------------


def _bookable(session, now):
    """The session locked, refused when nobody may book it at ``now``."""
    session = queries.lock_session(session.id)
    _refuse(
        rules.booking_problem(
            session.state, session.starts_dt, session.booking_closes_dt, now
        )
    )
    return session


def _insert(reservation, duplicate_message):
    """Add ``reservation``; the partial unique index refusing it is a 409."""
    try:
        with db.session.begin_nested():
            db.session.add(reservation)
            db.session.flush()
    except IntegrityError:
        raise SessionError("already_booked", duplicate_message) from None
    return reservation


def reserve_seat(session, learner, now, *, waitlist=False):
    """A learner's own seat: BOOKED, or WAITING when the session is full and
    ``waitlist`` is asked for, else ``session_full``. One per learner; the
    learner must be in the session's audience."""
    if learner.role != Role.LEARNER:
        raise SessionError(
            "learners_only",
            "Only learners book a seat; a coordinator books the hospital's room.",
            Kind.FORBIDDEN,
        )
    session = _bookable(session, now)
    problem = audience_problem(queries.audience_of(session), queries.person_of(learner))
    if problem:
        raise SessionError(
            "not_in_audience", f"Not for you: {problem}.", Kind.FORBIDDEN
        )
    existing = queries.seat_of(session.id, learner.id)
    if existing is not None:
        raise SessionError(
            "already_booked",
            f"You already have a place at this session ({existing.state.value}).",
        )
    decision = rules.decide_seats(
        capacity=session.capacity,
        taken=queries.seats_taken(session.id),
        seats=1,
        waitlist=waitlist,
    )
    _refuse(decision.refusal)
    return _insert(
        Reservation(
            session_id=session.id,
            kind=ReservationKind.SEAT,
            state=decision.state,
            user_id=learner.id,
            hospital_id=learner.hospital_id,
            seats=1,
            created_dt=now,
            updated_dt=now,
        ),
        "You already have a place at this session.",
    )


def book_room(
    session,
    coordinator,
    now,
    *,
    hospital_id,
    seats,
    room="",
    is_equipment_tested=False,
    waitlist=False,
):
    """A hospital's room with ``seats`` at the session, booked by its own
    coordinator (or the office); a second call changes the one active booking.
    The room's seats stay within ``room_capacity`` and all seats within
    ``capacity``: a change that no longer fits is refused and the booking
    stays as it was (a booking on the waiting list stays waiting). Fewer seats
    free seats for the waiting list."""
    if not rules.may_book_room(coordinator, hospital_id):
        raise SessionError(
            "not_your_hospital",
            "A coordinator books rooms for their own hospital only.",
            Kind.FORBIDDEN,
        )
    hospital = _hospital(hospital_id, "hospital_id")
    seats = _whole(seats, "seats", 1, limits.SESSION_CAPACITY_MAX)
    room = _text(room, "room", limits.SESSION_ROOM_MAX)
    session = _bookable(session, now)
    problem = rules.hospital_audience_problem(
        queries.audience_of(session),
        hospital.id,
        hospital.tier.value,
        hospital.province_code,
    )
    if problem:
        raise SessionError(
            "not_in_audience", f"Not for your hospital: {problem}.", Kind.FORBIDDEN
        )
    existing = queries.room_of(session.id, hospital.id)
    taken = queries.seats_taken(session.id)
    if existing is not None and existing.state == ReservationState.BOOKED:
        taken -= existing.seats
    decision = rules.decide_seats(
        capacity=session.capacity,
        taken=taken,
        seats=seats,
        waitlist=waitlist or existing is not None,
        room_capacity=session.room_capacity,
    )
    _refuse(decision.refusal)
    if existing is not None:
        if (
            existing.state == ReservationState.BOOKED
            and decision.state == ReservationState.WAITING
        ):
            raise SessionError(
                "session_full",
                f"Only {session.capacity - taken} seats are left for your room; "
                "the booking stays as it was.",
            )
        freed = existing.state == ReservationState.BOOKED and seats < existing.seats
        if decision.state == ReservationState.BOOKED:
            existing.state = ReservationState.BOOKED  # a waiting room now fits
        existing.seats = seats
        existing.room = room
        existing.is_equipment_tested = bool(is_equipment_tested)
        if coordinator.role == Role.SITE_COORDINATOR:  # the office leaves it theirs
            existing.user_id = coordinator.id
        existing.updated_dt = now
        db.session.flush()
        if freed:
            _promote(session, now)
        return existing
    return _insert(
        Reservation(
            session_id=session.id,
            kind=ReservationKind.ROOM,
            state=decision.state,
            user_id=coordinator.id,
            hospital_id=hospital.id,
            seats=seats,
            room=room,
            is_equipment_tested=bool(is_equipment_tested),
            created_dt=now,
            updated_dt=now,
        ),
        "Your hospital already has a room booked at this session.",
    )


def _promote(session, now):
    """Move waiting reservations to BOOKED while seats are free (the session
    is locked by the caller; ``booking_rules.plan_promotions`` decides who),
    and tell each promoted person. Nothing moves once booking has closed."""
    if rules.booking_problem(
        session.state, session.starts_dt, session.booking_closes_dt, now
    ):
        return []
    active = queries.active_reservations(session.id)
    free = session.capacity - sum(
        r.seats for r in active if r.state == ReservationState.BOOKED
    )
    waiting = [r for r in active if r.state == ReservationState.WAITING]
    ids = set(
        rules.plan_promotions([rules.Waiting(r.id, r.seats) for r in waiting], free)
    )
    promoted = [r for r in waiting if r.id in ids]
    for reservation in promoted:
        reservation.state = ReservationState.BOOKED
        reservation.updated_dt = now
    db.session.flush()
    notify_many(
        [reservation.user_id for reservation in promoted],
        NotificationKind.SEAT_CONFIRMED,
        params=session_params(session),
        link=session_link(session),
    )
    return promoted


def cancel_reservation(reservation, actor, now):
    """Cancel a booked or waiting reservation (its holder, its hospital's
    coordinator, or the office); seats it held go to the waiting list, whose
    promoted reservations are returned (and told)."""
    if not rules.may_cancel_reservation(
        actor,
        user_id=reservation.user_id,
        hospital_id=reservation.hospital_id,
        kind=reservation.kind,
    ):
        raise SessionError(
            "forbidden", "This reservation is not yours to cancel.", Kind.FORBIDDEN
        )
    session = queries.lock_session(reservation.session_id)
    db.session.refresh(reservation)
    if reservation.state not in ACTIVE_RESERVATION_STATES:
        raise SessionError("not_active", "This reservation is already cancelled.")
    if session.state in (SessionState.ENDED, SessionState.CANCELLED):
        raise SessionError(
            "session_closed", f"This session is {session.state.value}.", Kind.CONFLICT
        )
    if state_at(session.state, session.starts_dt, now) == SessionState.UNDER_WAY:
        raise SessionError(
            "session_under_way",
            "This session is under way; its places are no longer cancelled "
            "(its attendance shows who came).",
            Kind.CONFLICT,
        )
    held_seats = reservation.state == ReservationState.BOOKED
    reservation.state = ReservationState.CANCELLED
    reservation.cancelled_dt = now
    reservation.cancelled_by_id = actor.id
    reservation.updated_dt = now
    db.session.flush()
    return _promote(session, now) if held_seats else []


# --- visits ------------------------------------------------------------------------


def request_visit(
    coordinator, now, *, hospital_id, kind, topic, details="", expected_attendees
):
    """A hospital's coordinator asks the office for on-site training or
    guidance (ONSITE) or skills training (SKILLS)."""
    if coordinator.role != Role.SITE_COORDINATOR or coordinator.hospital_id != (
        hospital_id
    ):
        raise SessionError(
            "not_your_hospital",
            "A coordinator requests visits for their own hospital only.",
            Kind.FORBIDDEN,
        )
    try:
        kind = SessionKind(getattr(kind, "value", kind))
    except ValueError:
        kind = None
    if kind not in rules.VISIT_KINDS:
        raise SessionError(
            "invalid_kind",
            "A visit is on-site training or guidance (onsite) or skills training "
            "(skills).",
            Kind.INVALID,
        )
    visit = VisitRequest(
        hospital_id=_hospital(hospital_id, "hospital_id").id,
        requested_by_id=coordinator.id,
        kind=kind,
        topic=_text(topic, "topic", limits.TITLE_MAX, required=True),
        details=_text(details, "details", limits.DESCRIPTION_MAX, multiline=True),
        expected_attendees=_whole(
            expected_attendees,
            "expected_attendees",
            1,
            limits.SESSION_CAPACITY_MAX,
        ),
        state=VisitState.REQUESTED,
        created_dt=now,
    )
    db.session.add(visit)
    db.session.flush()
    return visit


def _deciding(visit, admin):
    if admin.role != Role.ADMINISTRATOR:
        raise SessionError(
            "forbidden", "Only the CME office decides visit requests.", Kind.FORBIDDEN
        )
    visit = db.session.scalar(
        sa.select(VisitRequest)
        .where(VisitRequest.id == visit.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if visit.state != VisitState.REQUESTED:
        raise SessionError(
            "already_decided", f"This request is already {visit.state.value}."
        )
    return visit


def schedule_visit(visit, admin, now, **fields):
    """The office schedules a requested visit as an ONSITE or SKILLS session at
    the requesting hospital (for that hospital unless an audience is given),
    already OPEN; the requester is told; audited."""
    visit = _deciding(visit, admin)
    fields["venue_hospital_id"] = visit.hospital_id
    fields.setdefault("kind", visit.kind)
    fields.setdefault("title_zh", visit.topic)
    fields.setdefault("audience_hospital_ids", [visit.hospital_id])
    if getattr(fields["kind"], "value", fields["kind"]) not in rules.VISIT_KINDS:
        raise SessionError(
            "invalid_kind", "A visit is an onsite or skills session.", Kind.INVALID
        )
    session = create_session(admin, now, **fields)
    approve_session(session, admin, now)
    visit.state = VisitState.SCHEDULED
    visit.session_id = session.id
    visit.decided_dt = now
    visit.decided_by_id = admin.id
    db.session.flush()
    record_audit(
        admin,
        AuditAction.VISIT_DECIDED,
        visit,
        before={"state": VisitState.REQUESTED},
        after={"state": VisitState.SCHEDULED, "session_id": session.id},
        label=visit.topic,
    )
    notify(
        visit.requested_by_id,
        NotificationKind.VISIT_SCHEDULED,
        params=session_params(session),
        link=session_link(session),
    )
    return session


def decline_visit(visit, admin, now, reason):
    """The office declines a requested visit, with a reason; the requester is
    told; audited."""
    visit = _deciding(visit, admin)
    reason = _reason(reason)
    visit.state = VisitState.DECLINED
    visit.decision_note = reason
    visit.decided_dt = now
    visit.decided_by_id = admin.id
    db.session.flush()
    record_audit(
        admin,
        AuditAction.VISIT_DECIDED,
        visit,
        before={"state": VisitState.REQUESTED},
        after={"state": VisitState.DECLINED},
        reason=reason,
        label=visit.topic,
    )
    notify(
        visit.requested_by_id,
        NotificationKind.VISIT_DECLINED,
        params={"topic": visit.topic, "reason": reason},
        link="/hospital/bookings",
    )
    return visit
