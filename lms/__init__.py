"""TeleCME: continuing medical education for a telemedicine education network."""

from lms.app import create_app

__all__ = ["create_app"]
