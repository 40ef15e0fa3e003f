"""The AHSN portfolio and the collaborative's teams table, by role."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards.models import SustainAlert
from dashboards.summaries import summaries_compute
from measures.models import Series
from measures.recompute import charts_recompute
from tests.cast import client_for
from tests.dashboards.portfolio_world import MONTHS, TODAY, build_world, write

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world():
    cast = build_world()
    summaries_compute(today=dt.date(2025, 8, 20))  # last month's snapshot
    summaries_compute(today=TODAY)
    return cast


def portfolio(world, ahsn=None):
    return reverse("dashboard_portfolio", args=[(ahsn or world.east).pk])


def link(collab):
    return f'href="{reverse("collaborative", args=[collab.pk])}"'


def teams_table(world, collab=None):
    return reverse("dashboard_collaborative_teams", args=[(collab or world.falls).pk])


# --- The portfolio ----------------------------------------------------------------------------


def test_the_director_sees_every_collaborative_of_their_ahsn_with_its_figures(world):
    response = client_for(world.users["director"]).get(portfolio(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert link(world.falls) in html and link(world.sepsis) in html
    assert link(world.maternity) not in html  # led by west, no partner
    assert "50%" in html  # half of falls' teams improved their outcome
    assert "(1 of 2 teams)" in html
    assert "changes since August 2025" in html


@pytest.mark.parametrize(
    "name", ["manager", "falls_manager", "faculty", "lead", "member", "outsider"]
)
def test_no_one_but_directors_and_national_viewers_finds_a_portfolio(world, name):
    assert client_for(world.users[name]).get(portfolio(world)).status_code == 404


def test_a_director_does_not_find_another_ahsns_portfolio(world):
    client = client_for(world.users["director"])
    assert client.get(portfolio(world, world.west)).status_code == 404
    assert client.get(reverse("dashboard_portfolio", args=[999999])).status_code == 404


def test_the_national_viewer_opens_any_ahsns_portfolio(world):
    response = client_for(world.users["national"]).get(portfolio(world, world.west))
    assert response.status_code == 200
    assert link(world.maternity) in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(world):
    from django.test import Client

    response = Client().get(portfolio(world))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_says_what_changed_since_last_month(world):
    world.beta.status = "withdrawn"
    world.beta.withdrawn_on = TODAY
    world.beta.save()
    summaries_compute(today=TODAY)
    html = client_for(world.users["director"]).get(portfolio(world)).content.decode()
    # Falls: 1 of 2 improved in August, 1 of 1 now.
    assert "up 50 percentage points" in html
    assert "1 fewer" in html


def test_a_filter_through_htmx_swaps_only_the_results(world):
    world.sepsis.phase = "closed"
    world.sepsis.save()
    response = client_for(world.users["director"]).get(
        portfolio(world), {"phase": "closed"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="portfolio-results"' in html
    assert link(world.sepsis) in html and link(world.falls) not in html


def test_a_filter_without_javascript_renders_the_whole_page_with_the_choice_kept(world):
    response = client_for(world.users["director"]).get(portfolio(world), {"role": "partner"})
    html = response.content.decode()
    assert "<html" in html
    assert '<option value="partner" selected>' in html
    assert "No collaborative matches" in html


def test_a_bad_filter_value_falls_back_to_everything(world):
    response = client_for(world.users["director"]).get(portfolio(world), {"phase": "nonsense"})
    assert response.status_code == 200
    assert "2 of 2 collaboratives" in response.content.decode()


def test_counts_of_people_leave_the_collaborative_only_through_the_small_number_rules(world):
    world.falls_rate.counts_people = True
    world.falls_rate.save()
    # gamma (sepsis) reports a few falls in the last three complete months, June to August
    gamma = Series.objects.create(team=world.gamma, measure=world.falls_rate)
    write(gamma, [1, 2, 1], MONTHS[-3:])
    charts_recompute(series_ids=[gamma.pk], worker="test")
    summaries_compute(today=TODAY)
    html = client_for(world.users["director"]).get(portfolio(world)).content.decode()
    # Sepsis pooled 4 events over 3,000 bed days: 4 is a small number.
    assert "(* / 3000)" in html
    assert "4 / 3000" not in html
    # Falls pooled 18 over 4,000 in June to August (beta sent June only): rounded to 5s.
    assert "(20 / 4000)" in html
    assert "18 / 4000" not in html


def test_counts_that_are_not_people_are_shown_as_they_are(world):
    html = client_for(world.users["director"]).get(portfolio(world)).content.decode()
    # the last three complete months as of 20 September 2025: June to August
    assert "(18 / 4000)" in html
    assert "4.5 per 1,000 bed days" in html


def test_the_portfolio_shows_the_ahsns_open_sustain_alerts(world):
    SustainAlert.objects.create(
        series=world.alpha_series,
        team=world.alpha,
        period_start=dt.date(2025, 8, 1),
        message="Falls are rising again after the improvement.",
        raised_at=timezone.now(),
    )
    html = client_for(world.users["director"]).get(portfolio(world)).content.decode()
    assert "Falls are rising again after the improvement." in html
    assert "1 open alert" in html


# --- The teams table --------------------------------------------------------------------------


def test_those_who_run_the_collaborative_see_every_team_by_name(world):
    for name in ("manager", "falls_manager", "faculty", "director"):
        html = client_for(world.users[name]).get(teams_table(world)).content.decode()
        assert "Alpha Hospitals" in html and "Beta Hospitals" in html, name


def test_a_team_sees_itself_by_name_and_a_peer_by_its_pseudonym(world):
    html = client_for(world.users["lead"]).get(teams_table(world)).content.decode()
    assert "Alpha Hospitals" in html and "Your team" in html
    assert "Beta Hospitals" not in html
    assert world.beta.pseudonym in html


def test_a_peer_that_agreed_to_be_named_is_named(world):
    world.beta.consents_to_be_named = True
    world.beta.save()
    html = client_for(world.users["lead"]).get(teams_table(world)).content.decode()
    assert "Beta Hospitals" in html


def test_the_national_viewer_sees_teams_under_the_data_sharing_terms(world):
    html = client_for(world.users["national"]).get(teams_table(world)).content.decode()
    assert world.alpha.pseudonym in html and "Alpha Hospitals" not in html


def test_a_team_links_only_to_the_pages_the_viewer_may_open(world):
    html = client_for(world.users["lead"]).get(teams_table(world)).content.decode()
    assert f"/teams/{world.alpha.pk}/" in html
    assert f"/teams/{world.beta.pk}/" not in html


@pytest.mark.parametrize("name", ["outsider", "lead", "faculty"])
def test_outside_the_collaborative_the_teams_table_is_not_found(world, name):
    response = client_for(world.users[name]).get(teams_table(world, world.maternity))
    assert response.status_code == 404


def test_the_teams_table_shows_each_teams_measures_improved_completeness_cycles_and_score(world):
    html = client_for(world.users["manager"]).get(teams_table(world)).content.decode()
    assert "1 of 1 measure improved" in html  # alpha: its falls rate
    assert "of improvement" not in html
    assert "60%" in html and "(2 missing)" in html  # beta: 3 of 5 months
    assert "3.5" in html and "was 3.0" in html  # alpha's faculty rating, and before


def test_loaded_into_the_dashboard_it_is_a_fragment_and_a_filter_swaps_the_rows(world):
    client = client_for(world.users["manager"])
    fragment = client.get(teams_table(world), **HTMX).content.decode()
    assert "<html" not in fragment and "<form" in fragment
    rows = client.get(
        teams_table(world), {"kind": "care_home"}, HTTP_HX_TARGET="teams-results", **HTMX
    ).content.decode()
    assert "<form" not in rows and "No team matches" in rows


def test_withdrawn_teams_are_shown_when_asked_for(world):
    world.beta.status = "withdrawn"
    world.beta.withdrawn_on = TODAY
    world.beta.save()
    client = client_for(world.users["manager"])
    assert "Beta Hospitals" not in client.get(teams_table(world)).content.decode()
    shown = client.get(teams_table(world), {"status": "withdrawn"}).content.decode()
    assert "Beta Hospitals" in shown and "Alpha Hospitals" not in shown
