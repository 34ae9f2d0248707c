"""Question banks as Excel sheets (openpyxl): the template lecturers download,
reading an uploaded sheet's rows, and the translated text of each row error.

The rules of a row live in ``courses.question_sheet``; this module only reads
and writes workbooks.
"""

import io
import zipfile

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from courses.question_sheet import EXAMPLE, HEADERS, MAX_ROWS
from lms.workbooks import MAX_UNPACKED_BYTES, UnreadableWorkbook, open_workbook

#: An .xlsx of 500 questions is far below this; larger uploads are refused unread.
MAX_SHEET_BYTES = 5 * 1024 * 1024


class UnreadableSheet(ValueError):
    """The upload is not an .xlsx workbook openpyxl can read."""


def question_template():
    """The template workbook as bytes: a bilingual header row and one example."""
    book = Workbook()
    sheet = book.active
    sheet.title = "questions"
    sheet.append(HEADERS)
    sheet.append(EXAMPLE)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 24
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_question_rows(data):
    """The cell values of the first sheet's rows after the header.

    Reads at most ``MAX_ROWS`` + 1 non-header rows (enough to say a sheet is
    too long) and the template's columns; raises :class:`UnreadableSheet`.
    """
    if len(data) > MAX_SHEET_BYTES:
        raise UnreadableSheet("too large")
    try:
        book = open_workbook(data, max_unpacked_bytes=MAX_UNPACKED_BYTES)
    except UnreadableWorkbook as error:
        reason = {"unpacks_too_large": "unpacks too large"}.get(error.code)
        raise UnreadableSheet(reason or "not an xlsx workbook") from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise UnreadableSheet("no sheet")
        rows = []
        for cells in sheet.iter_rows(min_row=2, max_col=len(HEADERS), values_only=True):
            rows.append(tuple(cells))
            if len(rows) > MAX_ROWS + 50:
                break
        return rows
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise UnreadableSheet("damaged workbook") from None
    finally:
        book.close()


def row_error_message(error):
    """A row error (``courses.question_sheet.RowError``) in the reader's language."""
    detail = error.detail
    messages = {
        "kind": _("the kind must be single or multiple (单选 / 多选)"),
        "question": _("the question has no Chinese text"),
        "answer": _("the right options are missing or repeated (write e.g. A or AC)"),
        "answer_unknown": _(
            "the right option %(detail)s is not among the options", detail=detail
        ),
        "answer_single": _("a single-choice question has exactly one right option"),
        "options": _("a question needs at least two options with Chinese text"),
        "options_gap": _("options are filled from A onwards without gaps"),
        "option_without_chinese": _(
            "option %(detail)s has English text only", detail=detail
        ),
        "too_long": _("a text is too long (questions 2000, options 500 characters)"),
        "too_many_rows": _("a sheet holds at most %(detail)s questions", detail=detail),
    }
    problem = messages.get(error.code, _("this row cannot be read"))
    return _("Row %(row)s: %(problem)s", row=error.row, problem=problem)
