"""Reading the hospital network."""

import sqlalchemy as sa

from lms.db import db
from lms.hospitals.models import Hospital
from lms.hospitals.network import PROVINCES_BY_CODE, find_tier
from lms.text import clean_text


def _filtered(q="", province_code=None, tier=None, active_only=False):
    query = sa.select(Hospital)
    if q := clean_text(q, required=False):
        like = f"%{q}%"
        query = query.where(
            sa.or_(
                Hospital.name_zh.ilike(like),
                Hospital.name_en.ilike(like),
                Hospital.code.ilike(like),
                Hospital.city.ilike(like),
            )
        )
    if province_code:
        query = query.where(Hospital.province_code == province_code)
    if tier:
        query = query.where(Hospital.tier == (find_tier(str(tier)) or "none"))
    if active_only:
        query = query.where(Hospital.is_active.is_(True))
    return query.order_by(Hospital.province_code, Hospital.tier, Hospital.code)


def list_hospitals(*, q="", province_code=None, tier=None, active_only=False):
    return db.session.scalars(_filtered(q, province_code, tier, active_only)).all()


def paginate_hospitals(*, q="", province_code=None, tier=None, page=1, per_page=50):
    query = _filtered(q, province_code, tier)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def get_hospital_by_code(code):
    return db.session.scalar(sa.select(Hospital).where(Hospital.code == code))


def list_hospitals_by_code(codes):
    """The hospitals with these codes (one query)."""
    if not codes:
        return []
    return db.session.scalars(sa.select(Hospital).where(Hospital.code.in_(codes))).all()


def count_hospitals_by_tier():
    rows = db.session.execute(
        sa.select(Hospital.tier, sa.func.count()).group_by(Hospital.tier)
    )
    return dict(rows.all())


def count_hospitals():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Hospital))


def list_network_provinces():
    """Provinces that have at least one hospital, in code order."""
    codes = db.session.scalars(sa.select(Hospital.province_code).distinct()).all()
    return [PROVINCES_BY_CODE[c] for c in sorted(codes) if c in PROVINCES_BY_CODE]
