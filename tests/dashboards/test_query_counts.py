"""No dashboard page or partial issues more queries when the collaborative has more teams.

Each page is requested at two sizes of the falls collaborative: 4 teams, then 14 (ten more,
each with a year of data, its chart and an assessment, and the summaries recomputed). The
funnel plot's pages start at 12 teams instead, so that alpha is outside the limits at both
sizes (with four teams the overdispersion adjustment takes it in) and the query for the
notes of teams outside the limits runs at both. The count at the small size is pinned
under a literal cap, and the large size must not exceed it (`django_assert_max_num_queries`).
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from collaboratives.models import StretchTarget
from dashboards.summaries import summaries_compute
from tests.cast import client_for
from tests.dashboards.portfolio_world import TODAY, add_teams, build_world

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _measure_query(w):
    cm = w.falls.measure_set.get()
    return {"measure": cm.pk, "window": "12"}


PICK = object()  # the GET data picks the falls collaborative's measure
TARGET = {**HTMX, "HTTP_HX_TARGET": "teams-results"}

# name: (user, URL name after "dashboard_", world objects for its arguments, GET data,
#        headers, cap at 4 teams)
PAGES = {
    "portfolio": ("director", "portfolio", ["east"], {}, {}, 12),
    "portfolio filtered": ("director", "portfolio", ["east"], {"phase": "active"}, HTMX, 12),
    "national": ("national", "national", [], {}, {}, 14),
    "national filtered": ("national", "national", [], {"phase": "active"}, HTMX, 13),
    "teams table": ("manager", "collaborative_teams", ["falls"], {}, {}, 10),
    "teams table, loaded": ("lead", "collaborative_teams", ["falls"], {}, HTMX, 9),
    "teams sorted": ("manager", "collaborative_teams", ["falls"], {"sort": "name"}, TARGET, 9),
    "my team": ("lead", "team", ["alpha"], {}, {}, 18),
    "my team's panel": ("lead", "team_panel", ["alpha", "alpha_series"], {}, HTMX, 23),
    "collaborative": ("manager", "collaborative", ["falls"], {}, {}, 9),
    "collaborative funnel": ("faculty", "collaborative_funnel", ["falls"], PICK, HTMX, 17),
    "collaborative aggregate": ("manager", "collaborative_aggregate", ["falls"], PICK, HTMX, 9),
    "collaborative multiples": ("lead", "collaborative_multiples", ["falls"], PICK, HTMX, 12),
}  # fmt: skip
# The latest complete period (measures.completeness) costs up to 3 queries each time a
# chart, aggregate or funnel window is cut at it: the panel, funnel and aggregate caps and
# the variation note's include them; so does "my team", whose "N of M measures improved"
# reads each verdict as of the end of the latest complete period (dashboards.claims). The
# panel also reads the funnel its "compared with other teams" words come from (issue 14
# section 5): the measure-set row, the window's end and its complete-period cut, the
# points and the teams, 7 in all.


def _world(extra: int = 2):
    world = build_world()
    add_teams(world.falls, extra, world.falls_rate, ahsn=world.east)
    summaries_compute(today=TODAY)
    return world


def _getter(client, world, url_name, objects, data, headers):
    """The request, with its URL and data worked out now, outside the counted block."""
    path = reverse(f"dashboard_{url_name}", args=[getattr(world, o).pk for o in objects])
    query = _measure_query(world) if data is PICK else data
    return lambda: client.get(path, query, **headers)


@pytest.mark.parametrize("name", list(PAGES))
def test_the_query_count_does_not_grow_with_the_teams(django_assert_max_num_queries, name):
    user, url_name, objects, data, headers, cap = PAGES[name]
    world = _world(10 if "funnel" in name else 2)
    client = client_for(world.users[user])
    get = _getter(client, world, url_name, objects, data, headers)
    assert get().status_code == 200  # warm: session, caches
    with CaptureQueriesContext(connection) as small:
        assert get().status_code == 200
    count = len(small)  # now: the connection keeps only the last 9,000 queries
    assert count <= cap, f"{name}: {count} queries at 4 teams"

    add_teams(world.falls, 10, world.falls_rate, ahsn=world.east)
    summaries_compute(today=TODAY)
    assert get().status_code == 200
    with django_assert_max_num_queries(count):
        response = get()
    assert response.status_code == 200


def test_recording_a_variation_note_does_not_query_per_team(django_assert_max_num_queries):
    world = _world(10)
    client = client_for(world.users["faculty"])
    url = reverse("dashboard_variation_note", args=[world.falls.pk, world.beta.pk])
    post = {"kind": "judgement", **_measure_query(world)}  # no text: refused, nothing written
    assert client.post(url, post, **HTMX).status_code == 400
    with CaptureQueriesContext(connection) as small:
        client.post(url, post, **HTMX)
    count = len(small)
    assert count <= 18, f"{count} queries at 12 teams"
    add_teams(world.falls, 10, world.falls_rate, ahsn=world.east)
    with django_assert_max_num_queries(count):
        assert client.post(url, post, **HTMX).status_code == 400


# The pages and partials with a cached fragment (dashboards/fragments.py).
CACHED = [
    "collaborative",
    "collaborative aggregate",
    "collaborative multiples",
    "collaborative funnel",
    "portfolio",
    "portfolio filtered",
    "national",
    "national filtered",
    "my team",
    "my team's panel",
]


@pytest.mark.parametrize("name", CACHED)
def test_the_second_render_from_the_fragment_cache_makes_fewer_queries(
    fragment_cache, settings, name
):
    """With the fragment cache on, the first request builds the fragment and the second,
    nothing having changed, reads it: fewer queries than building it (what the key costs
    is the inputs' versions, not the figures)."""
    user, url_name, objects, data, headers, _ = PAGES[name]
    world = _world(10 if "funnel" in name else 2)
    if name == "collaborative":  # the page's fragment is the stretch target's progress
        StretchTarget.objects.create(
            collaborative=world.falls,
            measure=world.falls_rate,
            baseline_value=10,
            baseline_period_start=dt.date(2024, 1, 1),
            baseline_period_end=dt.date(2024, 12, 1),
            target_value=5,
            target_date=dt.date(2026, 3, 31),
            reason="Set with the teams",
            set_at=timezone.now(),
        )
    get = _getter(client_for(world.users[user]), world, url_name, objects, data, headers)
    assert get().status_code == 200  # a miss: built and kept
    with CaptureQueriesContext(connection) as cached:
        assert get().status_code == 200
    assert fragment_cache.stats and all(n == 1 for n in fragment_cache.stats.values()), (
        fragment_cache.stats
    )  # each fragment: one miss, then one hit
    settings.COLLAB_FRAGMENT_CACHE = False
    with CaptureQueriesContext(connection) as built:
        assert get().status_code == 200
    assert len(cached) < len(built), (len(cached), len(built))
