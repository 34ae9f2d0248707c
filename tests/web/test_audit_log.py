"""The audit log: who approved, returned, revoked, re-issued, overrode, changed
a rule set or a person, with before and after; the office reads it filtered by
action, person and date (issue 11)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.roles import Role
from lms.audit.actions import AuditAction
from lms.audit.models import AuditEntry
from lms.audit.operations import jsonable, record_audit
from lms.db import utcnow
from tests.conftest import csrf_token_from

EN = {"Accept-Language": "en"}


def post(client, page, url, data=None):
    token = csrf_token_from(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **(data or {})}, headers=EN)


def entries(db, action=None):
    statement = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        statement = statement.filter_by(action=action)
    return db.session.scalars(statement).all()


@pytest.fixture
def office(create_user, auth):
    person = create_user(role=Role.ADMINISTRATOR, name="王敏")
    auth.login(person.login)
    return person


def test_an_approval_with_class_hours_overridden_is_logged_with_before_and_after(
    client, db, create_course, office
):
    course = create_course(status="submitted")
    review = f"/admin/courses/{course.id}"
    post(
        client,
        review,
        f"{review}/approve",
        {
            "approve-project_number": "2026-04-02-011",
            "approve-project_level": "national",
            "approve-credit_category": "CME",
            "approve-class_hours_override": "3",
            "approve-class_hours_override_reason": "含线下实践 2 学时",
        },
    )
    (approved,) = entries(db, AuditAction.COURSE_APPROVED)
    assert (approved.actor_id, approved.target_type, approved.target_id) == (
        office.id,
        "courses",
        course.id,
    )
    assert approved.target_label == course.title_zh
    assert approved.before["status"] == "submitted"
    assert approved.after["status"] == "approved"
    assert approved.after["project_number"] == "2026-04-02-011"
    (hours,) = entries(db, AuditAction.CLASS_HOURS_OVERRIDDEN)
    assert hours.before == {"class_hours": None}
    assert hours.after == {"class_hours": "3.0"}
    assert hours.reason == "含线下实践 2 学时"


def test_a_return_is_logged_with_its_reason(client, db, create_course, office):
    course = create_course(status="submitted")
    review = f"/admin/courses/{course.id}"
    post(client, review, f"{review}/return", {"return-comment": "缺少参考文献"})
    (entry,) = entries(db, AuditAction.COURSE_RETURNED)
    assert entry.reason == "缺少参考文献"
    assert (entry.before["status"], entry.after["status"]) == ("submitted", "returned")


def test_office_changes_to_a_person_are_logged_without_the_password(
    client, db, create_user, office
):
    person = create_user(name="赵医生")
    page = f"/admin/users/{person.id}"
    response = post(
        client,
        page,
        page,
        {
            "name": "赵医生",
            "role": "lecturer",
            "hospital_id": str(person.hospital_id),
            "is_active": "y",
            "new_password": "a-new-long-password-9",
        },
    )
    assert response.status_code == 302
    (role,) = entries(db, AuditAction.ROLE_CHANGED)
    assert (role.before, role.after) == ({"role": "learner"}, {"role": "lecturer"})
    assert role.actor_id == office.id and role.target_label == person.login
    (reset,) = entries(db, AuditAction.PASSWORD_RESET)
    assert reset.before is None and reset.after is None
    rows = db.session.execute(sa.select(AuditEntry.__table__)).all()
    assert "a-new-long-password-9" not in repr(rows)


def test_credit_lines_entered_and_revoked_and_rule_sets_are_logged(
    client, db, create_user, office
):
    learner = create_user(name="赵医生")
    post(
        client,
        "/admin/credits/",
        "/admin/credits/manual",
        {
            "manual-login": learner.login,
            "manual-title": "四川省心血管年会",
            "manual-kind": "external",
            "manual-rule_set_code": "CN-2024",
            "manual-category": "CME",
            "manual-credits": "4",
            "manual-class_hours": "12",
            "manual-on": "2026-06-01",
            "manual-reason": "会议证书已核",
        },
    )
    (added,) = entries(db, AuditAction.CREDIT_LINE_ADDED)
    assert added.after["credits"] == "4.00" or added.after["credits"].startswith("4")
    assert added.reason == "会议证书已核"
    post(
        client,
        f"/admin/credits/people/{learner.id}",
        f"/admin/credits/awards/{added.target_id}/revoke",
        {"reason": "重复登记"},
    )
    (revoked,) = entries(db, AuditAction.CREDIT_LINE_REVOKED)
    assert revoked.target_id == added.target_id and revoked.reason == "重复登记"
    assert float(revoked.after["credits"]) == 0

    variant = {
        "based_on": "CN-2024",
        "code": "cn-2024-sc-county",
        "name_zh": "四川省县级",
        "name_en": "Sichuan county staff",
        "province_code": "51",
        "tier": "county",
        "valid_from": "2025-01-01",
        "yearly_credits": "20",
    }
    post(client, "/admin/credits/rule-sets", "/admin/credits/rule-sets", variant)
    post(
        client,
        "/admin/credits/rule-sets",
        "/admin/credits/rule-sets",
        {**variant, "yearly_credits": "18"},
    )
    first, second = entries(db, AuditAction.RULE_SET_CHANGED)
    assert first.before is None and first.after["values"]["yearly_credits"] == "20"
    assert second.before["values"]["yearly_credits"] == "20"
    assert second.after["values"]["yearly_credits"] == "18"
    assert second.target_label == "CN-2024-SC-COUNTY v2"


def test_certificates_issued_reissued_and_revoked_by_the_office_are_logged(
    client, db, create_course, create_user, office
):
    from certificates.keys import current_issuer
    from certificates.operations import (
        issue_certificate,
        reissue_certificate,
        revoke_certificate,
    )
    from courses.queries import get_enrolment
    from tests.builders import complete_course

    course = create_course(durations=(3 * 3600,))
    learner = create_user()
    complete_course(course, learner)
    enrolment = get_enrolment(course.id, learner.id)
    first = issue_certificate(
        enrolment, current_issuer(), utcnow(), issued_by_id=office.id
    )
    second = reissue_certificate(first, current_issuer(), utcnow(), office)
    revoke_certificate(second, office, utcnow(), "姓名有误")
    actions = [e.action for e in entries(db)]
    assert actions[-3:] == [
        AuditAction.CERTIFICATE_ISSUED,
        AuditAction.CERTIFICATE_REISSUED,
        AuditAction.CERTIFICATE_REVOKED,
    ]
    reissued = entries(db, AuditAction.CERTIFICATE_REISSUED)[0]
    assert (reissued.before, reissued.after["version"]) == ({"version": 1}, 2)
    assert entries(db, AuditAction.CERTIFICATE_REVOKED)[0].reason == "姓名有误"


def seed(db, office, other, count):
    """``count`` entries, alternately the office's and another's, an hour apart."""
    now = utcnow()
    for i in range(count):
        entry = record_audit(
            office if i % 2 == 0 else other,
            AuditAction.ROLE_CHANGED if i % 3 else AuditAction.PASSWORD_RESET,
            ("users", other.id),
            before={"role": "learner"},
            after={"role": "lecturer"},
            label=f"entry-{i:03d}",
        )
        entry.created_dt = now - timedelta(hours=i)
    db.session.commit()


def test_the_office_reads_the_log_with_before_and_after(
    client, db, create_user, office
):
    other = create_user(role=Role.ADMINISTRATOR, name="李主任")
    seed(db, office, other, 3)
    page = client.get("/admin/audit/", headers=EN).text
    for i in range(3):
        assert f"entry-{i:03d}" in page
    assert "&#34;learner&#34;" in page and "&#34;lecturer&#34;" in page
    assert "Role changed" in page and "Password reset" in page
    assert "<dt>Role</dt>" in page  # a field by its label, not its column
    assert f'<a href="/admin/users/{other.id}">entry-000</a>' in page
    assert "李主任" in page and "王敏" in page


def test_the_log_filters_by_action_actor_and_date_and_pages(
    client, db, create_user, office
):
    other = create_user(role=Role.ADMINISTRATOR, name="李主任")
    seed(db, office, other, 120)
    # Paged within one actor of this test: tests that commit for real (the
    # live broadcast's, on the shared PostgreSQL database) leave entries of
    # their own among these hours.
    mine_only = f"/admin/audit/?actor={office.id}"
    first = client.get(mine_only, headers=EN).text
    assert "entry-000" in first and "entry-098" in first and "entry-100" not in first
    assert "Page 1 of 2" in first
    second = client.get(f"{mine_only}&page=2", headers=EN).text
    assert "entry-118" in second and "entry-098" not in second

    resets = client.get("/admin/audit/?action=password_reset", headers=EN).text
    assert "entry-003" in resets and "entry-001" not in resets
    mine = client.get(f"/admin/audit/?actor={other.id}", headers=EN).text
    assert "entry-001" in mine and "entry-002" not in mine

    today = utcnow().astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    day = today.date().isoformat()
    only_today = client.get(f"{mine_only}&from={day}&to={day}", headers=EN).text
    assert "entry-000" in only_today and "entry-118" not in only_today


@pytest.mark.parametrize(
    "query",
    [
        "action=nonsense",
        "actor=abc",
        "actor=99999999999",
        "from=2026-13-01",
        "to=yesterday",
        "from=2026-06-02&to=2026-06-01",
        "page=0",
    ],
)
def test_bad_filters_are_a_clear_400(client, office, query):
    response = client.get(f"/admin/audit/?{query}", headers=EN)
    assert response.status_code == 400


@pytest.mark.parametrize("role", [Role.LEARNER, Role.LECTURER, Role.SITE_COORDINATOR])
def test_only_the_office_reads_the_log(client, auth, create_user, role):
    person = create_user(role=role)
    auth.login(person.login)
    assert client.get("/admin/audit/").status_code == 403


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (__import__("decimal").Decimal("1.50"), "1.50"),
        (__import__("datetime").date(2026, 6, 1), "2026-06-01"),
        (Role.LECTURER, "lecturer"),
        ({"a": {1, 3, 2}}, {"a": [1, 2, 3]}),
        ((1, None, True), [1, None, True]),
        ({"z": object}, {"z": "<class 'object'>"}),
    ],
    ids=["decimal", "date", "enum", "set", "tuple", "other"],
)
def test_before_and_after_are_stored_as_json(value, stored):
    assert jsonable(value) == stored
