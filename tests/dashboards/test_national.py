"""The national view: programmes side by side, one programme region by region."""

import pytest
from django.test import Client
from django.urls import reverse

from collaboratives.models import AHSN
from dashboards.summaries import summaries_compute
from tests.cast import client_for
from tests.dashboards.portfolio_world import TODAY, build_world

pytestmark = pytest.mark.django_db

URL = "/national/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world():
    cast = build_world()
    AHSN.objects.create(code="NRTH", name="Northern AHSN", nhs_region="North East")
    summaries_compute(today=TODAY)
    return cast


def test_its_url_is_named_dashboard_national():
    assert reverse("dashboard_national") == URL


def test_the_national_viewer_sees_the_programme_across_every_ahsn(world):
    response = client_for(world.users["national"]).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Falls" in html and "National programme" in html
    # East (falls, sepsis) and west (maternity) run it; the northern AHSN does not.
    assert "Eastern AHSN" in html and "Western AHSN" in html
    assert "Not running it (1 of 3): Northern AHSN" in html
    # east's two collaboratives side by side in one row, each leading to its dashboard
    assert (
        f'<a href="/collaboratives/{world.falls.pk}/dashboard/">Falls</a>; '
        f'<a href="/collaboratives/{world.sepsis.pk}/dashboard/">Sepsis</a>'
    ) in html
    national = client_for(world.users["national"])
    assert national.get(f"/collaboratives/{world.falls.pk}/dashboard/").status_code == 200
    assert "Leads no collaborative yet" in html  # the northern AHSN, in every AHSN's table


def test_the_region_rows_compare_outcomes(world):
    html = client_for(world.users["national"]).get(URL).content.decode()
    # east: alpha improved, beta not (gamma no data)
    assert "50%" in html and "(1 of 2 teams)" in html
    assert "0%" in html and "(0 of 1 team)" in html  # west: delta deteriorated


@pytest.mark.parametrize(
    "name", ["director", "manager", "falls_manager", "faculty", "lead", "member", "outsider"]
)
def test_only_national_viewers_find_the_national_view(world, name):
    assert client_for(world.users[name]).get(URL).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(world):
    response = Client().get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_phase_filter_through_htmx_swaps_only_the_region_table(world):
    response = client_for(world.users["national"]).get(URL, {"phase": "closed"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html and 'id="national-results"' in html
    assert "No AHSN runs it in this phase." in html


def test_a_filter_without_javascript_keeps_the_choice_in_the_page(world):
    topic = world.falls_rate.topic
    response = client_for(world.users["national"]).get(URL, {"topic": topic.pk, "phase": "active"})
    html = response.content.decode()
    assert "<html" in html
    assert '<option value="active" selected>' in html
    assert f'<option value="{topic.pk}" selected>' in html


def test_a_guessed_topic_falls_back_to_the_first_programme(world):
    response = client_for(world.users["national"]).get(URL, {"topic": 999999})
    assert response.status_code == 200
    assert "Falls, in every AHSN" in response.content.decode()


def test_counts_of_people_follow_the_small_number_rules(world):
    world.falls_rate.counts_people = True
    world.falls_rate.save()
    summaries_compute(today=TODAY)
    html = client_for(world.users["national"]).get(URL).content.decode()
    # The last three complete months as of 20 September 2025 are June to August.
    # West pooled delta's: 63 events over 3,000 (rounded 65 / 3000).
    assert "(65 / 3000)" in html and "63 / 3000" not in html
    # East pooled 18 over 4,000 (beta sent June only): rounded 20 / 4000.
    assert "(20 / 4000)" in html and "18 / 4000" not in html


def test_it_names_the_ahsn_with_most_improvement_by_the_one_definition(world):
    html = client_for(world.users["national"]).get(URL).content.decode()
    # east: 1 of 2 teams' outcome improved; west: 0 of 1
    assert "Most improvement among every AHSN's collaboratives: <strong>Eastern AHSN" in html
    assert "Most improvement among the AHSNs running it: <strong>Eastern AHSN" in html
