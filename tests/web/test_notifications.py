"""In-app notifications: written with the action they tell of, counted in the
header of every page, read by opening them (issue 11)."""

import re

import pytest
import sqlalchemy as sa

from lms.accounts.roles import Role
from lms.accounts.views import safe_next_url
from lms.db import utcnow
from lms.notifications.kinds import NotificationKind
from lms.notifications.models import Notification
from lms.notifications.operations import notify
from tests.conftest import csrf_token_from

EN = {"Accept-Language": "en"}


def unread_in_header(html):
    match = re.search(
        r'class="notices has-unread">[^<]*<span class="count">(\d+)', html
    )
    return int(match.group(1)) if match else 0


def post(client, page, url, data=None):
    token = csrf_token_from(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **(data or {})}, headers=EN)


def notices(db, user):
    return db.session.scalars(
        sa.select(Notification).filter_by(user_id=user.id).order_by(Notification.id)
    ).all()


@pytest.fixture
def office(create_user, auth):
    person = create_user(role=Role.ADMINISTRATOR, name="王敏")
    auth.login(person.login)
    return person


def test_approving_a_course_tells_its_lecturer_who_reads_it(
    client, auth, db, create_course, create_user, office
):
    course = create_course(status="submitted")
    review = f"/admin/courses/{course.id}"
    response = post(
        client,
        review,
        f"{review}/approve",
        {
            "approve-project_number": "2026-04-02-011",
            "approve-project_level": "national",
            "approve-credit_category": "CME",
        },
    )
    assert response.status_code == 302
    (notice,) = notices(db, course.owner)
    assert notice.kind == NotificationKind.COURSE_APPROVED
    assert notice.link == f"/teach/courses/{course.id}" and notice.read_dt is None
    assert notices(db, office) == []  # the office is not told of its own act

    auth.logout()
    auth.login(course.owner.login)
    for page in ("/", "/dashboard", "/courses/", "/notifications/"):
        assert unread_in_header(client.get(page, headers=EN).text) == 1, page
    listing = client.get("/notifications/", headers=EN).text
    assert "Your course was approved" in listing and course.title_en in listing
    opened = post(client, "/notifications/", f"/notifications/{notice.id}/open")
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"/teach/courses/{course.id}"
    db.session.refresh(notice)
    assert notice.read_dt is not None
    assert unread_in_header(client.get("/", headers=EN).text) == 0


def test_returning_a_course_tells_why(client, db, create_course, office):
    course = create_course(status="submitted")
    review = f"/admin/courses/{course.id}"
    post(client, review, f"{review}/return", {"return-comment": "第二讲缺少参考文献"})
    (notice,) = notices(db, course.owner)
    assert notice.kind == NotificationKind.COURSE_RETURNED
    assert notice.params["comment"] == "第二讲缺少参考文献"


def test_a_refused_approval_writes_no_notice(client, db, create_course, office):
    """The notice is part of the action's transaction: no approval, no notice."""
    course = create_course(status="submitted")
    for lecture in course.lectures:
        lecture.media_status = "processing"
    db.session.commit()
    review = f"/admin/courses/{course.id}"
    post(client, review, f"{review}/approve", {"approve-project_level": "hospital"})
    assert notices(db, course.owner) == []


def test_nobody_opens_or_reads_another_persons_notice(
    client, auth, db, create_user, create_course
):
    owner, other = create_user(), create_user()
    notice = notify(owner, NotificationKind.REMINDER, link="/credits")
    db.session.commit()
    auth.login(other.login)
    response = post(client, "/", f"/notifications/{notice.id}/open")
    assert response.status_code == 404
    post(client, "/", "/notifications/read-all")
    db.session.refresh(notice)
    assert notice.read_dt is None
    assert "A reminder" not in client.get("/notifications/", headers=EN).text


def test_mark_all_read_and_a_get_never_writes(client, auth, db, create_user):
    person = create_user()
    for _ in range(3):
        notify(person, NotificationKind.REMINDER, params={"message": "请完成学分"})
    db.session.commit()
    auth.login(person.login)
    page = client.get("/notifications/", headers=EN).text
    assert unread_in_header(page) == 3 and page.count("请完成学分") == 3
    assert all(n.read_dt is None for n in notices(db, person))
    post(client, "/notifications/", "/notifications/read-all")
    assert unread_in_header(client.get("/notifications/", headers=EN).text) == 0


def test_the_notifications_page_needs_a_sign_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("link", "local"),
    [
        ("/teach/courses/3", True),
        ("/credits", True),
        ("", False),
        ("//evil.example/x", False),
        ("/\\evil.example", False),
        ("https://evil.example/", False),
        ("javascript:alert(1)", False),
    ],
)
def test_a_notice_only_leads_within_the_site(link, local):
    assert (safe_next_url(link) is not None) is local


def test_a_notice_with_a_foreign_link_opens_the_list(client, auth, db, create_user):
    person = create_user()
    notice = notify(person, NotificationKind.REMINDER, link="//evil.example/")
    db.session.commit()
    auth.login(person.login)
    response = post(client, "/", f"/notifications/{notice.id}/open")
    assert response.headers["Location"] == "/notifications/"


def test_a_revoked_certificate_tells_its_learner(
    client, db, create_course, create_user, office
):
    from certificates.keys import current_issuer
    from certificates.operations import issue_certificate, revoke_certificate
    from courses.queries import get_enrolment
    from tests.builders import complete_course

    course = create_course(durations=(3 * 3600,))
    learner = create_user()
    complete_course(course, learner)
    enrolment = get_enrolment(course.id, learner.id)
    certificate = issue_certificate(
        enrolment, current_issuer(), utcnow(), issued_by_id=office.id
    )
    revoke_certificate(certificate, office, utcnow(), "证书信息有误")
    kinds = [n.kind for n in notices(db, learner)]
    assert kinds == [
        NotificationKind.CERTIFICATE_ISSUED,
        NotificationKind.CERTIFICATE_REVOKED,
    ]


def test_a_learners_own_certificate_download_is_no_notice(
    client, db, create_course, create_user
):
    from certificates.keys import current_issuer
    from certificates.operations import issue_certificate
    from courses.queries import get_enrolment
    from tests.builders import complete_course

    course = create_course(durations=(3 * 3600,))
    learner = create_user()
    complete_course(course, learner)
    issue_certificate(
        get_enrolment(course.id, learner.id),
        current_issuer(),
        utcnow(),
        issued_by_id=learner.id,
    )
    assert notices(db, learner) == []


@pytest.mark.parametrize("kind", list(NotificationKind))
@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
def test_every_kind_reads_as_a_title_and_a_text(app, kind, locale):
    from flask_babel import force_locale

    from lms.notifications.messages import render_notification

    params = {
        "course": {"zh": "高血压基层管理", "en": "Hypertension in primary care"},
        "lecture": {"zh": "第1讲", "en": "Lecture 1"},
        "hospital": {"zh": "测试县人民医院", "en": "Test County Hospital"},
        "serial": "TC-AAAA",
        "reason": "原因",
    }
    with app.test_request_context(), force_locale(locale):
        title, text = render_notification(kind, params)
    assert title and text and "%(" not in text
    if kind in (NotificationKind.COURSE_APPROVED, NotificationKind.COURSE_RETURNED):
        expected = (
            "高血压基层管理" if locale != "en" else "Hypertension in primary care"
        )
        assert expected in text
