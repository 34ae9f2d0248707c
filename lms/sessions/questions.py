"""Questions during a broadcast: viewers ask, the host or a moderator sees
them live and shows, answers or hides each."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length

from courses.sessions import live_questions, queries
from courses.sessions.live_questions import QuestionError
from courses.sessions.live_viewing import may_watch_live
from courses.sessions.question_rules import MODERATED
from courses.sessions.states import QuestionState
from lms import limits
from lms.accounts.messages import too_many_attempts_message
from lms.db import db, utcnow
from lms.sessions import bp
from lms.sessions.messages import audience_reason


class QuestionForm(FlaskForm):
    text = TextAreaField(
        _l("Your question"),
        [InputRequired(), Length(max=limits.LIVE_QUESTION_MAX)],
    )


class ModerateForm(FlaskForm):
    state = HiddenField(
        validators=[InputRequired(), AnyOf([state.value for state in MODERATED])]
    )


def question_state_label(state):
    labels = {
        QuestionState.PENDING: _("Waiting for the moderator"),
        QuestionState.SHOWN: _("Shown to viewers"),
        QuestionState.ANSWERED: _("Answered by the lecturer"),
        QuestionState.HIDDEN: _("Hidden"),
    }
    return labels.get(QuestionState(state), str(state))


def moderate_label(state):
    labels = {
        QuestionState.SHOWN: _("Show to viewers"),
        QuestionState.ANSWERED: _("Mark answered"),
        QuestionState.HIDDEN: _("Hide"),
    }
    return labels[QuestionState(state)]


def question_message(error):
    """A refused question or moderation in the reader's language."""
    reasons = {
        "questions are taken during the broadcast's hours": _(
            "Questions are taken during the broadcast's hours."
        ),
        "the session has ended": _("This session has ended."),
        "the session was cancelled": _("This session was cancelled."),
        "the session is not approved yet": _("This session is not open yet."),
        "only a broadcast session takes questions": _(
            "Only a broadcast session takes questions."
        ),
        "only a broadcast session is watched live": _(
            "Only a broadcast session takes questions."
        ),
    }
    wait = int(error.wait.total_seconds()) if getattr(error, "wait", None) else 0
    messages = {
        "blank_question": _("Type a question."),
        "question_too_long": _(
            "A question is at most %(count)s characters.",
            count=limits.LIVE_QUESTION_MAX,
        ),
        "repeated_question": _("You asked this question already."),
        "asking_too_fast": _(
            "You are asking too fast: wait %(seconds)s seconds.", seconds=wait
        )
        if wait < 60
        else too_many_attempts_message(wait),
        "not_a_moderator": _(
            "Only the session's hosts and the office moderate its questions."
        ),
        "unknown_question": _("No such question."),
    }
    reason = getattr(error, "reason", "")
    if error.code in ("not_a_viewer", "questions_closed"):
        return reasons.get(reason) or audience_reason(reason) or error.message
    return messages.get(error.code, error.message)


def load_session(session_id):
    """The session, or a 404 (a planned one exists only for its hosts)."""
    session = queries.visible_session(session_id, current_user)
    if session is None:
        abort(404)
    return session


def _watch_page(session):
    """Where a viewer asked from: the watch page once it exists, else the
    session's page."""
    if "sessions.watch" in current_app.view_functions:
        return url_for("sessions.watch", session_id=session.id)
    return url_for("sessions.show", session_id=session.id)


@bp.app_template_global()
def live_questions_panel(session):
    """The viewer's questions panel (``sessions/live/_questions.html``): None
    for one who may not watch the session."""
    if may_watch_live(current_user, session):
        return None
    listed = live_questions.list_questions(session, current_user)
    closed = ""
    try:
        live_questions.check_may_ask(session, current_user, utcnow())
    except QuestionError as error:
        closed = question_message(error)
    return {
        "form": QuestionForm(),
        "closed": closed,
        "questions": listed.questions,
        "state_label": question_state_label,
    }


@bp.app_template_global()
def live_moderation(session):
    """The hosts' link to the moderation page, with the questions waiting."""
    if not live_questions.may_moderate(current_user, session):
        return None
    return {"pending": live_questions.pending_count(session.id)}


@bp.route("/sessions/<int:session_id>/questions")
@login_required
def questions(session_id):
    session = load_session(session_id)
    if not live_questions.may_moderate(current_user, session):
        abort(403)
    listed = live_questions.list_questions(session, current_user)
    return render_template(
        "sessions/live/questions.html",
        session=session,
        questions=listed.questions,
        form=ModerateForm(),
        moderated=sorted(MODERATED, key=list(QuestionState).index),
        state_label=question_state_label,
        moderate_label=moderate_label,
    )


@bp.route("/sessions/<int:session_id>/questions", methods=["POST"])
@login_required
def ask_question(session_id):
    session = load_session(session_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        flash(
            _(
                "Type a question of at most %(count)s characters.",
                count=limits.LIVE_QUESTION_MAX,
            ),
            "error",
        )
        return redirect(_watch_page(session)), 303
    try:
        live_questions.ask_question(session, current_user, form.text.data, utcnow())
    except QuestionError as error:
        db.session.rollback()
        flash(question_message(error), "error")
        return redirect(_watch_page(session)), 303
    db.session.commit()
    flash(_("Your question was sent: a moderator reads it first."), "success")
    return redirect(_watch_page(session)), 303


@bp.route("/sessions/questions/<int:question_id>/state", methods=["POST"])
@login_required
def question_state(question_id):
    form = ModerateForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        question = live_questions.moderate_question(
            question_id, current_user, QuestionState(form.state.data), utcnow()
        )
    except QuestionError as error:
        db.session.rollback()
        if error.code == "unknown_question":
            abort(404)
        abort(403)
    db.session.commit()
    return redirect(url_for(".questions", session_id=question.session_id)), 303
