"""Ending a session and turning its attendance into credit lines (DESIGN §2.7).

Operations: they flush, never commit. The edge that ends a session commits and
then queues :func:`courses.sessions.tasks.credit_session_task` (a task queued
before the commit could run before the session is seen ended).
"""

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from courses.credit_terms import credit_terms
from courses.sessions import outcomes, queries
from courses.sessions.models import Presence, SessionOutcome
from courses.sessions.schedule import is_host, local, state_at
from courses.sessions.states import OutcomeRole, SessionState
from lms.audit.actions import AuditAction
from lms.audit.operations import record_audit
from lms.db import db
from lms.problems import DomainError, Kind

#: Why a lecturer's own presence earns no attendance line.
LECTURER_PRESENT = "a lecturer of the session earns teaching credit, not attendance"


def end_session(session, actor, now):
    """End an open session whose first day has started (under way): a host (the
    office, its owner, a lecturer) or, with ``actor`` None, the system's sweep
    of sessions long over. Decided under the session's row lock, so ending
    twice at once ends it once; the second is a 409 ``already_ended``."""
    session = queries.lock_session(session.id)
    if actor is not None and not is_host(actor, queries.facts_of(session)):
        raise DomainError(
            "forbidden",
            "Only the session's hosts or the office end it.",
            Kind.FORBIDDEN,
        )
    if session.state == SessionState.ENDED:
        raise DomainError("already_ended", "The session has already ended.")
    if session.state != SessionState.OPEN:
        raise DomainError(
            "not_under_way", "Only an approved session that has started can end."
        )
    if state_at(session.state, session.starts_dt, now) != SessionState.UNDER_WAY:
        raise DomainError("not_started", "The session has not started yet.")
    session.state = SessionState.ENDED
    session.ended_dt = now
    session.ended_by_id = getattr(actor, "id", None)
    session.updated_dt = now
    db.session.flush()
    record_audit(
        actor,
        AuditAction.SESSION_ENDED,
        session,
        before={"state": SessionState.OPEN},
        after={"state": SessionState.ENDED},
        label=session.title_zh,
    )
    return session


def activity_date(session):
    """The date a session's lines carry: its last day's, in Asia/Shanghai."""
    return local(session.days[-1].starts_dt).date()


def credit_session(session_id, now, *, only_user_id=None):
    """Turn an ended session's attendance into credit lines: an outcome for every
    learner with any presence and every lecturer, with the line it earned or
    why none. Idempotent and safe to run twice or at once: it works under the
    session's row lock, keeps the outcomes that earned a line, decides again
    those that did not (a coordinator's late vouch is credited by the next run),
    and each line is one per person, session and role. ``only_user_id``: decide
    that learner alone (a sign-out or vouch after the end), in the same
    transaction. Returns the session's outcomes (none when not ended)."""
    session = queries.lock_session(session_id)
    if session is None or session.state != SessionState.ENDED:
        return []
    if not session.days:  # nothing was scheduled, so nothing to credit
        session.credited_dt = session.credited_dt or now
        db.session.flush()
        return []
    kept = {(o.user_id, o.role): o for o in queries.list_outcomes(session.id)}
    # A line, once earned, stands (the ledger is never edited); an outcome
    # without one is decided again, as a late vouch may have changed it.
    done = {key for key, outcome in kept.items() if outcome.award_id is not None}
    done |= {key for key in kept if key[1] == OutcomeRole.LECTURER}
    on = activity_date(session)
    terms = credit_terms()
    rule_set = terms.get_rule_set(session.rule_set_code, on)
    by_participation = bool(rule_set and rule_set.credits_by_participation)
    days = queries.days_of(session)
    lecturer_ids = sorted(queries.facts_of(session).lecturer_ids)
    for user_id, presences in sorted(
        _presences_by_person(session.id, only_user_id).items()
    ):
        if (user_id, OutcomeRole.LEARNER) in done:
            continue
        decided = outcomes.decide_learner(
            days, session.min_presence, presences, by_participation=by_participation
        )
        award, reason = None, decided.reason
        if user_id in lecturer_ids:
            reason = LECTURER_PRESENT
        elif decided.is_enough:
            award, reason = terms.award_session_attendance(
                session,
                user_id,
                on,
                minutes=decided.credit_minutes,
                is_distance=outcomes.is_distance(session.kind),
            )
        earlier = kept.get((user_id, OutcomeRole.LEARNER))
        if earlier is not None:
            earlier.presence_minutes = decided.presence_minutes
            earlier.scheduled_minutes = decided.scheduled_minutes
            earlier.award_id = award.id if award is not None else None
            earlier.reason = "" if award is not None else (reason or "no credit")
            continue
        _add_outcome(
            session.id,
            user_id,
            OutcomeRole.LEARNER,
            decided.presence_minutes,
            decided.scheduled_minutes,
            award,
            reason,
            now,
        )
    minutes = outcomes.teaching_minutes(days, session.ended_dt)
    problem = outcomes.teaching_problem(session.kind)
    for user_id in lecturer_ids if only_user_id is None else ():
        if (user_id, OutcomeRole.LECTURER) in done:
            continue
        award, reason = None, problem
        if not problem:
            award, reason = terms.award_session_teaching(
                session, user_id, on, minutes=minutes
            )
        _add_outcome(
            session.id,
            user_id,
            OutcomeRole.LECTURER,
            minutes,
            minutes,
            award,
            reason,
            now,
        )
    if session.credited_dt is None and only_user_id is None:
        session.credited_dt = now
    db.session.flush()
    return queries.list_outcomes(session.id)


def _presences_by_person(session_id, only_user_id=None):
    query = sa.select(Presence).filter_by(session_id=session_id)
    if only_user_id is not None:
        query = query.filter_by(user_id=only_user_id)
    rows = db.session.scalars(query)
    by_person = defaultdict(list)
    for row in rows:
        by_person[row.user_id].append(
            outcomes.DayPresence(
                row.day_id, row.signed_in_dt, row.signed_out_dt, row.minutes
            )
        )
    return by_person


def _add_outcome(session_id, user_id, role, present, scheduled, award, reason, now):
    """Keep a person's outcome once (a concurrent run that kept it first wins)."""
    outcome = SessionOutcome(
        session_id=session_id,
        user_id=user_id,
        role=role,
        presence_minutes=present,
        scheduled_minutes=scheduled,
        award_id=award.id if award is not None else None,
        reason="" if award is not None else (reason or "no credit"),
        created_dt=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(outcome)
    except IntegrityError:
        return None
    return outcome
