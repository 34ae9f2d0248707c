"""Ending a session: its attendance becomes credit lines, with what did not count."""

from datetime import datetime
from typing import Literal

from flask import abort

from courses.queries import actor_of
from courses.sessions import crediting, queries
from courses.sessions.outcomes import OutcomeScope, outcome_scope
from courses.sessions.schedule import state_at
from courses.sessions.tasks import queue_credits
from lms.api import api_route, require_user
from lms.api.schemas import Out
from lms.db import db, utcnow
from lms.labels import format_credit


class EndedOut(Out):
    """The session's state after ending it, and whether its credits are done"""

    state: Literal["ended"]
    #: False while the credits task is still queued.
    credited: bool


class OutcomeOut(Out):
    """What one person's part came to: a credit line, or why none"""

    user_id: int
    name: str
    hospital_id: int | None
    role: Literal["learner", "lecturer"]
    presence_minutes: int
    scheduled_minutes: int
    award_id: int | None
    source: Literal["attendance", "online", "teaching"] | None
    credits: str | None
    category: str | None
    reason: str | None


class OutcomesOut(Out):
    """The outcomes of a session the requester may read"""

    session_id: int
    state: str
    credited_at: datetime | None
    outcomes: list[OutcomeOut]


def load_session(session_id, user):
    """The session, or a 404: a planned one (not yet approved) exists only for
    its hosts, as on its page."""
    session = queries.visible_session(session_id, user)
    if session is None:
        abort(404)
    return session


@api_route(
    "/sessions/<int:session_id>/end",
    ["POST"],
    summary="End a session under way and award its credits (hosts, the office)",
    description="Learners present at least the session's minimum (default 80 % of "
    "the scheduled time) get an attendance line, lecturers a teaching line; the "
    "rest are listed with the reason (GET …/outcomes). Crediting runs as a "
    "background task: credited is false until it has.",
    responses={
        200: EndedOut,
        403: "Not a host of the session",
        404: "No such session",
        409: "Not under way, or ended already",
    },
)
def end_session(session_id):
    actor = require_user()
    session = load_session(session_id, actor)
    crediting.end_session(session, actor, utcnow())
    db.session.commit()
    queue_credits(session_id)
    db.session.refresh(session)
    return {"state": session.state.value, "credited": session.credited_dt is not None}


def outcome_json(outcome):
    award, user = outcome.award, outcome.user
    return {
        "user_id": outcome.user_id,
        "name": user.name,
        "hospital_id": user.hospital_id,
        "role": outcome.role.value,
        "presence_minutes": outcome.presence_minutes,
        "scheduled_minutes": outcome.scheduled_minutes,
        "award_id": outcome.award_id,
        "source": award.source.value if award else None,
        "credits": format_credit(award.credits) if award else None,
        "category": award.category if award else None,
        "reason": outcome.reason or None,
    }


def visible_outcomes(session, user):
    """The session's outcomes ``user`` may read (``outcome_scope``)."""
    actor = actor_of(user)
    scope = outcome_scope(actor, queries.facts_of(session))
    outcomes = queries.list_outcomes(session.id)
    if scope == OutcomeScope.HOSPITAL:
        return [o for o in outcomes if o.user.hospital_id == actor.hospital_id]
    if scope == OutcomeScope.OWN:
        return [o for o in outcomes if o.user_id == actor.id]
    return outcomes


@api_route(
    "/sessions/<int:session_id>/outcomes",
    ["GET"],
    summary="What each person's attendance came to: credits, or why none",
    description="Hosts and the office see everyone; a coordinator their "
    "hospital's people; anyone else their own outcome.",
    responses={200: OutcomesOut, 404: "No such session"},
)
def session_outcomes(session_id):
    user = require_user()
    session = load_session(session_id, user)
    outcomes = visible_outcomes(session, user)
    return {
        "session_id": session.id,
        "state": state_at(session.state, session.starts_dt, utcnow()).value,
        "credited_at": session.credited_dt,
        "outcomes": [outcome_json(o) for o in outcomes],
    }
