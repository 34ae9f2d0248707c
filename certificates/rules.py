"""Credit rules (DESIGN §2.1): one award, and one learner's year.

A rule set is data (``certificates.rule_sets`` holds the built-in ones, the
database the variants administrators add); these functions read it and decide.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

LEVELS = ("national", "provincial", "municipal", "hospital")
ZERO = Decimal(0)


class Source(enum.StrEnum):
    #: A course completed online (every lecture watched, post-test, evaluation).
    ONLINE = "online"
    #: Present in a room at a broadcast or on-site session, recorded by a coordinator.
    ATTENDANCE = "attendance"
    TEACHING = "teaching"
    #: Entered by an administrator with a reason (external activity, visiting study).
    MANUAL = "manual"


#: A learner's line for a course: one project, one line, however it was earned.
LEARNER_SOURCES = (Source.ONLINE, Source.ATTENDANCE)


class ManualKind(enum.StrEnum):
    EXTERNAL = "external"
    VISITING = "visiting"
    SELF_STUDY = "self-study"
    OTHER = "other"


class Rounding(enum.StrEnum):
    DOWN = "down"
    NEAREST = "nearest"


class RuleSetError(ValueError):
    """A rule set with a value the rules cannot use."""


@dataclass(frozen=True)
class RuleSet:
    code: str
    version: int
    name_zh: str
    name_en: str
    #: The credit system: awards of another scale never count toward a requirement.
    scale: str
    valid_from: date
    valid_until: date | None
    #: Minutes in one class hour (学时).
    minutes_per_class_hour: int
    #: Credit categories a course may award; the first is the default.
    categories: tuple[str, ...]
    #: Class hours that make one credit, by project level (``LEVELS``).
    hours_per_credit: dict = field(default_factory=dict)
    #: Class hours and credits are multiples of this step ...
    step: Decimal = Decimal("0.5")
    #: ... rounded this way (AMA: to the nearest quarter hour).
    rounding: Rounding = Rounding.DOWN
    #: At most this many credits from one distance (remote) project.
    distance_cap: Decimal | None = None
    #: At most this many credits from one project of any kind.
    project_cap: Decimal | None = None
    #: A lecturer's credits per class hour taught, by project level; empty: none.
    lecturer_credits_per_hour: dict = field(default_factory=dict)
    #: Online completion counts only with a passed post-test (AMA enduring material).
    requires_passed_test: bool = False
    #: Credit for the minutes a learner took part, not the course's length (AMA:
    #: "claim only the credit commensurate with the extent of participation").
    credits_by_participation: bool = False
    #: The yearly requirement.
    yearly_credits: Decimal = ZERO
    yearly_class_hours: Decimal | None = None
    #: Per category: (at least, at most counted) credits a year; None is no bound.
    category_limits: dict = field(default_factory=dict)
    #: Self-study counts for at most this many credits a year.
    self_study_cap: Decimal | None = None
    #: Where a variant applies (the requirement of learners there).
    province_code: str = ""
    tier: str = ""
    based_on: str = ""

    def is_in_force(self, on):
        return self.valid_from <= on and (
            self.valid_until is None or on <= self.valid_until
        )

    def name(self, language):
        return self.name_en if language == "en" else self.name_zh


@dataclass(frozen=True)
class Activity:
    """What a learner or lecturer did, in the units the rules need."""

    source: Source
    on: date
    category: str
    project_level: str = "hospital"
    #: Minutes of lecture watched, attended or taught.
    minutes: Decimal = ZERO
    #: The CME office's class hours for the project, replacing the minutes.
    class_hours: Decimal | None = None
    is_distance: bool = False
    #: None when the activity has no post-test.
    test_passed: bool | None = None
    #: Manual entries: the credits the administrator awards.
    credits: Decimal | None = None


@dataclass(frozen=True)
class CreditDecision:
    is_eligible: bool
    credits: Decimal
    category: str
    class_hours: Decimal
    reasons: tuple[str, ...] = ()


def round_to_step(value, step, rounding):
    """``value`` as a multiple of ``step``: rounded down, or to the nearest."""
    mode = ROUND_FLOOR if rounding == Rounding.DOWN else ROUND_HALF_UP
    return (value / step).quantize(Decimal(1), rounding=mode) * step


def calculate_class_hours(minutes, rule_set):
    """Class hours for ``minutes`` under the rule set's hour length and rounding."""
    hours = Decimal(minutes) / rule_set.minutes_per_class_hour
    return round_to_step(hours, rule_set.step, rule_set.rounding)


def calculate_credits(activity, rule_set):
    """Decide one award: eligible or not, credits, category, class hours, why."""

    def refuse(reason, hours=ZERO):
        return CreditDecision(False, ZERO, activity.category, hours, (reason,))

    if not rule_set.is_in_force(activity.on):
        return refuse("rule set not in force on the activity's date")
    if activity.category not in rule_set.categories:
        return refuse(f"category {activity.category} is not awarded by this rule set")
    if activity.class_hours is not None:
        hours = Decimal(activity.class_hours)
    else:
        hours = calculate_class_hours(activity.minutes, rule_set)

    if activity.source == Source.MANUAL:
        if activity.credits is None or activity.credits <= 0:
            return refuse("a manual award needs a positive number of credits", hours)
        return CreditDecision(True, activity.credits, activity.category, hours)

    if activity.source == Source.TEACHING:
        rate = rule_set.lecturer_credits_per_hour.get(activity.project_level)
        if not rate:
            return refuse("this rule set gives no lecturer credit at this level", hours)
        credits = round_to_step(hours * rate, rule_set.step, rule_set.rounding)
        if credits <= 0:
            return refuse("too short for a credit", hours)
        return CreditDecision(True, credits, activity.category, hours)

    # Enduring (online) material needs its post-test; a room at a live session
    # earns by being there.
    needs_test = rule_set.requires_passed_test and activity.source == Source.ONLINE
    if activity.test_passed is False or (
        needs_test and activity.test_passed is not True
    ):
        return refuse("a passed post-test is required", hours)
    per_credit = rule_set.hours_per_credit.get(activity.project_level)
    if not per_credit:
        return refuse("this rule set gives no credit at this project level", hours)
    credits = round_to_step(hours / per_credit, rule_set.step, rule_set.rounding)
    if credits <= 0:
        return refuse("too short for a credit", hours)
    reasons = []
    distance_cap = rule_set.distance_cap if activity.is_distance else None
    if distance_cap is not None and credits > distance_cap:
        credits = distance_cap
        reasons.append(f"capped at {distance_cap} for a distance project")
    if rule_set.project_cap is not None and credits > rule_set.project_cap:
        credits = rule_set.project_cap
        reasons.append(f"capped at {rule_set.project_cap} for one project")
    return CreditDecision(True, credits, activity.category, hours, tuple(reasons))


# --- a learner's year ----------------------------------------------------------


@dataclass(frozen=True)
class LedgerLine:
    """One award as the ledger holds it, with whether it was revoked since."""

    award_id: int
    on: date
    source: Source
    scale: str
    category: str
    class_hours: Decimal
    credits: Decimal
    manual_kind: str = ""
    is_revoked: bool = False


@dataclass(frozen=True)
class CountedLine:
    line: LedgerLine
    counted_credits: Decimal
    counted_class_hours: Decimal
    #: Why the line counts for less than its credits ("" when it counts whole).
    reason: str = ""


@dataclass(frozen=True)
class RequirementItem:
    #: "credits", "class_hours", or "category:<name>" (at least / at most).
    key: str
    required: Decimal
    achieved: Decimal

    @property
    def is_met(self):
        return self.achieved >= self.required


@dataclass(frozen=True)
class Transcript:
    year: int
    rule_set: RuleSet
    lines: tuple[CountedLine, ...]
    total_credits: Decimal
    counted_credits: Decimal
    counted_class_hours: Decimal
    requirement: tuple[RequirementItem, ...]

    @property
    def is_met(self):
        return all(item.is_met for item in self.requirement)


def calculate_transcript(lines, rule_set, year):
    """A year's lines counted toward the rule set's requirement, oldest first.

    Revoked lines and lines of another credit scale count nothing; self-study
    counts up to its yearly cap; a category counts up to its yearly maximum
    (Class I beyond 10 credits under CN-2006 is kept but does not count).
    """
    ordered = sorted(
        (line for line in lines if line.on.year == year),
        key=lambda line: (line.on, line.award_id),
    )
    counted_lines = []
    by_category = {}
    self_study = ZERO
    for line in ordered:
        credits, reason = line.credits, ""
        if line.is_revoked:
            credits, reason = ZERO, "revoked"
        elif line.scale != rule_set.scale:
            credits, reason = ZERO, "another credit system"
        if credits and line.manual_kind == ManualKind.SELF_STUDY:
            if rule_set.self_study_cap is not None:
                room = max(rule_set.self_study_cap - self_study, ZERO)
                if credits > room:
                    credits, reason = room, "self-study cap reached"
            self_study += credits
        if credits:
            most = rule_set.category_limits.get(line.category, (None, None))[1]
            if most is not None:
                room = max(most - by_category.get(line.category, ZERO), ZERO)
                if credits > room:
                    credits, reason = room, "category full"
        hours = line.class_hours if credits == line.credits else ZERO
        if credits and credits != line.credits and line.credits:
            hours = line.class_hours * credits / line.credits
        by_category[line.category] = by_category.get(line.category, ZERO) + credits
        counted_lines.append(CountedLine(line, credits, hours, reason))
    counted = sum((c.counted_credits for c in counted_lines), ZERO)
    hours = sum((c.counted_class_hours for c in counted_lines), ZERO)
    requirement = [RequirementItem("credits", rule_set.yearly_credits, counted)]
    if rule_set.yearly_class_hours is not None:
        requirement.append(
            RequirementItem("class_hours", rule_set.yearly_class_hours, hours)
        )
    for category, (least, _) in rule_set.category_limits.items():
        if least:
            requirement.append(
                RequirementItem(
                    f"category:{category}", least, by_category.get(category, ZERO)
                )
            )
    return Transcript(
        year=year,
        rule_set=rule_set,
        lines=tuple(counted_lines),
        total_credits=sum(
            (
                line.credits
                for line in ordered
                if not line.is_revoked and line.scale == rule_set.scale
            ),
            ZERO,
        ),
        counted_credits=counted,
        counted_class_hours=hours,
        requirement=tuple(requirement),
    )


def choose_requirement(rule_sets, on, *, province_code="", tier="", scale="CN"):
    """The rule set whose requirement a learner meets on ``on``.

    The most specific variant in force wins: province and tier, then province,
    then tier, then the national set; the newest version among equals.
    """

    def specificity(rule_set):
        return (
            bool(rule_set.province_code) + bool(rule_set.tier),
            bool(rule_set.province_code),
            rule_set.valid_from,
            rule_set.version,
        )

    candidates = [
        r
        for r in rule_sets
        if r.scale == scale
        and r.is_in_force(on)
        and r.province_code in ("", province_code)
        and r.tier in ("", tier)
    ]
    return max(candidates, key=specificity, default=None)


# --- variants, from an administrator's form ------------------------------------

#: What a variant may change, and how each value is read.
VARIANT_FIELDS = (
    "yearly_credits",
    "yearly_class_hours",
    "self_study_cap",
    "project_cap",
    "distance_cap",
)


def parse_decimal(value, name, *, allow_none=False):
    if value in (None, "") and allow_none:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise RuleSetError(f"{name} must be a number.") from None
    if not number.is_finite() or number < 0 or number > 1000:
        raise RuleSetError(f"{name} must be between 0 and 1000.")
    return number


def plan_variant(
    base,
    *,
    code,
    version,
    name_zh,
    name_en,
    valid_from,
    valid_until=None,
    province_code="",
    tier="",
    **values,
):
    """A variant of ``base`` with the given overrides, or ``RuleSetError``."""
    code = (code or "").strip().upper()
    if not code or len(code) > 32 or not all(c.isalnum() or c in "-_" for c in code):
        raise RuleSetError("The code is 1–32 letters, digits, '-' or '_'.")
    if not (name_zh or "").strip() or not (name_en or "").strip():
        raise RuleSetError("Give the rule set a Chinese and an English name.")
    if valid_until is not None and valid_until < valid_from:
        raise RuleSetError("The rule set must end after it starts.")
    unknown = set(values) - set(VARIANT_FIELDS)
    if unknown:
        raise RuleSetError(f"Unknown rule set values: {', '.join(sorted(unknown))}.")
    changes = {}
    for name, value in values.items():
        number = parse_decimal(value, name, allow_none=name != "yearly_credits")
        changes[name] = number
    if changes.get("yearly_credits", base.yearly_credits) <= 0:
        raise RuleSetError("yearly_credits must be more than 0.")
    return replace(
        base,
        code=code,
        version=version,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        province_code=province_code or "",
        tier=tier or "",
        based_on=base.code,
        **changes,
    )
