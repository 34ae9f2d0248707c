"""Export rows and the masked name of public verification."""

from datetime import date
from decimal import Decimal as D

import pytest

from certificates.exports import (
    ExportRecord,
    mask_name,
    plan_pars_rows,
    plan_registry_rows,
)


def record(award_id=1, **kw):
    values = {
        "award_id": award_id,
        "learner_number": "L0000007",
        "learner_name": "张三",
        "login": "zhang@example.org",
        "profession": "physician",
        "hospital_code": "H1",
        "hospital_name": "测试县人民医院",
        "province_code": "51",
        "source": "online",
        "project_number": "2026-04-01-001(国)",
        "title": "慢阻肺的吸入治疗",
        "category": "I",
        "class_hours": D("6.00"),
        "credits": D("2.00"),
        "awarding_unit": "中心",
        "activity_date": date(2026, 5, 1),
        "rule_set": "CN-2006 v1",
    }
    values.update(kw)
    return ExportRecord(**values)


def test_a_registry_row_has_the_registry_columns():
    (row,) = plan_registry_rows([record()])
    assert row[:8] == (
        "2026-04-01-001(国)",
        "慢阻肺的吸入治疗",
        "I",
        "6",
        "2",
        "中心",
        "线上 online",
        "L0000007",
    )


def test_a_revocation_is_a_negative_line_in_the_registry_and_absent_from_pars():
    records = [record(1), record(2, credits=D("-2.00"), revokes_id=1), record(3)]
    assert [row[4] for row in plan_registry_rows(records)] == ["2", "-2", "2"]
    assert [row[4] for row in plan_pars_rows(records)] == ["2026-04-01-001(国)"]


def test_a_formula_in_a_title_is_not_run_by_a_spreadsheet():
    (row,) = plan_registry_rows([record(title='=HYPERLINK("http://x")')])
    assert row[1].startswith("'=")


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("欧阳娜娜", "欧**娜"),
        ("李", "李"),
        ("Alice Smith", "A**** S****"),
        ("", ""),
    ],
)
def test_a_public_page_masks_the_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("typed", "serial"),
    [
        ("TC-7K3M-9QXD-2H4P-W8RA", "TC-7K3M-9QXD-2H4P-W8RA"),
        ("tc 7k3m 9qxd 2h4p w8ra", "TC-7K3M-9QXD-2H4P-W8RA"),
        ("TC7K3M9QXD2H4PW8RA", "TC-7K3M-9QXD-2H4P-W8RA"),
        ("TC-7K3M-9QXD-2H4P-W8RO", "TC-7K3M-9QXD-2H4P-W8R0"),
        ("TC-XXXX", "TCXXXX"),
        ("<script>", "SCRIPT"),
    ],
)
def test_a_typed_serial_is_read_forgivingly(typed, serial):
    from certificates.operations import normalise_serial

    assert normalise_serial(typed) == serial
