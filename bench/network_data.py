"""A network of the seed's size, written fast into an empty migrated database.

At ``scale=1.0``: a hub and 572 alliance hospitals (74 municipal, 338 county,
160 township, mostly in the western provinces), 1,000 lecturers at the hub, a
coordinator per hospital, 60,000 learners spread over the hospitals (a few
hundred per municipal hospital, tens per township one), ~400 approved recorded
courses with lectures, ~1,700 scheduled sessions over 2022-2026 with their days,
rooms reserved by hospitals, presences and outcomes, and enough enrolments that
the person-times (enrolments plus learners' session outcomes) total 2.1 million;
~60% of enrolments completed, each with its evaluation and credit line (a few
revoked), certificates for some (a few revoked), play sessions with the seconds
watched, and a few attendances recorded by coordinators.

Rows go in with the driver's own bulk paths (``executemany`` on SQLite, ``COPY``
on PostgreSQL), with explicit ids, using the tables' real columns, so every
check, unique index and foreign key of the schema holds. Columns the schema
gained that this module does not name are filled with their model defaults; the
snapshot ``hospital_id`` of learner rows is filled when the table has it.
Seeded: the same ``scale`` and ``seed`` give the same rows.

    from bench.network_data import generate
    summary = generate(engine, scale=0.01, seed=1)
"""

import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum

import sqlalchemy as sa

#: The seed network's size at scale 1.
MUNICIPAL, COUNTY, TOWNSHIP = 74, 338, 160
LECTURERS = 1000
LEARNERS = 60_000
COURSES = 400
SESSIONS = 1700
PERSON_TIMES = 2_100_000

#: Five years of activity, Beijing time (UTC+8, no DST).
BEIJING = timedelta(hours=8)
FIRST = datetime(2022, 1, 1, tzinfo=UTC) - BEIJING
LAST = datetime(2026, 11, 29, tzinfo=UTC) - BEIJING
FIRST_S = FIRST.timestamp()
LAST_S = LAST.timestamp()
DAY = 86400

#: Learners per hospital by tier (before a random spread of +-40%).
LEARNERS_PER_TIER = {"municipal": 300, "county": 100, "township": 25}
#: Western provinces get most hospitals; a few elsewhere.
PROVINCE_WEIGHTS = {
    "51": 22,
    "52": 10,
    "53": 10,
    "50": 8,
    "54": 5,
    "61": 6,
    "62": 6,
    "63": 3,
    "64": 3,
    "65": 6,
    "45": 5,
    "15": 4,
    "42": 1,
    "43": 1,
    "44": 1,
}
PROFESSIONS = {"doctor": 45, "nurse": 40, "technician": 8, "pharmacist": 5, "other": 2}
SESSION_KINDS = {
    "broadcast": 60,
    "group_viewing": 12,
    "onsite": 12,
    "skills": 6,
    "case_conference": 10,
}
SPECIALTIES = (
    "internal",
    "cardiology",
    "respiratory",
    "endocrinology",
    "neurology",
    "surgery",
    "orthopaedics",
    "obstetrics",
    "paediatrics",
    "emergency",
)
#: The order tables are written in (parents before children).
ORDER = (
    "hospitals",
    "users",
    "courses",
    "course_lecturers",
    "lectures",
    "scheduled_sessions",
    "session_lecturers",
    "session_days",
    "reservations",
    "credit_awards",
    "session_presences",
    "session_outcomes",
    "enrolments",
    "evaluations",
    "play_sessions",
    "certificates",
    "attendances",
)
#: Tables whose rows carry the learner's hospital (the snapshot column, last).
SNAPSHOT = {
    "enrolments",
    "credit_awards",
    "certificates",
    "play_sessions",
    "session_outcomes",
    "attendances",
}
FLUSH_ROWS = 50_000


class Writer:
    """Buffers rows per table and writes them in bulk, in ``ORDER``."""

    def __init__(self, engine):
        from lms import models  # noqa: F401  (every table on the metadata)
        from lms.db import db

        self.engine = engine
        self.dialect = engine.dialect.name
        self.metadata = db.metadata
        inspector = sa.inspect(engine)
        self.present = {
            t: {c["name"] for c in inspector.get_columns(t)}
            for t in inspector.get_table_names()
        }
        self.columns, self.extra, self.snapshot = {}, {}, {}
        self.buffers = defaultdict(list)
        self.pending = 0
        self.seconds = defaultdict(float)
        self.counts = defaultdict(int)
        self.raw = engine.raw_connection()
        if self.dialect == "sqlite":
            self.raw.execute("PRAGMA synchronous = OFF")
        else:
            # Foreign keys are checked by per-row triggers on PostgreSQL, which
            # more than double a load: a superuser's load skips them (replica
            # role). The rows are the same on SQLite, whose foreign keys are
            # checked row by row, so they hold; checks and unique indexes still
            # apply here.
            cursor = self.raw.cursor()
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET session_replication_role = replica")
            self.raw.commit()

    def has(self, table, column):
        return column in self.present.get(table, ())

    def dt(self, seconds):
        """A UTC instant (epoch seconds) as the column stores it."""
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))
        return stamp + (".000000" if self.dialect == "sqlite" else "+00")

    def table(self, name, columns):
        """Declare the columns ``add`` rows of ``name`` give, in order."""
        columns = tuple(
            c for c in columns if name not in SNAPSHOT or c != "hospital_id"
        )
        self.snapshot[name] = name in SNAPSHOT and not self.has(name, "hospital_id")
        if name in SNAPSHOT and self.has(name, "hospital_id"):
            columns += ("hospital_id",)
        extra_cols, extra_vals = [], []
        for column in self.metadata.tables[name].columns:
            if column.name in columns or column.name not in self.present[name]:
                continue
            value = self._default(name, column)
            if value is not _OMIT:
                extra_cols.append(column.name)
                extra_vals.append(value)
        self.columns[name] = columns + tuple(extra_cols)
        self.extra[name] = tuple(extra_vals)

    def _default(self, table, column):
        default = column.default
        if default is None:
            if column.server_default is not None or column.nullable:
                return _OMIT
            raise ValueError(f"{table}.{column.name} needs a value")
        if default.is_callable:
            if (
                isinstance(column.type, sa.DateTime)
                or column.type.__class__.__name__ == "UTCDateTime"
            ):
                raise ValueError(f"{table}.{column.name} needs a value")
            value = default.arg(None)
        else:
            value = default.arg
        if isinstance(value, Enum):
            value = value.value
        if isinstance(value, (list, dict)):
            value = json.dumps(value)
        return value

    def add(self, name, row):
        """One row: the declared columns' values, then the learner's hospital
        for a snapshot table (dropped while the schema has no such column)."""
        if self.snapshot[name]:
            row = row[:-1]
        self.buffers[name].append(row + self.extra[name] if self.extra[name] else row)
        self.pending += 1
        if self.pending >= FLUSH_ROWS:
            self.flush()

    def flush(self):
        cursor = self.raw.cursor()
        if self.dialect == "sqlite":
            cursor.execute("BEGIN")
        for name in ORDER:
            rows = self.buffers.pop(name, None)
            if not rows:
                continue
            started = time.perf_counter()
            columns = self.columns[name]
            names = ", ".join(columns)
            if self.dialect == "sqlite":
                marks = ", ".join("?" * len(columns))
                cursor.executemany(
                    f"INSERT INTO {name} ({names}) VALUES ({marks})", rows
                )
            else:
                with cursor.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            self.seconds[name] += time.perf_counter() - started
            self.counts[name] += len(rows)
        if self.dialect == "sqlite":
            cursor.execute("COMMIT")
        else:
            self.raw.commit()
        self.pending = 0

    def finish(self):
        self.flush()
        cursor = self.raw.cursor()
        if self.dialect == "postgresql":
            started = time.perf_counter()
            for name in ORDER:
                if "id" in self.present.get(name, ()):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"coalesce(max(id), 0) + 1, false) FROM {name}"
                    )
            cursor.execute("RESET session_replication_role")
            self.raw.commit()
            self.raw.autocommit = True
            cursor.execute("ANALYZE")
            self.raw.autocommit = False
            self.seconds["(sequences, analyze)"] = time.perf_counter() - started
        self.raw.close()


_OMIT = object()


@dataclass
class Network:
    """What was generated, for the caller's checks and the bench's queries."""

    scale: float
    seed: int
    hospitals_by_tier: dict = field(default_factory=dict)
    learners: int = 0
    lecturers: int = 0
    courses: int = 0
    sessions: int = 0
    enrolments: int = 0
    completions: int = 0
    learner_outcomes: int = 0
    course_class_hours: float = 0.0
    session_class_hours: float = 0.0
    counts: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    admin_id: int = 1
    admin_login: str = "admin@bench.example"

    @property
    def person_times(self):
        return self.enrolments + self.learner_outcomes


def _scaled(n, scale, least=1):
    return max(least, round(n * scale))


def _pick(rng, weights):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _beijing_date(seconds):
    return time.strftime("%Y-%m-%d", time.gmtime(seconds + 8 * 3600))


def _credits(hours, level, rule_set):
    """Credits of ``hours`` class hours, in steps of 0.5 rounded down (at least 0.5)."""
    per = 3 if rule_set == "CN-2024" or level == "national" else 6
    return max(0.5, int(hours / per * 2) / 2)


def _category(rule_set, level):
    if rule_set == "CN-2024":
        return "CME"
    return "I" if level in ("national", "provincial") else "II"


def generate(engine, scale=1.0, seed=1, log=print):
    """Write the network into the migrated, empty database of ``engine``."""
    rng = random.Random(seed)
    w = Writer(engine)
    net = Network(scale=scale, seed=seed)
    started = time.perf_counter()
    ts = w.dt

    # --- hospitals: the hub and the alliance ------------------------------------
    from lms.hospitals.network import PROVINCES_BY_CODE, TIER_NAMES_ZH, Tier

    w.table(
        "hospitals",
        (
            "id",
            "code",
            "name_zh",
            "name_en",
            "tier",
            "province_code",
            "city",
            "is_active",
            "created_dt",
        ),
    )
    tiers = [("hub", 1)] + [
        (t, _scaled(n, scale))
        for t, n in (
            ("municipal", MUNICIPAL),
            ("county", COUNTY),
            ("township", TOWNSHIP),
        )
    ]
    hospitals = []  # (id, tier, province)
    created = ts(FIRST_S - 400 * DAY)
    for tier, n in tiers:
        net.hospitals_by_tier[tier] = n
        for _ in range(n):
            hid = len(hospitals) + 1
            province = "51" if tier == "hub" else _pick(rng, PROVINCE_WEIGHTS)
            name = PROVINCES_BY_CODE[province].name_zh
            w.add(
                "hospitals",
                (
                    hid,
                    f"H{hid:04d}",
                    f"{name}{TIER_NAMES_ZH[Tier(tier)]}{hid}",
                    f"{PROVINCES_BY_CODE[province].name_en} {tier} hospital {hid}",
                    tier,
                    province,
                    f"City {hid % 40}",
                    True,
                    created,
                ),
            )
            hospitals.append((hid, tier, province))
    hub = 1

    # --- people ------------------------------------------------------------------
    w.table(
        "users",
        (
            "id",
            "login",
            "name",
            "password_hash",
            "role",
            "profession",
            "hospital_id",
            "is_active",
            "created_dt",
        ),
    )
    users = 0

    def user(login, name, role, profession, hospital_id):
        nonlocal users
        users += 1
        w.add(
            "users",
            (users, login, name, "!", role, profession, hospital_id, True, created),
        )
        return users

    net.admin_id = user(net.admin_login, "Office", "administrator", "other", None)
    n_lecturers = _scaled(LECTURERS, scale, 2)
    lecturers = [
        user(f"lecturer{i}@bench.example", f"讲师{i}", "lecturer", "doctor", hub)
        for i in range(n_lecturers)
    ]
    net.lecturers = n_lecturers
    coordinator = {
        hid: user(
            f"coordinator{hid}@bench.example",
            f"联络员{hid}",
            "site_coordinator",
            "other",
            hid,
        )
        for hid, tier, _ in hospitals
        if tier != "hub"
    }
    sites = [h for h in hospitals if h[1] != "hub"]
    weights = [LEARNERS_PER_TIER[t] * rng.uniform(0.6, 1.4) for _, t, _ in sites]
    n_learners = _scaled(LEARNERS, scale, len(sites))
    staff = defaultdict(list)  # hospital -> learner ids
    learner_hospital = {}
    # Every site has one learner at least; the others go by weight.
    homes = [h[0] for h in sites] + [
        h[0] for h in rng.choices(sites, weights=weights, k=n_learners - len(sites))
    ]
    professions = list(PROFESSIONS)
    for i, hid in enumerate(homes):
        profession = rng.choices(professions, weights=list(PROFESSIONS.values()))[0]
        uid = user(f"learner{i}@bench.example", f"学员{i}", "learner", profession, hid)
        staff[hid].append(uid)
        learner_hospital[uid] = hid
    learners = list(learner_hospital)
    net.learners = len(learners)

    # --- courses and lectures ------------------------------------------------------
    w.table(
        "courses",
        (
            "id",
            "title_zh",
            "title_en",
            "specialty",
            "target_professions",
            "project_number",
            "project_level",
            "format",
            "rule_set_code",
            "credit_category",
            "status",
            "owner_id",
            "created_dt",
            "submitted_dt",
            "approved_dt",
            "approved_by_id",
        ),
    )
    w.table("course_lecturers", ("course_id", "user_id"))
    w.table(
        "lectures",
        (
            "id",
            "course_id",
            "position",
            "title_zh",
            "lecturer_id",
            "duration_seconds",
            "media_status",
            "created_dt",
        ),
    )
    # A small network keeps enough courses for each learner's enrolments.
    n_courses = _scaled(COURSES, scale, 60)
    n_viewing = max(1, n_courses // 16)  # shown at group viewings only
    n_onsite = max(1, n_courses // 25)  # attendances recorded by coordinators
    courses = []  # dicts
    lecture_id = 0
    for cid in range(1, n_courses + 1):
        kind = "online"
        if cid <= n_viewing:
            kind = "viewing"
        elif cid <= n_viewing + n_onsite:
            kind = "onsite"
        approved = FIRST_S - 200 * DAY + (LAST_S - FIRST_S) * rng.random() * 0.95
        rule_set = (
            "CN-2024"
            if approved >= datetime(2025, 1, 1, tzinfo=UTC).timestamp()
            else "CN-2006"
        )
        level = rng.choices(
            ("national", "provincial", "municipal", "hospital"), (2, 3, 2, 3)
        )[0]
        owner = rng.choice(lecturers)
        lectures = []
        for position in range(rng.randint(2, 5)):
            lecture_id += 1
            seconds = float(rng.randint(25, 55) * 60)
            lectures.append((lecture_id, seconds))
            w.add(
                "lectures",
                (
                    lecture_id,
                    cid,
                    position,
                    f"第{position + 1}讲",
                    owner,
                    seconds,
                    "ready",
                    ts(approved - 20 * DAY),
                ),
            )
        hours = round(sum(s for _, s in lectures) / 60 / 50, 1)
        net.course_class_hours += hours
        course = {
            "id": cid,
            "kind": kind,
            "approved": approved,
            "rule_set": rule_set,
            "level": level,
            "lectures": lectures,
            "hours": hours,
            "title": f"课程{cid}",
            "project": f"2022-{cid:05d}",
            "category": _category(rule_set, level),
        }
        courses.append(course)
        w.add(
            "courses",
            (
                cid,
                course["title"],
                f"Course {cid}",
                rng.choice(SPECIALTIES),
                json.dumps(["doctor", "nurse"]),
                course["project"],
                level,
                "onsite" if kind == "onsite" else "recorded",
                rule_set,
                course["category"],
                "approved",
                owner,
                ts(approved - 30 * DAY),
                ts(approved - 10 * DAY),
                ts(approved),
                net.admin_id,
            ),
        )
        w.add("course_lecturers", (cid, owner))
    net.courses = n_courses

    # --- the credit ledger, shared by sessions, attendances and completions --------
    w.table(
        "credit_awards",
        (
            "id",
            "user_id",
            "course_id",
            "source",
            "title_zh",
            "session_id",
            "project_number",
            "project_level",
            "rule_set_code",
            "rule_set_version",
            "scale",
            "category",
            "class_hours",
            "credits",
            "activity_date",
            "year",
            "reason",
            "revokes_id",
            "created_dt",
        ),
    )
    award_id = 0
    learner_line = {}  # (user, course) -> award id, for viewings and attendances

    def award(
        user_id,
        course_id,
        source,
        title,
        session_id,
        project,
        level,
        rule_set,
        category,
        hours,
        at,
        hospital_id,
        revokes=None,
        credits=None,
    ):
        nonlocal award_id
        award_id += 1
        if credits is None:
            credits = _credits(hours, level, rule_set)
        day = _beijing_date(at)
        w.add(
            "credit_awards",
            (
                award_id,
                user_id,
                course_id,
                source,
                title,
                session_id,
                project,
                level,
                rule_set,
                2,
                "CN",
                category,
                hours,
                credits,
                day,
                int(day[:4]),
                "revoked: duplicate record" if revokes else "",
                revokes,
                ts(at),
                hospital_id,
            ),
        )
        return award_id

    # --- scheduled sessions ---------------------------------------------------------
    w.table(
        "scheduled_sessions",
        (
            "id",
            "kind",
            "title_zh",
            "state",
            "venue_hospital_id",
            "venue_room",
            "course_id",
            "capacity",
            "is_booking_required",
            "rule_set_code",
            "project_level",
            "credit_category",
            "project_number",
            "min_presence",
            "booking_closes_dt",
            "code_secret",
            "owner_id",
            "created_dt",
            "updated_dt",
            "approved_dt",
            "approved_by_id",
            "ended_dt",
            "credited_dt",
        ),
    )
    w.table("session_lecturers", ("session_id", "user_id"))
    w.table("session_days", ("id", "session_id", "starts_dt", "ends_dt"))
    w.table(
        "reservations",
        (
            "id",
            "session_id",
            "kind",
            "state",
            "user_id",
            "hospital_id",
            "seats",
            "room",
            "is_equipment_tested",
            "created_dt",
            "updated_dt",
        ),
    )
    w.table(
        "session_presences",
        (
            "id",
            "session_id",
            "day_id",
            "user_id",
            "hospital_id",
            "reservation_id",
            "source",
            "signed_in_dt",
            "signed_out_dt",
            "minutes",
            "updated_dt",
        ),
    )
    w.table(
        "session_outcomes",
        (
            "id",
            "session_id",
            "user_id",
            "role",
            "presence_minutes",
            "scheduled_minutes",
            "award_id",
            "reason",
            "created_dt",
            "hospital_id",
        ),
    )
    n_sessions = _scaled(SESSIONS, scale, 2)
    viewing_courses = [c for c in courses if c["kind"] == "viewing"]
    day_id = reservation_id = presence_id = outcome_id = 0
    # Distinct half-day slots (09:00 or 14:00 Beijing) over the five years.
    slots = sorted(
        rng.sample(range(int((LAST_S - FIRST_S) // DAY) * 2 - 4), n_sessions)
    )
    for sid, slot in enumerate(slots, 1):
        kind = _pick(rng, SESSION_KINDS)
        if sid <= 2:  # a small network still has a broadcast and a group viewing
            kind = ("broadcast", "group_viewing")[sid - 1]
        start = FIRST_S + (slot // 2) * DAY + (14 if slot % 2 else 9) * 3600
        n_days = 2 if rng.random() < 0.12 else 1
        length = rng.choice((45, 50, 60, 60, 90)) * 60
        days = []
        for d in range(n_days):
            day_id += 1
            days.append((day_id, start + d * DAY, start + d * DAY + length))
        end = days[-1][2]
        rule_set = (
            "CN-2024"
            if end >= datetime(2025, 1, 1, tzinfo=UTC).timestamp()
            else "CN-2006"
        )
        level = rng.choice(("national", "provincial", "hospital"))
        category = _category(rule_set, level)
        course = rng.choice(viewing_courses) if kind == "group_viewing" else None
        if kind in ("onsite", "group_viewing"):
            venue = rng.choice(sites)
            rooms = [venue]
        else:
            venue = hospitals[0]
            n_rooms = min(len(sites), max(1, int(rng.triangular(3, 45, 15))))
            if kind != "broadcast":
                n_rooms = min(len(sites), rng.randint(1, 6))
            rooms = rng.sample(sites, n_rooms)
        title = f"{course['title']}集体观看" if course else f"{kind}活动{sid}"
        project = f"S-{sid:05d}"
        hours = round(n_days * length / 60 / 50, 1)
        net.session_class_hours += hours
        w.add(
            "scheduled_sessions",
            (
                sid,
                kind,
                title,
                "ended",
                venue[0],
                "Room A",
                course["id"] if course else None,
                2000,
                False,
                rule_set,
                level,
                category,
                project,
                0.8,
                ts(start - 3600),
                f"{rng.getrandbits(256):064x}",
                rng.choice(lecturers),
                ts(start - 30 * DAY),
                ts(end + 3600),
                ts(start - 20 * DAY),
                net.admin_id,
                ts(end),
                ts(end + 600),
            ),
        )
        for day in days:
            w.add("session_days", (day[0], sid, ts(day[1]), ts(day[2])))
        teachers = rng.sample(lecturers, min(len(lecturers), rng.choice((1, 1, 2))))
        for lecturer in teachers:
            w.add("session_lecturers", (sid, lecturer))
        scheduled = n_days * length // 60
        for hid, _, _ in rooms:
            people = staff[hid]
            n = min(len(people), max(1, int(rng.triangular(3, 60, 20))))
            room = None
            if kind == "broadcast":
                reservation_id += 1
                room = reservation_id
                w.add(
                    "reservations",
                    (
                        room,
                        sid,
                        "room",
                        "booked",
                        coordinator[hid],
                        hid,
                        n + 2,
                        "Meeting room",
                        True,
                        ts(start - 10 * DAY),
                        ts(start - 10 * DAY),
                    ),
                )
            for uid in rng.sample(people, n):
                present = 0
                share = 1.0 if rng.random() < 0.85 else rng.uniform(0.3, 0.79)
                for did, day_start, _ in days:
                    minutes = int(length * share) // 60
                    presence_id += 1
                    w.add(
                        "session_presences",
                        (
                            presence_id,
                            sid,
                            did,
                            uid,
                            hid,
                            room,
                            "code" if rng.random() < 0.9 else "vouched",
                            ts(day_start - 300),
                            ts(day_start + minutes * 60),
                            minutes,
                            ts(day_start + minutes * 60),
                        ),
                    )
                    present += minutes
                line, reason = None, ""
                if present >= 0.8 * scheduled:
                    if course is not None:
                        line = learner_line.get((uid, course["id"]))
                    if line is None:
                        line = award(
                            uid,
                            course["id"] if course else None,
                            "attendance",
                            title,
                            sid,
                            project,
                            level,
                            rule_set,
                            category,
                            hours,
                            end + 600,
                            hid,
                        )
                        if course is not None:
                            learner_line[(uid, course["id"])] = line
                else:
                    needed = int(scheduled * 0.8)
                    reason = (
                        f"present {present} of {scheduled} minutes; {needed} needed"
                    )
                outcome_id += 1
                net.learner_outcomes += 1
                w.add(
                    "session_outcomes",
                    (
                        outcome_id,
                        sid,
                        uid,
                        "learner",
                        present,
                        scheduled,
                        line,
                        reason,
                        ts(end + 600),
                        hid,
                    ),
                )
        for lecturer in teachers:
            line, reason = (
                None,
                "a group viewing shows a recorded course: no live presenting",
            )
            if kind != "group_viewing":
                line, reason = (
                    award(
                        lecturer,
                        None,
                        "teaching",
                        title,
                        sid,
                        project,
                        level,
                        rule_set,
                        category,
                        hours,
                        end + 600,
                        hub,
                        credits=max(0.5, hours),
                    ),
                    "",
                )
            outcome_id += 1
            w.add(
                "session_outcomes",
                (
                    outcome_id,
                    sid,
                    lecturer,
                    "lecturer",
                    scheduled,
                    scheduled,
                    line,
                    reason,
                    ts(end + 600),
                    hub,
                ),
            )
    net.sessions = n_sessions

    # --- attendances recorded by coordinators (onsite-format courses) -------------
    w.table(
        "attendances",
        (
            "id",
            "user_id",
            "course_id",
            "session_date",
            "minutes",
            "award_id",
            "reason",
            "recorded_dt",
            "recorded_by_id",
            "hospital_id",
        ),
    )
    attendance_id = 0
    for course in (c for c in courses if c["kind"] == "onsite"):
        hid = rng.choice(sites)[0]
        on = max(course["approved"], FIRST_S) + rng.random() * (
            LAST_S - max(course["approved"], FIRST_S)
        )
        for uid in rng.sample(staff[hid], min(len(staff[hid]), 30)):
            line = award(
                uid,
                course["id"],
                "attendance",
                course["title"],
                None,
                course["project"],
                course["level"],
                course["rule_set"],
                course["category"],
                course["hours"],
                on + 3600,
                hid,
            )
            attendance_id += 1
            w.add(
                "attendances",
                (
                    attendance_id,
                    uid,
                    course["id"],
                    _beijing_date(on),
                    int(course["hours"] * 50),
                    line,
                    "",
                    ts(on + 3600),
                    coordinator[hid],
                    hid,
                ),
            )

    # --- enrolments, watching, completions, credits and certificates ----------------
    w.table(
        "enrolments",
        (
            "id",
            "course_id",
            "user_id",
            "enrolled_by_id",
            "enrolled_dt",
            "completed_dt",
            "hospital_id",
        ),
    )
    w.table(
        "evaluations",
        (
            "id",
            "enrolment_id",
            "course_quality",
            "lecturer_quality",
            "relevance",
            "comments",
            "submitted_dt",
        ),
    )
    w.table(
        "play_sessions",
        (
            "id",
            "token",
            "user_id",
            "lecture_id",
            "started_dt",
            "last_beat_dt",
            "last_seq",
            "credited_seconds",
            "hospital_id",
        ),
    )
    w.table(
        "certificates",
        (
            "id",
            "serial",
            "version",
            "user_id",
            "course_id",
            "award_id",
            "payload",
            "signature",
            "key_id",
            "issued_dt",
            "revoked_dt",
            "revoke_reason",
            "hospital_id",
        ),
    )
    online = [c for c in courses if c["kind"] == "online"]
    target = _scaled(PERSON_TIMES, scale) - net.learner_outcomes
    mean = max(0.0, target / len(learners))
    enrolment_id = play_id = certificate_id = 0
    signature = "0" * 128
    for uid in learners:
        hid = learner_hospital[uid]
        k = min(len(online), int(mean * rng.uniform(0.5, 1.5) + rng.random()))
        for course in rng.sample(online, k):
            enrolment_id += 1
            begin = max(course["approved"], FIRST_S)
            at = begin + rng.random() * (LAST_S - begin)
            done = None
            if rng.random() < 0.6:
                done = min(LAST_S, at + rng.uniform(3600, 45 * DAY))
            w.add(
                "enrolments",
                (
                    enrolment_id,
                    course["id"],
                    uid,
                    None,
                    ts(at),
                    ts(done) if done else None,
                    hid,
                ),
            )
            lectures = course["lectures"]
            watched = lectures if done else lectures[: rng.randint(1, len(lectures))]
            for lid, seconds in watched:
                play_id += 1
                credited = seconds if done else seconds * rng.uniform(0.1, 1.0)
                began = min(
                    LAST_S, at + rng.random() * ((done or at + 10 * DAY) - at) * 0.9
                )
                w.add(
                    "play_sessions",
                    (
                        play_id,
                        f"b{play_id:042d}",
                        uid,
                        lid,
                        ts(began),
                        ts(began + credited),
                        int(credited // 15),
                        round(credited, 1),
                        hid,
                    ),
                )
            if not done:
                continue
            net.completions += 1
            w.add(
                "evaluations",
                (
                    enrolment_id,
                    enrolment_id,
                    rng.choice((3, 4, 4, 5, 5)),
                    rng.choice((3, 4, 5, 5)),
                    rng.choice((3, 4, 4, 5)),
                    "",
                    ts(done),
                ),
            )
            line = award(
                uid,
                course["id"],
                "online",
                course["title"],
                None,
                course["project"],
                course["level"],
                course["rule_set"],
                course["category"],
                course["hours"],
                done,
                hid,
            )
            revoked = rng.random() < 0.002
            if revoked:
                award(
                    uid,
                    course["id"],
                    "online",
                    course["title"],
                    None,
                    course["project"],
                    course["level"],
                    course["rule_set"],
                    course["category"],
                    course["hours"],
                    done + DAY,
                    hid,
                    revokes=line,
                    credits=-_credits(
                        course["hours"], course["level"], course["rule_set"]
                    ),
                )
            if rng.random() < 0.3:
                certificate_id += 1
                cancelled = revoked or rng.random() < 0.01
                w.add(
                    "certificates",
                    (
                        certificate_id,
                        f"{rng.getrandbits(120):030x}",
                        1,
                        uid,
                        course["id"],
                        line,
                        json.dumps(
                            {"course": course["title"], "hours": course["hours"]}
                        ),
                        signature,
                        "bench",
                        ts(done + 600),
                        ts(done + DAY) if cancelled else None,
                        "revoked with its credits" if cancelled else "",
                        hid,
                    ),
                )
    net.enrolments = enrolment_id
    w.finish()
    net.counts = dict(w.counts)
    net.seconds = dict(w.seconds)
    net.seconds["total"] = time.perf_counter() - started
    if log:
        log(describe(net))
    return net


def describe(net):
    lines = [
        f"network at scale {net.scale} (seed {net.seed}): hospitals "
        + ", ".join(f"{t} {n}" for t, n in net.hospitals_by_tier.items())
        + f"; {net.lecturers} lecturers, {net.learners} learners,"
        f" {net.courses} courses, {net.sessions} sessions",
        f"  person-times {net.person_times:,} = enrolments {net.enrolments:,}"
        f" + learners' session outcomes {net.learner_outcomes:,};"
        f" completions {net.completions:,}"
        f" ({net.completions / max(1, net.enrolments):.0%})",
        f"  class hours: courses {net.course_class_hours:,.0f},"
        f" sessions {net.session_class_hours:,.0f},"
        f" together {net.course_class_hours + net.session_class_hours:,.0f}",
        "  rows and seconds by table:",
    ]
    for name in ORDER:
        if name in net.counts:
            lines.append(
                f"    {name:20} {net.counts[name]:>10,}"
                f"  {net.seconds.get(name, 0):7.1f} s"
            )
    for name, seconds in net.seconds.items():
        if name not in net.counts:
            lines.append(f"    {name:20} {'':>10}  {seconds:7.1f} s")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - a quick manual run
    import argparse
    import sys
    import tempfile
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from bench.reports import migrated_sqlite

    path = Path(tempfile.mkdtemp()) / "net.sqlite3"
    generate(migrated_sqlite(path), args.scale, args.seed)
