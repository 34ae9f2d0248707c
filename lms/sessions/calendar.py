"""The calendar (month, week, list) and the secret iCalendar feeds."""
