"""A learner's dashboard reads the same number of statements for 3 courses as
for 30 (each row's step and watched share were read course by course)."""

from courses import operations as ops
from courses import queries
from lms.db import utcnow
from tests.builders import complete_course
from tests.web.test_office_tools import counted_queries


def test_the_learner_dashboard_reads_as_many_statements_for_30_courses_as_for_3(
    client, db, auth, create_course, create_user
):
    learner = create_user(name="多课学员")
    auth.login(learner.login)

    def enrol_in(count):
        for index in range(count):
            course = create_course(
                durations=(600.0, 300.0), title_en=f"Course {index}.", questions=1
            )
            if index % 3 == 0:
                complete_course(course, learner)
            elif index % 3 == 1:
                complete_course(course, learner, watched=0.5)
            else:
                ops.enrol(course, learner, utcnow())
        db.session.commit()

    def statements_for_the_page():
        with counted_queries(db) as statements:
            response = client.get("/dashboard", headers={"Accept-Language": "en"})
            assert response.status_code == 200
        return response.text, len(statements)

    enrol_in(3)
    html, few = statements_for_the_page()
    assert html.count('class="my-course"') == 3
    enrol_in(27)
    html, many = statements_for_the_page()
    assert html.count('class="my-course"') == 30
    assert html.count(">Course 0.<") == 2 and ">Course 26.<" in html
    assert many == few
    # The same steps and shares as read one course at a time.
    enrolments = queries.list_enrolments_of_user(learner.id)
    assert queries.enrolment_overviews(enrolments) == {
        e.id: queries.enrolment_overview(e) for e in enrolments
    }
    assert queries.enrolment_overviews([]) == {}
