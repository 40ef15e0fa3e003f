"""The dashboards' fragment cache (dashboards/fragments.py): never stale, never shared
across views.

Each invalidation test renders a fragment, renders it again unchanged (served from the
cache: a hit, and no rebuild), changes one input, and renders again: the new content is
shown, and it is what a build with the cache off gives. The cast is
tests/dashboards/dashboard_cast.py: the falls collaborative with alpha and beta reporting
falls per 1,000 bed days to December 2025, on 20 January 2026.
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from collaboratives.models import StretchTarget, Team
from governance.models import RoleAssignment
from measures.models import DataPoint, DataPointRevision, Phase, PointMark
from measures.writes import PointChange, datapoints_write
from tests.cast import client_for
from tests.dashboards.dashboard_cast import (
    BETA,
    TODAY,
    add_teams,
    build_dashboard_cast,
    charts,
    halve_falls,
)
from tests.dashboards.fragment_reader import Reader, render_twice

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
DECEMBER = dt.date(2025, 12, 1)


@pytest.fixture
def cast(monkeypatch, fragment_cache):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return build_dashboard_cast()


def path(name, cast):
    return reverse(f"dashboard_collaborative_{name}", args=[cast.falls.pk])


@pytest.fixture
def reader(fragment_cache, settings, cast):
    def make(who, name):
        user = who if not isinstance(who, str) else cast.users[who]
        return Reader(fragment_cache, settings, user, name, path(name, cast), HTMX)

    return make


def assert_rebuilt(r: Reader, before: str) -> str:
    """After a change: a miss, new content, and the content a build without cache gives."""
    hits, misses = r.counts()
    after = r.get()
    assert r.counts() == (hits, misses + 1), "a changed input must change the key"
    assert after != before
    assert after == r.built()
    return after


def write(series, period, numerator, denominator=2000):
    datapoints_write(
        series=series,
        changes=[PointChange(period, numerator, denominator)],
        by=None,
        source=DataPointRevision.Source.IMPORT,
        today=TODAY,
    )


# --- Served from the cache ---------------------------------------------------------------------


def test_an_unchanged_second_render_is_a_hit_and_makes_fewer_queries(reader):
    r = reader("manager", "aggregate")
    with CaptureQueriesContext(connection) as first:
        content = r.get()
    with CaptureQueriesContext(connection) as second:
        assert r.get() == content
    assert r.counts() == (1, 1)
    assert len(second) < len(first)


def test_viewers_with_the_same_view_share_a_fragment_and_other_views_do_not(reader, cast):
    # Both run the collaborative: inside it, every team named, no team of their own.
    reader("manager", "multiples").get()
    shared = reader("falls_manager", "multiples")
    shared.get()
    assert shared.counts() == (1, 1)
    # alpha's lead sees alpha first, as "Your team": a view of its own.
    own = reader("lead", "multiples")
    own.get()
    assert own.counts() == (1, 2)
    # Outside the collaborative: published figures, a view of its own too.
    outside = reader("national", "multiples")
    outside.get()
    assert outside.counts() == (1, 3)


def test_no_fragment_holds_a_csrf_token_a_nonce_or_a_persons_name(reader, cast, fragment_cache):
    from django.core.cache import caches

    for who in ("manager", "lead", "national", "faculty"):
        for name in ("aggregate", "multiples"):
            reader(who, name).get()
        client_for(cast.users[who]).get(reverse("dashboard_collaborative", args=[cast.falls.pk]))
        client_for(cast.users[who]).get(path("funnel", cast), headers=HTMX)
    store = caches["fragments"]
    keys = [k.split(":", 2)[2] for k in store._cache]  # locmem keys are ":version:key"
    assert any(k.startswith("fragment:multiples:") for k in keys)
    people = {u.person.name for u in cast.users.values() if hasattr(u, "person")}
    people |= {u.username for u in cast.users.values()}
    for k in keys:
        text = repr(store.get(k))
        assert "csrfmiddlewaretoken" not in text and "csrf" not in text.lower(), k
        assert "nonce" not in text, k
        for person in people:
            assert not re.search(rf"\b{re.escape(person)}\b", text), (k, person)


# --- Each input ------------------------------------------------------------------------------


def test_a_new_data_point_shows(reader, cast):
    r = reader("manager", "aggregate")
    before = render_twice(r)
    write(cast.alpha_series, DECEMBER, 777)  # alpha's December falls: 26 -> 777
    after = assert_rebuilt(r, before)
    assert "793" in after and "793" not in before  # 777 + beta's 16, the month's numerator


def test_a_recompute_shows(reader, cast):
    r = reader("manager", "multiples")
    before = render_twice(r)
    # The points change behind the chart's back: the multiples show stored charts, so
    # nothing moves until the chart is recomputed.
    DataPoint.objects.filter(series=cast.alpha_series, period_start=DECEMBER).update(numerator=777)
    assert r.get() == before
    charts([cast.alpha_series.pk])
    after = assert_rebuilt(r, before)
    assert "388.5" in after  # 777 falls over 2,000 bed days, per 1,000


def test_a_role_change_shows(reader, cast):
    viewer = cast.users["national"]
    r = reader(viewer, "multiples")
    before = render_twice(r)
    RoleAssignment.objects.create(
        person=viewer.person, role="clinical_lead", collaborative=cast.falls
    )
    after = assert_rebuilt(r, before)
    assert after == reader("faculty", "multiples").get()  # now inside, as faculty see it


def test_a_change_of_sharing_terms_shows(reader, cast):
    Team.objects.filter(pk=cast.alpha.pk).update(consents_to_be_named=False)
    r = reader("beta_lead", "multiples")
    before = render_twice(r)
    assert "Alpha Hospitals" not in before
    Team.objects.filter(pk=cast.alpha.pk).update(consents_to_be_named=True)
    after = assert_rebuilt(r, before)
    assert "Alpha Hospitals" in after


def test_a_due_date_passing_moves_the_complete_period(reader, cast, monkeypatch):
    r = reader("manager", "aggregate")
    before = render_twice(r)
    assert "to Dec 2025" in before
    # A month later January is past its due date (nobody entered it): it is complete now.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 2, 28))
    after = assert_rebuilt(r, before)
    assert "to Jan 2026" in after


def test_a_direction_change_shows(reader, cast):
    r = reader("manager", "multiples")
    before = render_twice(r)
    cast.falls_rate.direction = "up"
    cast.falls_rate.save()
    charts([cast.alpha_series.pk, cast.beta_series.pk])
    assert_rebuilt(r, before)


def test_a_target_change_shows(reader, cast):
    r = reader("manager", "aggregate")
    before = render_twice(r)
    cast.cm.target = 7
    cast.cm.save()
    assert_rebuilt(r, before)


def test_a_new_stretch_target_shows_on_the_page(reader, cast, fragment_cache):
    client = client_for(cast.users["manager"])
    page = reverse("dashboard_collaborative", args=[cast.falls.pk])
    StretchTarget.objects.create(
        collaborative=cast.falls,
        measure=cast.falls_rate,
        baseline_value=5,
        baseline_period_start=dt.date(2024, 1, 1),
        baseline_period_end=dt.date(2024, 12, 1),
        target_value=3,
        target_date=dt.date(2026, 12, 31),
        reason="Set with the teams",
        set_at=timezone.now() - dt.timedelta(days=2),
    )
    first = client.get(page).content.decode()
    assert "31 December 2026" in first and "31 March 2027" not in first
    client.get(page)
    assert fragment_cache.stats[("progress", "hit")] == 1
    StretchTarget.objects.create(
        collaborative=cast.falls,
        measure=cast.falls_rate,
        baseline_value=5,
        baseline_period_start=dt.date(2024, 1, 1),
        baseline_period_end=dt.date(2024, 12, 1),
        target_value=2,
        target_date=dt.date(2027, 3, 31),
        reason="Moved after the first year",
        set_at=timezone.now() - dt.timedelta(days=1),
    )
    assert "31 March 2027" in client.get(page).content.decode()
    assert fragment_cache.stats[("progress", "miss")] == 2


def test_the_progress_rebuilt_after_data_entry_reads_the_complete_periods_once(
    cast, fragment_cache, monkeypatch
):
    """The progress fragment's key holds the latest complete periods, and its build (the
    aggregate chart at the headline period) counts up to them: one read for both."""
    from measures import completeness

    halve_falls(cast)
    client = client_for(cast.users["manager"])
    page = reverse("dashboard_collaborative", args=[cast.falls.pk])
    client.get(page)
    write(cast.alpha_series, dt.date(2025, 12, 1), 777)
    reads = []
    entered = completeness._entered
    monkeypatch.setattr(
        completeness, "_entered", lambda *a, **k: reads.append(1) or entered(*a, **k)
    )
    progress = client.get(page).context["progress"]
    assert fragment_cache.stats[("progress", "miss")] == 2
    assert len(reads) == 1
    # December 2025: alpha's 777 falls (just written) and beta's, over 4,000 bed days
    assert progress["latest"] == pytest.approx(1000 * (777 + BETA[-1]) / 4000)


@pytest.mark.parametrize("edit", ["phase", "mark"])
def test_a_phase_or_mark_edit_shows(reader, cast, edit):
    r = reader("manager", "multiples")
    before = render_twice(r)
    if edit == "phase":
        Phase.objects.create(
            series=cast.alpha_series, start_period=dt.date(2025, 10, 1), reason="New process"
        )
    else:
        PointMark.objects.create(
            series=cast.alpha_series, period_start=DECEMBER, kind="excluded", reason="Miscoded"
        )
    # The edit alone moves the key (the chart is recomputed after it commits) ...
    hits, misses = r.counts()
    assert r.get() == before
    assert r.counts() == (hits, misses + 1)
    # ... and the recomputed chart shows.
    charts([cast.alpha_series.pk])
    assert_rebuilt(r, before)


def test_a_team_joining_shows(reader, cast):
    r = reader("manager", "multiples")
    before = render_twice(r)
    add_teams(cast, 1)
    after = assert_rebuilt(r, before)
    assert "Extra 0 Hospitals" in after


def test_a_team_withdrawing_shows(reader, cast):
    r = reader("manager", "multiples")
    before = render_twice(r)
    assert "Beta Hospitals" in before
    Team.objects.filter(pk=cast.beta.pk).update(
        status=Team.Status.WITHDRAWN, withdrawn_on=dt.date(2026, 1, 10)
    )
    after = assert_rebuilt(r, before)
    assert "Beta Hospitals" not in after


def test_the_funnel_follows_a_new_data_point(reader, cast, fragment_cache):
    client = client_for(cast.users["faculty"])
    url = path("funnel", cast)
    before = client.get(url, headers=HTMX).content.decode()
    assert client.get(url, headers=HTMX).content.decode() == before
    assert fragment_cache.stats[("funnel", "hit")] == 1
    write(cast.beta_series, DECEMBER, 300)
    after = client.get(url, headers=HTMX).content.decode()
    assert fragment_cache.stats[("funnel", "miss")] == 2
    assert after != before


def _blank_tokens(html: str) -> str:
    return re.sub(r'(name="csrfmiddlewaretoken" value=)"[^"]*"', r'\1""', html)


def test_the_funnel_plot_is_kept_under_the_funnels_key_and_follows_it(
    reader, cast, fragment_cache, settings
):
    """The plot with its words and table is rendered once per funnel key; the notes and
    their forms below it are the viewer's, rendered on every request."""
    client, url = client_for(cast.users["manager"]), path("funnel", cast)
    before = _blank_tokens(client.get(url, headers=HTMX).content.decode())
    assert _blank_tokens(client.get(url, headers=HTMX).content.decode()) == before
    assert fragment_cache.stats[("funnel_plot", "hit")] == 1
    write(cast.beta_series, DECEMBER, 300)
    after = _blank_tokens(client.get(url, headers=HTMX).content.decode())
    assert fragment_cache.stats[("funnel_plot", "miss")] == 2
    assert after != before
    settings.COLLAB_FRAGMENT_CACHE = False
    assert _blank_tokens(client.get(url, headers=HTMX).content.decode()) == after


def test_the_funnels_statistics_are_shown_only_to_those_who_may_judge_from_a_shared_cache(
    cast, fragment_cache
):
    """The director and the faculty see the same teams by the same names, but only the
    faculty may judge the variation, and only they are shown the statistics."""
    url = path("funnel", cast)
    director = client_for(cast.users["director"]).get(url, headers=HTMX).content.decode()
    faculty = client_for(cast.users["faculty"]).get(url, headers=HTMX).content.decode()
    again = client_for(cast.users["director"]).get(url, headers=HTMX).content.decode()
    assert "Dispersion ratio" in faculty
    assert "Dispersion ratio" not in director and "Dispersion ratio" not in again
    assert fragment_cache.stats[("funnel_plot", "miss")] == 2


# --- Conditional GET on the htmx partials -------------------------------------------------


@pytest.mark.parametrize("name", ["aggregate", "multiples"])
def test_a_partial_answers_304_to_its_etag_until_its_content_changes(reader, cast, name):
    r = reader("manager", name)
    response = r.client.get(r.url, headers=HTMX)
    tag = response["ETag"]
    assert tag.startswith('"') and tag.endswith('"')
    assert response["Cache-Control"] == "private, no-cache"
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"cookie", "hx-request"} <= vary
    again = r.client.get(r.url, headers={**HTMX, "If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == tag
    assert again["Cache-Control"] == "private, no-cache"
    assert "cookie" in again["Vary"].lower()
    write(cast.alpha_series, DECEMBER, 777)
    changed = r.client.get(r.url, headers={**HTMX, "If-None-Match": tag})
    assert changed.status_code == 200
    assert changed["ETag"] != tag
    assert changed.content


def test_another_view_never_gets_a_304_for_a_tag_it_was_not_given(reader, cast):
    manager = reader("manager", "multiples")
    tag = manager.client.get(manager.url, headers=HTMX)["ETag"]
    lead = reader("lead", "multiples")
    response = lead.client.get(lead.url, headers={**HTMX, "If-None-Match": tag})
    assert response.status_code == 200
    assert response["ETag"] != tag


def test_the_partial_on_a_page_of_its_own_has_no_etag(reader, cast):
    r = reader("manager", "aggregate")
    response = r.client.get(r.url)  # without htmx: the whole page, with its CSRF token
    assert response.status_code == 200
    assert not response.has_header("ETag")
    assert r.get() in response.content.decode()


def test_a_change_of_settings_moves_the_key(reader, cast, settings):
    """A deploy that changes a COLLAB_* setting (here the small-number rules) must not find
    fragments kept under the old one: Redis keeps the cache across deploys."""
    r = reader("national", "aggregate")
    render_twice(r)
    settings.COLLAB_DISCLOSURE = {"suppress_up_to": 7, "round_to": 10}
    hits, misses = r.counts()
    assert r.get() == r.built()
    assert r.counts() == (hits, misses + 1)
