"""Sign-in, registration and the profile page."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from lms.accounts.forms import LoginForm, PasswordForm, ProfileForm, RegisterForm
from lms.accounts.messages import account_error_message
from lms.accounts.operations import (
    AccountError,
    authenticate,
    change_password,
    create_user,
    update_profile,
)
from lms.accounts.roles import Profession, Role
from lms.db import db
from lms.extensions import limiter
from lms.hospitals.models import Hospital
from lms.hospitals.views import hospital_choices

bp = Blueprint("accounts", __name__)


def safe_next_url(value):
    """A path on this site, else None (``//evil`` and ``https://…`` are dropped)."""
    if not value:
        return None
    parts = urlsplit(value)
    if (
        parts.scheme
        or parts.netloc
        or not value.startswith("/")
        or value.startswith("//")
    ):
        return None
    if "\\" in value:
        return None
    return value


def _login_key():
    return "login:" + (request.form.get("login") or "").strip().lower()[:254]


def _not_signed_in(response):
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    methods=["POST"],
    key_func=get_remote_address,
    deduct_when=_not_signed_in,
    scope="login-address",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    methods=["POST"],
    key_func=_login_key,
    deduct_when=_not_signed_in,
    scope="login-account",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.login.data, form.password.data)
        if user is not None:
            db.session.commit()
            if user.locale:
                session["locale"] = user.locale
            login_user(user, remember=form.remember.data)
            next_url = safe_next_url(request.args.get("next"))
            return redirect(next_url or url_for("main.dashboard"))
        flash(_("Login or password is incorrect."), "error")
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["REGISTER_RATE_LIMIT"],
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 302,
    scope="register",
)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    form.hospital_id.choices = hospital_choices(include_hub=False)
    if form.validate_on_submit():
        try:
            user = create_user(
                login=form.login.data,
                name=form.name.data,
                password=form.password.data,
                role=Role.LEARNER,
                hospital=db.session.get(Hospital, form.hospital_id.data),
                profession=Profession(form.profession.data),
                professional_title=form.professional_title.data or "",
                min_password_length=current_app.config["MIN_PASSWORD_LENGTH"],
            )
        except AccountError as error:
            flash(account_error_message(error.code), "error")
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome to TeleCME, %(name)s!", name=user.name), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("accounts/register.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    profile_form = ProfileForm(prefix="profile", obj=_profile_data(current_user))
    password_form = PasswordForm(prefix="password")
    if _submitted("profile") and profile_form.validate():
        try:
            update_profile(
                current_user,
                name=profile_form.name.data,
                profession=Profession(profile_form.profession.data),
                professional_title=profile_form.professional_title.data or "",
                locale=profile_form.locale.data,
            )
        except AccountError as error:
            flash(account_error_message(error.code), "error")
        else:
            db.session.commit()
            if current_user.locale:
                session["locale"] = current_user.locale
            else:
                session.pop("locale", None)
            flash(_("Your profile was saved."), "success")
            return redirect(url_for("accounts.profile"))
    if _submitted("password") and password_form.validate():
        try:
            change_password(
                current_user,
                password_form.current.data,
                password_form.new.data,
                min_password_length=current_app.config["MIN_PASSWORD_LENGTH"],
            )
        except AccountError as error:
            flash(account_error_message(error.code), "error")
        else:
            db.session.commit()
            login_user(current_user._get_current_object())
            flash(
                _("Your password was changed; other devices are signed out."), "success"
            )
            return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/profile.html", profile_form=profile_form, password_form=password_form
    )


def _submitted(form_name):
    return request.method == "POST" and request.form.get("form") == form_name


def _profile_data(user):
    class Data:
        name = user.name
        profession = user.profession.value
        professional_title = user.professional_title
        locale = user.locale or ""

    return Data
