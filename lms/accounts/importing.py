"""Reading a list of people from CSV text: every bad row named, nothing guessed.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.

Columns: ``login`` (an email or a mobile number), ``name``, ``hospital`` (the
hospital's code), and optionally ``role`` (learner, lecturer, site_coordinator
or their Chinese names), ``profession`` and ``password`` (generated when empty).
The office is never imported: an administrator is made by hand.
"""

import csv
from dataclasses import dataclass

from lms.accounts.logins import InvalidLogin, normalize_login
from lms.accounts.roles import Profession, Role
from lms.hospitals.importing import RowError, csv_lines, past_row_cap
from lms.limits import USER_IMPORT_ROWS_MAX
from lms.text import clean_text

REQUIRED_COLUMNS = ("login", "name", "hospital")
MAX_NAME_LENGTH = 100
#: As the office's password field allows.
MAX_PASSWORD_LENGTH = 256
MAX_ROWS = USER_IMPORT_ROWS_MAX

ROLE_NAMES = {
    "learner": Role.LEARNER,
    "学员": Role.LEARNER,
    "lecturer": Role.LECTURER,
    "讲师": Role.LECTURER,
    "授课专家": Role.LECTURER,
    "site_coordinator": Role.SITE_COORDINATOR,
    "coordinator": Role.SITE_COORDINATOR,
    "协调员": Role.SITE_COORDINATOR,
}
PROFESSION_NAMES = {
    **{p.value: p for p in Profession},
    "医生": Profession.DOCTOR,
    "护士": Profession.NURSE,
    "技师": Profession.TECHNICIAN,
    "药师": Profession.PHARMACIST,
    "其他": Profession.OTHER,
}


@dataclass(frozen=True)
class UserRow:
    line: int
    login: str
    name: str
    hospital_code: str
    role: Role
    profession: Profession
    #: "" when the sheet gives none (one is generated at import).
    password: str


@dataclass(frozen=True)
class ParsedUsers:
    rows: tuple[UserRow, ...]
    errors: tuple[RowError, ...]


def _error(line, message, code, *params):
    return RowError(line, message, code, params)


def parse_user_csv(text, max_rows=MAX_ROWS):
    """Parse CSV text into people rows and per-line errors; a sheet longer than
    ``max_rows`` rows is an error at the first row past it (the rest unread)."""
    reader = csv.DictReader(csv_lines(text))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        columns = ", ".join(missing)
        return ParsedUsers(
            (), (_error(1, f"missing columns: {columns}", "missing_columns", columns),)
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
                _error(line, "more fields than the header has", "too_many_fields")
            )
            continue
        values = {k: clean_text(v, required=False) for k, v in raw.items() if k and v}
        if not any(values.values()):
            continue
        # A password is taken as typed (spaces are part of it); a login as
        # typed too, so that one with a control character is refused, as at
        # registration, rather than quietly becomes another login.
        values["password"] = (raw.get("password") or "").strip()
        values["login"] = (raw.get("login") or "").strip()
        row, problems = _parse_row(line, values)
        if row and row.login in seen:
            problems.append(
                _error(
                    line,
                    f"login {row.login} already on line {seen[row.login]}",
                    "duplicate_login",
                    row.login,
                    seen[row.login],
                )
            )
        if problems:
            errors.extend(problems)
        else:
            seen[row.login] = line
            rows.append(row)
    return ParsedUsers(tuple(rows), tuple(errors))


def _parse_row(line, values):
    problems = [
        _error(line, f"{column} is empty", "empty", column)
        for column in REQUIRED_COLUMNS
        if not values.get(column)
    ]
    login = ""
    if values.get("login"):
        try:
            login = normalize_login(values["login"])
        except InvalidLogin:
            problems.append(
                _error(
                    line,
                    f"login {values['login']!r} is not an email or a mobile number",
                    "invalid_login",
                    values["login"],
                )
            )
    if len(values.get("name", "")) > MAX_NAME_LENGTH:
        problems.append(
            _error(
                line,
                f"name is longer than {MAX_NAME_LENGTH} characters",
                "too_long",
                "name",
                MAX_NAME_LENGTH,
            )
        )
    if len(values.get("password", "")) > MAX_PASSWORD_LENGTH:
        problems.append(
            _error(
                line,
                f"password is longer than {MAX_PASSWORD_LENGTH} characters",
                "too_long",
                "password",
                MAX_PASSWORD_LENGTH,
            )
        )
    role = ROLE_NAMES.get(values.get("role", "learner").lower())
    if role is None:
        problems.append(
            _error(
                line,
                f"role {values['role']!r} is unknown",
                "unknown_role",
                values["role"],
            )
        )
    profession = PROFESSION_NAMES.get(values.get("profession", "other").lower())
    if profession is None:
        problems.append(
            _error(
                line,
                f"profession {values['profession']!r} is unknown",
                "unknown_profession",
                values["profession"],
            )
        )
    if problems:
        return None, problems
    return (
        UserRow(
            line=line,
            login=login,
            name=values["name"],
            hospital_code=values["hospital"],
            role=role,
            profession=profession,
            password=values.get("password", ""),
        ),
        [],
    )
