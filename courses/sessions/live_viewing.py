"""A remote viewer watching a broadcast live: viewings that take over the
learner's watch budget (one counting stream per learner), and heartbeats that
add presence within the session's hours (DESIGN §2.8).

Operations: they flush, never commit.
"""
