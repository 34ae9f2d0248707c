"""Every model, imported in one place so the metadata (and Alembic) sees all tables."""

from lms.accounts.models import ApiToken, User
from lms.hospitals.models import Hospital

__all__ = ["ApiToken", "Hospital", "User"]
