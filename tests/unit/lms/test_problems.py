"""The one domain error: kinds and their HTTP statuses, the older classes as
thin subclasses (issue 12)."""

import pytest

from certificates.operations import CreditError
from courses.operations import CourseError
from lms.problems import STATUS, DomainError, Kind, StatusError, kind_of
from media_pipeline.operations import MediaError


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (Kind.BAD_REQUEST, 400),
        (Kind.UNAUTHENTICATED, 401),
        (Kind.FORBIDDEN, 403),
        (Kind.NOT_FOUND, 404),
        (Kind.CONFLICT, 409),
        (Kind.GONE, 410),
        (Kind.LENGTH_REQUIRED, 411),
        (Kind.TOO_LARGE, 413),
        (Kind.INVALID, 422),
        (Kind.TOO_MANY, 429),
        (Kind.CHECKSUM, 460),
    ],
)
def test_each_kind_has_one_status_and_back(kind, status):
    assert DomainError("x", "y", kind).status == status
    assert kind_of(status) is kind


def test_every_kind_has_a_status():
    assert set(STATUS) == set(Kind)


@pytest.mark.parametrize("cls", [CourseError, CreditError, MediaError])
@pytest.mark.parametrize(
    ("status", "kind"),
    [(403, Kind.FORBIDDEN), (409, Kind.CONFLICT), (422, Kind.INVALID)],
)
def test_the_older_classes_take_a_status_and_are_domain_errors(cls, status, kind):
    error = cls("some_code", "Some message.", status)
    assert isinstance(error, DomainError) and isinstance(error, StatusError)
    assert (error.code, error.message, str(error)) == (
        "some_code",
        "Some message.",
        "Some message.",
    )
    assert error.kind is kind and error.status == status


def test_the_default_is_a_conflict_and_an_unknown_status_too():
    assert CourseError("c", "m").status == 409
    assert kind_of(418) is Kind.CONFLICT
