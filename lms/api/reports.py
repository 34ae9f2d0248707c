"""The network reports in JSON (``/api/v1/reports/...``)."""
