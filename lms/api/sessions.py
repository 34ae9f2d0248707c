"""Scheduled sessions and their reservations (issue 13)."""
