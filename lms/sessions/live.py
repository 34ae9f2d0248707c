"""Watching a broadcast live: the player in live mode, and the viewer's
heartbeats that count as presence."""

from lms.sessions import bp  # noqa: F401
