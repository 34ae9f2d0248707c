"""Credit exports as CSV downloads (for the office and for a hospital's coordinator)."""

import csv
import io

from flask import Response

from certificates import queries
from certificates.exports import (
    PARS_HEADER,
    REGISTRY_HEADER,
    ExportRecord,
    plan_pars_rows,
    plan_registry_rows,
)
from certificates.facts import learner_number

#: The CSV layouts an export may take.
EXPORT_KINDS = frozenset({"registry", "pars"})


def export_csv(kind, *, year=None, hospital_id=None, province=None, course_id=None):
    """The ledger lines that match, as a registry (or PARS-style) CSV download."""
    rows = queries.list_awards_for_export(
        year=year, hospital_id=hospital_id, province=province, course_id=course_id
    )
    records = [
        ExportRecord(
            award_id=award.id,
            learner_number=learner_number(user.id),
            learner_name=user.name,
            login=user.login,
            profession=user.profession.value if user.profession else "",
            hospital_code=hospital.code if hospital else "",
            hospital_name=hospital.name_zh if hospital else "",
            province_code=hospital.province_code if hospital else "",
            source=award.source.value,
            project_number=award.project_number,
            title=award.title_zh,
            category=award.category,
            class_hours=award.class_hours,
            credits=award.credits,
            awarding_unit=award.awarding_unit,
            activity_date=award.activity_date,
            rule_set=f"{award.rule_set_code} v{award.rule_set_version}",
            revokes_id=award.revokes_id,
        )
        for award, user, hospital in rows
    ]
    if kind == "pars":
        header, lines = PARS_HEADER, plan_pars_rows(records)
    else:
        kind, header, lines = "registry", REGISTRY_HEADER, plan_registry_rows(records)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 Chinese only with the BOM
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(lines)
    name = f"credits-{kind}-{year or 'all'}"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}.csv"},
    )
