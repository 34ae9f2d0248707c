"""Sign-in, registration and the profile page."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from wtforms.fields.choices import SelectChoice

from lms.accounts.forms import (
    ForgotPasswordForm,
    HospitalChangeForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from lms.accounts.messages import account_error_message, too_many_attempts_message
from lms.accounts.models import ApiToken
from lms.accounts.operations import (
    AccountError,
    authenticate,
    change_password,
    create_user,
    request_hospital_change,
    revoke_all_api_tokens,
    revoke_api_token,
    update_profile,
)
from lms.accounts.password_reset import (
    can_send_reset_email,
    make_reset_token,
    user_for_reset_token,
)
from lms.accounts.password_reset import reset_password as reset_password_with_token
from lms.accounts.queries import (
    get_pending_hospital_change,
    get_user_by_login,
    list_api_tokens,
)
from lms.accounts.roles import Profession, Role
from lms.accounts.tasks import send_password_reset_email
from lms.accounts.throttle import (
    login_wait,
    record_failed_login,
    record_registration,
    record_reset_request,
    record_signed_in,
    registration_wait,
    reset_wait,
)
from lms.db import db, utcnow
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


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        address = request.remote_addr
        if wait := login_wait(form.login.data, address):
            # Said whether or not the login exists; the password is not checked.
            flash(too_many_attempts_message(wait), "error")
            status = 429
        elif user := authenticate(form.login.data, form.password.data):
            record_signed_in(form.login.data)
            db.session.commit()
            if user.locale:
                session["locale"] = user.locale
            login_user(user, remember=form.remember.data)
            next_url = safe_next_url(request.args.get("next"))
            return redirect(next_url or url_for("main.dashboard"))
        else:
            record_failed_login(form.login.data, address)
            db.session.commit()
            flash(_("Login or password is incorrect."), "error")
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("main.home"))


#: Where a refused registration puts its message: beside the field it is about.
_REGISTER_ERROR_FIELDS = {
    "login_taken": "login",
    "hospital_required": "hospital_id",
    "text_too_long": "professional_title",
}


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a learner account.

    No email or SMS is configured to confirm a login, so a taken login cannot
    be answered like a new one without leaving real people unable to tell why
    they cannot register. Instead every registration attempt is counted per
    client address and per normalised login in the shared throttle storage
    (``REGISTER_RATE_LIMIT``, ``REGISTER_LOGIN_RATE_LIMIT``), so probing for
    logins is slow; a taken login costs the same password hash as a new
    account and is answered like every other refusal: the form again, status
    200, a message beside its field.
    """
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    form.hospital_id.choices = [
        SelectChoice("", _("Choose your hospital")),
        *hospital_choices(include_hub=False),
    ]
    status = 200
    if form.validate_on_submit():
        address = request.remote_addr
        if wait := registration_wait(form.login.data, address):
            flash(too_many_attempts_message(wait), "error")
            return render_template("accounts/register.html", form=form), 429
        record_registration(form.login.data, address)
        try:
            user = create_user(
                login=form.login.data,
                name=form.name.data,
                password=form.password.data,
                role=Role.LEARNER,
                hospital=db.session.get(Hospital, form.hospital_id.data),
                profession=Profession(form.profession.data),
                professional_title=form.professional_title.data or "",
            )
        except AccountError as error:
            db.session.commit()  # the attempt still counts
            field_name = _REGISTER_ERROR_FIELDS.get(error.code) or (
                "password" if error.code.startswith("password_") else "name"
            )
            form[field_name].errors.append(account_error_message(error.code))
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome to TeleCME, %(name)s!", name=user.name), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("accounts/register.html", form=form), status


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
    status = 200
    if _submitted("password") and password_form.validate():
        # A guess at the current password is a guess at the sign-in: it is
        # counted, and limited, with the account's failed sign-ins.
        login, address = current_user.login, request.remote_addr
        if wait := login_wait(login, address):
            flash(too_many_attempts_message(wait), "error")
            status = 429
        else:
            try:
                change_password(
                    current_user,
                    password_form.current.data,
                    password_form.new.data,
                )
            except AccountError as error:
                if error.code == "wrong_password":  # nothing else was written
                    record_failed_login(login, address)
                    db.session.commit()
                flash(account_error_message(error.code), "error")
            else:
                db.session.commit()
                login_user(current_user._get_current_object())
                flash(
                    _("Your password was changed; other devices are signed out."),
                    "success",
                )
                return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/profile.html",
        profile_form=profile_form,
        password_form=password_form,
        tokens=list_api_tokens(current_user, utcnow()),
    ), status


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id):
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    revoke_api_token(token)
    db.session.commit()
    flash(_("The token %(prefix)s… was revoked.", prefix=token.prefix), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/profile/tokens/revoke-all", methods=["POST"])
@login_required
def revoke_all_tokens():
    revoke_all_api_tokens(current_user)
    db.session.commit()
    flash(_("All your API tokens were revoked."), "success")
    return redirect(url_for("accounts.profile"))


def _submitted(form_name):
    return request.method == "POST" and request.form.get("form") == form_name


def _profile_data(user):
    class Data:
        name = user.name
        profession = user.profession.value
        professional_title = user.professional_title
        locale = user.locale or ""

    return Data


# --- a forgotten password ---------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link. The answer is the same whether or not the login
    exists (no user enumeration); without SMTP the page says to ask the office."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = ForgotPasswordForm()
    mail_ready = bool(current_app.config.get("MAIL_SERVER"))
    if mail_ready and form.validate_on_submit():
        address = request.remote_addr
        if wait := reset_wait(form.login.data, address):
            flash(too_many_attempts_message(wait), "error")
            return render_template(
                "accounts/forgot_password.html", form=form, mail_ready=mail_ready
            ), 429
        record_reset_request(form.login.data, address)
        user = get_user_by_login(form.login.data)
        db.session.commit()
        if user is not None and user.is_active and can_send_reset_email(user):
            # The configured address, never the request's Host header: a forged
            # Host would send the victim a link to the attacker's site.
            base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
            path = url_for("accounts.reset_password", token=make_reset_token(user))
            link = base + path
            send_password_reset_email(
                user.login, user.locale or str(get_locale()), link
            )
        return render_template("accounts/forgot_password_sent.html")
    return render_template(
        "accounts/forgot_password.html", form=form, mail_ready=mail_ready
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    user = user_for_reset_token(token)
    if user is None:
        flash(account_error_message("invalid_reset_link"), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password_with_token(token, form.new.data)
        except AccountError as error:
            form.new.errors.append(account_error_message(error.code))
        else:
            db.session.commit()
            logout_user()
            flash(_("Your password was set. Sign in with it."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


# --- changing one's hospital ------------------------------------------------------


@bp.route("/profile/hospital", methods=["GET", "POST"])
@login_required
def hospital_change():
    """A learner asks to move to another hospital; the CME office confirms."""
    if current_user.role != Role.LEARNER:
        abort(404)
    pending = get_pending_hospital_change(current_user.id)
    form = HospitalChangeForm()
    form.hospital_id.choices = [
        SelectChoice("", _("Choose your new hospital")),
        *(
            c
            for c in hospital_choices(include_hub=False)
            if c.value != current_user.hospital_id
        ),
    ]
    if pending is None and form.validate_on_submit():
        try:
            request_hospital_change(
                current_user,
                db.session.get(Hospital, form.hospital_id.data),
                form.reason.data or "",
            )
        except AccountError as error:
            form.hospital_id.errors.append(account_error_message(error.code))
        else:
            db.session.commit()
            flash(
                _("Your request was sent; the CME office will confirm it."), "success"
            )
            return redirect(url_for("accounts.hospital_change"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "accounts/hospital_change.html", form=form, pending=pending
    ), status
