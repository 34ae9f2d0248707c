"""A broadcast's replay: its recording, through the VOD pipeline, into a lecture
of the session's replay course (a draft for the office to approve).

Operations: they flush, never commit.
"""
