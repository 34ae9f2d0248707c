"""Questions during a broadcast: viewers ask, the host or a moderator sees
them live and shows, answers or hides each."""

from lms.sessions import bp  # noqa: F401
