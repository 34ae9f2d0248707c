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


#: Minutes in the hour credits are counted in: "按3小时授予1学分" is clock hours.
CLOCK_MINUTES = 60
#: Every amount on a transcript (page, API, PDF) has two decimal places.
PLACES = Decimal("0.01")


class Confidence(enum.StrEnum):
    #: Read in the official text (or a faithful repost of it).
    PRIMARY = "primary"
    #: Read in a secondary source (a province's or a society's summary).
    SECONDARY = "secondary"
    #: Not in any text we have: our reading, to be confirmed by the office.
    ASSUMPTION = "assumption"


@dataclass(frozen=True)
class Cite:
    """What a rule rests on: the source sentence and how sure we are of it."""

    source: str
    confidence: Confidence


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
    #: Credit categories a course may award; the first is the default.
    categories: tuple[str, ...]
    #: Class hours that make one credit, by project level (``LEVELS``).
    hours_per_credit: dict = field(default_factory=dict)
    #: Class hours and credits are multiples of this step ...
    step: Decimal = Decimal("0.5")
    #: ... rounded this way (AMA: to the nearest quarter hour).
    rounding: Rounding = Rounding.DOWN
    #: At most this many credits from one distance (remote) project ...
    distance_cap: Decimal | None = None
    #: ... of these levels (CN-2006: national distance projects only).
    distance_cap_levels: tuple[str, ...] = ("national",)
    #: At most this many credits from one project (a project number, across its
    #: courses), for learners and lecturers alike.
    project_cap: Decimal | None = None
    #: Levels of project that may award each category; a category not named
    #: here is awarded at every level.
    category_levels: dict = field(default_factory=dict)
    #: Lecturers earn only at live activities (AMA: none for enduring material).
    lecturer_credit_live_only: bool = False
    #: A lecturer's credits per class hour taught, by project level; empty: none.
    lecturer_credits_per_hour: dict = field(default_factory=dict)
    #: Online completion counts only with a passed post-test (AMA enduring material).
    requires_passed_test: bool = False
    #: Credit for the minutes a learner took part, not the course's length (AMA:
    #: "claim only the credit commensurate with the extent of participation").
    credits_by_participation: bool = False
    #: The yearly requirement.
    yearly_credits: Decimal = ZERO
    #: A second test in class hours (a variant's own); None: credits only.
    yearly_class_hours: Decimal | None = None
    #: The requirement in 学时 as the text states it beside the credits, for
    #: display only (CN-2024: "25学分(不少于90学时)").
    yearly_class_hours_equivalent: Decimal | None = None
    #: Minutes in one 学时 as this rule set counts them, for display only; None
    #: when the set declares none (credits always count clock hours).
    class_hour_minutes: int | None = None
    #: How the transcript's amounts come to two places (once, from exact sums).
    amount_rounding: Rounding = Rounding.NEAREST
    #: Per category: (at least, at most counted) credits a year; None is no bound.
    category_limits: dict = field(default_factory=dict)
    #: Credits beyond a category's yearly maximum still count toward the total (a
    #: province that allows Class I to stand in; the 2006 text does not).
    category_overflow_counts: bool = False
    #: 进修 (advanced study) of at least this many months with a passed assessment
    #: meets the year's requirement; None: it only counts its credits.
    advanced_study_months: int | None = None
    #: Self-study counts for at most this many credits a year.
    self_study_cap: Decimal | None = None
    #: Class II kinds the office enters by hand: kind → ``class_ii.AwardStandard``.
    class_ii_standards: dict = field(default_factory=dict)
    #: Yearly caps of groups of kinds ("unit-activities": participants of a
    #: unit's lectures and rounds); self-study's is ``self_study_cap``.
    yearly_caps: dict = field(default_factory=dict)
    #: Where a variant applies (the requirement of learners there).
    province_code: str = ""
    tier: str = ""
    based_on: str = ""
    #: Per rule (a field name above): what it rests on (``Cite``).
    sources: dict = field(default_factory=dict)

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
    #: A live activity (a broadcast, a room); False for enduring (recorded) material.
    is_live: bool = True
    #: Credits the same person already holds from other courses of the same
    #: project (project number), in the same role: the project cap is shared.
    project_credits_before: Decimal = ZERO
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
    """Clock hours (60 minutes) for ``minutes``, in the rule set's steps and rounding.

    "按3小时授予1学分": the sources count hours, so a 45-minute 学时 never
    enters a credit; ``class_hour_minutes`` is only shown.
    """
    hours = Decimal(minutes) / CLOCK_MINUTES
    return round_to_step(hours, rule_set.step, rule_set.rounding)


def display_class_hours(hours, rule_set):
    """``hours`` (clock hours) as the rule set's 学时, or None when it declares none."""
    if not rule_set.class_hour_minutes:
        return None
    return round_amount(
        Decimal(hours) * CLOCK_MINUTES / rule_set.class_hour_minutes, rule_set
    )


def round_amount(value, rule_set):
    """An amount to two places, the rule set's way (a transcript rounds once)."""
    mode = ROUND_FLOOR if rule_set.amount_rounding == Rounding.DOWN else ROUND_HALF_UP
    return Decimal(value).quantize(PLACES, rounding=mode)


def category_problem(category, project_level, rule_set):
    """Why a project of ``project_level`` may not award ``category``, or ""."""
    if category not in rule_set.categories:
        return f"category {category} is not awarded by this rule set"
    levels = rule_set.category_levels.get(category)
    if levels is not None and project_level not in levels:
        return f"a {project_level} project cannot award category {category}"
    return ""


#: Project levels whose projects carry the accreditor's project number.
NUMBERED_LEVELS = ("national", "provincial")


def approval_problems(
    *, class_hours, project_level, project_number, category, rule_set
):
    """Why the CME office may not approve a course with these credit terms
    (empty: it may). A course must award something it can state: class hours
    above 0, a project number for an accredited (national or provincial)
    project, and a category its level may award."""
    problems = []
    if Decimal(class_hours or 0) <= 0:
        problems.append("the course has 0 class hours")
    if project_level in NUMBERED_LEVELS and not (project_number or "").strip():
        problems.append(f"a {project_level} project needs its project number")
    problem = category_problem(category, project_level, rule_set)
    if problem:
        problems.append(problem)
    return problems


def _cap(activity, rule_set, credits):
    """``credits`` within the project's caps, counting what the person already
    holds from the same project; (credits, reasons)."""
    caps = []
    if (
        activity.is_distance
        and activity.source != Source.TEACHING
        and rule_set.distance_cap is not None
        and activity.project_level in rule_set.distance_cap_levels
    ):
        caps.append((rule_set.distance_cap, "a distance project"))
    if rule_set.project_cap is not None:
        caps.append((rule_set.project_cap, "one project"))
    reasons = []
    for cap, what in sorted(caps, key=lambda c: c[0]):
        room = max(cap - activity.project_credits_before, ZERO)
        if credits > room:
            credits = room
            reasons.append(f"capped at {cap} for {what}")
            break
    return credits, tuple(reasons)


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

    problem = category_problem(activity.category, activity.project_level, rule_set)
    if problem:
        return refuse(problem, hours)

    if activity.source == Source.TEACHING:
        if rule_set.lecturer_credit_live_only and not activity.is_live:
            return refuse("no lecturer credit for enduring material", hours)
        rate = rule_set.lecturer_credits_per_hour.get(activity.project_level)
        if not rate:
            return refuse("this rule set gives no lecturer credit at this level", hours)
        credits = round_to_step(hours * rate, rule_set.step, rule_set.rounding)
    else:
        # Enduring (online) material needs its post-test; a room at a live
        # session earns by being there.
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
    credits, reasons = _cap(activity, rule_set, credits)
    if credits <= 0:
        return refuse("the project's credits are used up", hours)
    return CreditDecision(True, credits, activity.category, hours, reasons)


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
    #: 进修 lines: months studied and whether the closing assessment was passed.
    study_months: int | None = None
    has_passed_assessment: bool | None = None


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
    #: Why the year is met whatever the numbers: "advanced_study" (进修), or "".
    met_by: str = ""

    @property
    def is_met(self):
        return bool(self.met_by) or all(item.is_met for item in self.requirement)

    @property
    def class_hours_equivalent(self):
        """(学时 counted, 学时 the text states) where the rule set states its
        requirement in 学时 too (CN-2024: 90); shown, never tested."""
        required = self.rule_set.yearly_class_hours_equivalent
        shown = display_class_hours(self.counted_class_hours, self.rule_set)
        if required is None or shown is None:
            return None
        return shown, required


def calculate_transcript(lines, rule_set, year):
    """A year's lines counted toward the rule set's requirement, oldest first.

    Revoked lines and lines of another credit scale count nothing; self-study
    counts up to its yearly cap; a category counts up to its yearly maximum
    (Class I beyond 10 credits under CN-2006 is kept but does not count).
    Amounts are Decimals: a line's counted share is rounded once, by the rule
    set, to two places, and the totals, the requirement and "met" are sums of
    those very numbers, so what is shown is what is decided.
    """
    ordered = sorted(
        (line for line in lines if line.on.year == year),
        key=lambda line: (line.on, line.award_id),
    )
    counted_lines = []
    by_category = {}
    by_group = {}
    for line in ordered:
        credits, reason = Decimal(line.credits), ""
        if line.is_revoked:
            credits, reason = ZERO, "revoked"
        elif line.scale != rule_set.scale:
            credits, reason = ZERO, "another credit system"
        group, cap = yearly_cap(line.manual_kind, rule_set)
        if credits and cap is not None:
            room = max(cap - by_group.get(group, ZERO), ZERO)
            if credits > room:
                credits = room
                reason = (
                    "self-study cap reached"
                    if group == "self-study"
                    else "yearly cap reached"
                )
            by_group[group] = by_group.get(group, ZERO) + credits
        in_category = credits
        if credits:
            most = rule_set.category_limits.get(line.category, (None, None))[1]
            if most is not None:
                room = max(most - by_category.get(line.category, ZERO), ZERO)
                if credits > room and rule_set.category_overflow_counts:
                    in_category, reason = room, "beyond the category, in the total"
                elif credits > room:
                    credits, in_category, reason = room, room, "category full"
        hours = ZERO
        if credits == line.credits:
            hours = round_amount(line.class_hours, rule_set)
        elif credits and line.credits:
            hours = round_amount(line.class_hours * credits / line.credits, rule_set)
        credits = round_amount(credits, rule_set)
        in_category = round_amount(in_category, rule_set)
        by_category[line.category] = by_category.get(line.category, ZERO) + in_category
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
        met_by="advanced_study" if meets_by_advanced_study(ordered, rule_set) else "",
        lines=tuple(counted_lines),
        total_credits=sum(
            (
                Decimal(line.credits)
                for line in ordered
                if not line.is_revoked and line.scale == rule_set.scale
            ),
            ZERO,
        ),
        counted_credits=counted,
        counted_class_hours=hours,
        requirement=tuple(requirement),
    )


def yearly_cap(kind, rule_set):
    """(group, cap) of the yearly cap a manual line of ``kind`` counts toward,
    or ("", None)."""
    standard = rule_set.class_ii_standards.get(kind)
    group = "self-study" if kind == ManualKind.SELF_STUDY else ""
    if standard is not None:
        group = standard.cap_group
    caps = {"self-study": rule_set.self_study_cap, **rule_set.yearly_caps}
    return group, caps.get(group)


def meets_by_advanced_study(lines, rule_set):
    """Whether a standing 进修 line of the rule set's scale meets the year: at
    least ``advanced_study_months`` months and a passed assessment."""
    months = rule_set.advanced_study_months
    return months is not None and any(
        line.manual_kind == ManualKind.VISITING
        and not line.is_revoked
        and line.scale == rule_set.scale
        and (line.study_months or 0) >= months
        and line.has_passed_assessment is True
        for line in lines
    )


def national_rule_set(rule_sets, on, scale="CN"):
    """The national (built-in, no variant) rule set of ``scale`` in force on
    ``on``: the newest one that has started. CN-2024 from 2025-01-01, CN-2006
    before."""
    candidates = [
        r
        for r in rule_sets
        if r.scale == scale and not r.based_on and r.is_in_force(on)
    ]
    return max(candidates, key=lambda r: (r.valid_from, r.version), default=None)


def choose_requirement(rule_sets, on, *, province_code="", tier="", scale="CN"):
    """The rule set whose requirement a learner meets on ``on``.

    The national rule set in force on ``on`` decides; its variants may refine
    it: province and tier, then province, then tier, then the national set; the
    newest version among equals. A variant of an older national set (a province's
    CN-2006 rules) does not outrank a newer national set once that has started.
    """
    national = national_rule_set(rule_sets, on, scale)

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
        and (national is None or (r.based_on or r.code) == national.code)
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
    "class_i_min",
    "class_i_max",
    "class_ii_min",
    "class_i_substitutes",
)
#: Variant fields that set a category's yearly (at least, at most): the Class I
#: minimum depends on the learner's unit (provincial rules: 10 at provincial
#: units, 5 at prefecture level), so a province sets it per tier.
CATEGORY_FIELDS = {
    "class_i_min": ("I", 0),
    "class_i_max": ("I", 1),
    "class_ii_min": ("II", 0),
}
YES, NO = ("yes", "true", "1"), ("no", "false", "0")


def parse_yes_no(value, name):
    text = str(value).strip().lower()
    if text not in YES + NO:
        raise RuleSetError(f"{name} is yes or no.")
    return text in YES


def requirement_problem(rule_set):
    """Why a rule set's yearly requirement cannot be met as stated, or ""."""
    least_total = ZERO
    for category, (least, most) in rule_set.category_limits.items():
        if least is not None and most is not None and least > most:
            return f"The Class {category} minimum is above its maximum."
        least_total += least or ZERO
    if least_total > rule_set.yearly_credits:
        return (
            f"The category minimums ({least_total}) ask for more than the yearly "
            f"credits ({rule_set.yearly_credits}): the requirement cannot be met "
            "as stated."
        )
    limits = [
        rule_set.category_limits.get(c, (None, None))[1] for c in rule_set.categories
    ]
    if (
        rule_set.category_limits
        and not rule_set.category_overflow_counts
        and all(most is not None for most in limits)
        and sum(limits, ZERO) < rule_set.yearly_credits
    ):
        return "The category maximums leave the yearly credits out of reach."
    return ""


def parse_decimal(value, name, *, allow_none=False):
    if value in (None, "") and allow_none:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise RuleSetError(f"{name} must be a number.") from None
    if not number.is_finite() or number < 0 or number > 1000:
        raise RuleSetError(f"{name} must be between 0 and 1000.")
    if number.as_tuple().exponent < -2:
        # "1E-999999999" is a positive number no transcript can divide by.
        raise RuleSetError(f"{name} has at most two decimal places.")
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
    limits = dict(base.category_limits)
    for name, value in values.items():
        if name == "class_i_substitutes":
            if value not in (None, ""):
                changes["category_overflow_counts"] = parse_yes_no(value, name)
            continue
        number = parse_decimal(value, name, allow_none=name != "yearly_credits")
        if name in CATEGORY_FIELDS:
            category, end = CATEGORY_FIELDS[name]
            if category not in base.categories:
                raise RuleSetError(
                    f"{base.code} has no Class I/II: {name} is not used."
                )
            bounds = list(limits.get(category, (None, None)))
            bounds[end] = number
            limits[category] = tuple(bounds)
        else:
            changes[name] = number
    if changes.get("yearly_credits", base.yearly_credits) <= 0:
        raise RuleSetError("yearly_credits must be more than 0.")
    if limits != base.category_limits:
        changes["category_limits"] = limits
    problem = requirement_problem(replace(base, **changes))
    if problem:
        raise RuleSetError(problem)
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
