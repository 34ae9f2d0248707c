from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError

from lms.accounts.logins import InvalidLogin, normalize_login
from lms.accounts.roles import Profession, Role


def profession_choices():
    return [
        SelectChoice(Profession.DOCTOR.value, _l("Doctor")),
        SelectChoice(Profession.NURSE.value, _l("Nurse")),
        SelectChoice(Profession.TECHNICIAN.value, _l("Medical technician")),
        SelectChoice(Profession.PHARMACIST.value, _l("Pharmacist")),
        SelectChoice(Profession.OTHER.value, _l("Other")),
    ]


def role_choices():
    return [
        SelectChoice(Role.LEARNER.value, _l("Learner")),
        SelectChoice(Role.LECTURER.value, _l("Lecturer")),
        SelectChoice(Role.SITE_COORDINATOR.value, _l("Site coordinator")),
        SelectChoice(Role.ADMINISTRATOR.value, _l("Administrator")),
    ]


def language_choices():
    return [
        SelectChoice("", _l("Follow my browser")),
        SelectChoice("zh_Hans_CN", "中文"),
        SelectChoice("en", "English"),
    ]


def valid_login(form, field):
    try:
        normalize_login(field.data)
    except InvalidLogin:
        raise ValidationError(
            _l("Enter an email address or an 11-digit mobile number.")
        ) from None


class LoginForm(FlaskForm):
    login = StringField(
        _l("Email or mobile number"), [InputRequired(), Length(max=254)]
    )
    password = PasswordField(_l("Password"), [InputRequired(), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in on this device"))


def optional_id(value):
    """A select's value: an id, or None for its empty placeholder."""
    return None if value in ("", None) else int(value)


class HospitalSelectField(SelectField):
    """A hospital list with an empty placeholder first: nobody's hospital is
    preselected (the first in the list was, for every registrant)."""

    def pre_validate(self, form):
        if self.data is not None:
            super().pre_validate(form)


class RegisterForm(FlaskForm):
    name = StringField(_l("Full name"), [InputRequired(), Length(max=100)])
    login = StringField(
        _l("Email or mobile number"), [InputRequired(), Length(max=254), valid_login]
    )
    password = PasswordField(_l("Password"), [InputRequired(), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat the password"),
        [InputRequired(), EqualTo("password", _l("The passwords do not match."))],
    )
    hospital_id = HospitalSelectField(
        _l("Hospital"), coerce=optional_id, validators=[InputRequired()]
    )
    profession = SelectField(_l("Profession"), choices=profession_choices())
    professional_title = StringField(_l("Professional title"), [Length(max=100)])


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), [InputRequired(), Length(max=100)])
    profession = SelectField(_l("Profession"), choices=profession_choices())
    professional_title = StringField(_l("Professional title"), [Length(max=100)])
    locale = SelectField(_l("Interface language"), choices=language_choices())


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), [InputRequired()])
    new = PasswordField(_l("New password"), [InputRequired(), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        [InputRequired(), EqualTo("new", _l("The passwords do not match."))],
    )


class UserAdminForm(FlaskForm):
    name = StringField(_l("Full name"), [Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=role_choices())
    hospital_id = SelectField(_l("Hospital"), coerce=int)
    is_active = BooleanField(_l("Active"))
    #: The office sets a new password for someone who lost theirs; empty keeps it.
    new_password = PasswordField(_l("New password"), [Optional(), Length(max=256)])


class ForgotPasswordForm(FlaskForm):
    login = StringField(
        _l("Email or mobile number"), [InputRequired(), Length(max=254)]
    )


class ResetPasswordForm(FlaskForm):
    new = PasswordField(_l("New password"), [InputRequired(), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        [InputRequired(), EqualTo("new", _l("The passwords do not match."))],
    )


class HospitalChangeForm(FlaskForm):
    hospital_id = HospitalSelectField(
        _l("New hospital"), coerce=optional_id, validators=[InputRequired()]
    )
    reason = StringField(_l("Why (optional)"), [Length(max=500)])
