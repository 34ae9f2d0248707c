"""schemathesis against the live app's own OpenAPI document (issue 12).

The app is served on a loopback port with a database of its own (a learner,
a lecturer, an administrator, a published course with a certificate); every
operation is fuzzed as each of them, bounded (a fixed seed, a few examples per
operation) so it fits in CI. What counts as a failure: a server error, a
status the document does not declare for the operation, a response that does
not match its declared schema or content type.
"""

import contextlib
import threading
from collections import Counter
from datetime import timedelta

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from tests.conftest import make_app, sample_questions, unique

pytestmark = pytest.mark.db

#: Examples generated per operation and role (a fixed seed: derandomized).
EXAMPLES = 12
REVOKE = "/api/v1/auth/token"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def seed(app):
    """Three roles, a published course their tokens can reach, a certificate."""
    from certificates import operations as cert_ops
    from certificates.keys import current_issuer
    from courses import operations as ops
    from lms.accounts.operations import create_user, issue_api_token
    from lms.accounts.roles import Role
    from lms.db import db, utcnow
    from lms.hospitals.network import Tier
    from lms.hospitals.operations import create_hospital
    from media_pipeline.states import MediaStatus

    with app.app_context():
        hospital = create_hospital(
            code=unique("H"),
            name_zh="测试县人民医院",
            name_en="Test County People's Hospital",
            tier=Tier.COUNTY,
            province_code="51",
            city="成都",
        )

        def user(role):
            return create_user(
                login=f"{unique(role.value)}@example.org",
                name="测试用户",
                password="correct-horse-battery",
                role=role,
                hospital=None if role == Role.ADMINISTRATOR else hospital,
            )

        learner, lecturer = user(Role.LEARNER), user(Role.LECTURER)
        admin = user(Role.ADMINISTRATOR)
        course = ops.create_course(
            lecturer,
            title_zh="高血压基层管理",
            title_en="Hypertension in primary care",
            specialty="cardiology",
        )
        for i in range(2):
            lecture = ops.add_lecture(
                course, lecturer, title_zh=f"第{i + 1}讲", duration_seconds=30.0
            )
            lecture.media_status = MediaStatus.READY
        for question in sample_questions(3):
            ops.add_question(course, lecturer, **question)
        ops.change_course_status(course, lecturer, "submit", utcnow())
        ops.change_course_status(
            course,
            admin,
            "approve",
            utcnow(),
            approval={"project_number": "2026-04-01-001"},
        )
        ops.enrol(course, learner, utcnow())
        draft = ops.create_course(lecturer, title_zh="草稿课程", specialty="cardiology")
        ops.add_lecture(draft, lecturer, title_zh="第1讲", duration_seconds=30.0)
        db.session.flush()
        certificate = None
        try:  # a certificate to read and verify (the course is not completed)
            from courses.queries import get_enrolment

            certificate = cert_ops.issue_certificate(
                get_enrolment(course.id, learner.id), current_issuer(), utcnow()
            )
        except Exception:  # not eligible: the serial stays unknown
            db.session.rollback()
        tokens = {
            role: issue_api_token(who, lifetime=timedelta(hours=2)).token
            for role, who in (
                ("learner", learner),
                ("lecturer", lecturer),
                ("administrator", admin),
            )
        }
        db.session.commit()
        scheduled = seed_sessions(lecturer, admin, learner)
        db.session.commit()
        known = {
            "course_id": course.id,
            "lecture_id": course.lectures[0].id,
            "user_id": learner.id,
            "serial": certificate.serial if certificate else None,
            **scheduled,
        }
        return tokens, known


def seed_sessions(lecturer, admin, learner):
    """An open session with the learner's seat, and a hospital's visit request
    (issue 13): their ids for the path parameters."""
    from courses.sessions import booking
    from courses.sessions.states import SessionKind
    from lms.accounts.operations import create_user
    from lms.accounts.roles import Role
    from lms.db import utcnow
    from lms.hospitals.network import Tier
    from lms.hospitals.operations import create_hospital

    hospital = create_hospital(
        code=unique("H"), name_zh="省人民医院", tier=Tier.HUB, province_code="51"
    )

    now = utcnow()
    start = now + timedelta(days=30)
    session = booking.create_session(
        lecturer,
        now,
        kind=SessionKind.BROADCAST,
        title_zh="基层卒中识别直播课",
        days=[(start, start + timedelta(hours=2))],
        venue_hospital_id=hospital.id,
        capacity=50,
        rule_set_code="CN-2024",
        project_level="hospital",
        credit_category="CME",
    )
    booking.approve_session(session, admin, now)
    seat = booking.reserve_seat(session, learner, now)
    coordinator = create_user(
        login=f"{unique('coordinator')}@example.org",
        name="测试协调员",
        password="correct-horse-battery",
        role=Role.SITE_COORDINATOR,
        hospital=hospital,
    )
    visit = booking.request_visit(
        coordinator,
        now,
        hospital_id=hospital.id,
        kind=SessionKind.ONSITE,
        topic="基层高血压规范化管理",
        expected_attendees=20,
    )
    return {
        "session_id": session.id,
        "reservation_id": seat.id,
        "visit_id": visit.id,
        "hospital_id": hospital.id,
    }


@pytest.fixture(scope="module")
def live_api(request, tmp_path_factory):
    if request.config.getoption("--db") == "postgresql":
        server = request.getfixturevalue("postgres")
        database_url = server.create_database(unique("telecme_fuzz_"))
    else:
        database_url = f"sqlite:///{tmp_path_factory.mktemp('fuzzdb') / 'lms.sqlite3'}"
    instance = tmp_path_factory.mktemp("fuzz-instance")
    app = make_app(
        instance,
        database_url,
        MEDIA_DIR=str(instance / "media"),
        SEARCH_INDEX_DIR=str(instance / "search"),
        RATELIMIT_ENABLED=False,
    )
    tokens, known = seed(app)
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", tokens, known
    server.shutdown()
    thread.join(10)
    from lms.db import db

    with app.app_context():
        db.engine.dispose()


def fuzz(base_url, token, known, examples=EXAMPLES):
    """Every operation as the token's holder: (operations, requests, failures)."""
    document = requests.get(f"{base_url}/api/v1/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(document)
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    counts, failures = Counter(), {}
    operations = [result.ok() for result in schema.get_all_operations()]
    # Revoking the token it runs with comes last.
    operations.sort(key=lambda op: (op.method, op.path) == ("delete", REVOKE))
    for operation in operations:
        counts["operations"] += 1
        run_examples(
            operation, base_url, session, headers, examples, counts, failures, known
        )
    return counts, failures


def strategy(operation, known):
    """Valid data, valid data on the seeded resources, and invalid data."""
    names = {p.name for p in operation.path_parameters}
    path_parameters = {k: v for k, v in known.items() if k in names and v}
    strategies = [
        operation.as_strategy(),
        operation.as_strategy(path_parameters=path_parameters),
    ]
    with contextlib.suppress(Exception):  # nothing to negate in this operation
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(strategies)


def run_examples(
    operation, base_url, session, headers, examples, counts, failures, known
):
    """``examples`` generated cases of one operation, sent and checked."""

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy(operation, known))
    def run(case):
        case_headers = {**(case.headers or {}), **headers}
        response = case.call(
            base_url=base_url, session=session, headers=case_headers, timeout=60
        )
        counts["requests"] += 1
        counts[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=case_headers)
        except BaseExceptionGroup as error:  # the failed checks, reported below
            counts["failures"] += 1
            key = f"{operation.method.upper()} {operation.path}"
            for failure in error.exceptions:
                failures.setdefault(
                    (key, failure.title), (response.status_code, str(failure)[:300])
                )

    run()


@pytest.mark.parametrize("role", ["learner", "lecturer", "administrator"])
def test_the_fuzzer_finds_nothing(live_api, role):
    base_url, tokens, known = live_api
    counts, failures = fuzz(base_url, tokens[role], known)
    report = "\n".join(
        f"{key} {title} → {status}: {detail}"
        for (key, title), (status, detail) in sorted(failures.items())
    )
    print(f"\n{role}: {dict(counts)}, distinct failures: {len(failures)}\n{report}")
    assert not failures, report
    assert counts["operations"] >= 40
