"""The reports bench's network generator (``bench/network_data.py``) at a tiny
scale: the network it promises, on a migrated database of its own."""

import pytest
import sqlalchemy as sa

from bench.network_data import COUNTY, MUNICIPAL, PERSON_TIMES, TOWNSHIP, generate
from bench.reports import migrated

SCALE = 0.01


#: A database of its own (the generator writes explicit ids): the SQLite run only.
pytestmark = pytest.mark.once


def test_generated_network_has_the_promised_shape(tmp_path):
    _app, engine = migrated(f"sqlite:///{tmp_path / 'network.sqlite3'}", tmp_path)
    net = generate(engine, scale=SCALE, seed=3, log=None)

    def one(sql):
        with engine.connect() as connection:
            return connection.execute(sa.text(sql)).scalar()

    def rows(sql):
        with engine.connect() as connection:
            return dict(connection.execute(sa.text(sql)).all())

    tiers = rows("SELECT tier, count(*) FROM hospitals GROUP BY tier")
    assert tiers == {
        "hub": 1,
        "municipal": round(MUNICIPAL * SCALE),
        "county": round(COUNTY * SCALE),
        "township": round(TOWNSHIP * SCALE),
    }
    assert tiers == net.hospitals_by_tier
    # Lecturers at the hub; every learner at an alliance hospital.
    assert rows(
        "SELECT h.tier, count(*) FROM users u JOIN hospitals h "
        "ON h.id = u.hospital_id WHERE u.role = 'lecturer' GROUP BY h.tier"
    ) == {"hub": net.lecturers}
    assert (
        one(
            "SELECT count(*) FROM users u JOIN hospitals h ON h.id = u.hospital_id "
            "WHERE u.role = 'learner' AND h.tier <> 'hub'"
        )
        == net.learners
        == round(60_000 * SCALE)
    )

    enrolments = one("SELECT count(*) FROM enrolments")
    outcomes = one("SELECT count(*) FROM session_outcomes WHERE role = 'learner'")
    assert (enrolments, outcomes) == (net.enrolments, net.learner_outcomes)
    assert net.person_times == enrolments + outcomes
    assert abs(net.person_times - PERSON_TIMES * SCALE) < 0.03 * PERSON_TIMES * SCALE
    assert outcomes > 0.05 * net.person_times

    completions = one("SELECT count(*) FROM enrolments WHERE completed_dt IS NOT NULL")
    assert completions == net.completions
    assert 0.55 < completions / enrolments < 0.65
    # Every completion has its evaluation and its one online line.
    assert one("SELECT count(*) FROM evaluations") == completions
    assert (
        one(
            "SELECT count(*) FROM credit_awards "
            "WHERE source = 'online' AND revokes_id IS NULL"
        )
        == completions
    )
    # Five years of activity, in Beijing time.
    years = rows("SELECT year, count(*) FROM credit_awards GROUP BY year")
    assert set(years) == {2022, 2023, 2024, 2025, 2026}
    assert one("SELECT count(*) FROM certificates") > 0.2 * completions
    assert one("SELECT count(*) FROM play_sessions WHERE credited_seconds > 0") > 0

    # The learner's hospital on the rows that keep it (once the schema has it).
    inspector = sa.inspect(engine)
    for table in (
        "enrolments",
        "credit_awards",
        "certificates",
        "play_sessions",
        "session_outcomes",
        "attendances",
    ):
        if "hospital_id" not in {c["name"] for c in inspector.get_columns(table)}:
            continue
        assert not one(
            f"SELECT count(*) FROM {table} t JOIN users u ON u.id = t.user_id "
            "WHERE t.hospital_id IS NULL OR t.hospital_id <> u.hospital_id"
        ), table
    engine.dispose()
