"""Learners' tools through the test client: the continue button, the link at
the end of a lecture, which answers were wrong after a post-test, and the
credits a course awards shown before enrolling."""

import re
from datetime import timedelta

import pytest

from courses import operations as ops
from lms.db import utcnow
from media_pipeline.storage import Storage
from tests.conftest import csrf_token_from


def watch(learner, lecture):
    start = utcnow() - timedelta(hours=1)
    session, _ = ops.start_play_session(learner, lecture, start)
    ops.record_heartbeat(
        learner, lecture, session.token, 1, [[0, lecture.duration_seconds]], utcnow()
    )


def publish_folders(app, course):
    """Each lecture's ``current`` link, as the transcoder publishes it (the
    lecture page plays only published media)."""
    storage = Storage(app.config["MEDIA_DIR"])
    for lecture in course.lectures:
        version = storage.lecture_dir(lecture.id) / "v-test"
        version.mkdir(parents=True, exist_ok=True)
        link = storage.published(lecture.id)
        if not link.is_symlink():
            link.symlink_to(version.name)


@pytest.fixture
def enrolled(app, create_course, create_user, auth):
    course = create_course(durations=(30.0, 20.0, 40.0), questions=2, max_attempts=2)
    publish_folders(app, course)
    learner = create_user(login="tools-learner@example.cn")
    ops.enrol(course, learner, utcnow())
    auth.login("tools-learner@example.cn")
    return course, learner


def continue_link(html):
    match = re.search(r'id="continue" href="([^"]+)">([^<]+)<', html)
    return match and (match.group(1), match.group(2))


def test_the_continue_button_goes_to_the_next_unwatched_lecture(client, enrolled):
    course, learner = enrolled
    first, second, third = course.lectures
    page = f"/courses/{course.id}"
    url, text = continue_link(client.get(page).text)
    assert url == f"/courses/lectures/{first.id}" and "第1讲" in text
    watch(learner, first)
    watch(learner, third)
    url, text = continue_link(client.get(page).text)
    assert url == f"/courses/lectures/{second.id}" and "第2讲" in text
    watch(learner, second)
    html = client.get(page).text
    assert continue_link(html) is None  # all watched: the post-test is next
    assert f"/courses/{course.id}/post-test" in html


def next_link(html):
    match = re.search(
        r'class="lecture-next" hidden><a class="button" href="([^"]+)"', html
    )
    return match and match.group(1)


def test_a_lecture_ends_with_a_link_to_the_next_one_or_the_post_test(client, enrolled):
    course, learner = enrolled
    first, second, third = course.lectures
    assert next_link(client.get(f"/courses/lectures/{first.id}").text) == (
        f"/courses/lectures/{second.id}"
    )
    watch(learner, second)
    # After the first, the next one not yet watched.
    assert next_link(client.get(f"/courses/lectures/{first.id}").text) == (
        f"/courses/lectures/{third.id}"
    )
    watch(learner, first)
    # The last one left: at its end, the post-test.
    assert next_link(client.get(f"/courses/lectures/{third.id}").text) == (
        f"/courses/{course.id}/post-test"
    )


def take_test(client, course, learner, right):
    """Start and submit an attempt through the pages, answering ``right`` of them
    correctly (the rest with a wrong option)."""
    page = f"/courses/{course.id}/post-test"
    token = csrf_token_from(client.get(page).text)
    client.post(f"{page}/start", data={"csrf_token": token})
    from courses.queries import get_enrolment, get_open_attempt

    attempt = get_open_attempt(get_enrolment(course.id, learner.id))
    keys = ops.option_keys(attempt)
    answers = {}
    for index, drawn in enumerate(attempt.drawn):
        question = next(q for q in course.questions if q.id == drawn["question_id"])
        pick = next(o for o in question.options if o.is_correct == (index < right))
        answers[f"q-{question.id}"] = keys[question.id][pick.id]
    return client.post(
        page, data={"csrf_token": token, "attempt_id": attempt.id, **answers}
    )


def test_wrong_answers_stay_hidden_while_attempts_are_left(client, enrolled):
    course, learner = enrolled
    for lecture in course.lectures:
        watch(learner, lecture)
    failed = take_test(client, course, learner, right=0)
    assert "answer-review" not in failed.text
    review = client.get(f"/courses/{course.id}/post-test/review")
    assert review.status_code == 302  # not yet


def test_after_the_last_attempt_the_learner_sees_which_were_wrong_not_the_answers(
    client, enrolled
):
    course, learner = enrolled
    for lecture in course.lectures:
        watch(learner, lecture)
    take_test(client, course, learner, right=0)
    last = take_test(client, course, learner, right=1)
    assert 'id="answer-review"' in last.text
    assert last.text.count('class="is-wrong"') == 1
    assert last.text.count('class="is-right"') == 1
    # The office may still grant an attempt: the right options are not shown.
    assert 'class="right-answer"' not in last.text
    review = client.get(f"/courses/{course.id}/post-test/review")
    assert review.status_code == 200 and 'id="answer-review"' in review.text


def test_after_passing_the_right_answers_and_explanations_are_shown(
    client, enrolled, db
):
    course, learner = enrolled
    course.questions[0].explanation_zh = "诊室血压非同日三次。"
    course.questions[0].explanation_en = "Three office readings."
    for lecture in course.lectures:
        watch(learner, lecture)
    passed = take_test(client, course, learner, right=2)
    assert 'id="answer-review"' in passed.text
    assert passed.text.count('class="is-right"') == 2
    page = client.get(f"/courses/{course.id}").text
    assert 'id="review-answers"' in page
    review = client.get(
        f"/courses/{course.id}/post-test/review", headers={"Accept-Language": "en"}
    )
    assert review.text.count('class="right-answer"') == 2
    assert "Three office readings." in review.text


def test_another_learners_review_is_not_reachable(client, enrolled, create_user, auth):
    course, learner = enrolled
    for lecture in course.lectures:
        watch(learner, lecture)
    take_test(client, course, learner, right=2)
    create_user(login="stranger@example.cn")
    auth.logout()
    auth.login("stranger@example.cn")
    response = client.get(f"/courses/{course.id}/post-test/review")
    assert response.status_code == 302  # enrol first: nothing of anyone else's


def test_credits_are_shown_before_enrolling(client, create_course, create_user, auth):
    course = create_course(
        durations=(3 * 3600.0,), project_level="national", title_zh="学分课程"
    )
    page = f"/courses/{course.id}"
    anonymous = client.get(page, headers={"Accept-Language": "en"}).text
    award = re.search(r'<dd class="award">([^<]+)</dd>', anonymous).group(1)
    assert "credit" in award and "No credits" not in award
    create_user(login="browsing@example.cn")
    auth.login("browsing@example.cn")
    html = client.get(page, headers={"Accept-Language": "en"}).text
    assert f'action="/courses/{course.id}/enrol"' in html
    assert re.search(r'<dd class="award">([^<]+)</dd>', html).group(1) == award
    catalog = client.get("/courses/", headers={"Accept-Language": "en"}).text
    assert award in catalog


def test_the_post_test_speaks_the_learners_language_falling_back_to_chinese(
    client, enrolled, db
):
    course, learner = enrolled
    course.questions[1].text_en = ""  # written in Chinese only
    for lecture in course.lectures:
        watch(learner, lecture)
    page = f"/courses/{course.id}/post-test"
    token = csrf_token_from(client.get(page).text)
    client.post(f"{page}/start", data={"csrf_token": token})
    english = client.get(page, headers={"Accept-Language": "en"}).text
    assert "Question 1: the threshold for hypertension?" in english
    assert "wrong one" in english and "错一" not in english
    assert "第2题：高血压的诊断标准？" in english  # no English text: the Chinese
    chinese = client.get(page, headers={"Accept-Language": "zh-CN"}).text
    assert "第1题：高血压的诊断标准？" in chinese and "错一" in chinese
