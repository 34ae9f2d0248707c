"""Opening an Excel workbook sent by a person, safely (question banks, hospital
and staff lists).

A .xlsx file is a ZIP archive: a few kilobytes can unpack to gigabytes (a "zip
bomb"), so the archive's unpacked size is read from its directory before
openpyxl reads anything (zipfile never inflates a part past the size it
declares).
"""

import io
import zipfile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

#: What a workbook may unpack to (the sheets we take are far smaller).
MAX_UNPACKED_BYTES = 40 * 1024 * 1024


class UnreadableWorkbook(ValueError):
    """Not a workbook we read: ``code`` is ``not_xlsx`` or ``unpacks_too_large``."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def open_workbook(data, *, max_unpacked_bytes=MAX_UNPACKED_BYTES):
    """The workbook in ``data``, read-only with cell values (the caller closes it)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnreadableWorkbook("not_xlsx") from None
    if unpacked > max_unpacked_bytes:
        raise UnreadableWorkbook("unpacks_too_large")
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise UnreadableWorkbook("not_xlsx") from None
