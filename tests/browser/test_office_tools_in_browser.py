"""The CME office's and coordinators' tools in Chromium, in Chinese, on a desktop
and a phone (390x844): reviewing a submitted course by playing its lecture,
finding a person by county and granting another attempt, a hospital's staff,
importing people from an Excel sheet, confirming a hospital change, and a
coordinator's staff, enrolment of the ticked, reminder and attendance
correction."""

import io
import random
import re
import zipfile

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from certificates import operations as cert_ops
from courses import operations as course_ops
from lms.accounts.models import HospitalChangeRequest, User
from lms.accounts.operations import create_user
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.hospitals.operations import create_hospital
from media_pipeline import operations as media_ops
from media_pipeline.storage import Storage
from media_pipeline.tasks import transcode_job
from tests.builders import PASSWORD, build_scene, complete_course
from tests.conftest import unique
from tests.media.clips import make_clip

PHONE = {"width": 390, "height": 844}
HOURS = 3600.0


def sign_in(page, login):
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def office_of(scene_admin_login, new_page, phone=False):
    page = new_page(locale="zh-CN", **(PHONE if phone else {}))
    sign_in(page, scene_admin_login)
    return page


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("office-review") / "lecture.mp4"
    return make_clip(path, seconds=6, size="640x360").read_bytes()


def test_the_office_reviews_a_submitted_course_by_playing_its_lecture(
    app, new_page, screenshot, committed, clip
):
    def build():
        scene = build_scene(durations=(1800.0,), questions=2)
        course, lecture = scene.course, scene.course.lectures[0]
        course.status = "draft"  # a draft's recording needs no review
        upload = media_ops.start_upload(
            lecture,
            scene.lecturer,
            filename="lecture.mp4",
            size=len(clip),
            max_bytes=len(clip),
        )
        job = media_ops.receive_chunk(
            upload,
            0,
            io.BytesIO(clip),
            Storage(app.config["MEDIA_DIR"]),
            utcnow(),
            chunk_limit=len(clip),
        )
        return course.id, job.id, scene.lecturer.id, scene.admin.login

    course_id, job_id, lecturer_id, admin = committed(build)
    committed(transcode_job, job_id)

    def submit():
        from courses.models import Course

        course = db.session.get(Course, course_id)
        course_ops.change_course_status(
            course, db.session.get(User, lecturer_id), "submit", utcnow()
        )

    committed(submit)
    for phone in (False, True):
        page = office_of(admin, new_page, phone)
        page.goto(f"/admin/courses/{course_id}")
        lecture = page.locator(".review-lecture").first
        expect(lecture.locator(".badge-ready")).to_be_visible()
        expect(page.locator(".review-questions > li")).to_have_count(2)
        lecture.locator("summary").click()
        lecture.locator("video.preview").evaluate("v => { v.muted = true; v.play(); }")
        page.wait_for_function(
            "() => document.querySelector('.review-lecture video').currentTime > 0.5"
        )
        screenshot(page, f"office-reviews-course-{'phone' if phone else 'desktop'}-zh")


def test_the_office_finds_a_person_by_county_and_grants_another_attempt(
    new_page, screenshot, committed
):
    def build():
        scene = build_scene(durations=(600.0,), questions=1)
        scene.hospital.city = "鄂托克旗"
        learner = scene.learners[0]
        course = scene.course
        course.max_attempts = 1
        enrolment = course_ops.enrol(course, learner, utcnow())
        complete_course_watch_and_fail(course, learner, enrolment)
        return learner.id, learner.name, scene.admin.login, enrolment.id

    learner_id, name, admin, enrolment_id = committed(build)
    page = office_of(admin, new_page)
    page.goto("/admin/users/")
    page.fill("form.filters input[name=q]", "鄂托克旗")
    page.locator("form.filters button[type=submit]").click()
    row = page.locator("tbody tr", has_text=name).first
    expect(row).to_be_visible()
    screenshot(page, "office-finds-people-desktop-zh")
    row.locator("a").first.click()
    expect(page).to_have_url(re.compile(rf"/admin/users/{learner_id}$"))
    expect(page.locator("#user-links a").first).to_have_attribute(
        "href", f"/admin/credits/people/{learner_id}"
    )
    grant = page.locator(f"tr[data-enrolment='{enrolment_id}'] form.grant")
    expect(page.locator(f"tr[data-enrolment='{enrolment_id}']")).to_contain_text(
        "1 / 1"
    )
    grant.locator("input[name='grant-reason']").fill("考试时网络中断")
    grant.locator("button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(f"tr[data-enrolment='{enrolment_id}']")).to_contain_text(
        "1 / 2"
    )
    screenshot(page, "office-grants-attempt-desktop-zh")
    phone = office_of(admin, new_page, phone=True)
    phone.goto(f"/admin/users/{learner_id}")
    expect(phone.locator("#enrolments")).to_be_visible()
    screenshot(phone, "office-grants-attempt-phone-zh")


def complete_course_watch_and_fail(course, learner, enrolment):
    from courses.models import LectureProgress

    now = utcnow()
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
    attempt, _ = course_ops.open_attempt(enrolment, random.Random(1), now)
    keys = course_ops.option_keys(attempt)
    wrong = {
        q.id: [keys[q.id][next(o.id for o in q.options if not o.is_correct)]]
        for q in course.questions
        if q.id in keys
    }
    course_ops.submit_attempt(enrolment, attempt.id, wrong, now)


def test_the_office_sees_a_hospitals_staff_and_their_year(
    new_page, screenshot, committed
):
    def build():
        scene = build_scene(durations=(4 * HOURS,), learners=3)
        complete_course(scene.course, scene.learners[0])
        return scene.hospital.id, scene.admin.login, scene.course.title_zh

    hospital_id, admin, title = committed(build)
    for phone in (False, True):
        page = office_of(admin, new_page, phone)
        page.goto(f"/admin/hospitals/{hospital_id}/staff")
        expect(page.locator("table.staff tbody tr")).to_have_count(4)  # + lecturer
        expect(page.locator("table.staff")).to_contain_text(title)
        screenshot(page, f"office-hospital-staff-{'phone' if phone else 'desktop'}-zh")


def test_the_office_imports_people_from_an_excel_sheet(
    new_page, screenshot, committed, tmp_path
):
    code = unique("XL")

    def build():
        create_hospital(
            code=code, name_zh="表格县医院", tier="county", province_code="15"
        )
        admin = create_user(
            login=f"{unique('adm')}@example.cn",
            name="王敏",
            password=PASSWORD,
            role=Role.ADMINISTRATOR,
        )
        return admin.login

    admin = committed(build)
    first, second = f"{unique('xl')}@example.cn", f"{unique('xl')}@example.cn"

    def sheet(rows, name):
        book = Workbook()
        for row in rows:
            book.active.append(row)
        path = tmp_path / name
        book.save(path)
        return str(path)

    header = ["login", "name", "hospital", "role", "profession"]
    wrong = sheet(
        [header, [first, "表格学员一", code, "学员", "护士"], [second, "二", "NOPE"]],
        "人员-有错.xlsx",
    )
    right = sheet(
        [
            header,
            [first, "表格学员一", code, "学员", "护士"],
            [second, "表格学员二", code],
        ],
        "人员.xlsx",
    )
    page = office_of(admin, new_page)
    page.goto("/admin/hospitals/import")
    page.select_option("#kind", "users")
    page.set_input_files("#sheet", wrong)
    page.locator("#import-form button[type=submit]").click()
    expect(page.locator("#import-errors")).to_contain_text("NOPE")
    screenshot(page, "office-import-errors-desktop-zh")
    page.select_option("#kind", "users")
    page.set_input_files("#sheet", right)
    page.locator("#import-form button[type=submit]").click()
    expect(page.locator("#import-result tbody tr")).to_have_count(2)
    screenshot(page, "office-import-done-desktop-zh")
    phone = office_of(admin, new_page, phone=True)
    phone.goto("/admin/hospitals/import")
    screenshot(phone, "office-import-phone-zh")


def test_the_office_confirms_a_hospital_change(new_page, screenshot, committed):
    def build():
        scene = build_scene(durations=(600.0,))
        new = create_hospital(
            code=unique("NEW"), name_zh="新去的医院", tier="county", province_code="51"
        )
        learner = scene.learners[0]
        request = HospitalChangeRequest(
            user_id=learner.id,
            from_hospital_id=scene.hospital.id,
            to_hospital_id=new.id,
            reason="工作调动",
        )
        db.session.add(request)
        db.session.flush()
        return request.id, learner.id, new.id, scene.admin.login

    request_id, learner_id, new_id, admin = committed(build)
    page = office_of(admin, new_page, phone=True)
    page.goto("/admin/users/hospital-changes")
    row = page.locator(f"article[data-request='{request_id}']")
    expect(row).to_contain_text("新去的医院")
    screenshot(page, "office-hospital-change-phone-zh")
    row.locator("form.confirm button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert committed(lambda: db.session.get(User, learner_id).hospital_id) == new_id
    screenshot(page, "office-hospital-change-done-phone-zh")


def test_the_office_downloads_the_bulk_zip_named_by_hospital_and_learner(
    new_page, committed
):
    def build():
        scene = build_scene(durations=(4 * HOURS,), learners=2)
        for learner in scene.learners:
            complete_course(scene.course, learner)
        return scene.course.id, scene.admin.login, scene.hospital.name_zh

    course_id, admin, hospital = committed(build)
    page = office_of(admin, new_page)
    page.goto(f"/admin/credits/courses/{course_id}")
    page.locator("form[action$='/issue-all'] button").click()
    link = page.locator("a[href*='certificate-batches'], a[href$='.zip']").first
    with page.expect_download() as info:
        link.click()
    names = zipfile.ZipFile(info.value.path()).namelist()
    assert len(names) == 2 and all(n.startswith(f"{hospital}/") for n in names)
    assert all(re.search(r"/张晓燕1?-L\d{7}-[0-9A-Z-]+\.pdf$", n) for n in names)


# --- a coordinator ---------------------------------------------------------------


def coordinator_scene(learners=3):
    scene = build_scene(durations=(4 * HOURS,), learners=learners)
    coordinator = create_user(
        login=f"{unique('coo')}@example.cn",
        name="赵协调",
        password=PASSWORD,
        role=Role.SITE_COORDINATOR,
        hospital=scene.hospital,
    )
    return scene, coordinator


def test_a_coordinator_sees_the_staff_enrols_the_ticked_and_reminds_those_behind(
    new_page, screenshot, committed
):
    def build():
        scene, coordinator = coordinator_scene(learners=3)
        complete_course(scene.course, scene.learners[0])
        other = build_scene(durations=(600.0,), learners=0).course
        return (
            coordinator.login,
            [p.id for p in scene.learners],
            other.id,
            scene.course.title_zh,
        )

    login, learner_ids, other_course, title = committed(build)
    page = new_page(locale="zh-CN")
    sign_in(page, login)
    page.goto("/credits/staff")
    expect(page.locator(f"tr[data-person='{learner_ids[0]}']")).to_contain_text(title)
    for person in learner_ids[1:]:
        page.check(f"tr[data-person='{person}'] input[type=checkbox]")
    page.select_option("#enrol-course_id", str(other_course))
    page.locator("#enrol-form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    screenshot(page, "coordinator-staff-desktop-zh")

    def enrolled():
        from courses.models import Enrolment

        return set(
            db.session.scalars(
                db.select(Enrolment.user_id).filter_by(course_id=other_course)
            )
        )

    assert committed(enrolled) == set(learner_ids[1:])
    page.fill("#remind-message", "请在年底前完成学分")
    page.locator("form[action$='/remind'] button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    phone = new_page(locale="zh-CN", **PHONE)
    sign_in(phone, login)
    phone.goto("/credits/staff")
    screenshot(phone, "coordinator-staff-phone-zh")


def test_a_coordinator_withdraws_a_mistaken_attendance(new_page, screenshot, committed):
    def build():
        scene, coordinator = coordinator_scene(learners=2)
        on = cert_ops.local_date(utcnow())
        for person in scene.learners:
            cert_ops.record_attendance(
                scene.course, person, coordinator, utcnow(), on=on, minutes=200
            )
        return coordinator.login, scene.course.id, on.isoformat(), scene.learners[1].id

    login, course_id, on, mistaken = committed(build)
    for phone in (False, True):
        page = new_page(locale="zh-CN", **(PHONE if phone else {}))
        sign_in(page, login)
        page.goto("/credits/attendance/history")
        page.locator(f"a[href='/credits/attendance/{course_id}/{on}']").click()
        expect(page.locator("table.session-people tbody tr")).to_have_count(
            1 if phone else 2
        )
        screenshot(page, f"coordinator-attendance-{'phone' if phone else 'desktop'}-zh")
        if not phone:
            row = page.locator(f"tr[data-person='{mistaken}']")
            row.locator("input[name=reason]").fill("勾错了人")
            row.locator("button").click()
            expect(page.locator(".flash-success")).to_be_visible()
            expect(page.locator(f"tr[data-person='{mistaken}']")).to_have_count(0)
