"""Configuration: defaults, then ``instance/lms.cfg``, then ``LMS_*`` variables."""

import os
from datetime import timedelta
from pathlib import Path

#: Secret keys that appear in tutorials and sample files; never accepted.
WEAK_SECRET_KEYS = frozenset(
    {"dev", "development", "secret", "secret-key", "changeme", "change-me", "test"}
)
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration cannot run the app; the message says how to fix it."""


class DefaultConfig:
    SECRET_KEY = None
    #: Filled in by :func:`load_config` from the instance path when left empty.
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    #: Seconds a SQLite writer waits for the lock before failing.
    SQLITE_BUSY_TIMEOUT = 30
    #: The app's log level: INFO writes one JSON line per request (``lms.requests``);
    #: WARNING keeps only errors (unexpected ones with traceback and request id).
    LOG_LEVEL = "INFO"

    SESSION_COOKIE_NAME = "telecme_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: Production serves over HTTPS; ``make run`` on loopback turns this off.
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    #: Forms and JSON bodies; media uploads get their own limit.
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = 12 * 3600

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    #: The interface languages, as Babel locale identifiers.
    LANGUAGES = ("zh_Hans_CN", "en")

    #: Failed sign-ins allowed per login (every spelling of it counts as one) ...
    LOGIN_RATE_LIMIT = "5 per minute; 30 per hour"
    #: ... and per client address (a hospital's learners may share one address).
    LOGIN_ADDRESS_RATE_LIMIT = "20 per minute; 200 per hour"
    #: Registration attempts, successful or not, per client address and per login.
    REGISTER_RATE_LIMIT = "20 per hour; 100 per day"
    REGISTER_LOGIN_RATE_LIMIT = "5 per hour"
    #: Wrong room codes (a session's sign-in and sign-out) allowed per person (not
    #: per address: a hospital's hall shares one): with 32**6 codes, guessing
    #: one stays out of reach.
    ROOM_CODE_RATE_LIMIT = "10 per 5 minutes; 30 per day"
    #: Where sign-in and registration counters live: empty uses a Redis
    #: ``QUEUE_URL`` if there is one, else the database; ``redis://host:6379/1``;
    #: ``database`` forces the database (``lms.accounts.throttle``).
    RATELIMIT_STORAGE_URL = ""
    #: Flask-Limiter's own storage (no view uses it for sign-in any more).
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Behind a reverse proxy: how many proxies set X-Forwarded-For / -Proto /
    #: -Host (werkzeug's ProxyFix). 0 trusts none of these headers: a client could
    #: write any address there.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0

    #: Empty: Huey on SQLite in the instance folder; ``redis://host:6379/0`` scales out.
    QUEUE_URL = ""
    #: Run tasks in the calling process at once (tests and one-off scripts).
    QUEUE_IMMEDIATE = False
    #: "auto": SQLite FTS5 (a file in SEARCH_INDEX_DIR) on a SQLite app database,
    #: a table of the database on PostgreSQL; or "sqlite", "postgresql", "whoosh".
    SEARCH_BACKEND = "auto"
    #: The SQLite or whoosh index; empty means ``instance/search-index``.
    SEARCH_INDEX_DIR = ""
    #: Seconds a search index writer waits for the lock.
    SEARCH_WRITER_TIMEOUT = 30.0
    #: Load the search analyser (jieba, the medical dictionary) and the backend
    #: when the app is built, not on the first search: for serving processes
    #: (scripts/serve.sh and run_scaled.sh set it), not for tests or the CLI.
    SEARCH_WARM_AT_START = False

    #: Uploads, work folders and published HLS; empty means ``instance/media``.
    MEDIA_DIR = ""
    MAX_UPLOAD_BYTES = 4 * 1024**3
    #: Largest chunk of a resumable upload one request may carry.
    UPLOAD_CHUNK_BYTES = 16 * 1024**2
    #: "nginx": media answered with X-Accel-Redirect (see docs/nginx.conf).
    MEDIA_ACCEL = ""
    #: A running transcode whose heartbeat is older than this is re-queued.
    JOB_STALE_SECONDS = 120
    #: A recording longer than this is transcoded in chunks by every media worker.
    MEDIA_CHUNK_THRESHOLD_SECONDS = 600
    #: The length of such a chunk (rounded down to whole 6 s segments).
    MEDIA_CHUNK_SECONDS = 120
    #: Any ffmpeg/ffprobe run may take this long however short its source ...
    MEDIA_TIME_LIMIT_FLOOR_SECONDS = 300
    #: ... and a transcode this many seconds per second of source; then it is killed.
    MEDIA_TIME_LIMIT_PER_SOURCE_SECOND = 6.0
    #: An unfinished upload with no chunk for this long is deleted, file and all.
    UPLOAD_EXPIRE_SECONDS = 24 * 3600
    #: The office's page warns when the media folder's disk has less free space.
    MEDIA_LOW_SPACE_BYTES = 10 * 1024**3
    #: Seconds between a worker lane's heartbeats (the office's page shows them).
    WORKER_HEARTBEAT_SECONDS = 15
    #: A session still open this many hours after its last day ended is ended by
    #: the worker and credited, so no attendance is left without its credits.
    SESSION_AUTO_END_HOURS = 6

    #: Live broadcast (DESIGN §2.8). nginx with the RTMP module listens here
    #: for studio encoders (``make run`` starts it with a configuration
    #: written under ``instance/nginx``) ...
    RTMP_HOST = "127.0.0.1"
    RTMP_PORT = 1935
    #: ... and encoders are told this address (empty: rtmp://RTMP_HOST:RTMP_PORT/live).
    RTMP_PUBLIC_URL = ""
    #: Addresses that may pull pushed streams: the live ladders' workers.
    RTMP_PLAY_ALLOW = "127.0.0.1"
    #: Where nginx's ``on_publish`` callbacks reach the app (empty:
    #: PUBLIC_BASE_URL); they carry a secret derived from SECRET_KEY.
    LIVE_CALLBACK_BASE_URL = ""
    #: The live ladders' folders (empty: MEDIA_DIR/live).
    LIVE_DIR = ""
    #: A push that drops and comes back within this many seconds continues the
    #: same broadcast; after it, the broadcast ends and its replay is made.
    LIVE_RECONNECT_SECONDS = 60
    #: Seconds between nginx's questions whether a push may go on (a revoked
    #: key or the end of the key hours cuts it at the next): 1 to 10.
    LIVE_UPDATE_SECONDS = 10
    #: A stream key works from this many minutes before a day's start ...
    LIVE_KEY_EARLY_MINUTES = 30
    #: ... until this many minutes after its end (a push still going then is cut).
    LIVE_KEY_GRACE_MINUTES = 30
    #: Seconds between a live viewer's heartbeats.
    LIVE_BEAT_SECONDS = 15
    #: Broadcasts one worker process runs at once (each is one ffmpeg ladder).
    LIVE_WORKERS = 4

    #: The signing key of certificates (Ed25519, PEM); empty means
    #: ``instance/certificate-signing-key.pem``, created on first use. Every web
    #: process and worker must read the same file.
    CERTIFICATE_KEY_FILE = ""
    #: The key and X.509 certificate (ECDSA P-256, PEM, one file) that sign
    #: certificate PDFs as documents (PAdES); empty means
    #: ``instance/certificate-document-signer.pem``, created on first use.
    CERTIFICATE_DOCUMENT_SIGNER_FILE = ""
    #: Verification links in certificates' QR codes start with this.
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    #: Processes that draw a bulk issue's PDFs (0: one per core) ...
    CERTIFICATE_RENDER_PROCESSES = 0
    #: ... once it has at least this many certificates (fewer are drawn in-process).
    CERTIFICATE_PARALLEL_FROM = 100
    #: The unit that awards credits and signs certificates.
    AWARDING_BODY_ZH = "TeleCME 远程继续医学教育中心"
    AWARDING_BODY_EN = "TeleCME Remote CME Centre"

    API_TOKEN_LIFETIME = timedelta(days=30)
    #: Other sites' origins (``https://app.example.org``, comma or space separated)
    #: whose pages may call the API and the public verification endpoint with
    #: a bearer token (CORS, never with cookies); empty: none.
    CORS_ORIGINS = ""
    #: NIST SP 800-63B style: length and a common-password list, no composition rules.
    MIN_PASSWORD_LENGTH = 10
    #: werkzeug's method for new password hashes (tests use a cheap one).
    PASSWORD_HASH_METHOD = "scrypt"

    #: Outgoing email (notifications' copies): empty sends none. Python's smtplib
    #: from the fast lane; STARTTLS with MAIL_USE_TLS, SMTPS with MAIL_USE_SSL.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_DEFAULT_SENDER = "TeleCME <noreply@localhost>"
    MAIL_TIMEOUT = 10


def load_config(app, config=None):
    """Layer the configuration onto ``app`` and check it."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("lms.cfg", silent=True)
    app.config.from_prefixed_env(prefix="LMS")
    if "DATABASE_URL" in app.config:
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config.pop("DATABASE_URL")
    if config:
        app.config.from_mapping(config)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        path = Path(app.instance_path) / "lms.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    if not app.config["MEDIA_DIR"]:
        app.config["MEDIA_DIR"] = str(Path(app.instance_path) / "media")
    if not app.config["LIVE_DIR"]:
        app.config["LIVE_DIR"] = str(Path(app.config["MEDIA_DIR"]) / "live")
    if not app.config["SEARCH_INDEX_DIR"]:
        app.config["SEARCH_INDEX_DIR"] = str(Path(app.instance_path) / "search-index")
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[11:]
    elif uri.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[13:]
    if uri.startswith("sqlite"):
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        # Writers wait for the lock (BEGIN IMMEDIATE) up to this long, even when
        # other connect_args are configured.
        connect_args = dict(options.get("connect_args", {}))
        connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT"])
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    check_config(app.config)


def check_config(config):
    """Refuse to start with settings that are unsafe or cannot work."""
    search = config.get("SEARCH_BACKEND") or "auto"
    if search not in ("auto", "sqlite", "postgresql", "whoosh"):
        raise ConfigError("SEARCH_BACKEND must be auto, sqlite, postgresql or whoosh")
    uri = config.get("SQLALCHEMY_DATABASE_URI") or ""
    if search == "postgresql" and not uri.startswith("postgresql"):
        raise ConfigError("SEARCH_BACKEND = 'postgresql' needs a PostgreSQL database")
    if config.get("TESTING"):
        return
    key = config.get("SECRET_KEY")
    if not key:
        raise ConfigError(
            "SECRET_KEY is not set. Put SECRET_KEY = '<random string>' in "
            "instance/lms.cfg or set LMS_SECRET_KEY; generate one with: "
            "python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    if str(key).lower() in WEAK_SECRET_KEYS or len(str(key)) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"SECRET_KEY is too weak: use at least {MIN_SECRET_KEY_LENGTH} random "
            "characters, e.g. python -c 'import secrets; print(secrets.token_hex(32))'"
        )


def instance_path_from_env():
    """The instance folder named by ``LMS_INSTANCE_PATH``, or None for Flask's."""
    path = os.environ.get("LMS_INSTANCE_PATH")
    return str(Path(path).resolve()) if path else None
