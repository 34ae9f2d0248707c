"""The columns of the network report tables, shared by the pages and the
downloads, and the downloads themselves: CSV (with the BOM Excel needs to read
UTF-8 Chinese) and Excel workbooks (openpyxl)."""

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font

from certificates.exports import protect_cell
from lms.labels import format_credit


@dataclass(frozen=True)
class Column:
    """One figure of a report row: ``value`` reads it from a ``Figures``."""

    key: str
    label: object
    value: object
    #: "count", "hours", "credits" or "share" (how it is written).
    kind: str = "count"


def _getter(name):
    return lambda figures: getattr(figures, name)


def _column(key, label, kind="count"):
    return Column(key, label, _getter(key), kind)


#: The figures the pages show, in order.
PAGE_COLUMNS = (
    _column("person_times", _l("Person-times")),
    _column("learners", _l("Learners")),
    _column("class_hours_delivered", _l("Class hours delivered"), "hours"),
    _column("class_hours_watched", _l("Class hours watched"), "hours"),
    _column("completions", _l("Completions")),
    _column("credits", _l("Credits"), "credits"),
    _column("certificates", _l("Certificates")),
    _column("compliance", _l("Compliance"), "share"),
    _column("sessions_held", _l("Sessions held")),
    _column("rooms_connected", _l("Rooms connected")),
)
#: The downloads add the parts of person-times.
EXPORT_COLUMNS = (
    PAGE_COLUMNS[0],
    _column("enrolments", _l("Enrolments")),
    _column("attendances", _l("Session attendances")),
    *PAGE_COLUMNS[1:],
)


def category_columns(report):
    """A column of credits for each credit category the report's totals have."""
    return tuple(
        Column(
            f"credits_{category}",
            _l("Credits: %(category)s", category=category),
            lambda figures, c=category: figures.credits_by_category.get(c, Decimal(0)),
            "credits",
        )
        for category in sorted(report.totals.credits_by_category)
    )


def plain_value(column, figures):
    """A figure as a number a spreadsheet reads (a share as 0..1, None as empty)."""
    value = column.value(figures)
    if value is None:
        return None
    if column.kind == "share":
        return round(float(value), 4)
    return value


def shown_value(column, figures):
    """A figure as the page shows it: 1,234 · 12.5 (hours) · 1.5 (credits) · 87.5%."""
    value = column.value(figures)
    if value is None:
        return "—"
    if column.kind == "share":
        return f"{float(value) * 100:.1f}%"
    if column.kind == "hours":
        return f"{float(value):,.1f}"
    if column.kind == "credits":
        return format_credit(value)
    return f"{value:,}"


def sort_value(column, figures):
    """What a sortable table orders a cell by (no share sorts lowest)."""
    value = column.value(figures)
    return -1 if value is None else value


def sheet_rows(report, head):
    """The header and the rows of a download: ``head`` is a tuple of
    (heading, function of a report row) for the columns before the figures,
    the totals row comes last."""
    columns = EXPORT_COLUMNS + category_columns(report)
    header = [str(label) for label, _ in head] + [str(c.label) for c in columns]
    rows = [
        [read(row) for _, read in head] + [plain_value(c, row.figures) for c in columns]
        for row in report.rows
    ]
    total = [str(_l("Total"))] + [""] * (len(head) - 1)
    rows.append(total + [plain_value(c, report.totals) for c in columns])
    return header, rows


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return protect_cell(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def write_csv(header, rows):
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 Chinese only with the BOM
    writer = csv.writer(buffer)
    writer.writerow([_csv_cell(h) for h in header])
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


#: What an XML document may not hold (the workbook is XML): a name stored
#: before text was cleaned of them would fail the whole export.
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def write_xlsx(header, rows, title):
    """A workbook of one sheet: text cells stay text (a name starting with "="
    is no formula), numbers stay numbers, shares are formatted as percentages."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append([None] * len(values))
        for cell, value in zip(sheet[sheet.max_row], values, strict=True):
            if isinstance(value, str):
                value = _XML_UNSAFE.sub("", value)  # rows stored before cleaning
            cell.value = float(value) if isinstance(value, Decimal) else value
            if isinstance(value, str):
                cell.data_type = "s"
    last = sheet.max_row
    for cell in sheet[last]:
        cell.font = Font(bold=True)
    for index, label in enumerate(header, start=1):
        if label == str(_l("Compliance")):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "0.0%"
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 16
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
