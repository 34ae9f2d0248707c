"""Fixtures: one app per test session, a database rolled back after each test,
the test client, the CLI runner, sign-in helpers and factories.

``pytest --db=postgresql`` runs the same tests on a real PostgreSQL server that
the session starts on loopback (``tests/services.py``); SQLite is the default.
"""

import contextvars
import itertools
import re
import secrets
import threading
import uuid
from pathlib import Path

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from werkzeug.serving import make_server

from tests import services

ROOT = Path(__file__).resolve().parent.parent
_counter = itertools.count(1)


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="database the app fixture runs on",
    )


def pytest_configure(config):
    if not hasattr(config, "workerinput"):
        compile_translations()


def pytest_collection_modifyitems(config, items):
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        if _picks_its_databases(item):
            item.add_marker(pytest.mark.once)
        if parts[0] in ("integration", "web"):
            item.add_marker(pytest.mark.db)
        if parts[0] == "browser":
            item.add_marker(pytest.mark.browser)


def _picks_its_databases(item):
    """A test parametrized over SQLite and PostgreSQL itself (``racing_app``):
    the SQLite run runs it on both already, so the PostgreSQL run need not."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return False
    for name in callspec.params:
        definitions = item._fixtureinfo.name2fixturedefs.get(name) or ()
        params = definitions[-1].params if definitions else None
        if params and "sqlite" in params and "postgresql" in params:
            return True
    return False


def compile_translations():
    """Compile the .po catalogs when their .mo is missing or older (as `make` does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (ROOT / "lms" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        tmp = mo.with_suffix(f".{uuid.uuid4().hex}.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog)
        tmp.replace(mo)


def unique(prefix="x"):
    return f"{prefix}{next(_counter)}{secrets.token_hex(3)}"


# --- real servers -------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server of this test session's own."""
    try:
        server = services.start_postgres()
    except services.ServiceUnavailable as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    try:
        server = services.start_redis()
    except services.ServiceUnavailable as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_server(app):
    """The session's app on a free loopback port, in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="session")
def rtmp_ingest(app, live_server):
    """nginx with the RTMP module, asking the session's live server about every
    push; the app's RTMP_PORT names its port."""
    try:
        server = services.start_rtmp_ingest(
            app.config["SECRET_KEY"], live_server, app.config["LIVE_UPDATE_SECONDS"]
        )
    except services.ServiceUnavailable as error:
        pytest.fail(str(error), pytrace=False)
    app.config["RTMP_PORT"] = server.port
    yield server
    server.stop()


# --- the app ------------------------------------------------------------------


def base_config(instance_path, database_url):
    return {
        "TESTING": True,
        "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "SERVER_NAME": None,
        # Tasks run in the test's own process at once; tests/integration/test_worker.py
        # runs the real worker.
        "QUEUE_IMMEDIATE": True,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # nginx asks about a push every 2 s (10 s deployed): a cut push ends sooner.
        "LIVE_UPDATE_SECONDS": 2,
        "INSTANCE_PATH": str(instance_path),
    }


def make_app(instance_path, database_url, **overrides):
    """A new app on ``database_url``, its schema upgraded to head."""
    from flask_migrate import upgrade

    from lms import create_app

    app = create_app({**base_config(instance_path, database_url), **overrides})
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    if request.config.getoption("--db") == "postgresql":
        server = request.getfixturevalue("postgres")
        return server.create_database(unique("telecme_test_"))
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'lms.sqlite3'}"


class IsolatedClient(FlaskClient):
    """A test client whose every request gets an app context of its own.

    Flask reuses an app context that is already pushed (the ``db`` fixture pushes
    one), which would carry ``g`` (the signed-in user, the locale) from one
    request to the next; a browser never sees that, so neither should a test.
    """

    def open(self, *args, **kwargs):
        def request_in_fresh_context():
            _cv_app.set(None)
            return FlaskClient.open(self, *args, **kwargs)

        return contextvars.copy_context().run(request_in_fresh_context)


@pytest.fixture(scope="session")
def app(tmp_path_factory, database_url):
    instance = tmp_path_factory.mktemp("instance")
    app = make_app(instance, database_url)
    app.test_client_class = IsolatedClient
    yield app
    from lms.db import db

    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_state(request, tmp_path):
    """Rate-limit counters at zero and an empty search index in every test."""
    if "app" not in request.fixturenames:
        yield
        return
    from lms import queue
    from lms.extensions import limiter

    app = request.getfixturevalue("app")
    with app.app_context():
        limiter.reset()
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "search-index")
    app.config["MEDIA_DIR"] = str(tmp_path / "media")
    app.extensions.pop("telecme_search", None)
    queue.init_app(app)  # process-wide: another test's app may have moved it
    yield


class _ConnectionBoundSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy picks an engine per model; tests use their connection."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture
def db(app):
    """The database, inside a transaction rolled back after the test.

    Requests made during the test share the connection; their commits end
    SAVEPOINTs, so nothing outlives the test.
    """
    from lms.db import db as _db

    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        _db.session = _db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": _ConnectionBoundSession,
            }
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


# --- factories ----------------------------------------------------------------


@pytest.fixture
def create_hospital(db):
    from lms.hospitals.network import Tier
    from lms.hospitals.operations import create_hospital as _create

    def factory(**kw):
        values = {
            "code": unique("H"),
            "name_zh": "测试县人民医院",
            "name_en": "Test County People's Hospital",
            "tier": Tier.COUNTY,
            "province_code": "51",
            "city": "成都",
        }
        values.update(kw)
        return _create(**values)

    return factory


@pytest.fixture
def create_user(db, create_hospital):
    from lms.accounts.operations import create_user as _create
    from lms.accounts.roles import Role

    def factory(**kw):
        values = {
            "login": f"{unique('user')}@example.org",
            "name": "测试用户",
            "password": "correct-horse-battery",
            "role": Role.LEARNER,
        }
        values.update(kw)
        if "hospital" not in kw and values["role"] != Role.ADMINISTRATOR:
            values["hospital"] = create_hospital()
        return _create(**values)

    return factory


# --- signing in ---------------------------------------------------------------

CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_token_from(html):
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def csrf_token(self, path="/login"):
        return csrf_token_from(self.client.get(path).get_data(as_text=True))

    def login(self, login, password="correct-horse-battery"):
        token = self.csrf_token("/login")
        return self.client.post(
            "/login",
            data={"login": login, "password": password, "csrf_token": token},
        )

    def logout(self):
        token = self.csrf_token("/")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)


# --- courses ------------------------------------------------------------------


def sample_questions(count):
    """``count`` single-choice questions whose right answer is the option "对"."""
    return [
        {
            "text_zh": f"第{i + 1}题：高血压的诊断标准？",
            "text_en": f"Question {i + 1}: the threshold for hypertension?",
            "options": [
                {"text_zh": "对", "text_en": "right", "is_correct": True},
                {"text_zh": "错一", "text_en": "wrong one"},
                {"text_zh": "错二", "text_en": "wrong two"},
            ],
        }
        for i in range(count)
    ]


@pytest.fixture
def create_course(db, create_user):
    """An approved course with lectures (durations in seconds) and questions."""
    from courses import operations as ops
    from lms.accounts.roles import Role
    from lms.db import utcnow
    from media_pipeline.states import MediaStatus

    def factory(
        durations=(30.0, 20.0), questions=3, status="approved", lecturer=None, **fields
    ):
        lecturer = lecturer or create_user(role=Role.LECTURER, name="授课专家")
        admin = create_user(role=Role.ADMINISTRATOR)
        fields.setdefault("title_zh", "高血压基层管理")
        fields.setdefault("title_en", "Hypertension in primary care")
        fields.setdefault("specialty", "cardiology")
        course = ops.create_course(lecturer, **fields)
        for i, duration in enumerate(durations):
            lecture = ops.add_lecture(
                course,
                lecturer,
                title_zh=f"第{i + 1}讲",
                title_en=f"Lecture {i + 1}",
                duration_seconds=duration,
            )
            # As if its recording were transcoded: only ready media is playable.
            lecture.media_status = MediaStatus.READY
        for question in sample_questions(questions):
            ops.add_question(course, lecturer, **question)
        if status in ("submitted", "approved"):
            ops.change_course_status(course, lecturer, "submit", utcnow())
        if status == "approved":
            ops.change_course_status(
                course,
                admin,
                "approve",
                utcnow(),
                approval={"project_number": "2026-04-01-001"},
            )
        return course

    return factory


@pytest.fixture
def api_token(db):
    """A bearer-token header for a user (the API's own way in)."""
    from datetime import timedelta

    from lms.accounts.operations import issue_api_token

    def factory(user):
        issued = issue_api_token(user, lifetime=timedelta(hours=1))
        return {"Authorization": f"Bearer {issued.token}"}

    return factory


def backdate_play_session(token, seconds):
    """Move a play session's start, and its learner's watch budget, into the
    past, as if watched for ``seconds``."""
    from datetime import timedelta

    import sqlalchemy as sa

    from courses.models import PlaySession, WatchBudget
    from lms.db import db

    session = db.session.scalar(sa.select(PlaySession).filter_by(token=token))
    session.started_dt -= timedelta(seconds=seconds)
    budget = db.session.get(WatchBudget, session.user_id)
    budget.credited_until_dt -= timedelta(seconds=seconds)
    db.session.flush()


@pytest.fixture
def create_scheduled_session(db, create_user, create_hospital):
    """A scheduled session as rows (open for booking unless ``state`` says
    otherwise): ``days`` are (start, end) aware datetimes; by default one
    two-hour day starting an hour from now."""
    import secrets
    from datetime import timedelta
    from decimal import Decimal

    from courses.sessions.models import ScheduledSession, SessionDay
    from courses.sessions.states import SessionKind, SessionState
    from lms.accounts.roles import Role
    from lms.db import utcnow
    from lms.enums import ProjectLevel
    from lms.hospitals.network import Tier

    def factory(
        *,
        days=None,
        owner=None,
        venue=None,
        lecturers=(),
        state=SessionState.OPEN,
        kind=SessionKind.BROADCAST,
        capacity=30,
        **fields,
    ):
        now = utcnow().replace(microsecond=0)
        if days is None:
            start = now + timedelta(hours=1)
            days = [(start, start + timedelta(hours=2))]
        owner = owner or create_user(role=Role.LECTURER, name="授课专家")
        venue = venue or create_hospital(tier=Tier.HUB)
        fields.setdefault("title_zh", "基层卒中识别直播课")
        fields.setdefault("title_en", "Stroke recognition, live")
        fields.setdefault("rule_set_code", "CN-2024")
        fields.setdefault("credit_category", "CME")
        fields.setdefault("project_level", ProjectLevel.PROVINCIAL)
        fields.setdefault("project_number", "2026-51-01-001")
        fields.setdefault("min_presence", Decimal("0.80"))
        session = ScheduledSession(
            kind=kind,
            state=state,
            owner_id=owner.id,
            venue_hospital_id=venue.id,
            capacity=capacity,
            code_secret=secrets.token_hex(32),
            approved_dt=now if state != SessionState.PLANNED else None,
            **fields,
        )
        session.lecturers = [owner, *lecturers]
        session.days = [SessionDay(starts_dt=s, ends_dt=e) for s, e in days]
        db.session.add(session)
        db.session.flush()
        return session

    return factory


@pytest.fixture(params=["sqlite", "postgresql"])
def racing_app(request, tmp_path):
    """An app with a database of its own, on SQLite and on PostgreSQL, for races
    run with real threads (a connection per thread: a pool big enough for 20)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database(unique("race_"))
    options = {"pool_size": 24} if request.param == "postgresql" else {}
    app = make_app(tmp_path, url, SQLALCHEMY_ENGINE_OPTIONS=options)
    yield app
    from lms.db import db as _db

    with app.app_context():
        _db.engine.dispose()
