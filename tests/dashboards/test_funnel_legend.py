"""The funnel's key speaks of "your team" only to a viewer whose team is on it (issue 17)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.cast import client_for
from tests.dashboards.dashboard_cast import TODAY, build_dashboard_cast

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
YOUR_TEAM = "the blue diamond: your team"


@pytest.fixture
def cast(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return build_dashboard_cast()


def funnel_html(cast, who: str) -> str:
    url = reverse("dashboard_collaborative_funnel", args=[cast.falls.pk]) + "?window=all"
    response = client_for(cast.users[who]).get(url, headers=HTMX)
    assert response.status_code == 200
    assert response.context["funnel"].units  # a funnel is drawn, with its key
    return response.content.decode()


@pytest.mark.parametrize("who", ["national", "director", "manager", "faculty"])
def test_a_viewer_without_a_team_on_the_funnel_is_not_told_of_their_team(cast, who):
    html = funnel_html(cast, who)
    assert "outside the 99.8% limits)." in html  # the key is there, without your team
    assert YOUR_TEAM not in html


@pytest.mark.parametrize("who", ["lead", "beta_lead"])
def test_a_teams_people_are_shown_their_team_once(cast, who):
    assert funnel_html(cast, who).count(YOUR_TEAM) == 1
