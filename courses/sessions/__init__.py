"""Scheduled teaching: sessions, reservations, room attendance and their credits
(DESIGN §2.7)."""
