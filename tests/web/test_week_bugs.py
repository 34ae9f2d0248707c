"""Issue 11's bugs, each through the test client: what a first real week hit."""

import re

import pytest

from lms.accounts.roles import Role
from tests.conftest import csrf_token_from


def form_post(client, page_url, url, data):
    token = csrf_token_from(client.get(page_url).text)
    return client.post(url, data={"csrf_token": token, **data})


def input_value(html, name):
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no input {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


# --- 1. the course-information form ------------------------------------------


def test_the_course_form_shows_the_stored_watch_share_and_pass_mark(
    client, auth, create_course
):
    """Stored 0.95 and 0.6 are shown as 95 and 60 (they showed as 0)."""
    course = create_course(status="draft", completion_threshold=0.95, pass_mark=0.6)
    auth.login(course.owner.login)
    html = client.get(f"/teach/courses/{course.id}").text
    assert input_value(html, "completion_threshold") == "95"
    assert input_value(html, "pass_mark") == "60"


def test_the_course_form_saves_unchanged_and_lists_errors_at_its_top(
    client, auth, create_course, db
):
    course = create_course(status="draft", title_zh="原标题")
    auth.login(course.owner.login)
    manage = f"/teach/courses/{course.id}"
    html = client.get(manage).text
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html))
    values = {
        "title_zh": "新标题",
        "specialty": course.specialty,
        "format": course.format.value,
        "project_level": course.project_level.value,
        "rule_set_code": course.rule_set_code,
        "completion_threshold": fields["completion_threshold"],
        "pass_mark": fields["pass_mark"],
        "max_attempts": fields["max_attempts"],
    }
    saved = form_post(client, manage, manage, values)
    assert saved.status_code == 302
    db.session.refresh(course)
    assert course.title_zh == "新标题" and course.pass_mark == 0.6

    refused = form_post(client, manage, manage, {**values, "pass_mark": "0"})
    summary = refused.text.split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#pass_mark"' in summary
    # ... before the form's fields, and the same message next to the field.
    assert refused.text.index("error-summary") < refused.text.index('name="title_zh"')
    assert 'id="pass_mark-error"' in refused.text
    assert 'aria-describedby="pass_mark-error"' in refused.text


# --- 2. the question form ----------------------------------------------------


def test_a_refused_question_keeps_what_was_typed(client, auth, create_course):
    course = create_course(status="draft")
    auth.login(course.owner.login)
    manage = f"/teach/courses/{course.id}"
    typed = {
        "question-kind": "single",
        "question-text_zh": "高血压患者的随访间隔？",
        "question-option_1": "每月一次",
        "question-correct_1": "y",
        "question-option_2": "每季度一次",
        "question-correct_2": "y",
        "question-explanation_zh": "指南建议",
    }
    response = form_post(client, manage, f"{manage}/questions", typed)
    assert response.status_code == 422
    html = response.text
    assert "高血压患者的随访间隔？</textarea>" in html
    assert input_value(html, "question-option_1") == "每月一次"
    assert input_value(html, "question-option_2") == "每季度一次"
    assert "指南建议</textarea>" in html
    assert 'class="error-summary"' in html

    missing = {**typed, "question-option_2": "", "question-correct_2": ""}
    missing["question-option_1"] = ""
    response = form_post(client, manage, f"{manage}/questions", missing)
    assert response.status_code == 422
    assert "高血压患者的随访间隔？</textarea>" in response.text
    assert 'href="#question-option_1"' in response.text


def test_lecturer_role_is_needed_for_the_question_form(client, auth, create_user):
    create_user(login="learner-q@example.cn", role=Role.LEARNER)
    auth.login("learner-q@example.cn")
    assert client.get("/teach/courses/new").status_code in (403, 404)


# --- 3. the post-test ---------------------------------------------------------


def started_post_test(client, auth, create_course, create_user, api_token, db):
    from tests.web.test_course_pages import watch_everything

    course = create_course(durations=(20.0,), questions=3)
    learner = create_user(login=f"tester-{course.id}@example.cn")
    auth.login(learner.login)
    page = f"/courses/{course.id}"
    form_post(client, page, f"{page}/enrol", {})
    watch_everything(client, course, api_token(learner))
    form_post(client, f"{page}/post-test", f"{page}/post-test/start", {})
    html = client.get(f"{page}/post-test").text
    attempt_id = re.search(r'name="attempt_id" value="(\d+)"', html).group(1)
    right = dict(re.findall(r'name="(q-\d+)" value="([^"]+)">\s*对\s*<', html))
    return course, page, attempt_id, right


def test_an_unanswered_question_comes_back_with_the_answers_kept(
    client, auth, create_course, create_user, api_token, db
):
    from courses.models import TestAttempt

    _course, page, attempt_id, right = started_post_test(
        client, auth, create_course, create_user, api_token, db
    )
    first, *_rest = sorted(right)
    partial = {"attempt_id": attempt_id, first: right[first]}
    back = form_post(client, f"{page}/post-test", f"{page}/post-test", partial)
    assert back.status_code == 422
    assert (
        "有 2 道题尚未作答" in back.text or "2 questions are not answered" in back.text
    )
    assert f'value="{right[first]}" checked' in back.text  # kept
    assert 'name="confirm_incomplete"' in back.text
    attempt = db.session.get(TestAttempt, int(attempt_id))
    db.session.refresh(attempt)
    assert attempt.submitted_dt is None  # no attempt burnt

    confirmed = form_post(
        client,
        f"{page}/post-test",
        f"{page}/post-test",
        {**partial, "confirm_incomplete": "1"},
    )
    assert confirmed.status_code == 200
    db.session.refresh(attempt)
    assert attempt.submitted_dt is not None and attempt.score == 1 / 3


def test_a_fully_answered_post_test_is_graded_at_once(
    client, auth, create_course, create_user, api_token, db
):
    _course, page, attempt_id, right = started_post_test(
        client, auth, create_course, create_user, api_token, db
    )
    graded = form_post(
        client,
        f"{page}/post-test",
        f"{page}/post-test",
        {"attempt_id": attempt_id, **right},
    )
    assert graded.status_code == 200 and "100%" in graded.text


# --- 6. job errors in the reader's language ------------------------------------


def failed_job(app, course, error_code, error="ffmpeg said something in English"):
    import io

    from lms.db import utcnow
    from media_pipeline import operations as media_ops
    from media_pipeline.states import JobState
    from media_pipeline.storage import Storage

    lecture, lecturer = course.lectures[0], course.owner
    started = media_ops.start_upload(
        lecture, lecturer, filename="x.mp4", size=4, max_bytes=4
    )
    job = media_ops.receive_chunk(
        started,
        0,
        io.BytesIO(b"abcd"),
        Storage(app.config["MEDIA_DIR"]),
        utcnow(),
        chunk_limit=4,
    )
    job.state = JobState.RUNNING
    media_ops.finish_job(job, utcnow(), error=error, error_code=error_code)
    return job


def test_the_teaching_page_says_why_a_transcode_failed_in_chinese(
    app, client, auth, create_course
):
    course = create_course(status="draft", durations=(60.0,))
    course.lectures[0].media_status = "none"
    failed_job(app, course, "not_media", error="moov atom not found")
    auth.login(course.owner.login)
    html = client.get(f"/teach/courses/{course.id}").text
    assert "转码失败： 该文件不是可读取的录像。" in html
    assert "moov atom" not in html and "not a readable recording" not in html


def test_the_job_json_words_every_failure_for_the_reader(
    app, client, create_course, api_token
):
    course = create_course(status="draft", durations=(60.0,))
    coded = failed_job(app, course, "not_media")
    uncoded = failed_job(app, course, "")
    headers = api_token(course.owner) | {"Accept-Language": "zh-CN"}
    shown = client.get(f"/api/v1/jobs/{coded.id}", headers=headers).json
    assert shown["error_message"] == "该文件不是可读取的录像。"
    # A failure recorded without a code still reads as words, not ffmpeg's English.
    shown = client.get(f"/api/v1/jobs/{uncoded.id}", headers=headers).json
    assert shown["error_message"] == "无法处理该录像。"
    english = client.get(
        f"/api/v1/jobs/{coded.id}",
        headers=api_token(course.owner) | {"Accept-Language": "en"},
    ).json
    assert english["error_message"] == "The file is not a readable recording."


def test_an_incomplete_upload_has_its_own_words():
    from flask_babel import force_locale

    from lms.labels import job_error_label

    with force_locale("en"):
        assert "incomplete" in str(job_error_label("incomplete"))


# --- 7. attendance with nobody ticked -------------------------------------------


def test_attendance_with_nobody_ticked_says_so(
    client, auth, create_user, create_hospital, create_course
):
    from datetime import date

    hospital = create_hospital()
    create_user(name="到场者", hospital=hospital)
    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=hospital)
    course = create_course(format="live", durations=(3600.0,))
    auth.login(coordinator.login)
    response = form_post(
        client,
        "/credits/attendance",
        "/credits/attendance",
        {"course_id": course.id, "on": date.today().isoformat(), "minutes": "60"},
    )
    assert response.status_code == 422  # was 403 "no permission"
    assert "Nobody was selected" in response.text or "没有选择" in response.text


# --- 8. registration: no hospital preselected, a searchable list --------------------


def test_registration_preselects_no_hospital_and_requires_one(
    client, db, create_hospital
):
    from tests.web.test_auth_pages import register

    hospital = create_hospital(name_zh="鄂托克旗人民医院", city="鄂托克旗")
    html = client.get("/register").text
    select = html.split('name="hospital_id"')[1].split("</select>")[0]
    assert re.search(r'<option selected value="">|<option value="" selected>', select)
    assert "required" in re.search(r'<select[^>]*name="hospital_id"[^>]*>', html).group(
        0
    )
    # Each option carries what the filter matches: name, county or city, province.
    option = re.search(rf'<option[^>]*value="{hospital.id}"[^>]*>', select).group(0)
    assert "鄂托克旗人民医院" in option and "鄂托克旗" in option and "四川" in option
    assert "hospital_filter.js" in html

    refused = register(client, hospital, hospital_id="")
    assert refused.status_code == 200
    assert 'id="hospital_id-error"' in refused.text
    assert "Not a valid choice" not in refused.text
    assert register(client, hospital).status_code == 302


# --- 10. words on the verify page and the catalog's chips -------------------------


def test_the_verify_page_labels_a_persons_name_as_a_name(
    client, create_course, create_user, api_token
):
    from tests.builders import complete_course

    learner = create_user(name="欧阳娜娜")
    course = create_course(durations=(3 * 3600.0,), questions=1, title_zh="脑卒中")
    complete_course(course, learner)
    serial = client.post(
        f"/api/v1/courses/{course.id}/certificates", headers=api_token(learner)
    ).json["serial"]
    page = client.get(f"/verify/{serial}", headers={"Accept-Language": "zh"}).text
    facts = page.split("<dl")[1].split("</dl>")[0]
    assert "<dt>姓名</dt><dd>欧**娜</dd>" in facts
    assert "名称" not in facts


@pytest.mark.parametrize(
    ("language", "chip"),
    [("en", "Class I credit <span>1</span>"), ("zh", "I 类学分 <span>1</span>")],
)
def test_the_class_i_chip_says_what_it_is(client, create_course, language, chip):
    from lms.search.tasks import course_changed

    course = create_course(title_zh="脑卒中的识别", title_en="Stroke")
    course.credit_category = "I"
    course_changed(course.id)
    html = client.get("/courses/?q=stroke", headers={"Accept-Language": language}).text
    assert chip in html
