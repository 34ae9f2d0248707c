"""The forms of scheduled sessions: a session (new, edit, a visit scheduled), a
learner's seat, a hospital's room, a visit request, and reasons.

Limits come from ``lms.limits`` (the API refuses the same things); the days are
text lines read by ``courses.sessions.day_lines``.
"""

from datetime import UTC
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
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

from courses.sessions.day_lines import DAYS_MAX, parse_day_lines
from courses.sessions.schedule import LOCAL_TZ
from courses.sessions.states import SessionKind
from lms import limits as L
from lms.accounts.forms import profession_choices
from lms.enums import ProjectLevel
from lms.hospitals.forms import tier_choices
from lms.sessions.messages import project_level_label


def kind_choices():
    return [
        SelectChoice(SessionKind.BROADCAST.value, _l("Live broadcast lecture")),
        SelectChoice(SessionKind.GROUP_VIEWING.value, _l("Group viewing of a course")),
        SelectChoice(SessionKind.ONSITE.value, _l("On-site training or guidance")),
        SelectChoice(SessionKind.SKILLS.value, _l("Clinical skills training")),
        SelectChoice(SessionKind.CASE_CONFERENCE.value, _l("Case conference")),
    ]


def level_choices():
    return [
        SelectChoice(level.value, project_level_label(level)) for level in ProjectLevel
    ]


def visit_kind_choices():
    return [c for c in kind_choices() if c.value in ("onsite", "skills")]


def day_problem_message(problem):
    """A problem of the days field (``courses.sessions.day_lines``) in words."""
    messages = {
        "unreadable": _l("line %(line)s: write a day as 2026-12-03 09:00-12:00"),
        "no_such_date": _l("line %(line)s: there is no such date"),
        "no_such_time": _l("line %(line)s: times run from 00:00 to 23:59"),
        "ends_before_start": _l(
            "line %(line)s: the day ends before it starts (a day past midnight "
            "ends +1: 2026-12-03 22:00-02:00 +1)"
        ),
        "overlaps": _l("line %(line)s overlaps line %(other)s"),
        "no_days": _l("Enter at least one day."),
        "too_many": _l("A session has at most %(max)s days.", max=DAYS_MAX),
    }
    return str(messages[problem.code]) % {
        "line": problem.line,
        "other": problem.other,
    }


#: The days field's text: a line is about 22 characters.
DAYS_TEXT_MAX = DAYS_MAX * 40


class DaysField(TextAreaField):
    """One day a line, in Beijing time; ``days`` holds them read, in UTC."""

    days = ()

    def pre_validate(self, form):
        if len(self.data or "") > DAYS_TEXT_MAX:
            raise ValidationError(_l("Enter at most %(max)s days.", max=DAYS_MAX))
        parsed = parse_day_lines(self.data)
        if parsed.problems:
            raise ValidationError(
                "; ".join(day_problem_message(p) for p in parsed.problems[:5])
            )
        self.days = parsed.days


def within_years(form, field):
    """A moment in the years the network schedules (0001-01-01 00:00 in Beijing
    is before UTC's year 1: no datetime holds it)."""
    if field.data is not None and not L.YEAR_MIN <= field.data.year <= L.YEAR_MAX:
        raise ValidationError(
            _l(
                "Enter a date from %(first)s to %(last)s.",
                first=L.YEAR_MIN,
                last=L.YEAR_MAX,
            )
        )


def checklist(label, **kwargs):
    return SelectMultipleField(
        label,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        **kwargs,
    )


def local_to_utc(moment):
    """A naive datetime typed in Beijing time, as an aware UTC one."""
    return moment.replace(tzinfo=LOCAL_TZ).astimezone(UTC) if moment else None


def utc_to_local(moment):
    """For a datetime-local field: naive, in Beijing time."""
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None) if moment else None


class SessionForm(FlaskForm):
    """Everything ``create_session`` and ``update_session`` take; choices of
    hospitals, lecturers, courses, rule sets and categories are set by the view."""

    kind = SelectField(_l("Kind of session"), choices=kind_choices())
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
    days = DaysField(_l("Days (one a line, Beijing time)"), [Length(max=DAYS_MAX * 40)])
    venue_hospital_id = SelectField(_l("Where (hospital)"), coerce=int)
    venue_room = StringField(_l("Room"), [Length(max=L.SESSION_ROOM_MAX)])
    lecturer_ids = SelectMultipleField(
        _l("Lecturers"), coerce=int, validators=[Optional()]
    )
    course_id = SelectField(
        _l("Course shown (group viewing)"), coerce=int, validators=[Optional()]
    )
    capacity = IntegerField(
        _l("Seats in all"),
        [InputRequired(), NumberRange(1, L.SESSION_CAPACITY_MAX)],
    )
    room_capacity = IntegerField(
        _l("Seats at most in one hospital's room (empty: no limit)"),
        [Optional(), NumberRange(1, L.SESSION_CAPACITY_MAX)],
    )
    audience_hospital_ids = SelectMultipleField(
        _l("For hospitals (none selected: all)"), coerce=int, validators=[Optional()]
    )
    audience_tiers = checklist(
        _l("For tiers (none ticked: all)"),
        choices=tier_choices(),
        validators=[Optional()],
    )
    audience_provinces = SelectMultipleField(
        _l("For provinces (none selected: all)"), validators=[Optional()]
    )
    audience_professions = checklist(
        _l("For professions (none ticked: all)"),
        choices=profession_choices(),
        validators=[Optional()],
    )
    is_booking_required = BooleanField(
        _l("Only people with a booked seat or room may sign in")
    )
    rule_set_code = SelectField(_l("Credit rules"))
    project_level = SelectField(_l("Project level"), choices=level_choices())
    credit_category = SelectField(_l("Credit category"))
    project_number = StringField(
        _l("Project number"), [Length(max=L.PROJECT_NUMBER_MAX)]
    )
    min_presence = IntegerField(
        _l("Presence needed for credit (percent of the scheduled time)"),
        [InputRequired(), NumberRange(1, 100)],
        default=80,
    )
    booking_closes = DateTimeLocalField(
        _l("Booking closes (empty: at the start; Beijing time)"),
        [Optional(), within_years],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    doors_open_minutes = IntegerField(
        _l("Sign-in opens minutes before each day"),
        [InputRequired(), NumberRange(0, L.SESSION_DOORS_OPEN_MAX)],
        default=30,
    )

    def values(self):
        """The keyword fields of ``create_session`` / ``update_session``."""
        return {
            "kind": self.kind.data,
            "title_zh": self.title_zh.data,
            "title_en": self.title_en.data or "",
            "description_zh": self.description_zh.data or "",
            "description_en": self.description_en.data or "",
            "days": list(self.days.days),
            "venue_hospital_id": self.venue_hospital_id.data,
            "venue_room": self.venue_room.data or "",
            "lecturer_ids": list(self.lecturer_ids.data or ()),
            "course_id": self.course_id.data or None,
            "capacity": self.capacity.data,
            "room_capacity": self.room_capacity.data,
            "audience_hospital_ids": list(self.audience_hospital_ids.data or ()),
            "audience_tiers": list(self.audience_tiers.data or ()),
            "audience_provinces": list(self.audience_provinces.data or ()),
            "audience_professions": list(self.audience_professions.data or ()),
            "is_booking_required": bool(self.is_booking_required.data),
            "rule_set_code": self.rule_set_code.data,
            "project_level": self.project_level.data,
            "credit_category": self.credit_category.data,
            "project_number": self.project_number.data or "",
            "min_presence": Decimal(self.min_presence.data) / 100,
            "booking_closes_dt": local_to_utc(self.booking_closes.data),
            "doors_open_minutes": self.doors_open_minutes.data,
        }


class EditSessionForm(SessionForm):
    reason = StringField(
        _l("What changed and why (everyone booked is told)"),
        [Length(max=L.REASON_MAX)],
    )


class SeatForm(FlaskForm):
    """A learner books a seat, or joins the waiting list when it is full."""

    waitlist = BooleanField(_l("Join the waiting list"))


class RoomForm(FlaskForm):
    """A coordinator books (or changes) their hospital's room."""

    seats = IntegerField(
        _l("Seats"), [InputRequired(), NumberRange(1, L.SESSION_CAPACITY_MAX)]
    )
    room = StringField(_l("Room"), [Length(max=L.SESSION_ROOM_MAX)])
    is_equipment_tested = BooleanField(_l("Screen, sound and network tested"))
    waitlist = BooleanField(_l("Wait for seats if there are not enough"))


class VisitRequestForm(FlaskForm):
    kind = SelectField(_l("What your hospital needs"), choices=visit_kind_choices())
    topic = StringField(_l("Topic"), [InputRequired(), Length(max=L.TITLE_MAX)])
    details = TextAreaField(
        _l("Details: what you need and which dates suit you"),
        [Length(max=L.DESCRIPTION_MAX)],
    )
    expected_attendees = IntegerField(
        _l("People expected"),
        [InputRequired(), NumberRange(1, L.SESSION_CAPACITY_MAX)],
    )


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), [InputRequired(), Length(max=L.REASON_MAX)])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (approve, cancel a booking)."""
