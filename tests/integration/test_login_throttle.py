"""Failed sign-ins are counted per normalised login and per client address, in
storage every process shares (the database by default), by the web page and
the API together (issue 9, item 5)."""

import json
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import ROOT, csrf_token_from, make_app, unique

LOGIN = "wang.throttle@example.cn"
PASSWORD = "right-password-1"


@pytest.fixture
def database(request, tmp_path):
    """A database of this test's own, committed to (apps come and go on it)."""
    if request.config.getoption("--db") == "postgresql":
        return request.getfixturevalue("postgres").create_database(unique("throttle_"))
    return f"sqlite:///{tmp_path / 'throttle.sqlite3'}"


def new_app(tmp_path, database, **overrides):
    limits = {"LOGIN_RATE_LIMIT": "3 per minute", "LOGIN_ADDRESS_RATE_LIMIT": "99/hour"}
    return make_app(tmp_path, database, **{**limits, **overrides})


def add_learner(app, login=LOGIN):
    from lms.accounts.operations import create_user
    from lms.db import db
    from lms.hospitals.operations import create_hospital

    with app.app_context():
        hospital = create_hospital(
            code=unique("T"), name_zh="节流医院", tier="county", province_code="51"
        )
        create_user(login=login, name="王", password=PASSWORD, hospital=hospital)
        db.session.commit()


def web_login(client, login, password, address="10.0.0.1", headers=None):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login",
        data={"login": login, "password": password, "csrf_token": token},
        environ_overrides={"REMOTE_ADDR": address},
        headers=headers or {},
    )


def api_login(client, login, password, address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        json={"login": login, "password": password},
        environ_overrides={"REMOTE_ADDR": address},
    )


def test_full_width_spellings_of_a_login_share_one_counter(tmp_path, database):
    app = new_app(tmp_path, database)
    add_learner(app)
    client = app.test_client()
    spellings = [
        "ＷＡＮＧ.ＴＨＲＯＴＴＬＥ＠ｅｘａｍｐｌｅ．ｃｎ",
        " Wang.Throttle@Example.CN ",
        "ｗａｎｇ.ｔｈｒｏｔｔｌｅ@example.cn",
    ]
    for i, spelling in enumerate(spellings):
        assert (
            web_login(client, spelling, "wrong-guess", f"10.0.1.{i}").status_code == 200
        )
    response = web_login(client, LOGIN, PASSWORD, "10.0.1.99")
    assert response.status_code == 429
    assert "wait 1 minute" in response.get_data(as_text=True) or "分钟" in (
        response.get_data(as_text=True)
    )


def test_the_web_page_and_the_api_share_the_counter(tmp_path, database):
    app = new_app(tmp_path, database)
    add_learner(app)
    client = app.test_client()
    assert web_login(client, LOGIN, "wrong-guess", "10.0.2.1").status_code == 200
    assert api_login(client, LOGIN, "wrong-guess", "10.0.2.2").status_code == 401
    assert (
        api_login(client, "ＷＡＮＧ.throttle@example.cn", "x", "10.0.2.3").status_code
        == 401
    )

    limited = api_login(client, LOGIN, PASSWORD, "10.0.2.4")
    assert limited.status_code == 429
    assert limited.json["error"]["code"] == "too_many_requests"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert web_login(client, LOGIN, PASSWORD, "10.0.2.5").status_code == 429


def test_a_limited_sign_in_says_the_same_for_known_and_unknown_logins(
    tmp_path, database
):
    app = new_app(tmp_path, database, BABEL_DEFAULT_LOCALE="en")
    add_learner(app)
    client = app.test_client()
    answers = []
    for login in (LOGIN, "nobody.here@example.cn"):
        for _ in range(3):
            api_login(client, login, "wrong-guess", "10.0.3.1")
        answers.append(api_login(client, login, "wrong-guess", "10.0.3.1"))
    known, unknown = answers
    assert known.status_code == unknown.status_code == 429
    assert known.json["error"]["message"] == unknown.json["error"]["message"]
    assert "wait 1 minute" in known.json["error"]["message"]


def test_a_restart_does_not_reset_the_counter(tmp_path, database):
    before = new_app(tmp_path, database)
    add_learner(before)
    for _ in range(3):
        assert api_login(before.test_client(), LOGIN, "wrong").status_code == 401
    from lms.db import db

    with before.app_context():
        db.engine.dispose()

    after = new_app(tmp_path, database)
    assert api_login(after.test_client(), LOGIN, PASSWORD).status_code == 429


SIGN_IN_IN_ANOTHER_PROCESS = textwrap.dedent(
    f"""
    import json, secrets, sys
    from lms import create_app

    database, password, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    app = create_app({{
        "TESTING": True,
        "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": database,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "INSTANCE_PATH": sys.argv[4],
        "QUEUE_IMMEDIATE": True,
        "LOGIN_RATE_LIMIT": "3 per minute",
    }})
    client = app.test_client()
    codes = [
        client.post(
            "/api/v1/auth/token",
            json={{"login": "{LOGIN}", "password": password}},
        ).status_code
        for _ in range(count)
    ]
    print(json.dumps(codes))
    """
)


def sign_in_in_another_process(database, password, count, instance):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            SIGN_IN_IN_ANOTHER_PROCESS,
            database,
            password,
            str(count),
            str(instance),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_processes_on_one_database_share_the_counter(tmp_path, database):
    """Like two gunicorn workers: each process has its own memory, not its own count."""
    add_learner(new_app(tmp_path, database))
    assert sign_in_in_another_process(database, "wrong", 3, tmp_path) == [401] * 3
    assert sign_in_in_another_process(database, PASSWORD, 1, tmp_path) == [429]


def test_forwarded_for_is_ignored_without_proxy_fix(tmp_path, database):
    app = new_app(tmp_path, database, LOGIN_ADDRESS_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for i in range(3):
        forged = {"X-Forwarded-For": f"203.0.113.{i}"}
        assert (
            web_login(client, f"a{i}@example.cn", "x", headers=forged).status_code
            == 200
        )
    response = web_login(
        client, "fresh@example.cn", "x", headers={"X-Forwarded-For": "203.0.113.99"}
    )
    assert response.status_code == 429


def test_forwarded_for_names_the_client_with_proxy_fix(tmp_path, database):
    app = new_app(
        tmp_path, database, LOGIN_ADDRESS_RATE_LIMIT="3 per minute", PROXY_FIX_X_FOR=1
    )
    client = app.test_client()
    # Three clients behind the one proxy address: each has a count of its own.
    for i in range(3):
        forwarded = {"X-Forwarded-For": f"203.0.113.{i}"}
        for _ in range(2):
            response = web_login(
                client, unique("b") + "@example.cn", "x", headers=forwarded
            )
            assert response.status_code == 200
    # One client past its limit is refused, whatever login it tries.
    forwarded = {"X-Forwarded-For": "203.0.113.0"}
    assert web_login(client, "c@example.cn", "x", headers=forwarded).status_code == 200
    assert web_login(client, "d@example.cn", "x", headers=forwarded).status_code == 429


def test_a_burst_of_parallel_guesses_gets_no_more_than_the_limit(tmp_path, database):
    """Attempts at one login are serialised (SQLite's write lock, PostgreSQL's
    advisory lock), so a burst cannot slip past the count between check and hit."""
    app = new_app(tmp_path, database)
    add_learner(app)
    barrier = threading.Barrier(8)

    def guess(i):
        client = app.test_client()
        barrier.wait()
        return api_login(client, LOGIN, f"wrong-guess-{i}", f"10.0.4.{i}").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = sorted(pool.map(guess, range(8)))
    assert codes == [401] * 3 + [429] * 5


def test_counters_in_redis_are_shared_by_apps_on_different_databases(
    tmp_path, redis_server
):
    login = unique("redis") + "@example.cn"
    apps = [
        new_app(
            tmp_path / name,
            f"sqlite:///{tmp_path / name}.sqlite3",
            RATELIMIT_STORAGE_URL=redis_server.url,
        )
        for name in ("one", "two")
    ]
    for app in apps:
        add_learner(app, login)
    web = apps[0].test_client()
    for spelling in (login.upper(), login, " " + login):
        assert web_login(web, spelling, "wrong-guess").status_code == 200
    limited = api_login(apps[1].test_client(), login, PASSWORD, "10.0.5.1")
    assert limited.status_code == 429
    from lms.accounts.models import ThrottleHit
    from lms.db import db

    with apps[0].app_context():
        assert db.session.query(ThrottleHit).count() == 0
