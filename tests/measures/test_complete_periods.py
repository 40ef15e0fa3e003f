"""Complete periods (issue 14): what counts, the inputs hash, the daily job, and aggregates
that a late team cannot bend.

The falls collaborative (tests/cast.py) has the default data due date, 10 days after a
period ends: May 2024 is due on 10 June 2024. "Today" is 5 June 2024 unless said.
"""

import datetime as dt

import pytest

from collaboratives.models import Organisation, Team
from dashboards.aggregate import aggregate_chart, funnel_for
from measures import figures, recompute
from measures.completeness import (
    headline_period,
    is_complete,
    latest_complete_period,
)
from measures.data import series_inputs
from measures.models import CollaborativeMeasure, DataPoint, Measure, RecomputeJob, Series
from measures.periods import period_start_for, period_starts
from tests.cast import START, build_cast

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 6, 5)
APRIL, MAY, JUNE = dt.date(2024, 4, 1), dt.date(2024, 5, 1), dt.date(2024, 6, 1)
MONTHS = list(period_starts("monthly", START, APRIL))  # January to April 2024


def points(series, months, numerator=5, denominator=1000):
    DataPoint.objects.bulk_create(
        DataPoint(series=series, period_start=m, numerator=numerator, denominator=denominator)
        for m in months
    )


@pytest.fixture
def cast():
    cast = build_cast()
    cast.cm = CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=cast.falls_rate)
    points(cast.alpha_series, MONTHS)
    points(cast.beta_series, MONTHS)
    return cast


def complete(cast, month, today=TODAY):
    return is_complete(cast.falls, month, frequency="monthly", today=today)


def latest(cast, today=TODAY):
    return latest_complete_period(cast.falls, frequency="monthly", today=today)


# --- The definition ---------------------------------------------------------------------------


def test_an_ended_period_past_its_due_date_is_complete_even_with_values_missing(cast):
    assert complete(cast, APRIL)  # due 10 May
    assert complete(cast, MAY, today=dt.date(2024, 6, 11))  # due 10 June; nobody sent May
    assert latest(cast, today=dt.date(2024, 6, 11)) == MAY


def test_an_ended_period_is_complete_before_its_due_date_once_every_team_entered_it(cast):
    points(cast.alpha_series, [MAY])
    assert not complete(cast, MAY)  # beta has not sent May
    assert latest(cast) == APRIL
    points(cast.beta_series, [MAY])
    assert complete(cast, MAY)
    assert latest(cast) == MAY


def test_the_current_period_is_never_complete(cast):
    points(cast.alpha_series, [MAY, JUNE])
    points(cast.beta_series, [MAY, JUNE])
    assert not complete(cast, JUNE)
    assert not complete(cast, JUNE, today=dt.date(2024, 6, 30))  # its last day
    assert latest(cast, today=dt.date(2024, 6, 30)) == MAY
    assert complete(cast, JUNE, today=dt.date(2024, 7, 1))  # ended, and entered by all


def test_a_team_that_withdrew_during_the_period_is_not_waited_for(cast):
    points(cast.alpha_series, [MAY])
    cast.beta.status = Team.Status.WITHDRAWN
    cast.beta.withdrawn_on = dt.date(2024, 5, 20)
    cast.beta.save()
    assert complete(cast, MAY)
    assert latest(cast) == MAY


def test_a_team_that_withdrew_after_the_period_still_owed_it(cast):
    points(cast.alpha_series, [MAY])
    cast.beta.status = Team.Status.WITHDRAWN
    cast.beta.withdrawn_on = dt.date(2024, 6, 2)
    cast.beta.save()
    assert not complete(cast, MAY)


def test_a_team_that_joined_during_the_period_is_waited_for_from_that_period(cast):
    points(cast.alpha_series, [MAY])
    points(cast.beta_series, [MAY])
    org = Organisation.objects.create(
        ods_code="RN1", name="New Hospitals", kind="acute", ahsn=cast.east
    )
    newcomer = Team.objects.create(
        collaborative=cast.falls, organisation=org, joined_on=dt.date(2024, 5, 15)
    )
    series = Series.objects.create(team=newcomer, measure=cast.falls_rate)
    assert complete(cast, APRIL, today=dt.date(2024, 5, 5))  # before it joined: not owed
    assert not complete(cast, MAY)
    points(series, [MAY])
    assert complete(cast, MAY)


def test_a_team_is_waited_for_only_on_the_measures_of_the_set_it_reports(cast):
    # alpha's own weekly audit is not in the measure set: its gaps hold nothing up
    points(cast.alpha_series, [MAY])
    points(cast.beta_series, [MAY])
    assert not DataPoint.objects.filter(series=cast.alpha_custom_series).exists()
    assert complete(cast, MAY)


def test_weekly_periods_and_event_dated_series_have_their_own_cutoff(cast):
    # Wednesday 5 June: the week of 27 May ended on Sunday 2 June, due 12 June
    assert latest_complete_period(cast.falls, frequency="weekly", today=TODAY) == dt.date(
        2024, 5, 27
    )  # no weekly measure in the set: nobody owes it
    # events: nobody can tell all of May's are in before May is due
    assert latest_complete_period(cast.falls, frequency="event", today=TODAY) == APRIL
    assert latest_complete_period(cast.falls, frequency="event", today=dt.date(2024, 6, 11)) == MAY


# --- The statistics core sees complete periods only; the hash holds the cutoff ------------------


def test_points_after_the_latest_complete_period_are_kept_apart_in_progress(cast):
    points(cast.alpha_series, [MAY], numerator=40)
    inp = series_inputs([cast.alpha_series.pk], today=TODAY)[cast.alpha_series.pk]
    assert inp.x == [m.isoformat() for m in MONTHS]
    assert inp.spec.labels == inp.x and len(inp.spec.y) == 4
    assert inp.complete_through == APRIL.isoformat()
    assert inp.in_progress == [
        {"x": MAY.isoformat(), "numerator": 40.0, "denominator": 1000.0, "y": 0.04}
    ]


def test_the_cutoff_is_part_of_the_inputs_hash(cast):
    points(cast.alpha_series, [MAY])
    before = series_inputs([cast.alpha_series.pk], today=TODAY)[cast.alpha_series.pk]
    # the same rows a week later: May is past due, so complete, and the hash moves
    later = series_inputs([cast.alpha_series.pk], today=dt.date(2024, 6, 12))[cast.alpha_series.pk]
    assert later.complete_through == MAY.isoformat() and len(later.spec.y) == 5
    assert later.inputs_hash != before.inputs_hash
    # or beta enters May: alpha's own rows are unchanged, its cutoff and hash move
    points(cast.beta_series, [MAY])
    now = series_inputs([cast.alpha_series.pk], today=TODAY)[cast.alpha_series.pk]
    assert now.complete_through == MAY.isoformat()
    assert now.inputs_hash != before.inputs_hash and now.inputs_hash == later.inputs_hash


def test_entering_the_current_period_leaves_the_cores_input_as_it_was(cast):
    before = series_inputs([cast.alpha_series.pk], today=TODAY)[cast.alpha_series.pk]
    points(cast.alpha_series, [JUNE], numerator=90)
    after = series_inputs([cast.alpha_series.pk], today=TODAY)[cast.alpha_series.pk]
    assert (after.x, after.numerator, after.denominator) == (
        before.x, before.numerator, before.denominator
    )  # fmt: skip
    assert list(after.spec.y) == list(before.spec.y) and list(after.spec.n) == list(before.spec.n)
    assert [p["x"] for p in after.in_progress] == [JUNE.isoformat()]


def test_the_chart_draws_the_in_progress_point_hollow_grey_and_labelled(cast):
    points(cast.alpha_series, [MAY], numerator=40)
    recompute.series_mark_stale(series_ids=[cast.alpha_series.pk], send=False)
    recompute.charts_recompute(series_ids=[cast.alpha_series.pk], worker="t", today=TODAY)
    result = cast.alpha_series.chart_results.get()
    assert result.x[-1] == APRIL.isoformat() and result.complete_through == APRIL
    figure = figures.figure(result, title="Falls", multiplier=1000)
    trace = next(t for t in figure["data"] if t["name"] == "In progress")
    assert trace["x"] == [MAY.isoformat()] and trace["y"] == [40.0]
    assert trace["marker"]["symbol"] == "circle-open"
    assert trace["marker"]["color"] == figures.GREY
    assert trace["text"] == ["in progress"]
    value = figure["data"][0]
    assert MAY.isoformat() not in value["x"]


def test_of_several_in_progress_points_only_the_last_is_labelled(cast):
    # Two periods entered after the latest complete one (as weekly charts often have): two
    # labels side by side overprinted each other.
    points(cast.alpha_series, [MAY, JUNE], numerator=40)
    recompute.series_mark_stale(series_ids=[cast.alpha_series.pk], send=False)
    recompute.charts_recompute(series_ids=[cast.alpha_series.pk], worker="t", today=TODAY)
    result = cast.alpha_series.chart_results.get()
    figure = figures.figure(result, title="Falls", multiplier=1000)
    trace = next(t for t in figure["data"] if t["name"] == "In progress")
    assert trace["x"] == [MAY.isoformat(), JUNE.isoformat()]
    assert trace["text"] == ["", "in progress"]


# --- The daily job ------------------------------------------------------------------------------


def test_the_daily_job_recomputes_exactly_the_series_whose_cutoff_moved(cast):
    CollaborativeMeasure.objects.create(collaborative=cast.maternity, measure=cast.falls_rate)
    points(cast.delta_series, MONTHS)
    points(cast.alpha_custom_series, list(period_starts("weekly", START, APRIL)), denominator=None)
    every = [cast.alpha_series.pk, cast.beta_series.pk, cast.delta_series.pk]
    every.append(cast.alpha_custom_series.pk)
    recompute.series_mark_stale(series_ids=every, send=False)
    assert recompute.charts_recompute(series_ids=every, worker="t", today=TODAY) == 4
    assert recompute.complete_periods_advance(today=TODAY) == []  # nothing moved yet

    # Both falls teams send May (straight into the table: no write marks them stale):
    # May is now complete in falls, not in maternity, and weekly cutoffs have not moved.
    points(cast.alpha_series, [MAY])
    points(cast.beta_series, [MAY])
    moved = recompute.complete_periods_advance(today=TODAY)
    assert sorted(moved) == sorted([cast.alpha_series.pk, cast.beta_series.pk])
    pending = RecomputeJob.objects.filter(status=RecomputeJob.Status.PENDING)
    assert sorted(pending.values_list("series_id", flat=True)) == sorted(moved)

    recompute.charts_recompute(series_ids=moved, worker="t", today=TODAY)
    assert recompute.complete_periods_advance(today=TODAY) == []
    # A week on, May is past due in maternity too, and a new week has ended.
    later = recompute.complete_periods_advance(today=dt.date(2024, 6, 12))
    assert sorted(later) == sorted([cast.delta_series.pk, cast.alpha_custom_series.pk])


def test_the_last_team_completing_a_period_marks_the_other_teams_charts_stale(cast):
    both = [cast.alpha_series.pk, cast.beta_series.pk]
    points(cast.alpha_series, [MAY])
    recompute.series_mark_stale(series_ids=both, send=False)
    recompute.charts_recompute(series_ids=both, worker="t", today=TODAY)
    assert not RecomputeJob.objects.filter(status=RecomputeJob.Status.PENDING).exists()
    # beta sends May, the last of the falls teams to do so: its write recomputes beta's
    # chart, and alpha's (whose own rows did not change) is due again at once
    points(cast.beta_series, [MAY])
    recompute.series_mark_stale(series_ids=[cast.beta_series.pk], send=False)
    recompute.charts_recompute(series_ids=[cast.beta_series.pk], worker="t", today=TODAY)
    pending = RecomputeJob.objects.filter(status=RecomputeJob.Status.PENDING)
    assert list(pending.values_list("series_id", flat=True)) == [cast.alpha_series.pk]


def test_the_daily_job_is_on_the_beat_schedule(settings):
    tasks = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks["measures.tasks.complete_periods_advance"] == 24 * 60 * 60


# --- Aggregates and funnels ---------------------------------------------------------------------


def count_measure(cast, **fields) -> CollaborativeMeasure:
    measure = Measure.objects.create(
        topic=cast.falls_rate.topic,
        kind=Measure.Kind.OUTCOME,
        operational_definition="Counted on the ward.",
        numerator_definition="Count",
        **{
            "name": "Falls with harm",
            "frequency": Measure.Frequency.MONTHLY,
            "direction": Measure.Direction.DOWN,
            "chart_type": Measure.ChartType.C,
            **fields,
        },
    )
    return CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=measure)


def test_a_count_aggregate_is_per_reporting_team_so_a_late_team_makes_no_dip(cast):
    cm = count_measure(cast)
    year = list(period_starts("monthly", START, dt.date(2024, 12, 1)))
    alpha = Series.objects.create(team=cast.alpha, measure=cm.measure)
    beta = Series.objects.create(team=cast.beta, measure=cm.measure)
    level = [14, 16, 15, 15, 17, 13, 15, 16, 14, 15, 16, 15]
    for series, shift in ((alpha, 0), (beta, 1)):
        DataPoint.objects.bulk_create(
            DataPoint(series=series, period_start=m, numerator=level[(i + shift) % 12])
            for i, m in enumerate(year)
            if not (series == beta and m.month == 11)  # beta never sent November
        )
    agg = aggregate_chart(cm, today=dt.date(2025, 3, 1))
    assert agg.result.chart == "u"
    november = agg.rows[10]
    assert (november["numerator"], november["denominator"], november["teams"]) == (16, 1, 1)
    assert november["value"] == 16  # a sum would have halved, to 16 against about 30
    assert all(r["denominator"] == 2 for i, r in enumerate(agg.rows) if i != 10)
    assert set(agg.chart.point_type) == {"common_cause"}
    # The axis title wraps onto lines (<br>) to fit a phone; the words are what count.
    title = agg.figure["layout"]["yaxis"]["title"]["text"].replace("<br>", " ")
    assert "per team reported" in title


def test_event_measures_are_combined_as_events_per_complete_month_summed_across_teams(cast):
    cm = count_measure(
        cast,
        name="Days between falls with harm",
        frequency=Measure.Frequency.EVENT,
        direction=Measure.Direction.UP,
        chart_type=Measure.ChartType.T,
    )
    alpha = Series.objects.create(team=cast.alpha, measure=cm.measure)
    beta = Series.objects.create(team=cast.beta, measure=cm.measure)
    alpha_days = [dt.date(2024, 1, 5), dt.date(2024, 1, 20), dt.date(2024, 3, 3)]
    beta_days = [dt.date(2024, 1, 9), dt.date(2024, 3, 28), dt.date(2024, 5, 30)]
    for series, days in ((alpha, alpha_days), (beta, beta_days)):
        DataPoint.objects.bulk_create(
            DataPoint(series=series, period_start=d, numerator=1) for d in days
        )
    agg = aggregate_chart(cm, today=TODAY)  # May is not complete yet: its event waits
    assert agg.result.chart == "c"
    assert [(r["date"], r["numerator"], r["teams"]) for r in agg.rows] == [
        (dt.date(2024, 1, 1), 3, 2),
        (dt.date(2024, 2, 1), 0, 0),  # no events: a count of nought, not a gap
        (dt.date(2024, 3, 1), 2, 2),
        (dt.date(2024, 4, 1), 0, 0),
    ]
    # fewer events is better, whatever the days between them said
    assert agg.chart.improvement == "down" and agg.chart.target is None


def test_a_g_measure_with_every_months_exposure_is_a_u_chart_of_events_per_case(cast):
    cm = count_measure(
        cast,
        name="Cases between infections",
        frequency=Measure.Frequency.EVENT,
        direction=Measure.Direction.UP,
        chart_type=Measure.ChartType.G,
    )
    alpha = Series.objects.create(team=cast.alpha, measure=cm.measure)
    beta = Series.objects.create(team=cast.beta, measure=cm.measure)
    rows = [(alpha, dt.date(2024, m, 10), 40 + m) for m in range(1, 5)]
    rows += [(beta, dt.date(2024, m, 20), 60) for m in (1, 3)]
    DataPoint.objects.bulk_create(
        DataPoint(series=s, period_start=d, numerator=1, denominator=n) for s, d, n in rows
    )
    agg = aggregate_chart(cm, today=TODAY)
    assert agg.result.chart == "u"
    assert [(r["numerator"], r["denominator"]) for r in agg.rows] == [
        (2, 41 + 60), (1, 42), (2, 43 + 60), (1, 44)
    ]  # fmt: skip


def test_the_funnel_window_ends_at_the_latest_complete_period(cast):
    points(cast.alpha_series, [MAY], numerator=400)
    funnel = funnel_for(cast.cm, today=TODAY)
    assert funnel.end == dt.date(2024, 4, 30)
    alpha = next(u for u in funnel.units if u.team == cast.alpha)
    assert alpha.numerator == 5 * 4  # January to April
    points(cast.beta_series, [MAY])
    assert funnel_for(cast.cm, today=TODAY).end == dt.date(2024, 5, 31)


def test_the_headline_period_needs_most_teams_to_have_reported(cast, settings):
    settings.COLLAB_HEADLINE_MIN_REPORTING = 0.8
    points(cast.alpha_series, [MAY])
    today = dt.date(2024, 6, 11)  # May is past due, and complete
    assert latest(cast, today=today) == MAY
    # one of two teams is 50%: the headline stays on April
    assert headline_period(cast.falls, today=today, measure=cast.falls_rate) == APRIL
    settings.COLLAB_HEADLINE_MIN_REPORTING = 0.5
    assert headline_period(cast.falls, today=today, measure=cast.falls_rate) == MAY
    # with no stretch target, the headline reads the first outcome measure of the set
    assert headline_period(cast.falls, today=today) == MAY


def test_the_chart_page_lists_the_in_progress_point_apart_and_says_why(cast):
    from django.urls import reverse
    from django.utils import timezone

    from tests.cast import client_for

    current = period_start_for(timezone.localdate(), "monthly")
    points(cast.alpha_series, [current], numerator=7)
    recompute.series_mark_stale(series_ids=[cast.alpha_series.pk], send=False)
    recompute.charts_recompute(series_ids=[cast.alpha_series.pk], worker="t")
    url = reverse("measures:series_chart", kwargs={"pk": cast.alpha_series.pk})
    html = client_for(cast.users["lead"]).get(url).content.decode()
    assert 'Grey rings marked "in progress"' in html
    assert html.count("collab-chart-table__in-progress") == 1
    assert "In progress: not counted until the period is complete." in html


def test_a_series_whose_only_value_is_in_progress_shows_it_and_waits_for_the_verdict(cast):
    from django.urls import reverse
    from django.utils import timezone

    from tests.cast import client_for

    current = period_start_for(timezone.localdate(), "monthly")
    points(cast.delta_series, [current], numerator=7)
    recompute.series_mark_stale(series_ids=[cast.delta_series.pk], send=False)
    assert recompute.charts_recompute(series_ids=[cast.delta_series.pk], worker="t") == 1
    result = cast.delta_series.chart_results.get()
    assert result.x == [] and result.status == "insufficient_data"
    assert [p["x"] for p in result.in_progress] == [current.isoformat()]
    url = reverse("measures:series_chart", kwargs={"pk": cast.delta_series.pk})
    html = client_for(cast.users["national"]).get(url).content.decode()
    assert "No data has been entered" not in html
    assert "In progress: not counted until the period is complete." in html


def test_the_reports_count_of_people_per_team_is_on_the_charts_scale(cast):
    from reports.content import measure_section

    cm = count_measure(cast, name="Patients harmed", counts_people=True)
    alpha = Series.objects.create(team=cast.alpha, measure=cm.measure)
    beta = Series.objects.create(team=cast.beta, measure=cm.measure)
    points(alpha, MONTHS, numerator=12, denominator=None)
    points(beta, MONTHS[:-1], numerator=18, denominator=None)  # beta missed April
    section = measure_section(cm, START, APRIL, {}, {}, today=TODAY)
    shown = [p["y"] for p in section["chart"]["points"]]
    # rounded to 5s before dividing by the teams reporting: 30 / 2 and 10 / 1
    assert shown == [15.0, 15.0, 15.0, 10.0]
    assert [p["numerator"] for p in section["chart"]["points"]] == ["30", "30", "30", "10"]


def test_the_team_dashboards_panel_lists_the_in_progress_point_too(cast):
    from django.urls import reverse
    from django.utils import timezone

    from tests.cast import client_for

    current = period_start_for(timezone.localdate(), "monthly")
    points(cast.alpha_series, [current], numerator=7)
    recompute.series_mark_stale(series_ids=[cast.alpha_series.pk], send=False)
    recompute.charts_recompute(series_ids=[cast.alpha_series.pk], worker="t")
    url = reverse("dashboard_team_panel", args=[cast.alpha.pk, cast.alpha_series.pk])
    html = client_for(cast.users["lead"]).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert html.count("collab-chart-table__in-progress") == 1


def test_the_chart_api_says_which_periods_counted_and_lists_those_in_progress(client, cast):
    from django.urls import reverse

    from measures.api import api_token_create

    _, key = api_token_create(team=cast.alpha, name="Warehouse", by=cast.users["lead"])
    points(cast.alpha_series, [MAY], numerator=40)
    recompute.series_mark_stale(series_ids=[cast.alpha_series.pk], send=False)
    recompute.charts_recompute(series_ids=[cast.alpha_series.pk], worker="t", today=TODAY)
    url = reverse("measures:api_chart", kwargs={"pk": cast.alpha_series.pk})
    chart = client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}").json()["chart"]
    assert chart["complete_through"] == APRIL.isoformat() and chart["x"][-1] == "2024-04-01"
    assert [p["x"] for p in chart["in_progress"]] == [MAY.isoformat()]
