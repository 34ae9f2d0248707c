"""A media version's review is in the audit log and tells its uploader (issue 11)."""

import sqlalchemy as sa

from lms.audit.actions import AuditAction
from lms.audit.models import AuditEntry
from lms.notifications.kinds import NotificationKind
from lms.notifications.models import Notification
from tests.web.test_media_review import clips, published, put

__all__ = ["clips", "published"]


def logged(db, lecture):
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .filter_by(target_type="transcode_jobs")
        .order_by(AuditEntry.id)
    ).all()
    notices = db.session.scalars(
        sa.select(Notification)
        .filter_by(user_id=lecture.course.owner_id)
        .order_by(Notification.id)
    ).all()
    return entries, notices


def test_approving_and_rejecting_a_version_is_logged_and_told(
    client,
    db,
    published,
    clips,
):
    lecture, lecturer, _, office = published
    first_entries, first_notices = logged(db, lecture)
    job = put(client, lecture, lecturer, clips[1]).json["job"]
    client.post(f"/api/v1/jobs/{job['id']}/approve", headers=office)
    again = put(client, lecture, lecturer, clips[0]).json["job"]
    client.post(
        f"/api/v1/jobs/{again['id']}/reject",
        headers=office,
        json={"comment": "音频不清晰"},
    )
    entries, notices = logged(db, lecture)
    approved, rejected = entries[len(first_entries) :]
    assert (approved.action, approved.target_id) == (
        AuditAction.MEDIA_APPROVED,
        job["id"],
    )
    assert approved.before == {"review_state": "pending"}
    assert approved.after == {"review_state": "approved"}
    assert approved.target_label.endswith(lecture.title_zh)
    assert (rejected.action, rejected.reason) == (
        AuditAction.MEDIA_REJECTED,
        "音频不清晰",
    )
    kinds = [(n.kind, n.params.get("reason")) for n in notices[len(first_notices) :]]
    assert kinds == [
        (NotificationKind.MEDIA_APPROVED, ""),
        (NotificationKind.MEDIA_REJECTED, "音频不清晰"),
    ]
