"""Translated names of the enums, for templates."""

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


def init_app(app):
    app.add_template_global(role_label)
    app.add_template_global(profession_label)
    app.add_template_global(tier_label)
