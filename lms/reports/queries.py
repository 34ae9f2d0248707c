"""The reports, read from the summary tables (``summaries``): a handful of
GROUP BYs over at most a few hundred thousand summary rows, whatever the
number of raw rows behind them."""

from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal

import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.db import db
from lms.hospitals.models import Hospital
from lms.hospitals.network import PROVINCES_BY_CODE, Tier
from lms.reports.models import (
    HospitalMonth,
    HospitalMonthCredits,
    LearnerMonth,
    LearnerYear,
)
from lms.reports.rules import GROUPINGS, Figures, month_label, sum_figures
from lms.reports.summaries import last_refresh

_H = Hospital.__table__.c
_ADDITIVE_COLUMNS = (
    "enrolments",
    "attendances",
    "completions",
    "completion_hours",
    "sessions_held",
    "session_hours",
    "rooms_connected",
    "watched_seconds",
    "certificates",
)


@dataclass(frozen=True)
class Row:
    """One row of a report: ``key`` is the tier, province code, hospital id or
    month (YYYY-MM) as a string; the names are for people."""

    key: str
    name_zh: str
    name_en: str
    figures: Figures
    #: Hospital rows: where the hospital sits.
    tier: str = ""
    province_code: str = ""

    def name(self, language):
        return (
            self.name_en if language.startswith("en") and self.name_en else self.name_zh
        )


@dataclass(frozen=True)
class Report:
    period: object
    by: str
    rows: tuple
    totals: Figures
    #: When the summary tables were last brought up to date (None: never).
    as_of: object


@dataclass(frozen=True)
class Scope:
    """Which hospitals a report covers: all of them, one province's, or the
    given ones (a coordinator's own)."""

    hospital_ids: tuple | None = None
    province_code: str | None = None

    def hospitals(self):
        """A select of the hospitals' ids in scope."""
        query = sa.select(_H.id)
        if self.hospital_ids is not None:
            query = query.where(_H.id.in_(self.hospital_ids or (-1,)))
        if self.province_code is not None:
            query = query.where(_H.province_code == self.province_code)
        return query


def _key_column(by, month_column):
    return {
        "tier": _H.tier,
        "province": _H.province_code,
        "hospital": _H.id,
        "month": month_column,
    }[by]


def network_report(period, by, scope=Scope()):
    """Figures of ``period`` grouped ``by`` tier, province, hospital or month."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    in_scope = scope.hospitals()
    values = defaultdict(dict)

    m = HospitalMonth.__table__.c
    key = _key_column(by, m.month)
    query = (
        sa.select(key, *(sa.func.sum(m[name]) for name in _ADDITIVE_COLUMNS))
        .join(Hospital.__table__, _H.id == m.hospital_id)
        .where(m.month.between(period.first, period.last), m.hospital_id.in_(in_scope))
        .group_by(key)
    )
    for k, *sums in db.session.execute(query):
        for name, value in zip(_ADDITIVE_COLUMNS, sums, strict=True):
            values[_text(k)][name] = _number(name, value)

    c = HospitalMonthCredits.__table__.c
    key = _key_column(by, c.month)
    query = (
        sa.select(key, c.category, sa.func.sum(c.credits))
        .join(Hospital.__table__, _H.id == c.hospital_id)
        .where(c.month.between(period.first, period.last), c.hospital_id.in_(in_scope))
        .group_by(key, c.category)
    )
    credits = defaultdict(dict)
    for k, category, total in db.session.execute(query):
        credits[_text(k)][category] = Decimal(total or 0)

    learners = _learners(period, by, in_scope)
    has_staff = by != "month" and period.year is not None
    staff = _staff(period.year, by, in_scope) if has_staff else {}

    rows = []
    for k, name_zh, name_en, tier, province in _row_keys(period, by, scope):
        done = staff.get(k, (0, 0)) if has_staff else (None, None)
        figures = Figures(
            **values.get(k, {}),
            learners=learners.get(k, 0),
            credits_by_category=_clean(credits.get(k, {})),
            staff=done[0],
            staff_met=done[1],
        )
        rows.append(Row(k, name_zh, name_en, figures, tier, province))
    totals = sum_figures(r.figures for r in rows)
    totals = replace(totals, learners=_learners(period, None, in_scope))
    if period.year and by == "month":
        staff = _staff(period.year, None, in_scope)
        totals = replace(totals, staff=staff[0], staff_met=staff[1])
    log = last_refresh()
    return Report(period, by, tuple(rows), totals, log.refreshed_dt if log else None)


def _text(key):
    return key.value if hasattr(key, "value") else str(key)


def _number(name, value):
    if name in ("completion_hours", "session_hours"):
        return Decimal(value or 0)
    return int(value or 0)


def _clean(by_category):
    return {k: v for k, v in sorted(by_category.items()) if v}


def _learners(period, by, in_scope):
    """Distinct learners per key (or in all when ``by`` is None)."""
    lm = LearnerMonth.__table__.c
    where = (lm.month.between(period.first, period.last), lm.hospital_id.in_(in_scope))
    count = sa.func.count(sa.distinct(lm.user_id))
    if by is None:
        return db.session.scalar(sa.select(count).where(*where)) or 0
    key = _key_column(by, lm.month)
    query = sa.select(key, count).where(*where).group_by(key)
    if by != "month":
        query = query.join(Hospital.__table__, _H.id == lm.hospital_id)
    return {_text(k): n for k, n in db.session.execute(query)}


def _staff(year, by, in_scope):
    """(registered learners, those who met ``year``) per key, or in all."""
    u, ly = User.__table__.c, LearnerYear.__table__.c
    met = sa.func.sum(sa.case((ly.is_met.is_(True), 1), else_=0))
    query = (
        sa.select(sa.func.count(u.id), met)
        .select_from(User.__table__)
        .join(Hospital.__table__, _H.id == u.hospital_id)
        .outerjoin(LearnerYear.__table__, sa.and_(ly.user_id == u.id, ly.year == year))
        .where(
            u.role == Role.LEARNER.value,
            u.is_active.is_(True),
            u.hospital_id.in_(in_scope),
        )
    )
    if by is None:
        total, done = db.session.execute(query).one()
        return total or 0, int(done or 0)
    key = _key_column(by, None)
    query = query.add_columns(key).group_by(key)
    return {
        _text(k): (n or 0, int(done or 0)) for n, done, k in db.session.execute(query)
    }


def _row_keys(period, by, scope):
    """Every row the report shows, zero or not: (key, zh, en, tier, province)."""
    if by == "month":
        return [(month_label(m), month_label(m), "", "", "") for m in period.months]
    hospitals = db.session.execute(
        sa.select(_H.id, _H.name_zh, _H.name_en, _H.tier, _H.province_code)
        .where(_H.id.in_(scope.hospitals()))
        .order_by(_H.province_code, _H.tier, _H.id)
    ).all()
    if by == "hospital":
        return [
            (str(h.id), h.name_zh, h.name_en, _text(h.tier), h.province_code)
            for h in hospitals
        ]
    if by == "tier":
        present = {_text(h.tier) for h in hospitals}
        return [
            (t.value, t.value, t.value, t.value, "") for t in Tier if t.value in present
        ]
    codes = sorted({h.province_code for h in hospitals})
    rows = []
    for code in codes:
        province = PROVINCES_BY_CODE.get(code)
        rows.append(
            (
                code,
                province.name_zh if province else code,
                province.name_en if province else code,
                "",
                code,
            )
        )
    return rows
