"""Counting attempts at signing in and registering, where every process sees them.

The web pages and ``POST /api/v1/auth/token`` call the same functions, so they
share counters; so do all gunicorn workers and the app after a restart. Counts
are kept in the app's database (``throttle_hits``, one row per attempt), or in
Redis when ``RATELIMIT_STORAGE_URL`` (or else a Redis ``QUEUE_URL``) names one,
through the ``limits`` library that Flask-Limiter is built on. Both count in a
moving window: "5 per minute" means no more than 5 in any 60 seconds.

A sign-in is counted under the normalised login (every spelling of an account
shares one counter, :func:`lms.accounts.logins.login_key`) and under the client
address (an IPv6 client's /64), which is ``X-Forwarded-For`` only when
``PROXY_FIX_X_FOR`` trusts a proxy.
"""

import hashlib
import math
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from lms.accounts.logins import address_key, login_key
from lms.accounts.models import ThrottleHit
from lms.db import db, utcnow

#: Counters that are checked before a sign-in, with the setting holding their limits.
LOGIN_COUNTERS = (
    ("login-account", "LOGIN_RATE_LIMIT"),
    ("login-address", "LOGIN_ADDRESS_RATE_LIMIT"),
)
REGISTER_COUNTERS = (
    ("register-account", "REGISTER_LOGIN_RATE_LIMIT"),
    ("register-address", "REGISTER_RATE_LIMIT"),
)
#: Reset links asked for: as few as registrations (each may send an email).
RESET_COUNTERS = (
    ("reset-account", "REGISTER_LOGIN_RATE_LIMIT"),
    ("reset-address", "REGISTER_RATE_LIMIT"),
)
#: Wrong room codes typed or scanned at sessions' sign-in and sign-out, per
#: person (a hall behind one address is many people typing now and then).
ROOM_CODE_COUNTERS = (("room-code-account", "ROOM_CODE_RATE_LIMIT"),)
#: Rows older than this are deleted whatever their window (the longest we allow).
KEEP_HITS = timedelta(days=1)


def login_wait(login, address):
    """Seconds until ``login`` may be tried again from ``address``; 0 means now."""
    return _wait(LOGIN_COUNTERS, _keys(login, address))


def record_failed_login(login, address):
    """Count a refused sign-in against the login and the address (flushes)."""
    _hit(LOGIN_COUNTERS, _keys(login, address))


def record_signed_in(login):
    """A right password ends the login's count (the address keeps its count)."""
    _store().clear("login-account", login_key(login), _limits("LOGIN_RATE_LIMIT"))


def registration_wait(login, address):
    """Seconds until a registration for ``login`` from ``address`` may be tried."""
    return _wait(REGISTER_COUNTERS, _keys(login, address))


def record_registration(login, address):
    """Count a registration attempt, whatever its outcome (flushes)."""
    _hit(REGISTER_COUNTERS, _keys(login, address))


def reset_wait(login, address):
    """Seconds until another reset link may be asked for ``login`` from ``address``."""
    return _wait(RESET_COUNTERS, _keys(login, address))


def record_reset_request(login, address):
    """Count a reset link asked for, whether or not the login exists (flushes)."""
    _hit(RESET_COUNTERS, _keys(login, address))


def room_code_wait(user_id):
    """Seconds until ``user_id`` may try a room code again."""
    return _wait(ROOM_CODE_COUNTERS, (f"user:{user_id}",))


def record_wrong_room_code(user_id):
    """Count a wrong or expired room code (flushes; the caller commits)."""
    _hit(ROOM_CODE_COUNTERS, (f"user:{user_id}",))


def _keys(login, address):
    return (login_key(login), address_key(address))


def _wait(counters, keys):
    store = _store()
    return max(
        store.wait(scope, key, _limits(setting))
        for (scope, setting), key in zip(counters, keys, strict=True)
    )


def _hit(counters, keys):
    store = _store()
    for (scope, setting), key in zip(counters, keys, strict=True):
        store.hit(scope, key, _limits(setting))


def _limits(setting):
    return tuple(parse_many(current_app.config[setting]))


def _store():
    app = current_app._get_current_object()
    store = app.extensions.get("telecme_throttle")
    if store is None:
        url = storage_url(app.config)
        store = LimitsStore(url) if url else DatabaseStore()
        app.extensions["telecme_throttle"] = store
    return store


def storage_url(config):
    """The Redis (or other ``limits``) URL counters live at; "" for the database."""
    url = config.get("RATELIMIT_STORAGE_URL") or ""
    if url == "database":
        return ""
    legacy = str(config.get("RATELIMIT_STORAGE_URI") or "")
    if not url and not legacy.startswith("memory"):
        url = legacy  # Flask-Limiter's setting, as configured before
    if not url and str(config.get("QUEUE_URL") or "").startswith(("redis", "rediss")):
        url = config["QUEUE_URL"]
    return url


class DatabaseStore:
    """Counters as rows of ``throttle_hits`` in the app's own database."""

    def wait(self, scope, key, items):
        now = utcnow()
        key_hash = _hash(key)
        _lock(scope, key_hash)
        wait = 0
        for item in items:
            window = timedelta(seconds=item.get_expiry())
            recent = db.session.scalars(
                sa.select(ThrottleHit.created_dt)
                .where(
                    ThrottleHit.scope == scope,
                    ThrottleHit.key_hash == key_hash,
                    ThrottleHit.created_dt > now - window,
                )
                .order_by(ThrottleHit.created_dt.desc())
                .limit(item.amount)
            ).all()
            if len(recent) >= item.amount:
                # The window frees a place when the oldest of these leaves it.
                wait = max(wait, (recent[-1] + window - now).total_seconds())
        return math.ceil(wait)

    def hit(self, scope, key, items):
        now = utcnow()
        db.session.execute(
            sa.delete(ThrottleHit).where(ThrottleHit.created_dt < now - KEEP_HITS)
        )
        db.session.add(ThrottleHit(scope=scope, key_hash=_hash(key), created_dt=now))
        db.session.flush()

    def clear(self, scope, key, items):
        db.session.execute(
            sa.delete(ThrottleHit).where(
                ThrottleHit.scope == scope, ThrottleHit.key_hash == _hash(key)
            )
        )


class LimitsStore:
    """Counters in Redis (or any ``limits`` storage), in a moving window."""

    def __init__(self, url):
        self.limiter = MovingWindowRateLimiter(storage_from_string(url))

    def wait(self, scope, key, items):
        now = utcnow().timestamp()
        wait = 0
        for item in items:
            if not self.limiter.test(item, "telecme", scope, _hash(key)):
                stats = self.limiter.get_window_stats(
                    item, "telecme", scope, _hash(key)
                )
                wait = max(wait, stats.reset_time - now)
        return math.ceil(max(wait, 1)) if wait else 0

    def hit(self, scope, key, items):
        for item in items:
            self.limiter.hit(item, "telecme", scope, _hash(key))

    def clear(self, scope, key, items):
        for item in items:
            self.limiter.clear(item, "telecme", scope, _hash(key))


def _hash(key):
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _lock(scope, key_hash):
    """Serialise attempts at one key on PostgreSQL (SQLite's writers are
    serialised already: every POST takes the write lock first)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.select(sa.func.pg_advisory_xact_lock(int(key_hash[:15], 16)))
        )
