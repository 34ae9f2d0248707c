"""TeleCME: continuing medical education for a telemedicine education network.

``create_app`` is imported on first use (PEP 562), so importing a pure module of
ours (``lms.enums``, ``courses.access``...) never loads Flask; ``flask --app lms``
and ``lms:create_app()`` find it all the same.
"""

__all__ = ["create_app"]


def __getattr__(name):
    if name == "create_app":
        from lms.app import create_app

        return create_app
    raise AttributeError(f"module 'lms' has no attribute {name!r}")
