import pytest

from lms.accounts.roles import (
    Role,
    can_administer,
    can_update_user,
    can_view_hospital_learners,
)

A, L = Role.ADMINISTRATOR, Role.LEARNER


@pytest.mark.parametrize(
    ("actor_role", "actor_id", "target_id", "new_role", "allowed"),
    [
        (A, 1, 2, Role.LECTURER, True),
        (A, 1, 2, A, True),
        (A, 1, 1, A, True),
        (A, 1, 1, L, False),  # no self-demotion: the office cannot lock itself out
        (Role.LECTURER, 1, 2, L, False),
        (Role.SITE_COORDINATOR, 1, 2, L, False),
        (L, 1, 1, A, False),
    ],
)
def test_who_may_change_roles(actor_role, actor_id, target_id, new_role, allowed):
    assert can_update_user(actor_role, actor_id, target_id, new_role) is allowed


@pytest.mark.parametrize(
    ("actor_id", "target_id", "is_active", "allowed"),
    [(1, 2, False, True), (1, 1, False, False), (1, 1, True, True)],
)
def test_an_administrator_cannot_deactivate_themself(
    actor_id, target_id, is_active, allowed
):
    assert can_update_user(A, actor_id, target_id, A, is_active) is allowed


@pytest.mark.parametrize(
    ("role", "own", "hospital", "allowed"),
    [
        (Role.SITE_COORDINATOR, 5, 5, True),
        (Role.SITE_COORDINATOR, 5, 6, False),
        (A, None, 6, True),
        (L, 5, 5, False),
        (Role.LECTURER, 5, 5, False),
    ],
)
def test_who_sees_a_hospitals_learners(role, own, hospital, allowed):
    assert can_view_hospital_learners(role, own, hospital) is allowed


def test_only_administrators_administer():
    assert [r for r in Role if can_administer(r)] == [A]
