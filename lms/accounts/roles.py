"""Roles, professions and who may do what.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum


class Role(enum.StrEnum):
    LEARNER = "learner"
    LECTURER = "lecturer"
    SITE_COORDINATOR = "site_coordinator"
    ADMINISTRATOR = "administrator"


class Profession(enum.StrEnum):
    DOCTOR = "doctor"
    NURSE = "nurse"
    TECHNICIAN = "technician"
    PHARMACIST = "pharmacist"
    OTHER = "other"


#: Roles that must belong to a hospital (the hub's staff belong to the hub).
ROLES_WITH_HOSPITAL = frozenset({Role.LEARNER, Role.LECTURER, Role.SITE_COORDINATOR})


def can_administer(role):
    """Only the CME office manages hospitals, users and roles."""
    return role == Role.ADMINISTRATOR


def can_update_user(actor_role, actor_id, target_id, new_role, is_active=True):
    """An administrator may change roles and accounts, but never demote or
    deactivate themself: the CME office must not lock itself out."""
    if not can_administer(actor_role):
        return False
    if actor_id == target_id:
        return new_role == Role.ADMINISTRATOR and is_active
    return True


def can_view_hospital_learners(role, own_hospital_id, hospital_id):
    """Coordinators see their own hospital's learners; administrators see all."""
    if role == Role.ADMINISTRATOR:
        return True
    return role == Role.SITE_COORDINATOR and own_hospital_id == hospital_id
