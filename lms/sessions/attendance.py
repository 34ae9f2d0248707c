"""Attendance and credits of ended sessions: per session and per hospital."""
