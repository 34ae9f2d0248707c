"""The host's studio panel of a broadcast session: its stream key and the
state of the push."""

from lms.sessions import bp  # noqa: F401
