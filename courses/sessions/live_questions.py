"""Viewers' questions during a broadcast, moderated by the session's hosts:
nothing is shown to other viewers before a moderator has seen it.

Operations: they flush, never commit.
"""
