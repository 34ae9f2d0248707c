"""Ending a session: its attendance becomes credit lines, with what did not count."""
