"""The collaborative's dashboard and its partials (funnel, aggregate, small multiples), by role."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from measures.models import DataPoint
from tests.cast import client_for, user_with_role
from tests.dashboards.dashboard_cast import (
    ALPHA,
    BETA,
    TODAY,
    add_teams,
    build_dashboard_cast,
    halve_falls,
)

pytestmark = pytest.mark.django_db

PARTIALS = [
    "dashboard_collaborative_funnel",
    "dashboard_collaborative_aggregate",
    "dashboard_collaborative_multiples",
]
READERS = [
    "lead",
    "member",
    "beta_lead",
    "manager",
    "falls_manager",
    "faculty",
    "director",
    "national",
]
HTMX = {"HX-Request": "true"}


@pytest.fixture
def cast(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return build_dashboard_cast()


def url(name, collaborative, **query):
    base = reverse(name, args=[collaborative.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_everyone_in_the_collaborative_reads_the_page_and_its_partials(cast):
    for who in READERS:
        client = client_for(cast.users[who])
        for name in ["dashboard_collaborative", *PARTIALS]:
            assert client.get(url(name, cast.falls), headers=HTMX).status_code == 200, (who, name)


def test_outsiders_and_other_collaboratives_people_get_404(cast):
    sepsis_manager = user_with_role(
        "sepsis_manager", "improvement_manager", collaborative=cast.sepsis
    )
    for user in (cast.users["outsider"], sepsis_manager):
        for name in ["dashboard_collaborative", *PARTIALS]:
            assert client_for(user).get(url(name, cast.falls)).status_code == 404, (user, name)


def test_the_page_defaults_to_the_first_outcome_measure_and_keeps_the_choice_in_links(cast):
    response = client_for(cast.users["faculty"]).get(url("dashboard_collaborative", cast.falls))
    assert response.context["cm"] == cast.cm and response.context["window"] == "12"
    html = response.content.decode()
    funnel = url("dashboard_collaborative_funnel", cast.falls)
    assert f'hx-get="{funnel}?measure={cast.cm.pk}&amp;window=12" hx-trigger="revealed"' in html
    assert f'<a href="{funnel}?measure={cast.cm.pk}&amp;window=12">' in html  # without JS
    assert 'hx-push-url="true"' in html


def test_picking_a_measure_through_htmx_swaps_only_its_section(cast):
    response = client_for(cast.users["faculty"]).get(
        url("dashboard_collaborative", cast.falls, measure=cast.share_cm.pk, window=6),
        headers={**HTMX, "HX-Target": "measure-section"},
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="measure-section"' in html
    assert f"measure={cast.share_cm.pk}&amp;window=6" in html
    # a measure of another collaborative falls back to the default
    other = client_for(cast.users["faculty"]).get(
        url("dashboard_collaborative", cast.falls, measure=999999, window="x")
    )
    assert other.context["cm"] == cast.cm and other.context["window"] == "12"


def test_peers_see_each_other_by_pseudonym_and_their_own_team_highlighted(cast):
    response = client_for(cast.users["beta_lead"]).get(
        url("dashboard_collaborative_funnel", cast.falls, window="all"), headers=HTMX
    )
    units = {u.team: u for u in response.context["funnel"].units}
    assert units[cast.alpha].label == cast.alpha.pseudonym
    assert units[cast.beta].label == str(cast.beta) and units[cast.beta].own
    html = response.content.decode()
    assert str(cast.alpha) not in html and cast.alpha.pseudonym in html
    # once alpha's organisation agrees to be named, peers see its name
    cast.alpha.consents_to_be_named = True
    cast.alpha.save()
    response = client_for(cast.users["beta_lead"]).get(
        url("dashboard_collaborative_funnel", cast.falls, window="all"), headers=HTMX
    )
    assert str(cast.alpha) in response.content.decode()


def test_those_who_run_the_collaborative_see_every_teams_name(cast):
    response = client_for(cast.users["faculty"]).get(
        url("dashboard_collaborative_multiples", cast.falls), headers=HTMX
    )
    assert {p["label"] for p in response.context["panels"]} == {str(cast.alpha), str(cast.beta)}
    assert not any(p["own"] for p in response.context["panels"])


def test_national_viewers_are_outside_the_sharing_terms_and_see_pseudonyms(cast):
    client = client_for(cast.users["national"])
    funnel = client.get(
        url("dashboard_collaborative_funnel", cast.falls, window="all"), headers=HTMX
    )
    assert {u.label for u in funnel.context["funnel"].units} == {
        cast.alpha.pseudonym,
        cast.beta.pseudonym,
    }
    multiples = client.get(url("dashboard_collaborative_multiples", cast.falls), headers=HTMX)
    html = multiples.content.decode()
    assert str(cast.alpha) not in html and cast.alpha.pseudonym in html


def test_small_multiples_share_one_y_scale_and_put_the_viewers_team_first(cast):
    response = client_for(cast.users["beta_lead"]).get(
        url("dashboard_collaborative_multiples", cast.falls), headers=HTMX
    )
    panels = response.context["panels"]
    assert panels[0]["series"] == cast.beta_series and panels[0]["own"]
    ranges = {tuple(p["figure"]["layout"]["yaxis"]["range"]) for p in panels}
    assert len(ranges) == 1
    low, high = ranges.pop()
    assert 0 <= low < 2 and high > 13  # alpha's 26 falls per 2,000 bed days: 13 per 1,000
    assert response.content.decode().count("<table") == len(panels)


def test_the_funnel_window_limits_the_months_counted(cast):
    response = client_for(cast.users["faculty"]).get(
        url("dashboard_collaborative_funnel", cast.falls, window=3), headers=HTMX
    )
    ctx = response.context
    assert (ctx["start"], ctx["end"]) == (dt.date(2025, 10, 1), dt.date(2025, 12, 1))
    alpha = next(u for u in ctx["funnel"].units if u.team == cast.alpha)
    assert (alpha.numerator, alpha.denominator) == (24 + 25 + 26, 6000)
    html = response.content.decode()
    assert 'id="funnel-table"' in html and 'data-figure="funnel-figure"' in html
    # The key names the axis in a sentence: only its first letter lowered, never the month's.
    x_title = ctx["funnel"].x_title
    assert x_title.endswith("to Dec 2025")
    assert f"Across: {x_title[:1].lower()}{x_title[1:]}." in html


def test_a_measure_without_a_denominator_says_why_it_has_no_funnel(cast):
    from measures.models import CollaborativeMeasure, Measure

    count = Measure.objects.create(
        topic=cast.falls_rate.topic,
        name="Falls count",
        kind=Measure.Kind.OUTCOME,
        operational_definition="Falls.",
        numerator_definition="Falls",
        frequency=Measure.Frequency.MONTHLY,
        direction=Measure.Direction.DOWN,
        chart_type=Measure.ChartType.C,
    )
    cm = CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=count)
    html = (
        client_for(cast.users["faculty"])
        .get(url("dashboard_collaborative_funnel", cast.falls, measure=cm.pk), headers=HTMX)
        .content.decode()
    )
    assert "has no denominator" in html


def test_the_aggregate_partial_charts_the_whole_collaborative_with_its_table(cast):
    response = client_for(cast.users["manager"]).get(
        url("dashboard_collaborative_aggregate", cast.falls), headers=HTMX
    )
    agg = response.context["agg"]
    assert agg.rows[0]["numerator"] == 10 + 16 and agg.rows[0]["teams"] == 2
    html = response.content.decode()
    assert 'id="aggregate-table"' in html and 'data-figure="aggregate-' in html
    # without htmx, the partial on a page of its own, with a way back
    page = client_for(cast.users["manager"]).get(
        url("dashboard_collaborative_aggregate", cast.falls)
    )
    assert "<html" in page.content.decode() and "Back to the collaborative" in page.content.decode()


def test_progress_against_the_stretch_target(cast):
    halve_falls(cast)
    response = client_for(cast.users["lead"]).get(url("dashboard_collaborative", cast.falls))
    progress = response.context["progress"]
    # December 2025, alpha's and beta's falls over 4,000 bed days: further from the target
    assert progress["latest"] == pytest.approx(1000 * (ALPHA[-1] + BETA[-1]) / 4000)
    assert progress["percent"] == 0 and progress["raw_percent"] < 0
    assert "further from the target than the baseline was" in response.content.decode()


def test_a_value_for_the_month_in_progress_does_not_move_the_stretch_progress(cast):
    halve_falls(cast)
    page = url("dashboard_collaborative", cast.falls)
    before = client_for(cast.users["lead"]).get(page).context["progress"]
    # one ward enters January 2026, the month still in progress on TODAY (20 January)
    DataPoint.objects.create(
        series=cast.alpha_series, period_start=dt.date(2026, 1, 1), numerator=0, denominator=2000
    )
    after = client_for(cast.users["lead"]).get(page).context["progress"]
    assert after["latest_period"] == before["latest_period"] == dt.date(2025, 12, 1)
    assert (after["latest"], after["percent"]) == (before["latest"], before["percent"])


def test_the_teams_table_is_lazily_loaded(cast):
    html = (
        client_for(cast.users["faculty"])
        .get(url("dashboard_collaborative", cast.falls))
        .content.decode()
    )
    teams = reverse("dashboard_collaborative_teams", args=[cast.falls.pk])
    assert f'hx-get="{teams}" hx-trigger="revealed"' in html


@pytest.mark.parametrize("name", PARTIALS)
def test_the_partials_read_a_fixed_number_of_queries_however_many_teams(
    cast, name, django_assert_max_num_queries
):
    client = client_for(cast.users["faculty"])
    client.get(url(name, cast.falls), headers=HTMX)
    counts = []
    for extra in (0, 6):
        add_teams(cast, extra)
        with django_assert_max_num_queries(20) as captured:
            assert client.get(url(name, cast.falls), headers=HTMX).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_page_reads_a_fixed_number_of_queries_however_many_teams(
    cast, django_assert_max_num_queries
):
    client = client_for(cast.users["faculty"])
    client.get(url("dashboard_collaborative", cast.falls))
    counts = []
    for extra in (0, 6):
        add_teams(cast, extra)
        with django_assert_max_num_queries(20) as captured:
            client.get(url("dashboard_collaborative", cast.falls))
        counts.append(len(captured))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("name", PARTIALS)
def test_the_partials_seen_from_outside_read_a_fixed_number_of_queries_however_many_teams(
    cast, name, django_assert_max_num_queries
):
    """A national viewer of a measure under the small-number rules gets charts drawn from the
    published figures, in the same fixed number of queries however many teams there are."""
    from measures.models import Measure

    Measure.objects.filter(pk=cast.falls_rate.pk).update(counts_patient_events=True)
    client = client_for(cast.users["national"])
    client.get(url(name, cast.falls), headers=HTMX)
    counts = []
    for extra in (0, 6):
        add_teams(cast, extra)
        with django_assert_max_num_queries(25) as captured:
            assert client.get(url(name, cast.falls), headers=HTMX).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_progress_to_the_stretch_target_reads_the_complete_periods_once(cast, monkeypatch):
    """The aggregate chart and the headline period both count up to the latest complete
    period: read once for both (each read passes over the collaborative's recent points)."""
    from dashboards import claims
    from measures import completeness

    halve_falls(cast)
    reads = []
    entered = completeness._entered
    monkeypatch.setattr(
        completeness, "_entered", lambda *a, **k: reads.append(1) or entered(*a, **k)
    )
    progress = claims.collaborative_progress(cast.falls, today=TODAY)
    assert progress.latest == pytest.approx(1000 * (ALPHA[-1] + BETA[-1]) / 4000)
    assert len(reads) == 1
