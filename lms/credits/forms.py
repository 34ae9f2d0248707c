from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from certificates.rules import ManualKind
from lms.edge import FiniteDecimalField
from lms.labels import CLASS_II_KIND_LABELS
from lms.limits import REASON_MAX


def manual_kind_choices():
    labels = {
        ManualKind.EXTERNAL: _l("External activity"),
        ManualKind.VISITING: _l("Visiting study"),
        ManualKind.SELF_STUDY: _l("Self-study"),
        ManualKind.OTHER: _l("Other"),
        **CLASS_II_KIND_LABELS,
    }
    return [SelectChoice(str(kind), label) for kind, label in labels.items()]


class ManualAwardForm(FlaskForm):
    login = StringField(
        _l("Learner (email or mobile number)"), [InputRequired(), Length(max=254)]
    )
    title = StringField(_l("Activity"), [InputRequired(), Length(max=200)])
    kind = SelectField(_l("Kind of activity"), choices=manual_kind_choices())
    rule_set_code = SelectField(_l("Credit rules"))
    category = StringField(_l("Credit category"), [InputRequired(), Length(max=32)])
    #: Empty for a Class II kind: its award standard computes them.
    credits = FiniteDecimalField(_l("Credits"), [Optional(), NumberRange(0.01, 100)])
    class_hours = FiniteDecimalField(
        _l("Class hours"), [Optional(), NumberRange(0, 500)]
    )
    on = DateField(_l("Date of the activity"), [InputRequired()])
    reason = TextAreaField(_l("Reason"), [InputRequired(), Length(max=REASON_MAX)])
    #: Class II kinds: the evidence the award standard reads.
    sessions = IntegerField(_l("Sessions"), [Optional(), NumberRange(1, 500)])
    characters = IntegerField(
        _l("Characters (字)"), [Optional(), NumberRange(1, 10_000_000)]
    )
    rank = IntegerField(_l("Rank (author or member)"), [Optional(), NumberRange(1, 50)])
    venue = SelectField(
        _l("Journal or project level"),
        choices=[
            SelectChoice("", "—"),
            SelectChoice("foreign", _l("Foreign journal")),
            SelectChoice("issn-cn", _l("Journal with ISSN and CN")),
            SelectChoice("provincial", _l("Provincial journal or project")),
            SelectChoice("national", _l("National project")),
            SelectChoice("municipal", _l("Municipal project")),
        ],
        validators=[Optional()],
    )
    override_reason = StringField(
        _l("Why the credits differ from the standard"), [Length(max=500)]
    )
    #: Visiting study (进修): months and the assessment decide whether the year
    #: is met (6 months under CN-2006, 3 under CN-2024).
    study_months = IntegerField(
        _l("Months of visiting study"), [Optional(), NumberRange(1, 60)]
    )
    assessment_passed = SelectField(
        _l("Assessment at the end"),
        choices=[
            SelectChoice("", "—"),
            SelectChoice("yes", _l("Passed")),
            SelectChoice("no", _l("Not passed")),
        ],
        validators=[Optional()],
    )


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), [InputRequired(), Length(max=REASON_MAX)])


class RuleSetForm(FlaskForm):
    based_on = SelectField(_l("Based on"))
    code = StringField(_l("Code"), [InputRequired(), Length(max=32)])
    name_zh = StringField(_l("Name (Chinese)"), [InputRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), [InputRequired(), Length(max=200)])
    province_code = SelectField(_l("Province"), [Optional()])
    tier = SelectField(_l("Tier"), [Optional()])
    valid_from = DateField(_l("In force from"), [InputRequired()])
    valid_until = DateField(_l("In force until"), [Optional()])
    yearly_credits = StringField(_l("Credits a year"), [Length(max=16)])
    yearly_class_hours = StringField(_l("Class hours a year"), [Length(max=16)])
    self_study_cap = StringField(
        _l("Self-study at most (credits a year)"), [Length(max=16)]
    )
    project_cap = StringField(_l("At most per project (credits)"), [Length(max=16)])
    distance_cap = StringField(
        _l("At most per distance project (credits)"), [Length(max=16)]
    )
    #: Class I/II bounds by the learner's unit (CN-2006-based variants only).
    class_i_min = StringField(_l("Class I at least (credits a year)"), [Length(max=16)])
    class_i_max = StringField(_l("Class I at most (credits a year)"), [Length(max=16)])
    class_ii_min = StringField(
        _l("Class II at least (credits a year)"), [Length(max=16)]
    )
    class_i_substitutes = SelectField(
        _l("Class I beyond its maximum counts toward the total"),
        choices=[
            SelectChoice("", _l("As the base rule set (no)")),
            SelectChoice("yes", _l("Yes (the province allows it)")),
            SelectChoice("no", _l("No")),
        ],
        validators=[Optional()],
    )


class SealForm(FlaskForm):
    slot = SelectField(
        _l("Seal"),
        choices=[
            SelectChoice("awarding", _l("Awarding body's seal")),
            SelectChoice("organiser", _l("Organiser's seal")),
        ],
    )
    image = FileField(_l("Image (PNG with a transparent background)"))


class ExportForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it changes nothing

    kind = SelectField(
        _l("Format"),
        choices=[
            SelectChoice("registry", _l("Provincial credit registry")),
            SelectChoice("pars", _l("PARS-style learner list")),
        ],
    )
    year = SelectField(_l("Year"), [Optional()])
    province = SelectField(_l("Province"), [Optional()])
    hospital = SelectField(_l("Hospital"), [Optional()])
    course = SelectField(_l("Course"), [Optional()])


def someone_selected(form, field):
    """A room's attendance needs at least one person ticked."""
    if not field.data:
        raise ValidationError(_l("Nobody was selected: tick the learners in the room."))


class AttendanceForm(FlaskForm):
    course_id = SelectField(_l("Course"), coerce=int)
    on = DateField(_l("Date of the session"), [InputRequired()])
    minutes = IntegerField(
        # At most the session's length (the operation checks it): a multi-day
        # on-site project may run for days.
        _l("Minutes attended"),
        [InputRequired(), NumberRange(1, 10000)],
    )
    learner_ids = SelectMultipleField(
        _l("Learners in the room"),
        [someone_selected],
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )


class EnrolSelectedForm(FlaskForm):
    """A coordinator enrols the people ticked on the staff page."""

    course_id = SelectField(_l("Course"), coerce=int)
    learner_ids = SelectMultipleField(_l("Selected"), coerce=int)


class ReminderForm(FlaskForm):
    message = TextAreaField(_l("Message (optional)"), [Optional(), Length(max=500)])


class AttendanceCorrectionForm(FlaskForm):
    """Take back one person's presence at a session, with a reason."""

    user_id = IntegerField(_l("Person"), [InputRequired(), NumberRange(1, 2**31 - 1)])
    reason = StringField(_l("Reason"), [InputRequired(), Length(max=REASON_MAX)])
