from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from certificates.queries import list_current_rule_sets
from courses.disciplines import DISCIPLINES
from lms import limits as L
from lms.accounts.forms import profession_choices
from lms.edge import FiniteDecimalField
from lms.enums import CourseFormat, ProjectLevel


def specialty_choices(language):
    return [
        SelectChoice(d.code, d.name_en if language == "en" else d.name_zh)
        for d in DISCIPLINES
    ]


def rule_set_choices(language):
    return [
        SelectChoice(r.code, r.name_en if language == "en" else r.name_zh)
        for r in list_current_rule_sets()
    ]


def format_choices():
    return [
        SelectChoice(CourseFormat.RECORDED.value, _l("Recorded")),
        SelectChoice(CourseFormat.LIVE.value, _l("Live broadcast")),
        SelectChoice(CourseFormat.ONSITE.value, _l("On site")),
    ]


def level_choices():
    return [
        SelectChoice(ProjectLevel.NATIONAL.value, _l("National")),
        SelectChoice(ProjectLevel.PROVINCIAL.value, _l("Provincial")),
        SelectChoice(ProjectLevel.MUNICIPAL.value, _l("Municipal")),
        SelectChoice(ProjectLevel.HOSPITAL.value, _l("Hospital")),
    ]


def rating_choices():
    return [SelectChoice(str(i), str(i)) for i in range(5, 0, -1)]


def percent(low, high):
    """A share's limits (``lms.limits``) as the form's whole percent."""
    return round(low * 100), round(high * 100)


class CourseForm(FlaskForm):
    title_zh = StringField(
        _l("Title (Chinese)"), [InputRequired(), Length(max=L.TITLE_MAX)]
    )
    title_en = StringField(_l("Title (English)"), [Length(max=L.TITLE_MAX)])
    description_zh = TextAreaField(
        _l("Description (Chinese)"), [Length(max=L.DESCRIPTION_MAX)]
    )
    description_en = TextAreaField(
        _l("Description (English)"), [Length(max=L.DESCRIPTION_MAX)]
    )
    specialty = SelectField(_l("Specialty"))
    target_professions = SelectMultipleField(
        _l("For"), choices=profession_choices(), validators=[Optional()]
    )
    format = SelectField(_l("Format"), choices=format_choices())
    project_level = SelectField(_l("Project level"), choices=level_choices())
    rule_set_code = SelectField(_l("Credit rules"))
    completion_threshold = IntegerField(
        _l("Share of each lecture to watch (%)"),
        [NumberRange(*percent(L.COMPLETION_THRESHOLD_MIN, L.COMPLETION_THRESHOLD_MAX))],
        default=95,
    )
    pass_mark = IntegerField(
        _l("Pass mark (%)"),
        [NumberRange(*percent(L.PASS_MARK_MIN, L.PASS_MARK_MAX))],
        default=60,
    )
    max_attempts = IntegerField(
        _l("Attempts allowed"),
        [NumberRange(L.MAX_ATTEMPTS_MIN, L.MAX_ATTEMPTS_MAX)],
        default=3,
    )
    questions_per_attempt = IntegerField(
        _l("Questions per attempt (empty: all)"),
        [
            Optional(),
            NumberRange(L.QUESTIONS_PER_ATTEMPT_MIN, L.QUESTIONS_PER_ATTEMPT_MAX),
        ],
    )


class LectureForm(FlaskForm):
    title_zh = StringField(
        _l("Lecture title (Chinese)"), [InputRequired(), Length(max=L.TITLE_MAX)]
    )
    title_en = StringField(_l("Lecture title (English)"), [Length(max=L.TITLE_MAX)])
    duration_minutes = FiniteDecimalField(
        _l("Length in minutes (until the recording is uploaded)"),
        [Optional(), NumberRange(0.1, L.DURATION_MAX_SECONDS // 60)],
    )


class QuestionForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("single", _l("Single choice")),
            SelectChoice("multiple", _l("Multiple choice")),
        ],
    )
    text_zh = TextAreaField(
        _l("Question (Chinese)"), [InputRequired(), Length(max=L.QUESTION_TEXT_MAX)]
    )
    text_en = TextAreaField(_l("Question (English)"), [Length(max=L.QUESTION_TEXT_MAX)])
    option_1 = StringField(
        _l("Option A"), [InputRequired(), Length(max=L.OPTION_TEXT_MAX)]
    )
    option_2 = StringField(
        _l("Option B"), [InputRequired(), Length(max=L.OPTION_TEXT_MAX)]
    )
    option_3 = StringField(_l("Option C"), [Length(max=L.OPTION_TEXT_MAX)])
    option_4 = StringField(_l("Option D"), [Length(max=L.OPTION_TEXT_MAX)])
    correct_1 = BooleanField(_l("A is right"))
    correct_2 = BooleanField(_l("B is right"))
    correct_3 = BooleanField(_l("C is right"))
    correct_4 = BooleanField(_l("D is right"))
    option_5 = StringField(_l("Option E"), [Length(max=L.OPTION_TEXT_MAX)])
    option_6 = StringField(_l("Option F"), [Length(max=L.OPTION_TEXT_MAX)])
    correct_5 = BooleanField(_l("E is right"))
    correct_6 = BooleanField(_l("F is right"))
    explanation_zh = TextAreaField(_l("Explanation"), [Length(max=L.QUESTION_TEXT_MAX)])
    option_1_en = StringField(_l("Option A (English)"), [Length(max=L.OPTION_TEXT_MAX)])
    option_2_en = StringField(_l("Option B (English)"), [Length(max=L.OPTION_TEXT_MAX)])
    option_3_en = StringField(_l("Option C (English)"), [Length(max=L.OPTION_TEXT_MAX)])
    option_4_en = StringField(_l("Option D (English)"), [Length(max=L.OPTION_TEXT_MAX)])
    option_5_en = StringField(_l("Option E (English)"), [Length(max=L.OPTION_TEXT_MAX)])
    option_6_en = StringField(_l("Option F (English)"), [Length(max=L.OPTION_TEXT_MAX)])
    explanation_en = TextAreaField(
        _l("Explanation (English)"), [Length(max=L.QUESTION_TEXT_MAX)]
    )

    def options(self):
        """The options typed, ``[{"text_zh", "text_en", "is_correct"}]`` (blank
        rows left out)."""
        return [
            {
                "text_zh": self[f"option_{i}"].data,
                "text_en": self[f"option_{i}_en"].data or "",
                "is_correct": bool(self[f"correct_{i}"].data),
            }
            for i in range(1, OPTION_ROWS + 1)
            if (self[f"option_{i}"].data or "").strip()
        ]

    def fill_from(self, question):
        """Show a stored question for editing."""
        self.kind.data = question.kind.value
        for name in ("text_zh", "text_en", "explanation_zh", "explanation_en"):
            self[name].data = getattr(question, name)
        for i, option in enumerate(question.options[:OPTION_ROWS], start=1):
            self[f"option_{i}"].data = option.text_zh
            self[f"option_{i}_en"].data = option.text_en
            self[f"correct_{i}"].data = option.is_correct


#: Option rows of the question form, as many as a sheet row may carry.
OPTION_ROWS = 6


class QuestionSheetForm(FlaskForm):
    sheet = FileField(
        _l("Excel sheet (.xlsx)"),
        [FileRequired(), FileAllowed(["xlsx"], _l("Choose an .xlsx file."))],
    )


class MoveForm(FlaskForm):
    direction = SelectField(
        choices=[SelectChoice("up", _l("Up")), SelectChoice("down", _l("Down"))]
    )


def media_policy_choices():
    return [
        SelectChoice("auto", _l("Automatic (from each recording's picture)")),
        SelectChoice("lecture", _l("Lecture (slides and a speaker)")),
        SelectChoice("high_motion", _l("High motion (surgery, camera work)")),
        SelectChoice("screen", _l("Screen capture (small text)")),
    ]


class ApprovalForm(FlaskForm):
    project_number = StringField(
        _l("Project number"), [Length(max=L.PROJECT_NUMBER_MAX)]
    )
    project_level = SelectField(_l("Project level"), choices=level_choices())
    credit_category = SelectField(_l("Credit category"))
    class_hours_override = FiniteDecimalField(
        _l("Class hours (empty: computed from the lectures)"),
        [Optional(), NumberRange(L.CLASS_HOURS_MIN, L.CLASS_HOURS_MAX)],
    )
    media_policy = SelectField(_l("Video ladder"), choices=media_policy_choices())
    has_credit_review = BooleanField(
        _l("Completions wait for the CME office before credits are awarded")
    )
    class_hours_override_reason = StringField(
        _l("Reason for changing class hours"), [Length(max=L.REASON_MAX)]
    )


class LecturePolicyForm(FlaskForm):
    """The office's ladder for one lecture ("": the course's), transcoded again."""

    media_policy = SelectField(
        _l("Video ladder"),
        choices=[SelectChoice("", _l("As the course")), *media_policy_choices()],
    )


#: What the analysis of a recording's picture found (``media_pipeline.content``).
def content_class_labels():
    return {
        "slides": _l("Slides and a speaker"),
        "screen": _l("Screen capture"),
        "camera": _l("Camera"),
    }


class ReturnForm(FlaskForm):
    comment = TextAreaField(
        _l("What should the lecturers change?"),
        [InputRequired(), Length(max=L.COMMENT_MAX)],
    )


class RejectMediaForm(FlaskForm):
    comment = TextAreaField(
        _l("Why is the new recording rejected?"),
        [InputRequired(), Length(max=L.COMMENT_MAX)],
    )


class EvaluationForm(FlaskForm):
    course_quality = RadioField(
        _l("Quality of the course"),
        choices=rating_choices(),
        validators=[InputRequired()],
    )
    lecturer_quality = RadioField(
        _l("The lecturers"), choices=rating_choices(), validators=[InputRequired()]
    )
    relevance = RadioField(
        _l("Relevance to my daily work"),
        choices=rating_choices(),
        validators=[InputRequired()],
    )
    comments = TextAreaField(
        _l("Comments (optional)"), [Length(max=L.EVALUATION_COMMENTS_MAX)]
    )


class EnrolHospitalForm(FlaskForm):
    hospital_id = SelectField(_l("Hospital"), coerce=int)
