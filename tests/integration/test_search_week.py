"""Search finds what a learner sees on a course page (issue 11 bug 9): multi-word
English, exact English titles, lecture titles and lecturer names in both languages."""

import pytest

from lms.accounts.roles import Role
from lms.search import get_search
from lms.search.tasks import course_changed


@pytest.fixture
def iv_course(create_course, create_user):
    from courses import operations as ops

    lecturer = create_user(role=Role.LECTURER, name="王护士长")
    course = create_course(
        lecturer=lecturer,
        title_zh="静脉治疗护理实践",
        title_en="Intravenous therapy nursing practice",
        description_zh="输液相关并发症的预防。",
        description_en="Preventing infusion complications.",
        specialty="nursing",
        durations=(),
        status="draft",
    )
    ops.add_lecture(
        course,
        lecturer,
        title_zh="外周静脉留置针的维护",
        title_en="Caring for peripheral cannulas",
        duration_seconds=600.0,
    )
    from lms.db import utcnow
    from media_pipeline.states import MediaStatus

    course.lectures[0].media_status = MediaStatus.READY
    admin = create_user(role=Role.ADMINISTRATOR)
    ops.change_course_status(course, lecturer, "submit", utcnow())
    ops.change_course_status(
        course, admin, "approve", utcnow(), approval={"project_number": "N-1"}
    )
    course_changed(course.id)
    return course


@pytest.mark.parametrize(
    "query",
    [
        "nursing",
        "Intravenous therapy nursing practice",
        "intravenous nursing",
        "peripheral",
        "peripheral cannulas",
        "留置针",
        "外周静脉留置针",
        "王护士长",
        "infusion complications",
        "并发症",
        "practice",
    ],
)
def test_every_word_on_the_course_page_finds_it(iv_course, query):
    found = get_search().search(query)
    assert iv_course.id in [hit.course_id for hit in found.hits], query


def test_the_result_count_is_singular_for_one_course(client, iv_course):
    html = client.get("/courses/?q=peripheral", headers={"Accept-Language": "en"}).text
    assert "1 course found for “peripheral”" in html
    assert "1 courses found" not in html
