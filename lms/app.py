"""The application factory."""

from pathlib import Path

from flask import Flask, request

from lms.config import instance_path_from_env, load_config
from lms.edge import BoundedIntConverter, BoundedJSONProvider

#: Alembic scripts live at the top of the repository (the design card's layout).
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class TeleCME(Flask):
    """Flask, reading bounded JSON and logging unexpected errors with the request id."""

    json_provider_class = BoundedJSONProvider

    def log_exception(self, exc_info):
        from lms.logs import log_exception

        log_exception(self, exc_info)


def create_app(config=None):
    """Build the app: configuration, extensions, blueprints, errors and CLI."""
    app = TeleCME(
        "lms",
        instance_path=(config or {}).get("INSTANCE_PATH") or instance_path_from_env(),
        instance_relative_config=True,
    )
    load_config(app, config)
    _trust_proxies(app)
    # Ids past 64 bits (or 0) are a 404 in every route, not an OverflowError.
    app.url_map.converters["int"] = BoundedIntConverter
    _init_extensions(app)
    _register_blueprints(app)

    from lms import errors
    from lms.cli import register_cli

    errors.register(app)
    register_cli(app)
    if app.config["SEARCH_WARM_AT_START"]:
        from lms.search import warm

        warm(app)
    return app


def _trust_proxies(app):
    """Read the client's address (and scheme, host) from the headers of as many
    proxies as configured; none by default, so a client cannot forge them."""
    hops = {
        name: int(app.config[f"PROXY_FIX_X_{name.upper()}"])
        for name in ("for", "proto", "host")
    }
    if any(hops.values()):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=hops["for"], x_proto=hops["proto"], x_host=hops["host"]
        )


def _init_extensions(app):
    import lms.models  # noqa: F401  (every table on the metadata)
    from certificates import events as certificate_events
    from lms import headers, i18n, labels, logs, queue, transport
    from lms.accounts import auth
    from lms.db import begin_write_transaction, db
    from lms.extensions import babel, csrf, limiter, login_manager, migrate
    from lms.reports import capture as report_capture
    from media_pipeline import replay as replay_media

    logs.init_app(app)
    certificate_events.connect()  # credits follow courses' events
    replay_media.connect()  # a broadcast's replay goes through the VOD pipeline
    report_capture.connect()  # the reports' summaries follow every change
    headers.init_app(app)
    transport.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
    )
    login_manager.init_app(app)
    auth.init_login_manager(login_manager)
    i18n.init_app(app)
    labels.init_app(app)
    queue.init_app(app)

    @app.before_request
    def _writers_take_the_lock_first():
        """Every request that may write starts as a writer, whatever its body: a
        transaction that read first could not take the lock later on SQLite."""
        if request.method in ("GET", "HEAD", "OPTIONS") or request.routing_exception:
            return
        view = app.view_functions.get(request.endpoint)
        if getattr(view, "streams_body", False):
            return  # it takes the lock only to record what arrived (lms.api.media)
        # Read the small body (at most MAX_CONTENT_LENGTH) before taking the lock,
        # so a slow link never holds it.
        if request.mimetype in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            request.form  # noqa: B018  (parse and keep the form)
        else:
            request.get_data(cache=True)
        begin_write_transaction()


def _register_blueprints(app):
    from lms.accounts.admin import bp as users_admin_bp
    from lms.accounts.views import bp as accounts_bp
    from lms.api import bp as api_bp
    from lms.audit.views import bp as audit_bp
    from lms.credits.admin import bp as credits_admin_bp
    from lms.credits.views import bp as credits_bp
    from lms.hospitals.views import bp as hospitals_bp
    from lms.learning.review import bp as review_bp
    from lms.learning.teach import bp as teaching_bp
    from lms.learning.views import bp as learning_bp
    from lms.main.views import bp as main_bp
    from lms.media.views import bp as media_bp
    from lms.notifications.views import bp as notifications_bp
    from lms.reports.views import bp as reports_bp
    from lms.sessions import bp as sessions_bp
    from lms.sessions.ingest import bp as live_ingest_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(credits_bp)
    app.register_blueprint(credits_admin_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(users_admin_bp)
    app.register_blueprint(hospitals_bp)
    app.register_blueprint(learning_bp)
    app.register_blueprint(teaching_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(sessions_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(live_ingest_bp)
    app.register_blueprint(api_bp)
