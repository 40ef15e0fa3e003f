"""The fragment cache on the team's pages (dashboards/fragments.py): the team dashboard's
panels, one measure's panel (the chart, its table and the peers' words) and a lead's home
section (each measure's verdict and place among peers). Never stale, never shared across
views.

As in test_fragment_cache.py: render, render unchanged (a hit, no rebuild), change one
input, render again: a miss, and the content a build with the cache off gives. The cast
is tests/dashboards/dashboard_cast.py: alpha and beta report the falls rate to December
2025 and alpha the blood pressure share without its last four months, on 20 January 2026.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from collaboratives.models import PDSACycle, Team
from dashboards import fragments
from governance.models import RoleAssignment
from measures.models import (
    CollaborativeMeasure,
    DataPoint,
    DataPointRevision,
    Measure,
    PointMark,
)
from measures.writes import PointChange, datapoints_write
from tests.cast import client_for
from tests.dashboards.dashboard_cast import TODAY, add_teams, build_dashboard_cast, charts
from tests.dashboards.fragment_reader import Reader, render_twice

pytestmark = pytest.mark.django_db

DECEMBER = dt.date(2025, 12, 1)
SEPTEMBER = dt.date(2025, 9, 1)


@pytest.fixture
def cast(monkeypatch, fragment_cache):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return build_dashboard_cast()


def lead_section(page: str) -> str:
    """The home page's lead section: what the `lead_measures` fragment shows (the rest of
    the page holds the CSRF token, which changes with every response)."""
    match = re.search(r'<section[^>]*id="home-team-[^"]*".*?</section>', page, re.S)
    assert match, "no lead section on the home page"
    return match.group(0)


def history(page: str) -> str:
    """The team dashboard's ramps and assessment scores: what the `team_history` fragment
    shows (the rest of the page holds the CSRF token)."""
    match = re.search(r'<h2 class="nhsuk-heading-m" id="ramps">.*?IHI scale</a></p>', page, re.S)
    assert match, "no ramps and assessments on the team dashboard"
    return match.group(0)


@pytest.fixture
def reader(fragment_cache, settings, cast):
    """`reader(who, "panels" | "panel" | "home")`: the team dashboard's panels (the htmx
    answer of its "show" filter), alpha's falls panel (htmx), or the lead's home section."""

    def make(who, name, team=None, series=None):
        user = who if not isinstance(who, str) else cast.users[who]
        team = team or cast.alpha
        series = series or cast.alpha_series
        if name == "panels":
            url = reverse("dashboard_team", args=[team.pk])
            return Reader(
                fragment_cache,
                settings,
                user,
                "team_panels",
                url,
                {"HX-Request": "true", "HX-Target": "panels"},
            )
        if name == "history":
            url = reverse("dashboard_team", args=[team.pk])
            return Reader(fragment_cache, settings, user, "team_history", url, {}, history)
        if name == "panel":
            url = reverse("dashboard_team_panel", args=[team.pk, series.pk])
            return Reader(fragment_cache, settings, user, "panel", url, {"HX-Request": "true"})
        return Reader(
            fragment_cache, settings, user, "lead_measures", reverse("home"), {}, lead_section
        )

    return make


def assert_rekeyed(r: Reader) -> str:
    """After a change: a miss, and the content a build without cache gives."""
    hits, misses = r.counts()
    after = r.get()
    assert r.counts() == (hits, misses + 1), "a changed input must change the key"
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


NAMES = ["panels", "panel", "home"]


# --- Served from the cache, and to whom ------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_an_unchanged_second_render_is_a_hit(reader, name):
    r = reader("lead", name)
    first = r.get()
    assert r.counts() == (0, 1)
    assert r.get() == first
    assert r.counts() == (1, 1)
    assert first == r.built()


def test_the_panel_partial_answers_304_to_its_etag_until_its_content_changes(reader, cast):
    r = reader("lead", "panel")
    response = r.client.get(r.url, headers=r.headers)
    tag = response["ETag"]
    assert tag and response["Cache-Control"] == "private, no-cache"
    assert "Cookie" in response["Vary"]
    again = r.client.get(r.url, headers={**r.headers, "If-None-Match": tag})
    assert again.status_code == 304
    write(cast.alpha_series, DECEMBER, 777)
    charts([cast.alpha_series.pk])
    changed = r.client.get(r.url, headers={**r.headers, "If-None-Match": tag})
    assert changed.status_code == 200 and changed["ETag"] != tag


def test_a_panel_being_recomputed_is_not_kept_and_has_no_etag(reader, cast):
    r = reader("lead", "panel")
    render_twice(r)
    write(cast.alpha_series, DECEMBER, 777)  # not recomputed yet: the chart is not fresh
    response = r.client.get(r.url, headers=r.headers)
    assert "Being recomputed" in response.content.decode()
    assert not response.has_header("ETag")
    hits, misses = r.counts()
    r.get()
    assert r.counts() == (hits, misses + 1), "a chart that is not fresh must not be kept"


def test_viewers_with_the_same_view_share_the_panels_and_other_views_do_not(reader, cast):
    # The lead and the collaborative's manager: inside, the same series, neither may
    # enter alpha's data ... unless the manager may; either way their keys say so.
    reader("manager", "panels").get()
    reader("falls_manager", "panels").get()
    stats = reader("manager", "panels").counts()
    assert stats == (1, 1)
    # Outside the collaborative: published figures, a view of its own.
    outside = reader("national", "panels")
    outside.get()
    assert outside.counts() == (1, 2)


def test_a_panel_is_not_shared_between_its_team_and_others(reader, cast):
    add_teams(cast, 4)  # enough teams to compare with
    own = reader("lead", "panel")
    assert "teams your size" in own.get()
    other = reader("manager", "panel")
    text = other.get()
    assert other.counts() == (0, 2)
    assert "teams of its size" in text and "teams your size" not in text


def test_no_team_fragment_holds_a_csrf_token_a_nonce_or_a_persons_name(reader, cast):
    for who in ("lead", "manager", "national", "faculty"):
        for name in ("panels", "panel"):
            reader(who, name).get()
    reader("lead", "home").get()
    store = caches["fragments"]
    keys = [k.split(":", 2)[2] for k in store._cache]  # locmem keys are ":version:key"
    for name in ("team_panels", "panel", "lead_measures"):
        assert any(k.startswith(f"fragment:{name}:") for k in keys), name
    people = {u.person.name for u in cast.users.values() if hasattr(u, "person")}
    people |= {u.username for u in cast.users.values()}
    for k in keys:
        text = repr(store.get(k))
        assert "csrf" not in text.lower(), k
        assert "nonce" not in text, k
        for person in people:
            assert not re.search(rf"\b{re.escape(person)}\b", text), (k, person)


# --- Each input ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_a_new_data_point_shows(reader, cast, name):
    r = reader("lead", name)
    before = render_twice(r)
    if name == "panels":
        # alpha's share owes its last four months; September comes in: three are owed
        assert "4 periods of data missing" in before
        write(cast.alpha_share, SEPTEMBER, 44, 50)
        after = assert_rekeyed(r)
        assert "3 periods of data missing" in after
    else:
        write(cast.alpha_series, DECEMBER, 777)  # alpha's December falls: 26 -> 777
        after = assert_rekeyed(r)
        if name == "panel":  # the chart is being recomputed, and says so
            assert "Being recomputed" in after and "Being recomputed" not in before


@pytest.mark.parametrize("name", NAMES)
def test_a_recompute_shows(reader, cast, name):
    r = reader("lead", name)
    before = render_twice(r)
    # The points change behind the chart's back: the pages show stored charts, so nothing
    # moves until the chart is recomputed.
    DataPoint.objects.filter(series=cast.alpha_series, period_start=DECEMBER).update(numerator=2)
    assert r.get() == before
    charts([cast.alpha_series.pk])
    after = assert_rekeyed(r)
    assert after != before


@pytest.mark.parametrize("name", ["panels", "panel"])
def test_a_role_change_shows(reader, cast, name):
    # The blood pressure share, counting patients, follows the small-number rules: outside
    # the collaborative its figures are published ones (rounded to 5), inside the raw ones.
    cast.share.counts_people = True
    cast.share.save()
    viewer = cast.users["national"]
    r = reader(viewer, name, series=cast.alpha_share)
    before = render_twice(r)
    RoleAssignment.objects.create(
        person=viewer.person, role="clinical_lead", collaborative=cast.falls
    )
    after = assert_rekeyed(r)
    if name == "panel":
        assert after != before  # the raw figures now
        assert after == reader("faculty", name, series=cast.alpha_share).get()


def test_a_role_change_shows_on_the_home_page(reader, cast):
    r = reader("lead", "home")
    render_twice(r)
    RoleAssignment.objects.create(
        person=cast.users["lead"].person, role="clinical_lead", collaborative=cast.falls
    )
    assert_rekeyed(r)


@pytest.mark.parametrize("name", NAMES)
def test_a_change_of_sharing_terms_moves_the_key(reader, cast, name):
    r = reader("lead", name)
    render_twice(r)
    Team.objects.filter(pk=cast.alpha.pk).update(consents_to_be_named=False)
    assert_rekeyed(r)


@pytest.mark.parametrize("name", NAMES)
def test_a_team_joining_moves_the_peers(reader, cast, name):
    r = reader("lead", name)
    render_twice(r)
    add_teams(cast, 1)
    assert_rekeyed(r)


@pytest.mark.parametrize("name", NAMES)
def test_a_due_date_passing_shows(reader, cast, monkeypatch, name):
    r = reader("lead", name)
    before = render_twice(r)
    # A month later January is past its due date and nobody entered it.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 2, 28))
    after = assert_rekeyed(r)
    if name == "panels":
        assert after != before  # January is owed now


@pytest.mark.parametrize("name", ["panels", "panel"])
def test_a_mark_edit_and_its_recompute_show(reader, cast, name):
    r = reader("lead", name)
    before = render_twice(r)
    PointMark.objects.create(
        series=cast.alpha_series, period_start=DECEMBER, kind="excluded", reason="Miscoded"
    )
    assert_rekeyed(r)  # the edit alone moves the key
    charts([cast.alpha_series.pk])
    after = assert_rekeyed(r)
    assert after != before


def test_a_direction_change_shows_in_the_panel(reader, cast):
    r = reader("lead", "panel")
    before = render_twice(r)
    cast.falls_rate.direction = "up"
    cast.falls_rate.save()
    charts([cast.alpha_series.pk, cast.beta_series.pk])
    after = assert_rekeyed(r)
    assert after != before


@pytest.mark.parametrize("name", NAMES)
def test_a_change_to_the_measure_set_moves_the_key(reader, cast, name):
    """The team pages read the measure set for the key themselves (fragments._measure_set_rows):
    a row's target, and its measure's name, each move it."""
    r = reader("lead", name)
    render_twice(r)
    CollaborativeMeasure.objects.filter(collaborative=cast.falls).update(target=Decimal("2.5"))
    assert_rekeyed(r)
    Measure.objects.filter(pk=cast.falls_rate.pk).update(name="Falls per 1,000 bed days (all)")
    assert_rekeyed(r)


def huddle(cast) -> PDSACycle:
    """A new cycle of alpha's, on the change idea of its first."""
    return PDSACycle.objects.create(
        team=cast.alpha,
        change_idea=cast.alpha_cycle.change_idea,
        title="Falls huddle at handover",
        planned_start=dt.date(2025, 11, 1),
        planned_end=dt.date(2025, 12, 15),
    )


def test_a_pdsa_cycle_on_the_chart_shows_in_the_panel(reader, cast):
    r = reader("lead", "panel")
    before = render_twice(r)
    cycle = huddle(cast)
    cycle.measures.add(cast.falls_rate)
    after = assert_rekeyed(r)
    assert "Falls huddle at handover" in after and "Falls huddle" not in before
    PDSACycle.objects.filter(pk=cycle.pk).update(title="Falls huddle at every handover")
    assert "Falls huddle at every handover" in assert_rekeyed(r)


# --- The ramps and assessment scores on the team dashboard -------------------------------------


def test_the_ramps_follow_a_cycle_logged_decided_and_its_idea_renamed(reader, cast):
    r = reader("lead", "history")
    before = render_twice(r)
    cycle = huddle(cast)
    after = assert_rekeyed(r)
    assert "Falls huddle at handover" in after and "Falls huddle" not in before
    PDSACycle.objects.filter(pk=cycle.pk).update(act_decision=PDSACycle.Decision.ADOPT)
    assert "Adopt" in assert_rekeyed(r)
    idea = cast.alpha_cycle.change_idea
    type(idea).objects.filter(pk=idea.pk).update(title="Huddles, renamed")
    assert "Huddles, renamed" in assert_rekeyed(r)


def test_the_assessment_scores_follow_a_new_rating(reader, cast):
    from decimal import Decimal

    from collaboratives.models import TeamAssessment

    r = reader("lead", "history")
    render_twice(r)
    TeamAssessment.objects.create(
        team=cast.alpha, month=dt.date(2025, 12, 1), self_rating=Decimal("2.5")
    )
    after = assert_rekeyed(r)
    assert "Dec 2025" in after and "2.5" in after


def test_the_overdue_cycles_come_with_a_kept_history_and_move_with_the_day(
    reader, cast, monkeypatch
):
    """The overdue cycles are kept with the ramps (the page then loads no cycle): a kept
    page lists them as a built one does, and a cycle becomes overdue when its end passes."""
    cycle = huddle(cast)
    PDSACycle.objects.filter(pk=cycle.pk).update(planned_end=TODAY + dt.timedelta(days=3))
    client = client_for(cast.users["lead"])
    url = reverse("dashboard_team", args=[cast.alpha.pk])
    overdue = "Falls huddle at handover</a>: planned to end"

    r = reader("lead", "history")
    render_twice(r)  # built, then kept
    assert overdue not in client.get(url).content.decode()
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY + dt.timedelta(days=4))
    assert_rekeyed(r)
    hits = r.counts()[0]
    assert overdue in client.get(url).content.decode()  # kept
    assert r.counts()[0] == hits + 1


def test_rows_reads_what_the_queryset_reads_compiled_once(cast):
    from dashboards.team_views import _history_cycle_rows

    for team in (cast.alpha, cast.beta):
        expected = tuple(_history_cycle_rows(team.pk))
        assert len(expected) == PDSACycle.objects.filter(team=team, archived_at=None).count()
        got = fragments.rows(_history_cycle_rows, team.pk)
        assert [r[0] for r in got] == [r[0] for r in expected]
        assert [r[-2:] for r in got] == [r[-2:] for r in expected]  # the fidelity counts
    assert fragments._compiled.cache_info().currsize >= 1


def test_rows_refuses_a_queryset_with_its_id_twice(cast):
    def twice(pk):
        return PDSACycle.objects.filter(team_id=pk, parent__team_id=pk)

    with pytest.raises(ValueError, match="once, not 2 times"):
        fragments.rows(twice, cast.alpha.pk)


@pytest.mark.parametrize("name", ["panels", "home"])
def test_a_rebuild_after_data_entry_reads_the_complete_periods_once(
    reader, cast, name, monkeypatch
):
    """The key holds the latest complete periods and the build counts up to them: one read
    for both (each read passes over the collaborative's recent points), and what is built
    is what a build without the cache gives."""
    from measures import completeness

    r = reader("lead", name)
    render_twice(r)
    write(cast.alpha_series, DECEMBER, 777)
    reads = []
    entered = completeness._entered
    monkeypatch.setattr(
        completeness, "_entered", lambda *a, **k: reads.append(1) or entered(*a, **k)
    )
    hits, misses = r.counts()
    after = r.get()
    assert r.counts() == (hits, misses + 1)
    assert len(reads) == 1
    assert after == r.built()
