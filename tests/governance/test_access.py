"""The access module: what each role may see and do, as literal tables."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from collaboratives.models import Collaborative, PDSACycle, Team
from governance import access
from measures.models import Series
from tests.cast import START, build_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return build_cast()


# Which collaboratives, teams and series each user may read (cast.py draws the map).
VISIBLE_COLLABORATIVES = {
    "national": {"Falls", "Sepsis", "Maternity"},
    "director": {"Falls", "Sepsis"},
    "manager": {"Falls", "Sepsis"},
    "falls_manager": {"Falls"},
    "faculty": {"Falls"},
    "lead": {"Falls"},
    "member": {"Falls"},
    "beta_lead": {"Falls"},
    "outsider": set(),
}
VISIBLE_TEAMS = {
    "national": {"alpha", "beta", "gamma", "delta"},
    "director": {"alpha", "beta", "gamma"},
    "manager": {"alpha", "beta", "gamma"},
    "falls_manager": {"alpha", "beta"},
    "faculty": {"alpha", "beta"},
    "lead": {"alpha"},
    "member": {"alpha"},
    "beta_lead": {"beta"},
    "outsider": set(),
}
VISIBLE_SERIES = {
    # alpha_custom is alpha's own measure: team-private, so not for the national viewer.
    "national": {"alpha", "beta", "delta"},
    "director": {"alpha", "beta", "alpha_custom"},
    "manager": {"alpha", "beta", "alpha_custom"},
    "falls_manager": {"alpha", "beta", "alpha_custom"},
    "faculty": {"alpha", "beta", "alpha_custom"},
    "lead": {"alpha", "alpha_custom"},
    "member": {"alpha", "alpha_custom"},
    "beta_lead": {"beta"},
    "outsider": set(),
}


def _team_names(cast, teams):
    by_id = {cast.alpha.id: "alpha", cast.beta.id: "beta", cast.gamma.id: "gamma"}
    by_id[cast.delta.id] = "delta"
    return {by_id[t.id] for t in teams}


def _series_names(cast, series):
    by_id = {
        cast.alpha_series.id: "alpha",
        cast.beta_series.id: "beta",
        cast.delta_series.id: "delta",
        cast.alpha_custom_series.id: "alpha_custom",
    }
    return {by_id[s.id] for s in series}


@pytest.mark.parametrize("username", VISIBLE_COLLABORATIVES)
def test_it_lists_only_the_collaboratives_each_role_may_see(cast, username):
    user = cast.users[username]
    names = set(Collaborative.objects.visible_to(user).values_list("name", flat=True))
    assert names == VISIBLE_COLLABORATIVES[username]


@pytest.mark.parametrize("username", VISIBLE_TEAMS)
def test_it_lists_only_the_teams_each_role_may_open(cast, username):
    teams = Team.objects.visible_to(cast.users[username])
    assert _team_names(cast, teams) == VISIBLE_TEAMS[username]


@pytest.mark.parametrize("username", VISIBLE_SERIES)
def test_it_lists_only_the_series_each_role_may_read(cast, username):
    series = Series.objects.visible_to(cast.users[username])
    assert _series_names(cast, series) == VISIBLE_SERIES[username]


def test_it_shows_nothing_to_an_anonymous_visitor(cast):
    assert not Collaborative.objects.visible_to(AnonymousUser()).exists()
    with pytest.raises(Http404):
        access.team_for(AnonymousUser(), cast.alpha.id)


def test_it_answers_404_when_a_trust_lead_opens_another_teams_objects(cast):
    lead = cast.users["lead"]
    assert access.team_for(lead, cast.alpha.id) == cast.alpha
    for getter, pk in [
        (access.team_for, cast.beta.id),  # a peer in the same collaborative
        (access.team_for, cast.delta.id),  # another AHSN's team
        (access.series_for, cast.beta_series.id),
        (access.cycle_for, cast.beta_cycle.id),
        (access.collaborative_for, cast.maternity.id),
        (access.team_for, 999_999),  # a guessed id
        (access.team_for, "not-a-number"),
    ]:
        with pytest.raises(Http404):
            getter(lead, pk)


def test_it_answers_403_when_a_user_sees_an_object_but_may_not_change_it(cast):
    with pytest.raises(PermissionDenied):
        access.team_for(cast.users["director"], cast.alpha.id, access.EDIT_DATA)
    with pytest.raises(PermissionDenied):
        access.team_for(cast.users["member"], cast.alpha.id, access.MANAGE_TEAM)
    with pytest.raises(PermissionDenied):
        access.collaborative_for(cast.users["faculty"], cast.falls.id, access.MANAGE)


# (user, action, object name): whether it is allowed. Objects: cast attributes.
DECISIONS = [
    ("lead", access.EDIT_DATA, "alpha", True),
    ("lead", access.MANAGE_TEAM, "alpha", True),
    ("member", access.EDIT_DATA, "alpha", True),
    ("member", access.MANAGE_TEAM, "alpha", False),
    ("lead", access.EDIT_DATA, "beta", False),
    ("manager", access.EDIT_DATA, "alpha", True),
    ("manager", access.MANAGE, "falls", True),
    ("falls_manager", access.MANAGE, "falls", True),
    ("falls_manager", access.MANAGE, "sepsis", False),
    ("faculty", access.CURATE, "falls", True),
    ("faculty", access.RATE, "alpha", True),
    ("faculty", access.EDIT_DATA, "alpha", False),
    ("faculty", access.MANAGE, "falls", False),
    ("director", access.EXPORT_REVIEW, "falls", True),
    ("director", access.EXPORT, "falls", True),
    ("director", access.MANAGE, "falls", False),
    ("manager", access.EXPORT_REVIEW, "falls", False),
    ("national", access.EDIT_DATA, "alpha", False),
    ("national", access.MANAGE, "falls", False),
    ("lead", access.EXPORT, "falls", False),
    ("lead", access.CURATE, "falls", False),
]


@pytest.mark.parametrize(("username", "action", "target", "allowed"), DECISIONS)
def test_it_decides_each_action_by_role(cast, username, action, target, allowed):
    assert access.can(cast.users[username], action, getattr(cast, target)) is allowed


def test_it_makes_a_closed_collaborative_read_only_for_everyone(cast):
    cast.falls.phase = Collaborative.Phase.CLOSED
    cast.falls.save()
    alpha = Team.objects.get(pk=cast.alpha.pk)
    for username in ("manager", "lead", "faculty"):
        assert access.can(cast.users[username], access.VIEW, alpha)
        assert not access.can(cast.users[username], access.EDIT_DATA, alpha)
    assert not access.can(cast.users["faculty"], access.CURATE, alpha.collaborative)


def test_it_lists_cycles_of_own_team_only_for_a_trust_lead(cast):
    cycles = PDSACycle.objects.visible_to(cast.users["lead"])
    assert list(cycles) == [cast.alpha_cycle]


def test_it_refuses_to_guess_a_rule_for_a_model_it_does_not_know(cast):
    from governance.models import Person

    with pytest.raises(TypeError):
        access.visible(Person.objects.all(), cast.users["lead"])


def test_it_reads_roles_once_per_request(cast, django_assert_num_queries):
    user = cast.users["manager"]
    access.principal(user)
    with django_assert_num_queries(0):
        access.principal(user)


def test_it_makes_a_withdrawn_teams_records_read_only_but_restorable(cast):
    Team.objects.filter(pk=cast.beta.pk).update(status="withdrawn", withdrawn_on=START)
    beta = Team.objects.get(pk=cast.beta.pk)
    for username in ("manager", "beta_lead", "faculty"):
        user = cast.users[username]
        assert access.can(user, access.VIEW, beta)
        assert not access.can(user, access.EDIT_DATA, beta)
        assert not access.can(user, access.MANAGE_TEAM, beta)
        assert not access.can(user, access.RATE, beta)
    series = Series.objects.get(pk=cast.beta_series.pk)
    assert not access.can(cast.users["beta_lead"], access.EDIT_DATA, series)
    # Those who run the collaborative may still restore it.
    assert access.can(cast.users["manager"], access.MANAGE, beta)
    assert access.can(cast.users["lead"], access.EDIT_DATA, cast.alpha)
