"""How the network dashboard writes a figure (lms/reports/sheets.py), and what
its tables sort by: one row per kind of figure."""

from decimal import Decimal

import pytest

from lms.reports.rules import Figures
from lms.reports.sheets import PAGE_COLUMNS, plain_value, shown_value, sort_value

COLUMNS = {column.key: column for column in PAGE_COLUMNS}
YEAR = Figures(
    enrolments=1200,
    attendances=34,
    learners=987,
    course_hours=Decimal("12.5"),
    session_hours=Decimal("3"),
    watched_seconds=5400,
    credits_by_category={"I": Decimal("1.50"), "II": Decimal("2")},
    staff=8,
    staff_met=7,
)
RANGE = Figures(enrolments=3)  # months of two years: no compliance


@pytest.mark.parametrize(
    "key, figures, shown, sort, plain",
    [
        ("person_times", YEAR, "1,234", 1234, 1234),
        ("learners", YEAR, "987", 987, 987),
        ("class_hours_delivered", YEAR, "15.5", Decimal("15.5"), Decimal("15.5")),
        ("class_hours_watched", YEAR, "1.5", Decimal("1.50"), Decimal("1.50")),
        ("credits", YEAR, "3.5", Decimal("3.50"), Decimal("3.50")),
        ("compliance", YEAR, "87.5%", 0.875, 0.875),
        ("compliance", RANGE, "—", -1, None),
        ("sessions_held", RANGE, "0", 0, 0),
    ],
    ids=[
        "thousands-separated",
        "distinct-learners",
        "hours-one-decimal",
        "watched-seconds-in-hours",
        "credits-as-people-write-them",
        "compliance-a-percentage",
        "no-compliance-sorts-lowest",
        "zero",
    ],
)
def test_a_figure_is_shown_sorted_and_downloaded(key, figures, shown, sort, plain):
    column = COLUMNS[key]
    assert shown_value(column, figures) == shown
    assert sort_value(column, figures) == sort
    assert plain_value(column, figures) == plain


def test_a_name_stored_before_cleaning_does_not_break_the_workbook():
    """A noncharacter or control in a stored name (U+FFFE was accepted once)
    is left out of the Excel cell instead of failing the whole export."""
    import io

    from openpyxl import load_workbook

    from lms.reports.sheets import write_xlsx

    data = write_xlsx(["名称", "人次"], [["县\ufffe医院\x0b", Decimal("3")]], "表")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].value == "县医院"
    assert sheet["B2"].value == 3
