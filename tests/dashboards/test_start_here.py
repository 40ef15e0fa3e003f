"""The home page brings each role to its dashboards first ("Start here")."""

import pytest
from django.urls import reverse
from django.utils import timezone

from collaboratives.models import Collaborative
from dashboards.models import SustainAlert
from dashboards.start import start_here
from tests.cast import build_cast, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return build_cast()


def urls(user):
    return [item.url for item in start_here(user)]


def test_a_teams_people_start_at_their_teams_dashboard(cast):
    for who in ("lead", "member"):
        assert urls(cast.users[who]) == [reverse("dashboard_team", args=[cast.alpha.pk])]
    html = client_for(cast.users["lead"]).get("/").content.decode()
    start = html[html.index('id="start-here"') : html.index("Every collaborative you can see")]
    assert reverse("dashboard_team", args=[cast.alpha.pk]) in start


def test_those_who_run_or_teach_start_at_their_collaboratives_dashboards(cast):
    falls = reverse("dashboard_collaborative", args=[cast.falls.pk])
    sepsis = reverse("dashboard_collaborative", args=[cast.sepsis.pk])
    assert urls(cast.users["faculty"]) == [falls]
    assert urls(cast.users["falls_manager"]) == [falls]
    assert urls(cast.users["manager"]) == [falls, sepsis]  # every one its AHSN leads


def test_directors_start_at_the_portfolio_and_national_viewers_at_the_national_view(cast):
    assert urls(cast.users["director"]) == [reverse("dashboard_portfolio", args=[cast.east.pk])]
    assert urls(cast.users["national"]) == [reverse("dashboard_national")]
    assert urls(cast.users["outsider"]) == []
    assert 'id="start-here"' not in client_for(cast.users["outsider"]).get("/").content.decode()


def test_closed_collaboratives_leave_the_start(cast):
    cast.falls.phase = Collaborative.Phase.CLOSED
    cast.falls.save()
    assert urls(cast.users["lead"]) == []
    assert urls(cast.users["faculty"]) == []


def test_a_fading_gain_marks_the_teams_start_as_needing_attention(cast):
    (item,) = start_here(cast.users["lead"])
    assert not item.attention
    SustainAlert.objects.create(
        series=cast.alpha_series,
        team=cast.alpha,
        period_start=cast.falls.starts_on,
        message="Falls had improved; the gain may be fading.",
        raised_at=timezone.now(),
    )
    (item,) = start_here(cast.users["lead"])
    assert item.attention and "1 gain may be fading" in item.detail
