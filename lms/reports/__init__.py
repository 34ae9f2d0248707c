"""Network reports (issue 15): participation, reach and compliance by hospital,
tier, province and month, read from summary tables kept up to date as events
happen (``summaries``) instead of scanning the raw rows on every request."""
