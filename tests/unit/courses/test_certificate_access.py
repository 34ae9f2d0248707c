"""Who sees a certificate and who downloads its PDF."""

import pytest

from courses.access import Actor, can_download_certificate, can_see_certificate
from lms.accounts.roles import Role

OWNER = Actor(1, Role.LEARNER, 10)
OTHER = Actor(2, Role.LEARNER, 10)
COORDINATOR = Actor(3, Role.SITE_COORDINATOR, 10)
OFFICE = Actor(4, Role.ADMINISTRATOR, None)


@pytest.mark.parametrize(
    ("actor", "is_current", "sees", "downloads"),
    [
        (OWNER, True, True, True),
        (OWNER, False, True, False),  # revoked or replaced: facts, no PDF
        (OTHER, True, False, False),
        (COORDINATOR, True, False, False),
        (OFFICE, True, True, True),
        (OFFICE, False, True, True),  # the office keeps every version
    ],
)
def test_certificate_access(actor, is_current, sees, downloads):
    assert can_see_certificate(actor, OWNER.id) is sees
    assert can_download_certificate(actor, OWNER.id, is_current) is downloads
