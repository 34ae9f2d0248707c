"""Readable, translated text for :class:`courses.operations.CourseError` codes."""

from flask_babel import gettext as _


def course_error_message(error):
    messages = {
        "not_open": _("This course is not open for enrolment."),
        "enrolment_closed": _("Enrolment for this course is closed."),
        "not_a_learner": _("Only learners enrol in courses."),
        "not_enrolled": _("Enrol in the course first."),
        "not_playable": _("This lecture is not ready to play yet."),
        "test_locked": _("Watch every lecture before the post-test."),
        "already_passed": _("You have already passed this post-test."),
        "no_attempts_left": _(
            "No attempts are left for this post-test. Please contact the CME office."
        ),
        "already_submitted": _("This attempt was already submitted."),
        "unknown_attempt": _("This attempt does not exist."),
        "unknown_question": _("An answer does not belong to this attempt."),
        "unknown_option": _("An answer does not belong to this attempt."),
        "too_many_options": _("A single-choice question takes one answer."),
        "evaluation_locked": _("Pass the post-test before the evaluation."),
        "already_evaluated": _("You have already evaluated this course."),
        "not_editable": _("This course cannot be edited now."),
        "not_draft": _(
            "Lectures and questions change only while the course is a draft or "
            "returned."
        ),
        "not_ready": _(
            "The course is not ready: it needs playable lectures and "
            "enough post-test questions."
        ),
        "invalid_credit_terms": _(
            "The course cannot be approved: it needs class hours above 0, a "
            "project number for a national or provincial project, and a credit "
            "category its project level may award."
        ),
        "lectures_not_ready": _(
            "Every lecture needs a ready recording first: upload it and wait "
            "until it is transcoded."
        ),
        "comment_required": _("Say why the course is returned."),
        "reason_required": _("Say why the class hours are changed."),
        "forbidden": _("You do not have permission to do this."),
        "invalid_transition": _("This cannot be done in the course's current state."),
    }
    return messages.get(error.code, _("Some of the data is not valid."))
