"""Hospitals and people from a spreadsheet uploaded in the browser: a CSV file
or an Excel workbook (.xlsx, read with openpyxl) becomes CSV text that the pure
parsers (``lms.hospitals.importing``, ``lms.accounts.importing``) read, so a
row's line number is its row in the sheet."""

import csv
import datetime
import io
import zipfile

from lms.hospitals.importing import decode_csv_bytes
from lms.limits import USER_IMPORT_ROWS_MAX
from lms.workbooks import MAX_UNPACKED_BYTES, UnreadableWorkbook, open_workbook

#: Thousands of rows fit far below this; larger uploads are refused unread.
MAX_SHEET_BYTES = 5 * 1024 * 1024
#: Rows read of a workbook at most (the header, the largest row cap and one
#: row past it, so that the parser names the cap); a caller passes its own.
MAX_SHEET_ROWS = USER_IMPORT_ROWS_MAX + 2
MAX_COLUMNS = 20


class UnreadableSheet(ValueError):
    """The upload is neither UTF-8/GB18030 CSV nor an .xlsx workbook."""


def sheet_text(filename, data, max_rows=MAX_SHEET_ROWS):
    """The upload as CSV text, of a workbook its first ``max_rows`` rows only
    (the rest is never read); raises :class:`UnreadableSheet`."""
    if len(data) > MAX_SHEET_BYTES:
        raise UnreadableSheet("too_large")
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return _workbook_text(data, max_rows)
    if name.endswith((".csv", ".txt")) or not name:
        try:
            return decode_csv_bytes(data)
        except UnicodeDecodeError:
            raise UnreadableSheet("not_text") from None
    raise UnreadableSheet("unknown_kind")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a mobile number typed as a number
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    # One sheet row, one CSV line: the parsers name rows by their line.
    return " ".join(str(value).splitlines())


def _workbook_text(data, max_rows):
    try:
        book = open_workbook(data, max_unpacked_bytes=MAX_UNPACKED_BYTES)
    except UnreadableWorkbook as error:
        raise UnreadableSheet(error.code) from None
    try:
        if not book.worksheets:
            raise UnreadableSheet("not_xlsx")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for count, cells in enumerate(
            book.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)
        ):
            if count >= max_rows:
                break
            values = [_cell(c) for c in cells]
            while values and values[-1] == "":
                values.pop()
            writer.writerow(values)
        return out.getvalue()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise UnreadableSheet("not_xlsx") from None
    finally:
        book.close()
