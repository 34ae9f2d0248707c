"""Which lectures count as ready, whose media needs the office, who reviews it."""

import pytest

from courses.access import Actor, can_review_media
from courses.workflow import (
    CourseStatus,
    may_upload_media,
    media_needs_review,
    media_problems,
)
from lms.accounts.roles import Role


@pytest.mark.parametrize(
    ("lectures", "playable", "problems"),
    [
        (0, 0, ["no_lectures"]),
        (3, 2, ["lectures_not_ready"]),
        (3, 0, ["lectures_not_ready"]),
        (3, 3, []),
    ],
    ids=["no-lectures", "one-not-ready", "none-ready", "all-ready"],
)
def test_every_lecture_needs_ready_media(lectures, playable, problems):
    assert (
        media_problems(lecture_count=lectures, playable_lectures=playable) == problems
    )


@pytest.mark.parametrize(
    ("status", "review"),
    [
        (CourseStatus.DRAFT, False),
        (CourseStatus.RETURNED, False),
        (CourseStatus.SUBMITTED, True),
        (CourseStatus.APPROVED, True),
        (CourseStatus.ARCHIVED, True),
    ],
    ids=lambda value: str(value),
)
def test_a_submitted_or_published_courses_new_media_waits_for_the_office(
    status, review
):
    assert media_needs_review(status) is review


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (CourseStatus.DRAFT, True),
        (CourseStatus.RETURNED, True),
        (CourseStatus.SUBMITTED, False),
        (CourseStatus.APPROVED, True),
        (CourseStatus.ARCHIVED, True),
    ],
    ids=lambda value: str(value),
)
def test_no_new_recording_while_the_office_reviews_the_course(status, allowed):
    assert may_upload_media(status) is allowed


@pytest.mark.parametrize(
    ("role", "actor_id", "uploader_id", "allowed"),
    [
        (Role.ADMINISTRATOR, 1, 2, True),
        (Role.ADMINISTRATOR, 1, 1, False),
        (Role.LECTURER, 2, 2, False),
        (Role.LECTURER, 3, 2, False),
        (Role.LEARNER, 4, 2, False),
        (Role.SITE_COORDINATOR, 5, 2, False),
    ],
    ids=[
        "office-reviews-a-lecturer",
        "office-not-its-own",
        "lecturer-not-their-own",
        "another-lecturer",
        "learner",
        "coordinator",
    ],
)
def test_only_the_office_reviews_and_never_its_uploader(
    role, actor_id, uploader_id, allowed
):
    actor = Actor(id=actor_id, role=role, hospital_id=None)
    assert can_review_media(actor, uploader_id) is allowed
