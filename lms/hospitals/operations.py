"""Writing the hospital network. Operations flush; the caller commits."""

from dataclasses import dataclass

from lms.db import db
from lms.hospitals.models import Hospital
from lms.hospitals.network import PROVINCES_BY_CODE
from lms.hospitals.queries import get_hospital_by_code
from lms.text import BlankText, clean_text


class HospitalError(ValueError):
    def __init__(self, code, message=""):
        super().__init__(message or code)
        self.code = code


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int


def create_hospital(*, code, name_zh, tier, province_code, name_en="", city=""):
    code = code.strip()
    if get_hospital_by_code(code) is not None:
        raise HospitalError("code_taken")
    if province_code not in PROVINCES_BY_CODE:
        raise HospitalError("unknown_province")
    hospital = Hospital(
        code=code,
        name_zh=_clean_name(name_zh),
        name_en=clean_text(name_en, required=False),
        tier=tier,
        province_code=province_code,
        city=clean_text(city, required=False),
    )
    db.session.add(hospital)
    db.session.flush()
    return hospital


def update_hospital(
    hospital, *, name_zh, name_en, tier, province_code, city, is_active
):
    if province_code not in PROVINCES_BY_CODE:
        raise HospitalError("unknown_province")
    hospital.name_zh = _clean_name(name_zh)
    hospital.name_en = clean_text(name_en, required=False)
    hospital.tier = tier
    hospital.province_code = province_code
    hospital.city = clean_text(city, required=False)
    hospital.is_active = is_active
    db.session.flush()


def _clean_name(name):
    try:
        return clean_text(name)
    except BlankText:
        raise HospitalError("name_required") from None


def import_hospitals(rows):
    """Create or update one hospital per parsed row (matched by code)."""
    created = updated = 0
    for row in rows:
        hospital = get_hospital_by_code(row.code)
        if hospital is None:
            hospital = Hospital(code=row.code)
            db.session.add(hospital)
            created += 1
        else:
            updated += 1
        hospital.name_zh = row.name_zh
        hospital.name_en = row.name_en
        hospital.tier = row.tier
        hospital.province_code = row.province_code
        hospital.city = row.city
    db.session.flush()
    return ImportSummary(created=created, updated=updated)
