"""The API of live broadcast (issue 14): viewers' questions and their moderation."""

from datetime import datetime

from flask import abort
from pydantic import Field

from courses.sessions import live_questions, queries
from courses.sessions.live_questions import QuestionError
from courses.sessions.states import QuestionState
from lms import limits
from lms.api import api_route, require_user
from lms.api.schemas import AwareDatetime, In, Out, Query, choice
from lms.api.schemas import text as text_of
from lms.db import db, utcnow
from lms.errors import json_error
from lms.i18n import current_language

TAGS = ["sessions"]


class QuestionIn(In):
    text: text_of(limits.LIVE_QUESTION_MAX, 1) = Field(
        description="The question (cleaned; blank text is refused)"
    )


class QuestionsQuery(Query):
    since: AwareDatetime | None = Field(
        None,
        description="Only questions asked or moderated since then (send the last "
        "answer's `now`); a viewer also gets the ids of questions shown once and "
        "hidden since in `removed`",
    )


class StateIn(In):
    state: choice(QuestionState) = Field(
        description="shown, answered or hidden (never pending again)"
    )


class AskerOut(Out):
    id: int
    name: str
    hospital: str | None


class QuestionOut(Out):
    """A question during a broadcast"""

    id: int
    session_id: int
    text: str
    state: QuestionState
    asked_at: datetime
    is_mine: bool
    asker: AskerOut | None = Field(
        description="Who asked (moderators only; viewers see no names)"
    )
    moderated_at: datetime | None


class QuestionsOut(Out):
    """The questions you may see, newest first"""

    questions: list[QuestionOut]
    removed: list[int] = Field(
        description="Ids to show no longer (shown once, hidden since)"
    )
    now: datetime = Field(description="Send it as `since` in the next poll")
    is_moderator: bool


def load_session(session_id):
    """The session, or a 404 (a planned one exists only for its hosts)."""
    session = queries.visible_session(session_id, require_user())
    if session is None:
        abort(404)
    return session


def question_json(question, viewer, is_moderator):
    asker = None
    if is_moderator:
        user = question.user
        hospital = (
            user.hospital.display_name(current_language()) if user.hospital else None
        )
        asker = {"id": user.id, "name": user.name, "hospital": hospital}
    return {
        "id": question.id,
        "session_id": question.session_id,
        "text": question.text,
        "state": question.state,
        "asked_at": question.created_dt,
        "is_mine": question.user_id == viewer.id,
        "asker": asker,
        "moderated_at": question.moderated_dt,
    }


def too_fast(error):
    """A 429 that says when to ask again (Retry-After)."""
    response = json_error(429, error.code, error.message)
    response.headers["Retry-After"] = str(int(error.wait.total_seconds()))
    return response


@api_route(
    "/sessions/<int:session_id>/questions",
    ["POST"],
    summary="Ask a question during the broadcast (its viewers); pending until a "
    "moderator shows it",
    body=QuestionIn,
    tags=TAGS,
    responses={
        201: QuestionOut,
        403: "Not one who may watch this broadcast",
        409: "Outside the broadcast's hours, or asked already",
        422: "Blank or too long",
        429: "Asking too fast: wait Retry-After seconds",
    },
)
def ask(session_id, body):
    user = require_user()
    session = load_session(session_id)
    try:
        question = live_questions.ask_question(session, user, body.text, utcnow())
    except QuestionError as error:
        if error.wait is None:
            raise
        return too_fast(error)
    db.session.commit()
    return question_json(question, user, False), 201


@api_route(
    "/sessions/<int:session_id>/questions",
    ["GET"],
    summary="The questions you may see, newest first: a moderator (hosts and the "
    "office) all; a viewer those shown or answered and their own",
    query=QuestionsQuery,
    tags=TAGS,
    responses={200: QuestionsOut, 403: "Not one who may watch this broadcast"},
)
def questions(session_id, query):
    user = require_user()
    session = load_session(session_id)
    now = utcnow()
    listed = live_questions.list_questions(session, user, since=query.since)
    return {
        "questions": [
            question_json(q, user, listed.is_moderator) for q in listed.questions
        ],
        "removed": listed.removed,
        "now": now,
        "is_moderator": listed.is_moderator,
    }


@api_route(
    "/questions/<int:question_id>/state",
    ["POST"],
    summary="Show, mark answered or hide a question (the session's hosts and the "
    "office); the state it has already changes nothing",
    body=StateIn,
    tags=TAGS,
    responses={
        200: QuestionOut,
        403: "Not a host of the question's session",
        404: "No such question",
        422: "Not shown, answered or hidden",
    },
)
def set_state(question_id, body):
    user = require_user()
    question = live_questions.moderate_question(question_id, user, body.state, utcnow())
    db.session.commit()
    return question_json(question, user, True)
