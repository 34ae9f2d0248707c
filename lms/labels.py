"""Translated names of the enums, for templates."""

from flask_babel import lazy_gettext as _l

from lms.accounts.forms import profession_choices, role_choices
from lms.hospitals.forms import tier_choices


def _label(choices, value):
    value = getattr(value, "value", value)
    return {choice.value: choice.label for choice in choices()}.get(value, value)


def role_label(role):
    return _label(role_choices, role)


def profession_label(profession):
    return _label(profession_choices, profession)


def tier_label(tier):
    return _label(tier_choices, tier)


def status_label(status):
    value = getattr(status, "value", status)
    return {
        "draft": _l("Draft"),
        "submitted": _l("Awaiting approval"),
        "approved": _l("Published"),
        "returned": _l("Returned"),
        "archived": _l("Archived"),
    }.get(value, value)


def step_label(step):
    value = getattr(step, "value", step)
    return {
        "watch": _l("Watching the lectures"),
        "test": _l("Post-test"),
        "evaluate": _l("Evaluation"),
        "complete": _l("Completed"),
        "failed": _l("Post-test not passed"),
    }.get(value, value)


def media_label(status):
    value = getattr(status, "value", status)
    return {
        "none": _l("No recording yet"),
        "processing": _l("Processing"),
        "ready": _l("Ready"),
        "failed": _l("Failed"),
    }.get(value, value)


def init_app(app):
    app.add_template_global(role_label)
    app.add_template_global(profession_label)
    app.add_template_global(tier_label)
    app.add_template_global(status_label)
    app.add_template_global(step_label)
    app.add_template_global(media_label)
