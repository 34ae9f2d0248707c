"""The CME office's tools (issue 11): reviewing a submitted course, granting
another post-test attempt, finding people, a person's and a hospital's pages,
importing a spreadsheet, the bulk ZIP's names, hospital changes."""

import io
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from courses.models import Enrolment
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.audit.models import AuditEntry
from lms.db import utcnow
from lms.hospitals.models import Hospital
from lms.notifications.models import Notification
from media_pipeline.storage import Storage, version_name
from tests.builders import complete_course
from tests.conftest import csrf_token_from


@contextmanager
def counted_queries(db):
    """The statements sent to the database meanwhile (SAVEPOINTs left out)."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "SAVEPOINT" not in statement.upper():
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


@pytest.fixture
def office(create_user, auth):
    admin = create_user(role=Role.ADMINISTRATOR, name="王敏")
    auth.login(admin.login)
    return admin


def post(client, path, data, page=None):
    token = csrf_token_from(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


# --- reviewing a submitted course --------------------------------------------


def test_the_review_page_plays_each_ready_lecture_and_shows_the_questions(
    client, db, app, create_course, office
):
    course = create_course(status="submitted", durations=(30.0, 20.0), questions=2)
    ready, waiting = course.lectures
    version = Storage(app.config["MEDIA_DIR"]).lecture_dir(ready.id) / version_name(
        7, 1
    )
    version.mkdir(parents=True)
    Path(Storage(app.config["MEDIA_DIR"]).published(ready.id)).symlink_to(version)
    waiting.media_status = "processing"
    db.session.flush()
    html = client.get(f"/admin/courses/{course.id}").get_data(as_text=True)
    assert f'data-src="/media/lectures/{ready.id}/job-7-1/master.m3u8"' in html
    assert "hls.min.js" in html and "preview.js" in html
    assert html.count('class="review-lecture"') == 2
    assert "badge-processing" in html  # each lecture's media status
    for question in course.questions:
        assert question.text_zh in html
    assert html.count("is-correct") == 2  # one right option per question


def test_the_review_page_reads_a_bounded_number_of_queries(
    client, db, create_course, office
):
    def queries_for(course):
        with counted_queries(db) as statements:
            assert client.get(f"/admin/courses/{course.id}").status_code == 200
        return len(statements)

    few = queries_for(create_course(status="submitted", questions=2, durations=(30.0,)))
    many = create_course(status="submitted", questions=12, durations=(30.0,) * 6)
    assert queries_for(many) == few


# --- another attempt -----------------------------------------------------------


def used_up(course, learner, db):
    """``learner`` watched ``course`` and failed every post-test attempt."""
    import random

    from courses import operations as ops
    from courses.models import LectureProgress

    now = utcnow()
    enrolment = ops.enrol(course, learner, now)
    for lecture in course.lectures:
        db.session.add(
            LectureProgress(
                user_id=learner.id,
                lecture_id=lecture.id,
                coverage=[[0.0, lecture.duration_seconds]],
                covered_seconds=lecture.duration_seconds,
                completed_dt=now,
                updated_dt=now,
            )
        )
    db.session.flush()
    for _ in range(course.max_attempts):
        attempt, _new = ops.open_attempt(enrolment, random.Random(1), now)
        keys = ops.option_keys(attempt)
        wrong = {
            q.id: [keys[q.id][next(o.id for o in q.options if not o.is_correct)]]
            for q in course.questions
            if q.id in keys
        }
        ops.submit_attempt(enrolment, attempt.id, wrong, now)
    return enrolment


def test_the_office_grants_another_attempt_with_a_reason_logged_and_told(
    client, db, create_course, create_user, office
):
    course = create_course(max_attempts=1)
    learner = create_user(name="张晓燕")
    enrolment = used_up(course, learner, db)
    page = f"/admin/users/{learner.id}"
    assert "已用尽" not in client.get(page).get_data(as_text=True)
    path = f"/admin/users/{learner.id}/enrolments/{enrolment.id}/grant"

    refused = post(client, path, {"grant-reason": "  "}, page)
    assert refused.status_code == 302
    db.session.refresh(enrolment)
    assert enrolment.extra_attempts == 0

    post(client, path, {"grant-reason": "网络中断，考试未能提交"}, page)
    db.session.refresh(enrolment)
    assert (enrolment.extra_attempts, enrolment.max_attempts) == (1, 2)
    entry = db.session.scalar(
        sa.select(AuditEntry).filter_by(
            target_type="enrolments", target_id=enrolment.id
        )
    )
    assert entry.action.value == "attempt_granted" and entry.actor_id == office.id
    assert entry.reason == "网络中断，考试未能提交"
    assert (entry.before["max_attempts"], entry.after["max_attempts"]) == (1, 2)
    told = db.session.scalar(sa.select(Notification).filter_by(user_id=learner.id))
    assert told.kind.value == "attempt_granted"


def test_a_granted_attempt_opens_the_post_test_again(
    client, db, create_course, create_user, auth
):
    """The learner's own path: 409 no_attempts_left before, a new attempt after."""
    from courses import operations as ops

    course = create_course(max_attempts=1)
    learner = create_user()
    enrolment = used_up(course, learner, db)
    import random

    with pytest.raises(ops.CourseError, match="No attempts"):
        ops.open_attempt(enrolment, random.Random(1), utcnow())
    admin = create_user(role=Role.ADMINISTRATOR)
    ops.grant_attempt(enrolment, admin, utcnow(), "断网")
    attempt, is_new = ops.open_attempt(enrolment, random.Random(1), utcnow())
    assert is_new and attempt.number == 2


def test_no_grant_after_a_pass_or_for_another_persons_enrolment(
    client, db, create_course, create_user, office
):
    course = create_course()
    passed, other = create_user(), create_user()
    complete_course(course, passed)
    enrolment = db.session.scalar(
        sa.select(Enrolment).filter_by(course_id=course.id, user_id=passed.id)
    )
    page = f"/admin/users/{passed.id}"
    post(client, f"{page}/enrolments/{enrolment.id}/grant", {"grant-reason": "x"}, page)
    db.session.refresh(enrolment)
    assert enrolment.extra_attempts == 0
    wrong = post(
        client,
        f"/admin/users/{other.id}/enrolments/{enrolment.id}/grant",
        {"grant-reason": "x"},
        page,
    )
    assert wrong.status_code == 404


def test_only_the_office_grants(client, db, create_course, create_user, auth):
    course = create_course(max_attempts=1)
    learner = create_user()
    enrolment = used_up(course, learner, db)
    auth.login(learner.login)
    response = post(
        client,
        f"/admin/users/{learner.id}/enrolments/{enrolment.id}/grant",
        {"grant-reason": "please"},
        "/",
    )
    assert response.status_code == 403
    db.session.refresh(enrolment)
    assert enrolment.extra_attempts == 0


# --- finding people; a person's page; a hospital's page ---------------------------


@pytest.mark.parametrize(
    "q", ["张晓燕", "zxy@", "鄂托克旗人民", "Otog", "鄂托克旗"], ids=str
)
def test_people_are_found_by_name_login_hospital_or_county(
    client, db, create_hospital, create_user, office, q
):
    hospital = create_hospital(
        name_zh="鄂托克旗人民医院", name_en="Otog Banner Hospital", city="鄂托克旗"
    )
    create_user(name="张晓燕", login="zxy@example.cn", hospital=hospital)
    create_user(name="李四", login="ls@example.cn")
    html = client.get("/admin/users/", query_string={"q": q}).get_data(as_text=True)
    assert "张晓燕" in html and "李四" not in html


def test_a_percent_sign_matches_itself_not_everyone(client, db, create_user, office):
    create_user(name="李四")
    html = client.get("/admin/users/", query_string={"q": "%"}).get_data(as_text=True)
    assert "李四" not in html


def test_the_users_list_reads_a_bounded_number_of_queries(
    client, db, create_hospital, create_user, office
):
    def queries_for_a_page():
        with counted_queries(db) as statements:
            assert client.get("/admin/users/").status_code == 200
        return len(statements)

    for _ in range(3):
        create_user(hospital=create_hospital())
    few = queries_for_a_page()
    for _ in range(12):
        create_user(hospital=create_hospital())
    assert queries_for_a_page() == few


def test_a_persons_page_links_transcript_enrolments_certificates_and_reset(
    client, db, create_course, create_user, office
):
    course = create_course(durations=(4 * 3600.0,))
    learner = create_user(name="张晓燕")
    complete_course(course, learner)
    from certificates import operations as cert_ops
    from certificates.keys import current_issuer

    enrolment = db.session.scalar(
        sa.select(Enrolment).filter_by(course_id=course.id, user_id=learner.id)
    )
    certificate = cert_ops.issue_certificate(enrolment, current_issuer(), utcnow())
    html = client.get(f"/admin/users/{learner.id}").get_data(as_text=True)
    assert f"/admin/credits/people/{learner.id}" in html  # the transcript
    assert 'id="enrolments"' in html and course.title_zh in html
    assert f"/certificates/{certificate.serial}.pdf" in html
    assert 'name="new_password"' in html
    pdf = client.get(f"/certificates/{certificate.serial}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_persons_page_reads_a_bounded_number_of_queries(
    client, db, create_course, create_user, office
):
    learner = create_user()

    def queries_for_the_page():
        with counted_queries(db) as statements:
            assert client.get(f"/admin/users/{learner.id}").status_code == 200
        return len(statements)

    complete_course(create_course(), learner)
    few = queries_for_the_page()
    for _ in range(4):
        complete_course(create_course(), learner)
    assert queries_for_the_page() == few


def test_a_hospitals_page_shows_its_staff_and_their_year(
    client, db, create_hospital, create_course, create_user, office
):
    hospital = create_hospital(name_zh="测试乡卫生院")
    done, idle = (
        create_user(name="完成者", hospital=hospital),
        create_user(name="未开始", hospital=hospital),
    )
    stranger = create_user(name="外院人员")
    course = create_course()
    complete_course(course, done)
    html = client.get(f"/admin/hospitals/{hospital.id}/staff").get_data(as_text=True)
    assert "完成者" in html and "未开始" in html and "外院人员" not in html
    assert course.title_zh in html  # the course each person is in
    assert f"/admin/users/{done.id}" in html
    del idle, stranger


def test_a_hospitals_page_reads_a_bounded_number_of_queries(
    client, db, create_hospital, create_course, create_user, office
):
    hospital = create_hospital()
    course = create_course()

    def queries_for_the_page():
        with counted_queries(db) as statements:
            response = client.get(f"/admin/hospitals/{hospital.id}/staff")
            assert response.status_code == 200
        return len(statements)

    complete_course(course, create_user(hospital=hospital))
    few = queries_for_the_page()
    for _ in range(6):
        complete_course(course, create_user(hospital=hospital))
    assert queries_for_the_page() == few


# --- importing a spreadsheet ------------------------------------------------------


def xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, kind, name, data):
    token = csrf_token_from(
        client.get("/admin/hospitals/import").get_data(as_text=True)
    )
    return client.post(
        "/admin/hospitals/import",
        data={"csrf_token": token, "kind": kind, "sheet": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_hospitals_import_from_an_excel_sheet(client, db, office):
    data = xlsx(
        [
            ["code", "name_zh", "tier", "province", "city"],
            ["IMP-1", "导入县人民医院", "county", "四川", "导入县"],
            ["IMP-2", "导入乡卫生院", "township", "51", "导入乡"],
        ]
    )
    response = upload(client, "hospitals", "医院.xlsx", data)
    assert response.status_code == 200
    codes = db.session.scalars(
        sa.select(Hospital.code).where(Hospital.code.like("IMP-%"))
    ).all()
    assert sorted(codes) == ["IMP-1", "IMP-2"]


def test_one_wrong_row_imports_nothing_and_each_is_named(client, db, office):
    data = (
        "code,name_zh,tier,province\n"
        "BAD-1,好医院,county,四川\n"
        "BAD-2,,county,四川\n"
        "BAD-3,坏层级,castle,四川\n"
    ).encode()
    html = upload(client, "hospitals", "h.csv", data).get_data(as_text=True)
    assert db.session.scalar(sa.select(Hospital).filter_by(code="BAD-1")) is None
    assert 'id="import-errors"' in html
    assert '<td class="num">3</td>' in html and '<td class="num">4</td>' in html
    assert "castle" in html


def test_people_import_from_a_sheet_with_generated_passwords(
    client, db, create_hospital, office
):
    hospital = create_hospital(code="PPL-H")
    data = xlsx(
        [
            ["login", "name", "hospital", "role", "profession"],
            ["new1@example.cn", "新学员一", "PPL-H", "学员", "护士"],
            [13800138001, "新协调员", "PPL-H", "site_coordinator", "doctor"],
        ]
    )
    response = upload(client, "users", "people.xlsx", data)
    html = response.get_data(as_text=True)
    assert 'id="import-result"' in html
    people = {
        u.login: u
        for u in db.session.scalars(sa.select(User).filter_by(hospital_id=hospital.id))
    }
    assert set(people) == {"new1@example.cn", "13800138001"}
    assert people["13800138001"].role == Role.SITE_COORDINATOR
    assert people["new1@example.cn"].profession.value == "nurse"
    assert html.count("<code>") >= 2  # each generated password, shown once
    assert "no-store" in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        pytest.param(["not-a-login", "甲", "PPL-H"], "not-a-login", id="bad-login"),
        pytest.param(["a@example.cn", "甲", "NOPE"], "NOPE", id="unknown-hospital"),
        pytest.param(
            ["a@example.cn", "甲", "PPL-H", "administrator"],
            "administrator",
            id="no-office",
        ),
    ],
)
def test_a_wrong_person_row_imports_nobody(
    client, db, create_hospital, office, row, problem
):
    create_hospital(code="PPL-H")
    data = xlsx(
        [
            ["login", "name", "hospital", "role"],
            ["fine@example.cn", "乙", "PPL-H"],
            row,
        ]
    )
    html = upload(client, "users", "p.xlsx", data).get_data(as_text=True)
    assert problem in html
    assert db.session.scalar(sa.select(User).filter_by(login="fine@example.cn")) is None


def test_a_taken_login_imports_nobody(client, db, create_hospital, create_user, office):
    create_hospital(code="PPL-H")
    create_user(login="taken@example.cn")
    data = b"login,name,hospital\nfresh@example.cn,A,PPL-H\ntaken@example.cn,B,PPL-H\n"
    upload(client, "users", "p.csv", data)
    assert (
        db.session.scalar(sa.select(User).filter_by(login="fresh@example.cn")) is None
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        pytest.param("x.xlsx", b"PK\x03\x04 not a zip", id="broken-xlsx"),
        pytest.param("x.pdf", b"%PDF-1.4", id="wrong-kind"),
        pytest.param("x.csv", b"\xff\xfe\x00\xd8" * 10, id="not-text"),
    ],
)
def test_an_unreadable_sheet_is_a_message_not_a_500(client, db, office, name, data):
    response = upload(client, "hospitals", name, data)
    assert response.status_code == 200
    assert "flash-error" in response.get_data(as_text=True)


def test_a_hospital_sheet_past_5000_rows_imports_nothing_and_names_the_cap(
    client, db, office
):
    rows = "".join(f"CAP-{i},医院{i},county,51\n" for i in range(5001))
    response = upload(
        client, "hospitals", "h.csv", ("code,name_zh,tier,province\n" + rows).encode()
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # The cap named in the page's language.
    assert "the sheet has more than 5000 rows" in html or "表格超过 5000 行" in html
    assert html.count("<tr") < 10  # one error row, not thousands
    assert db.session.scalar(sa.select(Hospital).filter_by(code="CAP-0")) is None


def test_a_workbook_of_people_past_20000_rows_is_read_no_further(
    client, db, create_hospital, office
):
    from openpyxl import Workbook as Book

    create_hospital(code="PPL-H")
    book = Book(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["login", "name", "hospital"])
    for i in range(20_001):
        sheet.append([f"cap{i}@example.cn", "甲", "PPL-H"])
    out = io.BytesIO()
    book.save(out)
    html = upload(client, "users", "p.xlsx", out.getvalue()).get_data(as_text=True)
    assert "the sheet has more than 20000 rows" in html or "表格超过 20000 行" in html
    assert db.session.scalar(sa.select(User).filter_by(login="cap0@example.cn")) is None


def test_a_zip_bomb_sheet_is_refused_unread(client, db, office):
    """A small .xlsx whose parts inflate to 64 MiB is refused before openpyxl."""
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b"\0" * (64 * 1024 * 1024))
    assert len(bomb.getvalue()) < 200_000
    response = upload(client, "users", "bomb.xlsx", bomb.getvalue())
    assert response.status_code == 200
    assert "40 MB" in response.get_data(as_text=True)


# --- the bulk ZIP ------------------------------------------------------------------


def test_the_bulk_zip_is_named_by_hospital_and_learner(
    client, db, create_course, create_hospital, create_user, api_token
):
    course = create_course(durations=(4 * 3600.0,))
    hospital = create_hospital(name_zh="测试县人民医院")
    learners = [
        create_user(name="张晓燕", hospital=hospital),
        create_user(name="../王/五", hospital=hospital),
    ]
    for person in learners:
        complete_course(course, person)
    admin = create_user(role=Role.ADMINISTRATOR)
    headers = api_token(admin)
    batch = client.post(
        f"/api/v1/courses/{course.id}/certificates", json={"all": True}, headers=headers
    ).json
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(batch["archive_url"], headers=headers).data)
    )
    names = sorted(archive.namelist())
    assert all(n.startswith("测试县人民医院/") for n in names)
    assert any(
        n.startswith(f"测试县人民医院/张晓燕-L{learners[0].id:07d}-") for n in names
    )
    assert any(n.startswith("测试县人民医院/_王_五-") for n in names)
    assert all(n.count("/") == 1 and n.endswith(".pdf") for n in names)


# --- hospital changes ----------------------------------------------------------------


def test_the_office_confirms_a_hospital_change_logged_and_told(
    client, db, create_hospital, create_user, office
):
    from lms.accounts.models import HospitalChangeRequest

    old, new = create_hospital(name_zh="旧医院"), create_hospital(name_zh="新医院")
    learner = create_user(name="调动者", hospital=old)
    request = HospitalChangeRequest(
        user_id=learner.id,
        from_hospital_id=old.id,
        to_hospital_id=new.id,
        reason="调动",
    )
    db.session.add(request)
    db.session.flush()
    page = "/admin/users/hospital-changes"
    assert "调动者" in client.get(page).get_data(as_text=True)
    post(client, f"{page}/{request.id}/confirm", {}, page)
    db.session.refresh(learner)
    assert learner.hospital_id == new.id
    entry = db.session.scalar(
        sa.select(AuditEntry).filter_by(target_type="users", target_id=learner.id)
    )
    assert entry.action.value == "hospital_change_confirmed"
    assert entry.after == {"hospital_id": new.id}
    told = db.session.scalar(sa.select(Notification).filter_by(user_id=learner.id))
    assert told.kind.value == "hospital_changed"
