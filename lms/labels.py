"""Translated names of the enums, for templates."""

from decimal import Decimal

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


def review_label(state):
    """A new recording of a published lecture, as the office decided it."""
    value = getattr(state, "value", state)
    return {
        "pending": _l("Waiting for review"),
        "approved": _l("Approved"),
        "rejected": _l("Rejected"),
        "superseded": _l("Replaced by a newer upload"),
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


def job_error_label(code):
    """Why a transcode failed (its ``error_code``), for the lecturer and the office."""
    return {
        "disk_full": _l(
            "Disk full: the media disk has no space left. The previous recording "
            "still plays; free some space and retry."
        ),
        "timeout": _l("Processing took too long and was stopped."),
        "probe_timeout": _l("Reading the file took too long."),
        "not_media": _l("The file is not a readable recording."),
        "incomplete": _l(
            "The file is incomplete: it stops before the end of the recording. "
            "Upload the whole file again."
        ),
        "unsupported_container": _l("This kind of file is not accepted."),
        "too_long": _l("The recording is too long."),
        "bad_output": _l("The processed video failed its checks."),
        "cancelled": _l("Cancelled."),
        "worker_died": _l("The worker stopped during processing several times."),
    }.get(code, _l("The recording could not be processed."))


def worker_lane_label(lane):
    return {
        "fast": _l("Fast lane: search index, sweeps, bulk issues"),
        "media": _l("Media lane: transcodes"),
        "live": _l("Live lane: broadcasts' live ladders"),
    }.get(lane, lane)


def category_label(category):
    return {
        "I": _l("Class I"),
        "II": _l("Class II"),
        "CME": _l("CME credit"),
        "AMA-1": _l("AMA PRA Category 1 Credit™"),
        "contact-hour": _l("Contact hours"),
    }.get(category, category)


def source_label(source):
    value = getattr(source, "value", source)
    return {
        "online": _l("Online course"),
        "attendance": _l("Attendance"),
        "teaching": _l("Teaching"),
        "manual": _l("Entered by the CME office"),
    }.get(value, value)


#: Class II kinds the office enters by hand (``certificates.class_ii``).
CLASS_II_KIND_LABELS = {
    "ii-lecture-presenter": _l("Class II: presenting a unit's lecture"),
    "ii-lecture-participant": _l("Class II: attending a unit's lecture"),
    "ii-rounds-presenter": _l("Class II: presenting at rounds or a case conference"),
    "ii-rounds-participant": _l("Class II: attending rounds or a case conference"),
    "ii-paper": _l("Class II: a published paper"),
    "ii-research": _l("Class II: a research project"),
    "ii-book": _l("Class II: a book"),
    "ii-translation": _l("Class II: a translation"),
    "ii-report": _l("Class II: a study or survey report"),
    "ii-self-study-review": _l("Class II: a self-study review"),
}


def manual_kind_label(kind):
    return {
        "external": _l("External activity"),
        "visiting": _l("Visiting study"),
        "self-study": _l("Self-study"),
        "other": _l("Other"),
        **CLASS_II_KIND_LABELS,
    }.get(kind, kind)


#: What completing a course awards, by category: (one credit, several).
AWARD_TEXTS = {
    "I": (
        _l("%(n)s Class I credit on completion"),
        _l("%(n)s Class I credits on completion"),
    ),
    "II": (
        _l("%(n)s Class II credit on completion"),
        _l("%(n)s Class II credits on completion"),
    ),
    "CME": (
        _l("%(n)s CME credit on completion"),
        _l("%(n)s CME credits on completion"),
    ),
    "AMA-1": (
        _l("%(n)s AMA PRA Category 1 Credit™ on completion"),
        _l("%(n)s AMA PRA Category 1 Credits™ on completion"),
    ),
    "contact-hour": (
        _l("%(n)s contact hour on completion"),
        _l("%(n)s contact hours on completion"),
    ),
}


def award_label(credits, category):
    """What completing a course awards: "1 Class I credit on completion"
    (完成可获 I 类学分 1 分), or that it awards none."""
    if not credits:
        return _l("No credits on completion")
    one, several = AWARD_TEXTS.get(category, AWARD_TEXTS["CME"])
    text = one if Decimal(credits) == 1 else several
    return str(text) % {"n": format_credit(credits)}


def credit_reason_label(reason):
    """The transcript's reasons why a line counts for less."""
    return {
        "revoked": _l("Revoked"),
        "another credit system": _l("Another credit system"),
        "self-study cap reached": _l("Self-study cap reached"),
        "category full": _l("Category full for the year"),
        "yearly cap reached": _l("Yearly cap of this kind reached"),
        "beyond the category, in the total": _l(
            "Beyond the category's maximum; counts toward the total"
        ),
    }.get(reason, reason)


def requirement_label(key):
    if key == "credits":
        return _l("Credits")
    if key == "class_hours":
        return _l("Class hours")
    return category_label(key.removeprefix("category:"))


def certificate_status_label(status):
    return {
        "valid": _l("Valid"),
        "revoked": _l("Revoked"),
        "replaced": _l("Replaced by a newer version"),
    }.get(status, status)


def format_credit(value):
    """1.50 → "1.5", 2.00 → "2": credits and class hours as people write them."""
    if value is None:
        return "—"
    text = format(Decimal(value).quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def init_app(app):
    app.add_template_filter(format_credit, "credit")
    app.add_template_global(certificate_status_label)
    app.add_template_global(category_label)
    app.add_template_global(source_label)
    app.add_template_global(manual_kind_label)
    app.add_template_global(credit_reason_label)
    app.add_template_global(award_label)
    app.add_template_global(requirement_label)
    app.add_template_global(role_label)
    app.add_template_global(profession_label)
    app.add_template_global(tier_label)
    app.add_template_global(status_label)
    app.add_template_global(step_label)
    app.add_template_global(media_label)
    app.add_template_global(review_label)
    app.add_template_global(job_error_label)
    app.add_template_global(worker_lane_label)
