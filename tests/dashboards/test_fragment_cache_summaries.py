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
