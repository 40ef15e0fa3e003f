"""The workflows' rules in memory (`phase_move`, `membership_join`): what the one-at-a-time
workflows save, and what a bulk creator (the demo seed) saves with bulk_create."""

import datetime as dt

import pytest

from collaboratives import workflows
from collaboratives.models import Collaborative, PhaseChange, TeamMembership
from governance.models import Person
from tests.cast import build_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return build_cast()


def test_a_phase_move_is_kept_and_closing_sets_the_end_date_without_saving(cast):
    falls = cast.falls
    move, fields = workflows.phase_move(
        collaborative=falls, to_phase=Collaborative.Phase.SUSTAIN, on=dt.date(2025, 1, 6), by=None
    )
    assert (move.from_phase, move.to_phase, move.moved_on) == (
        "active",
        "sustain",
        dt.date(2025, 1, 6),
    )
    assert (falls.phase, fields) == ("sustain", ["phase"])
    move, fields = workflows.phase_move(
        collaborative=falls, to_phase=Collaborative.Phase.CLOSED, on=dt.date(2025, 6, 30), by=None
    )
    assert (move.from_phase, falls.ends_on, fields) == (
        "sustain",
        dt.date(2025, 6, 30),
        ["phase", "ends_on"],
    )
    assert not PhaseChange.objects.exists()
    falls.refresh_from_db()
    assert falls.phase == "active"


def test_a_lead_or_sponsor_who_joins_becomes_the_teams_own_without_saving(cast):
    team = cast.beta
    person = Person.objects.create(name="Ada Lovelace")
    on = dt.date(2024, 2, 1)
    for role, field in (
        (TeamMembership.Role.LEAD, "lead"),
        (TeamMembership.Role.SPONSOR, "senior_sponsor"),
        (TeamMembership.Role.MEMBER, None),
    ):
        team.lead = team.senior_sponsor = None
        membership, fields = workflows.membership_join(
            team=team, person=person, role=role, joined_on=on
        )
        assert (membership.team, membership.person, membership.role) == (team, person, role)
        assert fields == ([field] if field else [])
        if field:
            assert getattr(team, field) == person
        else:
            assert team.lead is None and team.senior_sponsor is None
    assert not TeamMembership.objects.filter(team=team).exists()
