"""The common-password list shipped in ``lms/accounts/data`` (licence beside it)."""

import gzip
from functools import cache
from importlib import resources


@cache
def common_passwords():
    """The 20,000 most common passwords, lower-case (read once per process)."""
    data = resources.files("lms.accounts").joinpath("data/common-passwords.txt.gz")
    return frozenset(gzip.decompress(data.read_bytes()).decode().split())
