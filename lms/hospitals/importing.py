"""Reading a hospital list from CSV text: every bad row named, nothing guessed.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import csv
import re
from dataclasses import dataclass

from lms.hospitals.network import Tier, find_province, find_tier
from lms.limits import HOSPITAL_IMPORT_ROWS_MAX
from lms.text import clean_text

#: Columns a hospital CSV must have (a header row names them, in any order).
REQUIRED_COLUMNS = ("code", "name_zh", "tier", "province")
OPTIONAL_COLUMNS = ("name_en", "city")
MAX_CODE_LENGTH = 32
MAX_NAME_LENGTH = 200
#: The city column's length (a longer one failed the insert on PostgreSQL).
MAX_CITY_LENGTH = 100


@dataclass(frozen=True)
class HospitalRow:
    line: int
    code: str
    name_zh: str
    name_en: str
    tier: Tier
    province_code: str
    city: str


@dataclass(frozen=True)
class RowError:
    line: int
    #: In English, for the command line.
    message: str
    #: What is wrong, for a page to say in its language (``params`` fill it in).
    code: str = ""
    params: tuple = ()

    def __str__(self):
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ParsedHospitals:
    rows: tuple[HospitalRow, ...]
    errors: tuple[RowError, ...]


def decode_csv_bytes(data):
    """Decode CSV bytes as UTF-8 (BOM or not), else GB18030 (Excel in China)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def csv_lines(text):
    """The lines of CSV text one by one (a million-line text is not split
    into a million strings at once; a parser stops at its row cap)."""
    for match in _LINE.finditer(text.lstrip("\ufeff")):
        yield match.group()


#: A line with its ending (as ``str.splitlines`` reads \r, \n and \r\n), or
#: the last line without one.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def past_row_cap(line, max_rows):
    """A ``too_many_rows`` error when ``line`` (the header is line 1) lies past
    ``max_rows`` rows, else None: the parser stops reading there."""
    if line <= max_rows + 1:
        return None
    return RowError(line, f"more than {max_rows} rows", "too_many_rows", (max_rows,))


def parse_hospital_csv(text, max_rows=HOSPITAL_IMPORT_ROWS_MAX):
    """Parse CSV text into hospital rows and per-line errors; a sheet longer
    than ``max_rows`` rows is an error at the first row past it (the rest unread)."""
    reader = csv.DictReader(csv_lines(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        columns = ", ".join(missing)
        return ParsedHospitals(
            (),
            (
                RowError(
                    1, f"missing columns: {columns}", "missing_columns", (columns,)
                ),
            ),
        )
    reader.fieldnames = header
    rows, errors, seen = [], [], {}
    for raw in reader:
        line = reader.line_num
        if too_many := past_row_cap(line, max_rows):
            errors.append(too_many)
            break
        if raw.get(None):
            errors.append(
                RowError(line, "more fields than the header has", "too_many_fields")
            )
            continue
        values = {k: clean_text(v, required=False) for k, v in raw.items() if k}
        if not any(values.values()):
            continue
        row, problems = _parse_row(line, values)
        if row and row.code in seen:
            problems.append(
                (
                    f"code {row.code} already on line {seen[row.code]}",
                    "duplicate_code",
                    (row.code, seen[row.code]),
                )
            )
        if problems:
            errors.extend(RowError(line, *p) for p in problems)
        else:
            seen[row.code] = line
            rows.append(row)
    return ParsedHospitals(tuple(rows), tuple(errors))


def _parse_row(line, values):
    problems = []
    for column in REQUIRED_COLUMNS:
        if not values.get(column):
            problems.append((f"{column} is empty", "empty", (column,)))
    code = values.get("code", "")
    if len(code) > MAX_CODE_LENGTH:
        problems.append(
            (
                f"code is longer than {MAX_CODE_LENGTH} characters",
                "too_long",
                ("code", MAX_CODE_LENGTH),
            )
        )
    for column, longest in (
        ("name_zh", MAX_NAME_LENGTH),
        ("name_en", MAX_NAME_LENGTH),
        ("city", MAX_CITY_LENGTH),
    ):
        if len(values.get(column, "")) > longest:
            problems.append(
                (
                    f"{column} is longer than {longest} characters",
                    "too_long",
                    (column, longest),
                )
            )
    tier = find_tier(values["tier"]) if values.get("tier") else None
    if values.get("tier") and tier is None:
        allowed = ", ".join(t.value for t in Tier)
        problems.append(
            (
                f"tier {values['tier']!r} is not one of {allowed}",
                "unknown_tier",
                (values["tier"], allowed),
            )
        )
    province = find_province(values["province"]) if values.get("province") else None
    if values.get("province") and province is None:
        problems.append(
            (
                f"province {values['province']!r} is unknown",
                "unknown_province",
                (values["province"],),
            )
        )
    if problems:
        return None, problems
    row = HospitalRow(
        line=line,
        code=code,
        name_zh=values["name_zh"],
        name_en=values.get("name_en", ""),
        tier=tier,
        province_code=province.code,
        city=values.get("city", ""),
    )
    return row, problems
