from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from certificates import queries as credit_queries
from certificates.operations import local_date
from courses import queries as course_queries
from lms.accounts.queries import count_users_by_role, list_users
from lms.accounts.roles import Role
from lms.accounts.views import safe_next_url
from lms.db import db, utcnow
from lms.hospitals.network import Tier
from lms.hospitals.queries import count_hospitals_by_tier
from lms.i18n import locale_for_code
from lms.reports import queries as report_queries
from lms.workers.queries import list_lane_health
from media_pipeline.disk import measure_media_space

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """The public home page; its network figures come from the report tables."""
    return render_template(
        "main/home.html", figures=report_queries.home_figures(), tiers=list(Tier)
    )


@bp.route("/healthz")
def healthz():
    """For load balancers: the process answers (no database round trip)."""
    return {"status": "ok"}


@bp.route("/dashboard")
@login_required
def dashboard():
    context = {}
    if current_user.role == Role.LEARNER:
        enrolments = course_queries.list_enrolments_of_user(current_user.id)
        overviews = course_queries.enrolment_overviews(enrolments)
        context["enrolments"] = [(e, *overviews[e.id]) for e in enrolments]
        context["transcript"] = credit_queries.get_transcript(
            current_user, local_date(utcnow()).year
        )[0]
    elif current_user.role == Role.LECTURER:
        context["courses"] = [
            (c, course_queries.course_statistics(c))
            for c in course_queries.list_courses_of_lecturer(current_user)
        ]
    elif current_user.role == Role.SITE_COORDINATOR:
        context["learners"] = list_users(
            role=Role.LEARNER, hospital_id=current_user.hospital_id, per_page=100
        )
    elif current_user.role == Role.ADMINISTRATOR:
        context["hospital_counts"] = count_hospitals_by_tier()
        context["user_counts"] = count_users_by_role()
        config = current_app.config
        context["worker_lanes"] = list_lane_health(
            utcnow(), config["WORKER_HEARTBEAT_SECONDS"]
        )
        context["media_space"] = measure_media_space(
            config["MEDIA_DIR"], config["MEDIA_LOW_SPACE_BYTES"]
        )
    return render_template("main/dashboard.html", **context)


@bp.route("/language/<code>", methods=["POST"])
def set_language(code):
    locale = locale_for_code(code)
    if locale is None:
        abort(404)
    session["locale"] = locale
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    return redirect(safe_next_url(request.form.get("next")) or url_for(".home"))
