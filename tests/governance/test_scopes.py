"""governance.scopes.visible: a rule that joins a relation matching several rows per row
(a reverse foreign key, a many-to-many) is applied through an id subquery, so each visible
row comes once; any other rule is applied as a plain filter."""

import pytest

from collaboratives.models import Collaborative, Team
from governance import scopes
from governance.models import Person, Role, RoleAssignment
from governance.scopes import Principal
from measures.models import Series
from tests.cast import build_cast


def test_a_leads_rules_join_no_relation_of_several_rows():
    lead = Principal(lead_teams=frozenset({1}), team_collaboratives=frozenset({1}))
    assert not scopes.joins_many(Series, scopes.series_q(lead))
    assert not scopes.joins_many(Team, scopes.teams_q(lead))


def test_a_directors_rules_join_the_partner_ahsns():
    director = Principal(director_ahsns=frozenset({1}))
    # a collaborative's partner AHSNs: a many-to-many
    assert scopes.joins_many(Series, scopes.series_q(director))
    assert scopes.joins_many(Collaborative, scopes.collaboratives_q(director))


def test_a_team_members_collaboratives_join_their_teams():
    member = Principal(member_teams=frozenset({1}))
    # Collaborative -> its teams: a reverse foreign key
    assert scopes.joins_many(Collaborative, scopes.collaboratives_q(member))


def test_nested_rules_and_the_pk_lookup():
    from django.db.models import Q

    assert not scopes.joins_many(Series, Q(pk__in=[1]) | (Q(team__id__in=[2]) & Q(id=3)))
    assert scopes.joins_many(Series, Q(pk__in=[1]) | (Q(id=3) & Q(team__collaborative__teams=4)))


@pytest.mark.django_db
def test_a_collaborative_reached_through_two_teams_is_listed_once():
    cast = build_cast()
    user = cast.users["lead"]
    # the lead of alpha also becomes a member of beta: both teams are in Falls
    RoleAssignment.objects.create(
        person=Person.objects.get(user=user), role=Role.TEAM_MEMBER, team=cast.beta
    )
    user = type(user).objects.get(pk=user.pk)  # a fresh principal
    listed = list(scopes.visible(Collaborative.objects.all(), user, scopes.collaboratives_q))
    assert listed == [cast.falls]


@pytest.mark.django_db
def test_a_leads_series_are_their_teams_with_the_plain_filter():
    cast = build_cast()
    user = cast.users["lead"]
    visible = scopes.visible(Series.objects.all(), user, scopes.series_q)
    assert "U0" not in str(visible.query)  # no subquery
    assert set(visible) == {cast.alpha_series, cast.alpha_custom_series}
