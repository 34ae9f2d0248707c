"""The notifications page and the header's unread count."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms.accounts.views import safe_next_url
from lms.db import db
from lms.edge import page_arg
from lms.notifications import operations, queries
from lms.notifications.messages import render_notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def unread_count():
    """``unread_notifications()`` for the header: counted only when a page asks."""

    def count():
        if not current_user.is_authenticated:
            return 0
        return queries.count_unread(current_user.id)

    return {"unread_notifications": count}


@bp.route("/")
@login_required
def index():
    page = queries.list_notifications(current_user.id, page=page_arg())
    rendered = {n.id: render_notification(n.kind, n.params) for n in page.items}
    return render_template("notifications/index.html", page=page, rendered=rendered)


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id):
    """Mark one read and go where it points (the list when nowhere)."""
    notification = queries.get_own_notification(current_user.id, notification_id)
    if notification is None:
        abort(404)
    operations.mark_read(current_user, [notification.id])
    link = notification.link
    db.session.commit()
    return redirect(safe_next_url(link) or url_for(".index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    operations.mark_read(current_user)
    db.session.commit()
    return redirect(url_for(".index"))
