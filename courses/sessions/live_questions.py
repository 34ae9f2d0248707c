"""Viewers' questions during a broadcast, moderated by the session's hosts:
nothing is shown to other viewers before a moderator has seen it.

A question is asked under the asker's row lock (two tabs posting at once are
paced and compared as one person). Operations: they flush, never commit.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from courses.sessions import queries
from courses.sessions import question_rules as rules
from courses.sessions.live import key_hours
from courses.sessions.live_viewing import may_watch_live
from courses.sessions.models import LiveQuestion
from courses.sessions.schedule import is_host
from courses.sessions.states import QuestionState
from lms import limits
from lms.accounts.models import User
from lms.db import db
from lms.problems import DomainError, Kind
from lms.text import BlankText, clean_text

#: A poll with ``since`` is answered from a little earlier: a question stamped
#: before the poll may commit after it (a write waiting for the lock).
POLL_OVERLAP = timedelta(seconds=30)
#: The most questions one answer lists (newest first).
LIST_MAX = 200
#: How often one person may ask.
PACE = rules.AskPace()


class QuestionError(DomainError):
    """A refused question or moderation; ``wait`` (a timedelta) says when a
    person asking too fast may ask again."""

    def __init__(self, code, message, kind=Kind.CONFLICT, wait=None, reason=""):
        super().__init__(code, message, kind)
        self.wait = wait
        #: The rule's reason in plain words (``may_watch_live``, ``question_refusal``).
        self.reason = reason


def _sentence(reason):
    return reason[0].upper() + reason[1:] + "."


def may_moderate(user, session):
    """The session's hosts and the office moderate its questions."""
    return is_host(user, queries.facts_of(session))


def check_may_ask(session, user, now):
    """Refuse ``user`` asking at ``session`` now (not a viewer, or outside the
    broadcast's hours)."""
    refusal = may_watch_live(user, session)
    if refusal:
        raise QuestionError(
            "not_a_viewer", _sentence(refusal), Kind.FORBIDDEN, reason=refusal
        )
    refusal = rules.question_refusal(
        session.kind, session.state, queries.days_of(session), now, key_hours()
    )
    if refusal:
        raise QuestionError(
            "questions_closed", _sentence(refusal), Kind.CONFLICT, reason=refusal
        )


def _clean(text):
    try:
        cleaned = clean_text(text)
    except BlankText:
        raise QuestionError(
            "blank_question", "Type a question.", Kind.INVALID
        ) from None
    if len(cleaned) > limits.LIVE_QUESTION_MAX:
        raise QuestionError(
            "question_too_long",
            f"A question is at most {limits.LIVE_QUESTION_MAX} characters.",
            Kind.INVALID,
        )
    return cleaned


def ask_question(session, user, text, now, pace=PACE):
    """A viewer's question (pending until a moderator has seen it): refused to
    one who may not watch, outside the broadcast's hours, blank or too long,
    asked again by the same person, or asked too fast."""
    check_may_ask(session, user, now)
    text = _clean(text)
    # FOR NO KEY UPDATE: paces the person's tabs without blocking the foreign
    # keys of their other new rows (a live beat's presence, a viewing).
    db.session.execute(
        sa.select(User.id).where(User.id == user.id).with_for_update(key_share=True)
    )
    earlier = db.session.scalars(
        sa.select(LiveQuestion.text).where(
            LiveQuestion.session_id == session.id, LiveQuestion.user_id == user.id
        )
    ).all()
    if rules.is_repeat(text, earlier):
        raise QuestionError(
            "repeated_question", "You asked this question already.", Kind.CONFLICT
        )
    asked = db.session.scalars(
        sa.select(LiveQuestion.created_dt).where(
            LiveQuestion.user_id == user.id,
            LiveQuestion.created_dt > now - pace.window,
        )
    ).all()
    wait = rules.ask_wait(asked, now, pace)
    if wait > timedelta(0):
        seconds = max(1, int(-(-wait.total_seconds() // 1)))
        raise QuestionError(
            "asking_too_fast",
            f"You are asking too fast: wait {seconds} seconds.",
            Kind.TOO_MANY,
            wait=timedelta(seconds=seconds),
        )
    question = LiveQuestion(
        session_id=session.id, user_id=user.id, text=text, created_dt=now
    )
    db.session.add(question)
    db.session.flush()
    return question


def moderate_question(question_id, actor, state, now):
    """Show, mark answered or hide a question (the session's hosts and the
    office); setting the state it has changes nothing."""
    question = db.session.get(LiveQuestion, question_id)
    session = (
        None
        if question is None
        else queries.visible_session(question.session_id, actor)
    )
    if session is None:
        raise QuestionError("unknown_question", "No such question.", Kind.NOT_FOUND)
    if not may_moderate(actor, session):
        # A viewer learns no more than that the question is not theirs to moderate.
        raise QuestionError(
            "not_a_moderator",
            "Only the session's hosts and the office moderate its questions.",
            Kind.FORBIDDEN,
        )
    refusal = rules.moderation_refusal(state)
    if refusal:
        raise QuestionError("invalid_state", _sentence(refusal), Kind.INVALID)
    if question.state != state:
        question.state = state
        question.moderated_by_id = actor.id
        question.moderated_dt = now
        if state in rules.SEEN_BY_VIEWERS and question.shown_dt is None:
            question.shown_dt = now
        db.session.flush()
    return question


@dataclass
class QuestionList:
    """What one person is shown of a session's questions, newest first."""

    questions: list
    #: Ids a viewer shows no longer (shown once, hidden since their last poll).
    removed: list = field(default_factory=list)
    is_moderator: bool = False


def list_questions(session, user, since=None):
    """The session's questions as ``user`` may see them: a moderator all, a
    viewer those shown or answered and their own; with ``since``, only those
    asked or moderated from then on (and ids hidden since)."""
    is_moderator = may_moderate(user, session)
    if not is_moderator:
        refusal = may_watch_live(user, session)
        if refusal:
            raise QuestionError(
                "not_a_viewer", _sentence(refusal), Kind.FORBIDDEN, reason=refusal
            )
    query = sa.select(LiveQuestion).where(LiveQuestion.session_id == session.id)
    if not is_moderator:
        query = query.where(
            sa.or_(
                LiveQuestion.state.in_(rules.SEEN_BY_VIEWERS),
                LiveQuestion.user_id == user.id,
            )
        )
    removed = []
    if since is not None:
        since = since - POLL_OVERLAP
        query = query.where(
            sa.or_(LiveQuestion.created_dt >= since, LiveQuestion.moderated_dt >= since)
        )
        if not is_moderator:
            removed = list(
                db.session.scalars(
                    sa.select(LiveQuestion.id).where(
                        LiveQuestion.session_id == session.id,
                        LiveQuestion.user_id != user.id,
                        LiveQuestion.state == QuestionState.HIDDEN,
                        # Only what viewers were shown: a question hidden
                        # straight from pending reaches nobody, not even its id.
                        LiveQuestion.shown_dt.is_not(None),
                        LiveQuestion.moderated_dt >= since,
                    )
                )
            )
    if is_moderator:
        query = query.options(
            selectinload(LiveQuestion.user).selectinload(User.hospital)
        )
    questions = db.session.scalars(
        query.order_by(LiveQuestion.created_dt.desc(), LiveQuestion.id.desc()).limit(
            LIST_MAX
        )
    ).all()
    return QuestionList(list(questions), removed, is_moderator)


def pending_count(session_id):
    """Questions no moderator has seen yet."""
    return db.session.scalar(
        sa.select(sa.func.count(LiveQuestion.id)).where(
            LiveQuestion.session_id == session_id,
            LiveQuestion.state == QuestionState.PENDING,
        )
    )
