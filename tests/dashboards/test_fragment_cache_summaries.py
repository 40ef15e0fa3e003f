"""The fragment cache on the pages that read reporting summaries: the AHSN portfolio and
the national view (dashboards/portfolio_views.py, dashboards/fragments.py).

Their tables are the same for every viewer allowed the page (counts as they may leave a
collaborative), so they are shared; they move when the summaries are recomputed, or
when what the page lists changes (a collaborative renamed or moved on to another phase).
The world is tests/dashboards/portfolio_world.py.
"""

import re

import pytest
from django.urls import reverse

from collaboratives.models import Collaborative
from dashboards.summaries import summaries_compute
from measures.models import Series
from measures.recompute import charts_recompute
from tests.cast import client_for
from tests.dashboards.portfolio_world import LEVEL, MONTHS, TODAY, build_world, write

pytestmark = pytest.mark.django_db

PAGES = {
    "portfolio": ("director", lambda w: reverse("dashboard_portfolio", args=[w.east.pk])),
    "national": ("national", lambda w: reverse("dashboard_national")),
}


@pytest.fixture
def world(fragment_cache):
    w = build_world()
    summaries_compute(today=TODAY)
    return w


def _get(client, url) -> str:
    """The page, its per-request tokens (CSP nonce, CSRF token) blanked out."""
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    text = re.sub(r'nonce="[^"]*"', 'nonce=""', text)
    text = re.sub(r'(name="csrfmiddlewaretoken" value=)"[^"]*"', r'\1""', text)
    return re.sub(r'("X-CSRFToken": )"[^"]*"', r'\1""', text)


def _counts(fragments, name):
    return fragments.stats[(name, "hit")], fragments.stats[(name, "miss")]


def _built(settings, client, url) -> str:
    settings.COLLAB_FRAGMENT_CACHE = False
    try:
        return _get(client, url)
    finally:
        settings.COLLAB_FRAGMENT_CACHE = True


@pytest.mark.parametrize("name", PAGES)
def test_the_tables_follow_a_recompute_of_the_summaries(world, fragment_cache, settings, name):
    who, url = PAGES[name]
    client, url = client_for(world.users[who]), url(world)
    before = _get(client, url)
    assert _get(client, url) == before
    assert _counts(fragment_cache, name) == (1, 1)
    # beta enters its two missing months, its chart is recomputed, then the summaries
    write(world.beta_series, LEVEL[-2:], MONTHS[-2:])
    charts_recompute(series_ids=Series.objects.values_list("pk", flat=True), worker="test")
    summaries_compute(today=TODAY)
    after = _get(client, url)
    assert _counts(fragment_cache, name) == (1, 2)
    assert after != before
    assert after == _built(settings, client, url)


@pytest.mark.parametrize("name", PAGES)
def test_the_tables_follow_a_collaborative_renamed(world, fragment_cache, settings, name):
    who, url = PAGES[name]
    client, url = client_for(world.users[who]), url(world)
    before = _get(client, url)
    assert _get(client, url) == before
    Collaborative.objects.filter(pk=world.falls.pk).update(name="Falls, renamed")
    after = _get(client, url)
    assert _counts(fragment_cache, name) == (1, 2)
    assert "Falls, renamed" in after and "Falls, renamed" not in before
    assert after == _built(settings, client, url)


def test_every_national_viewer_shares_the_national_tables(world, fragment_cache):
    from tests.cast import user_with_role

    other = user_with_role("national_two", "national_viewer")
    url = reverse("dashboard_national")
    first = _get(client_for(world.users["national"]), url)
    second = _get(client_for(other), url)
    assert _counts(fragment_cache, "national") == (1, 1)
    # The pages differ only where they name the viewer (the header), not in the tables.
    assert first.count("<table") == second.count("<table")


@pytest.mark.parametrize("name", PAGES)
def test_the_rendered_tables_are_kept_under_the_tables_key_and_follow_them(
    world, fragment_cache, settings, name
):
    """The tables' HTML is a fragment of its own under the same key as the tables: built
    once, read after, and rebuilt exactly when the tables are."""
    rendered = {"portfolio": "portfolio_results", "national": "national_html"}[name]
    who, url = PAGES[name]
    client, url = client_for(world.users[who]), url(world)
    before = _get(client, url)
    _get(client, url)
    assert _counts(fragment_cache, rendered) == (1, 1)
    Collaborative.objects.filter(pk=world.falls.pk).update(name="Falls prevention, renamed")
    after = _get(client, url)
    assert _counts(fragment_cache, rendered) == (1, 2)
    assert "Falls prevention, renamed" in after and after != before
    assert after == _built(settings, client, url)


@pytest.mark.parametrize("name", PAGES)
def test_the_filtered_tables_answer_304_to_their_etag_until_they_change(world, name):
    who, url = PAGES[name]
    client, url = client_for(world.users[who]), url(world)
    htmx = {"HX-Request": "true"}
    response = client.get(url, {"phase": "active"}, headers=htmx)
    tag = response["ETag"]
    assert tag and response["Cache-Control"] == "private, no-cache"
    again = client.get(url, {"phase": "active"}, headers={**htmx, "If-None-Match": tag})
    assert again.status_code == 304
    write(world.beta_series, LEVEL[-2:], MONTHS[-2:])
    charts_recompute(series_ids=Series.objects.values_list("pk", flat=True), worker="test")
    summaries_compute(today=TODAY)
    changed = client.get(url, {"phase": "active"}, headers={**htmx, "If-None-Match": tag})
    assert changed.status_code == 200 and changed["ETag"] != tag


# --- The collaborative's teams table -------------------------------------------------------------
# Its rows are rendered once per key: the summaries, the teams as loaded, and of the viewer
# the names they may see, their own teams, the rows they may open and their scope.


def _teams_url(world) -> str:
    return reverse("dashboard_collaborative_teams", args=[world.falls.pk])


def test_the_teams_table_follows_a_data_point_recomputed_into_the_summaries(
    world, fragment_cache, settings
):
    client, url = client_for(world.users["manager"]), _teams_url(world)
    before = _get(client, url)
    assert _get(client, url) == before
    assert _counts(fragment_cache, "teams_table") == (1, 1)
    assert "(2 missing)" in before  # beta's last two months
    write(world.beta_series, LEVEL[-2:], MONTHS[-2:])
    charts_recompute(series_ids=Series.objects.values_list("pk", flat=True), worker="test")
    summaries_compute(today=TODAY)
    after = _get(client, url)
    assert _counts(fragment_cache, "teams_table") == (1, 2)
    assert "(2 missing)" not in after
    assert after == _built(settings, client, url)


def test_each_team_lead_gets_the_rows_named_for_them_never_anothers(world, fragment_cache):
    url = _teams_url(world)
    alpha = _get(client_for(world.users["lead"]), url)
    beta = _get(client_for(world.users["beta_lead"]), url)
    assert _counts(fragment_cache, "teams_table") == (0, 2)
    assert "Alpha Hospitals" in alpha and "Beta Hospitals" not in alpha
    assert "Beta Hospitals" in beta and "Alpha Hospitals" not in beta
    national = _get(client_for(world.users["national"]), url)
    assert _counts(fragment_cache, "teams_table") == (0, 3)
    assert "Alpha Hospitals" not in national and "Beta Hospitals" not in national


def test_viewers_with_the_same_view_share_the_rows(world, fragment_cache):
    url = _teams_url(world)
    first = _get(client_for(world.users["faculty"]), url)
    second = _get(client_for(world.users["falls_manager"]), url)
    assert _counts(fragment_cache, "teams_table") == (1, 1)
    assert "Alpha Hospitals" in first and "Beta Hospitals" in second


def test_the_teams_table_follows_a_role_change(world, fragment_cache, settings):
    from governance.models import Role, RoleAssignment

    lead = world.users["lead"]
    client, url = client_for(lead), _teams_url(world)
    assert "Beta Hospitals" not in _get(client, url)
    RoleAssignment.objects.create(
        person=lead.person, role=Role.CLINICAL_LEAD, collaborative=world.falls
    )
    after = _get(client, url)
    assert _counts(fragment_cache, "teams_table") == (0, 2)
    assert "Beta Hospitals" in after  # faculty of the collaborative: every team named
    assert after == _built(settings, client, url)


def test_the_teams_table_follows_a_team_agreeing_to_be_named(world, fragment_cache, settings):
    client, url = client_for(world.users["lead"]), _teams_url(world)
    assert "Beta Hospitals" not in _get(client, url)
    world.beta.consents_to_be_named = True
    world.beta.save()
    after = _get(client, url)
    assert "Beta Hospitals" in after
    assert after == _built(settings, client, url)


def test_the_teams_table_follows_a_team_withdrawing(world, fragment_cache, settings):
    client, url = client_for(world.users["manager"]), _teams_url(world)
    assert "Beta Hospitals" in _get(client, url)
    world.beta.status = "withdrawn"
    world.beta.withdrawn_on = TODAY
    world.beta.save()
    after = _get(client, url)
    assert "Beta Hospitals" not in after
    assert after == _built(settings, client, url)


def test_the_teams_tables_filtered_rows_answer_304_until_they_change(world):
    client, url = client_for(world.users["manager"]), _teams_url(world)
    htmx = {"HX-Request": "true", "HX-Target": "teams-results"}
    response = client.get(url, {"sort": "name"}, headers=htmx)
    tag = response["ETag"]
    assert tag and response["Cache-Control"] == "private, no-cache"
    assert "<form" not in response.content.decode()
    again = client.get(url, {"sort": "name"}, headers={**htmx, "If-None-Match": tag})
    assert again.status_code == 304
    other = client_for(world.users["lead"]).get(
        url, {"sort": "name"}, headers={**htmx, "If-None-Match": tag}
    )
    assert other.status_code == 200 and other["ETag"] != tag  # another view, another key
    write(world.beta_series, LEVEL[-2:], MONTHS[-2:])
    charts_recompute(series_ids=Series.objects.values_list("pk", flat=True), worker="test")
    summaries_compute(today=TODAY)
    changed = client.get(url, {"sort": "name"}, headers={**htmx, "If-None-Match": tag})
    assert changed.status_code == 200 and changed["ETag"] != tag


def test_a_table_cached_between_two_stores_of_one_run_follows_the_later_store(
    world, fragment_cache, settings, monkeypatch
):
    """A run stores each collaborative in its own transaction. A teams table asked for
    between two of them is cached with its collaborative's old rows; when those rows are
    stored, later in the same run, the key must move (each store is stamped when it takes
    the write lock, not once for the run)."""
    from dashboards import summaries

    client = client_for(world.users["national"])
    url = reverse("dashboard_collaborative_teams", args=[world.maternity.pk])
    before = _get(client, url)
    write(world.delta_series, LEVEL[:12] + [0] * 8)  # delta's falls stop: a new picture
    charts_recompute(series_ids=[world.delta_series.pk], worker="test")
    real, mid = summaries._store, []

    def store(level, rows, **kwargs):
        real(level, rows, **kwargs)
        if level == summaries.Level.COLLABORATIVE and world.falls.pk in rows:
            mid.append(_get(client, url))  # falls stored, maternity not yet

    monkeypatch.setattr(summaries, "_store", store)
    summaries_compute(today=TODAY)
    assert mid == [before]  # the old rows, cached under the key of that moment
    after = _get(client, url)
    assert after != before
    assert after == _built(settings, client, url)
