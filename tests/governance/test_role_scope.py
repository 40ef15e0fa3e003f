"""A role assignment and an invitation hold a role in a scope the same way
(governance.models.RoleInScope): the same fields, the same rule, the same words."""

import datetime as dt
import hashlib

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.models import Invitation, Person, Role, RoleAssignment, RoleInScope
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

SCOPE_FIELDS = {"role", "ahsn", "collaborative", "team"}


def test_both_models_share_the_scope_fields():
    for model in (RoleAssignment, Invitation):
        assert issubclass(model, RoleInScope)
        assert {f.name for f in model._meta.fields} >= SCOPE_FIELDS


def _assignment(**scope):
    person = Person.objects.create(name="Tara")
    return RoleAssignment.objects.create(person=person, **scope)


def _invitation(**scope):
    token_hash = hashlib.sha256(repr(scope).encode()).hexdigest()  # 64 characters, as stored
    return Invitation.objects.create(
        email="tara@nhs.net", name="Tara", token_hash=token_hash, **scope,
        expires_at=timezone.now() + dt.timedelta(days=3),
    )  # fmt: skip


@pytest.mark.parametrize("make", [_assignment, _invitation], ids=["assignment", "invitation"])
def test_each_names_its_scope_and_keeps_its_reverse_accessor(make):
    cast = build_cast()
    team_row = make(role=Role.TRUST_LEAD, team=cast.alpha)
    assert team_row.scope == cast.alpha
    assert make(role=Role.CLINICAL_LEAD, collaborative=cast.falls).scope == cast.falls
    assert make(role=Role.AHSN_DIRECTOR, ahsn=cast.east).scope == cast.east
    assert make(role=Role.NATIONAL_VIEWER).scope == "England"
    accessor = "role_assignments" if isinstance(team_row, RoleAssignment) else "invitations"
    assert team_row in getattr(cast.alpha, accessor).all()
    with pytest.raises(IntegrityError), transaction.atomic():
        make(role=Role.TRUST_LEAD, collaborative=cast.falls)  # a team role needs a team
