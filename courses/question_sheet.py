"""A question bank as a spreadsheet: the columns of the template, and reading
its rows into questions with one error list per row.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
The caller reads the workbook (openpyxl) and passes each row's cell values.
"""

import string
from dataclasses import dataclass

from courses.posttest import QuestionKind

#: Options a sheet row may carry (A–F); a question needs at least two.
MAX_OPTIONS = 6
MAX_ROWS = 500
TEXT_LIMIT = 2000
OPTION_LIMIT = 500
LETTERS = string.ascii_uppercase[:MAX_OPTIONS]

#: The template's header row, bilingual so one sheet serves both languages.
HEADERS = (
    "题型 Kind (single/multiple)",
    "题目（中文）Question (Chinese)",
    "题目（英文）Question (English)",
    "正确答案 Right options (e.g. A or AC)",
    "解析（中文）Explanation (Chinese)",
    "解析（英文）Explanation (English)",
    *(
        f"{letter}（{language_zh}）Option {letter} ({language_en})"
        for letter in LETTERS
        for language_zh, language_en in (("中文", "Chinese"), ("英文", "English"))
    ),
)

#: An example row written under the header of the template.
EXAMPLE = (
    "single",
    "成人高血压的诊断标准是？",
    "What defines hypertension in adults?",
    "B",
    "非同日三次测量诊室血压。",
    "Office blood pressure on three separate days.",
    "≥120/80 mmHg",
    "≥120/80 mmHg",
    "≥140/90 mmHg",
    "≥140/90 mmHg",
    "≥160/100 mmHg",
    "≥160/100 mmHg",
    "",
    "",
    "",
    "",
    "",
    "",
)

_KINDS = {
    "single": QuestionKind.SINGLE,
    "单选": QuestionKind.SINGLE,
    "单选题": QuestionKind.SINGLE,
    "multiple": QuestionKind.MULTIPLE,
    "多选": QuestionKind.MULTIPLE,
    "多选题": QuestionKind.MULTIPLE,
}


@dataclass(frozen=True)
class SheetOption:
    text_zh: str
    text_en: str
    is_correct: bool


@dataclass(frozen=True)
class SheetQuestion:
    #: The row number in the sheet (the header is row 1).
    row: int
    kind: QuestionKind
    text_zh: str
    text_en: str
    explanation_zh: str
    explanation_en: str
    options: tuple[SheetOption, ...]


@dataclass(frozen=True)
class RowError:
    row: int
    #: ``kind``, ``question``, ``answer``, ``options``, ``too_long``, ``too_many_rows``
    code: str
    #: The option letter or column the error is about, when there is one.
    detail: str = ""


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def parse_question_rows(rows):
    """Questions from the sheet's rows after the header, and every row's errors.

    ``rows`` is an iterable of tuples of cell values (row 2 onwards); blank rows
    are skipped. Returns ``(questions, errors)``: when ``errors`` is not empty
    nothing should be imported.
    """
    questions, errors = [], []
    for offset, cells in enumerate(rows):
        number = offset + 2
        values = [_text(c).strip() for c in (tuple(cells) + ("",) * len(HEADERS))]
        values = values[: len(HEADERS)]
        if not any(values):
            continue
        if len(questions) + len({e.row for e in errors}) >= MAX_ROWS:
            errors.append(RowError(number, "too_many_rows", str(MAX_ROWS)))
            break
        row_errors, question = _parse_row(number, values)
        errors.extend(row_errors)
        if question is not None:
            questions.append(question)
    return tuple(questions), tuple(errors)


def _parse_row(number, values):
    kind_text, text_zh, text_en, answer, expl_zh, expl_en = values[:6]
    errors = []
    kind = _KINDS.get(kind_text.lower() or "single")
    if kind is None:
        errors.append(RowError(number, "kind", kind_text[:20]))
    if not text_zh:
        errors.append(RowError(number, "question"))
    for label, text in (("question", text_zh), ("question", text_en)):
        if len(text) > TEXT_LIMIT:
            errors.append(RowError(number, "too_long", label))
    for text in (expl_zh, expl_en):
        if len(text) > TEXT_LIMIT:
            errors.append(RowError(number, "too_long", "explanation"))
    option_cells = values[6:]
    present = []
    for index, letter in enumerate(LETTERS):
        zh, en = option_cells[2 * index], option_cells[2 * index + 1]
        if en and not zh:
            errors.append(RowError(number, "option_without_chinese", letter))
        if len(zh) > OPTION_LIMIT or len(en) > OPTION_LIMIT:
            errors.append(RowError(number, "too_long", letter))
        if zh:
            present.append((letter, zh, en))
    letters = {letter for letter, _, _ in present}
    if len(present) < 2:
        errors.append(RowError(number, "options"))
    elif [letter for letter, _, _ in present] != list(LETTERS[: len(present)]):
        errors.append(RowError(number, "options_gap"))
    chosen = [c for c in answer.upper().replace(",", "").replace("，", "") if c != " "]
    if not chosen or len(set(chosen)) != len(chosen):
        errors.append(RowError(number, "answer", answer[:20]))
    else:
        unknown = [c for c in chosen if c not in letters]
        if unknown:
            errors.append(RowError(number, "answer_unknown", "".join(unknown)[:20]))
        elif kind == QuestionKind.SINGLE and len(chosen) != 1:
            errors.append(RowError(number, "answer_single", answer[:20]))
    if errors:
        return errors, None
    return [], SheetQuestion(
        row=number,
        kind=kind,
        text_zh=text_zh,
        text_en=text_en,
        explanation_zh=expl_zh,
        explanation_en=expl_en,
        options=tuple(
            SheetOption(zh, en, letter in chosen) for letter, zh, en in present
        ),
    )
