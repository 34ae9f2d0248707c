"""The network reports' pages (``/reports``): the office's network dashboard,
a hospital's page, and the lecturers' teaching records. The pages of one
blueprint live in two modules (``views`` and ``pages``)."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from lms.reports import pages  # noqa: E402, F401  (routes on bp)
