"""Issue 14's acceptance test: one team entering the current, unfinished month changes no
headline, aggregate, funnel, verdict, summary, sustain alert or contract-review figure.

The cast (tests/cast.py), dated from today: the falls collaborative, in its sustain phase,
has a stretch target on the falls rate; alpha's falls drop by half after its first year (an
improvement), beta's stay level, and both have sent every month up to the last one, so
the last month is complete. Then alpha enters the current month with three times its old
rate: counted, that point would be a signal of concern, a fading gain and a new headline.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from collaboratives.models import Collaborative, StretchTarget
from dashboards.aggregate import aggregate_chart, funnel_for, window_dates
from dashboards.collaborative_views import stretch_progress
from dashboards.models import ReportingSummary, SustainAlert
from dashboards.summaries import latest_summaries, summaries_compute
from dashboards.sustain import alerts_detect
from measures import recompute
from measures.completeness import previous_period_start
from measures.models import (
    ChartResult,
    CollaborativeMeasure,
    DataPoint,
    DataPointRevision,
)
from measures.periods import period_start_for, period_starts
from measures.writes import PointChange, datapoints_write
from reports.content import review_document
from tests.cast import START, build_cast, client_for

pytestmark = pytest.mark.django_db

Level = ReportingSummary.Level
BED_DAYS = 2000


def months_to_last(today: dt.date) -> list[dt.date]:
    current = period_start_for(today, "monthly")
    first = dt.date(current.year - 2, current.month, 1)
    return list(period_starts("monthly", first, previous_period_start(current, "monthly")))


@pytest.fixture
def cast():
    cast = build_cast()
    today = timezone.localdate()
    months = months_to_last(today)
    falls = cast.falls
    falls.phase = Collaborative.Phase.SUSTAIN
    falls.starts_on = months[0]
    falls.save()
    cast.cm = CollaborativeMeasure.objects.create(
        collaborative=falls, measure=cast.falls_rate, target=4
    )
    StretchTarget.objects.create(
        collaborative=falls,
        measure=cast.falls_rate,
        baseline_value=Decimal("10"),
        baseline_period_start=months[0],
        baseline_period_end=months[11],
        target_value=Decimal("5"),
        target_date=today + dt.timedelta(days=365),
        reason="Halve falls.",
        set_at=timezone.now(),
    )
    alpha = [20, 22, 19, 21, 20, 23, 18, 21, 20, 22, 19, 21] + [10, 11, 9, 10, 12, 9] * 2
    beta = [16, 15, 17, 16, 15, 16, 17, 15, 16, 16, 15, 17] * 2
    for series, falls_per_month in ((cast.alpha_series, alpha), (cast.beta_series, beta)):
        DataPoint.objects.bulk_create(
            DataPoint(series=series, period_start=m, numerator=n, denominator=BED_DAYS)
            for m, n in zip(months, falls_per_month, strict=True)
        )
    cast.series_ids = [cast.alpha_series.pk, cast.beta_series.pk]
    cast.months = months
    return cast


def _without(value, keys):
    """`value` without the given keys at any depth (provenance, not figures)."""
    if isinstance(value, dict):
        return {k: _without(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [_without(v, keys) for v in value]
    return value


def everything(cast) -> dict:
    """Every figure the issue names, computed afresh from the rows as they are now."""
    today = timezone.localdate()
    recompute.series_mark_stale(series_ids=cast.series_ids, send=False)
    recompute.charts_recompute(series_ids=cast.series_ids, worker="test")
    alerts_detect(series_ids=cast.series_ids)
    summaries_compute(today=today)
    charts = {
        r.series_id: {
            "status": r.status,
            "variation": r.variation,
            "verdict": [r.verdict_rule, r.verdict_first_index, r.summary],
            "points": [r.x, r.y, r.cl, r.ucl, r.lcl, r.point_type],
        }
        for r in ChartResult.objects.filter(series_id__in=cast.series_ids).latest_per_series()
    }
    entries = list(cast.falls.measure_set.select_related("measure"))
    progress = stretch_progress(cast.falls, entries)
    agg = aggregate_chart(cast.cm)
    start, end = window_dates(cast.cm, "12")
    funnel = funnel_for(cast.cm, start=start, end=end)
    summaries = {
        # every stored figure: the payloads as stored (JSON), less their provenance
        level: _without(
            {pk: s.to_json() for pk, s in latest_summaries(level, ids).items()}, {"data_version"}
        )
        for level, ids in (
            (Level.TEAM, [cast.alpha.pk, cast.beta.pk]),
            (Level.COLLABORATIVE, [cast.falls.pk]),
            (Level.AHSN, [cast.east.pk]),
            (Level.PROGRAMME, [cast.falls_rate.topic_id]),
        )
    }
    document, _ = review_document(cast.east, START, today, today=today)
    client = client_for(cast.users["falls_manager"])
    page = client.get(reverse("dashboard_collaborative", args=[cast.falls.pk])).content.decode()
    query = {"measure": cast.cm.pk, "window": "12"}
    htmx = {"HTTP_HX_REQUEST": "true"}
    return {
        "charts": charts,
        "alerts": list(
            SustainAlert.objects.order_by("pk").values_list("series_id", "period_start", "rule")
        ),
        "headline": {k: v for k, v in progress.items() if k != "target"},
        "headline on the page": re.findall(r"<p>The whole collaborative was at .*?</p>", page),
        "aggregate": [agg.chart.status, agg.chart.summary, agg.rows],
        "aggregate on the page": client.get(
            reverse("dashboard_collaborative_aggregate", args=[cast.falls.pk]), query, **htmx
        ).content.decode(),
        "funnel": [
            (start, end),
            [(u.label, u.numerator, u.denominator, u.rate, u.outside) for u in funnel.units],
        ],
        "funnel on the page": client.get(
            reverse("dashboard_collaborative_funnel", args=[cast.falls.pk]), query, **htmx
        ).content.decode(),
        "summaries": summaries,
        # what the report was built from (its time and data versions) is provenance
        "report": _without(document, {"built_at", "data_versions"}),
    }


def test_entering_the_current_month_for_one_team_changes_no_figure(cast):
    before = everything(cast)
    assert before["charts"][cast.alpha_series.pk]["status"] == "improved"
    assert before["headline"]["percent"] is not None and before["headline on the page"]
    assert before["funnel"][1] and before["report"]["collaboratives"]

    current = period_start_for(timezone.localdate(), "monthly")
    datapoints_write(
        series=cast.alpha_series,
        changes=[PointChange(current, 60, BED_DAYS)],
        by=None,
        source=DataPointRevision.Source.GRID,
    )
    after = everything(cast)

    assert [name for name in before if after[name] != before[name]] == []
    # The entry is there, and shown as in progress on alpha's own chart.
    chart = ChartResult.objects.filter(series=cast.alpha_series).latest_per_series().get()
    assert [p["x"] for p in chart.in_progress] == [current.isoformat()]
    assert chart.x[-1] == cast.months[-1].isoformat()


def test_counted_the_same_entry_would_have_changed_them(cast):
    """The control: with the current month counted, as before issue 14, the same entry is a
    signal of concern on alpha's chart and moves the collaborative's latest value."""
    from measures.spc import SeriesSpec, compute_batch

    current = period_start_for(timezone.localdate(), "monthly")
    DataPoint.objects.create(
        series=cast.alpha_series, period_start=current, numerator=60, denominator=BED_DAYS
    )
    rows = list(
        DataPoint.objects.filter(series=cast.alpha_series)
        .order_by("period_start")
        .values_list("numerator", "denominator")
    )
    spec = SeriesSpec(
        chart="u",
        y=[float(n) for n, _ in rows],
        n=[float(d) for _, d in rows],
        improvement="down",
        convention="mdc",
    )
    counted = compute_batch([spec]).result(0)
    assert counted.points[-1].point_type == "concern"


def test_a_back_dated_snapshot_reads_the_charts_to_the_complete_periods_of_that_day():
    """Alpha's first better month is January 2025. On 5 January 2025 it was the current
    month: a snapshot of that day counts no signal from it (December was complete)."""
    from dashboards.summaries import summaries_for_month
    from tests.dashboards.portfolio_world import build_world

    world = build_world()
    summaries_compute(today=dt.date(2025, 1, 5))
    alpha = summaries_for_month(Level.TEAM, [world.alpha.pk], dt.date(2025, 1, 1))
    assert alpha[world.alpha.pk].signals.improvement == 0
    summaries_compute(today=dt.date(2025, 2, 5))  # January complete (every team sent it)
    alpha = summaries_for_month(Level.TEAM, [world.alpha.pk], dt.date(2025, 2, 1))
    assert alpha[world.alpha.pk].signals.improvement == 1


def test_the_headline_waits_until_enough_teams_reported_a_complete_period(cast, settings):
    # Only alpha reports in the last complete month: one team of two is below 80%
    DataPoint.objects.filter(series=cast.beta_series).delete()
    settings.COLLAB_HEADLINE_MIN_REPORTING = 0.8
    client = client_for(cast.users["falls_manager"])
    url = reverse("dashboard_collaborative", args=[cast.falls.pk])
    html = client.get(url).content.decode()
    assert "No complete period has been reported by at least 80% of the teams yet" in html
    assert "of the way to the target" not in html
    settings.COLLAB_HEADLINE_MIN_REPORTING = 0.5
    assert "of the way to the target" in client.get(url).content.decode()
