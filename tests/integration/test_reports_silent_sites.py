"""Silent sites at the network's size: the summaries clear the hospitals with
enrolments or completions in the months wholly inside the 90 days, the raw rows
answer for the others, and the answer is the raw rows' either way (issue 15)."""

from datetime import UTC, datetime, timedelta

import pytest

from courses import operations as ops
from lms.reports import queries, summaries
from lms.reports.queries import Scope

pytestmark = pytest.mark.db

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


def test_the_summaries_and_the_raw_rows_agree_on_who_is_silent(
    db, create_hospital, create_user, create_course
):
    course = create_course()
    in_may, on_march_20, in_february, never = (create_hospital() for _ in range(4))
    scope = Scope(
        hospital_ids=tuple(h.id for h in (in_may, on_march_20, in_february, never))
    )
    ops.enrol(course, create_user(hospital=in_may), datetime(2026, 5, 3, tzinfo=UTC))
    # 87 days before NOW: inside the 90 days, in March (not a month wholly inside).
    ops.enrol(course, create_user(hospital=on_march_20), NOW - timedelta(days=87))
    ops.enrol(
        course, create_user(hospital=in_february), datetime(2026, 2, 20, tzinfo=UTC)
    )
    db.session.commit()

    def silent():
        return {s.hospital_id for s in queries.inactive_sites(NOW, 90, scope)}

    before = silent()  # the summaries not yet brought up to date: raw rows only
    summaries.refresh_pending(NOW)
    assert silent() == before == {in_february.id, never.id}
    # A learner of the silent hospital enrolls today: read from the raw rows,
    # before any refresh.
    ops.enrol(create_course(), create_user(hospital=in_february), NOW)
    db.session.commit()
    assert silent() == {never.id}
