"""The whole collaborative's chart says the same verdict to every viewer (issue 14): the
small-number rules (governance/disclosure.py) change how its pooled counts are shown
beyond the collaborative, never what the verdict says.

The data is built by hand so that rounding decides the reading. Alpha and beta report
falls (events that happen to patients, so the rules apply) over 1,000 bed days each a
month, 2024 and 2025, on 20 January 2026. Pooled, 2024 has 11 or 12 falls a month and 2025
5 to 8: a sustained fall in the rate, raw. Published, every month of 8 to 12 rounds to 10
and the rest are withheld, so the chart of the published figures is flat.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from collaboratives.models import Collaborative
from dashboards.aggregate import aggregate_chart
from governance import disclosure
from measures.models import CollaborativeMeasure, DataPoint, Measure, Series
from measures.periods import period_starts
from tests.cast import build_cast, client_for
from tests.dashboards.dashboard_cast import charts

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 1, 20)
MONTHS = list(period_starts("monthly", dt.date(2024, 1, 1), dt.date(2025, 12, 1)))
# Falls a month: 11 or 12 pooled in 2024, 5 to 8 in 2025.
ALPHA = [6] * 12 + [3, 3, 4, 4, 3, 2, 4, 3, 4, 3, 3, 4]
BETA = [5, 6] * 6 + [3, 2, 3, 4, 3, 3, 3, 3, 4, 2, 3, 3]
POOLED = [a + b for a, b in zip(ALPHA, BETA, strict=True)]
HTMX = {"HX-Request": "true"}


@pytest.fixture
def cast(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    cast = build_cast()
    Measure.objects.filter(pk=cast.falls_rate.pk).update(counts_patient_events=True)
    cast.falls_rate.refresh_from_db()
    cast.cm = CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=cast.falls_rate)
    for series, falls in ((cast.alpha_series, ALPHA), (cast.beta_series, BETA)):
        DataPoint.objects.bulk_create(
            DataPoint(series=series, period_start=m, numerator=n, denominator=1000)
            for m, n in zip(MONTHS, falls, strict=True)
        )
    charts([cast.alpha_series.pk, cast.beta_series.pk])
    return cast


def aggregate(cast, who):
    response = client_for(cast.users[who]).get(
        reverse("dashboard_collaborative_aggregate", args=[cast.falls.pk]), headers=HTMX
    )
    assert response.status_code == 200
    return response.context["agg"], response.content.decode()


def test_national_viewers_read_the_faculty_verdict_beside_only_published_counts(cast):
    # the premise, on the rules themselves: every pooled month rounds to 10 or is withheld,
    # so the chart of the published figures alone is a flat line
    assert {disclosure.rounded_count(n) for n in POOLED} == {10, None}
    inside, _ = aggregate(cast, "faculty")
    outside, html = aggregate(cast, "national")

    # one verdict: status, its words, the sentence and the icons
    assert inside.chart.status == "improved"
    assert outside.chart.status == inside.chart.status
    assert outside.words["status"] == inside.words["status"] == "Improved"
    assert outside.words["rule"] == inside.words["rule"]
    assert outside.chart.summary == inside.chart.summary
    assert (outside.chart.variation, outside.chart.assurance) == (
        inside.chart.variation,
        inside.chart.assurance,
    )
    assert escape(outside.chart.summary) in html

    # but only published counts
    assert [r["numerator"] for r in inside.rows] == POOLED
    for row, raw in zip(outside.rows, POOLED, strict=True):
        if raw <= 7:  # withheld: neither drawn nor in the table
            assert (row["numerator"], row["value"]) == (None, None), row
        else:
            assert (row["numerator"], row["value"]) == (10, 5.0), row
    # the figure's points are the published rates: 10 falls over 2,000 bed days
    points = next(t for t in outside.figure["data"] if t.get("name") == "Value")
    assert {y for y in points["y"] if y is not None} == {5.0}
    # the table's counts: 10 falls over 2,000 bed days, or nothing ("–") where withheld
    table = html[html.index('id="aggregate-table"') : html.index("</table>")]
    body = table[table.index("<tbody") :]
    counts = [
        re.findall(r"<td[^>]*>(.*?)</td>", row)[1:3]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]
    assert len(counts) == len(POOLED)
    assert {tuple(c) for c in counts} == {("10", "2,000"), ("–", "–")}


# --- The sustain phase's monthly panel (dashboards.team_views._sustain_months) ------------------


@pytest.fixture
def weekly(cast):
    """A weekly count of patients (the rules apply) of alpha's, in the sustain phase: 3 a week
    in 2024 (12 or 15 a month, published as 10 or 15), then 1 a week in 2025 (4 or 5 a month,
    withheld)."""
    measure = Measure.objects.create(
        topic=cast.falls_rate.topic,
        name="Patients who fell with harm",
        kind=Measure.Kind.OUTCOME,
        operational_definition="Patients who fell with moderate harm or worse.",
        numerator_definition="Patients",
        frequency=Measure.Frequency.WEEKLY,
        direction=Measure.Direction.DOWN,
        chart_type=Measure.ChartType.C,
        counts_people=True,
    )
    CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=measure)
    series = Series.objects.create(team=cast.alpha, measure=measure)
    mondays = [dt.date(2024, 1, 1) + dt.timedelta(weeks=w) for w in range(105)]
    DataPoint.objects.bulk_create(
        DataPoint(series=series, period_start=d, numerator=3 if d.year == 2024 else 1)
        for d in mondays
    )
    charts([series.pk])
    Collaborative.objects.filter(pk=cast.falls.pk).update(phase=Collaborative.Phase.SUSTAIN)
    return series


def panel(cast, series, who):
    response = client_for(cast.users[who]).get(
        reverse("dashboard_team_panel", args=[cast.alpha.pk, series.pk]), headers=HTMX
    )
    assert response.status_code == 200
    return response.context, response.content.decode()


def test_national_viewers_read_the_rolled_up_panels_verdict_the_team_reads(cast, weekly):
    inside, _ = panel(cast, weekly, "lead")
    outside, html = panel(cast, weekly, "national")
    assert inside["rolled_up"] and outside["rolled_up"]
    assert inside["result"].status == "improved"
    assert outside["result"].status == inside["result"].status
    assert outside["words"]["status"] == inside["words"]["status"]
    assert outside["result"].summary == inside["result"].summary
    assert escape(outside["result"].summary) in html
    # and the months' counts are still the published ones: 2025's withheld, none raw
    assert [r["numerator"] for r in inside["rows"]][-12:] == [4, 4, 5, 4, 4, 5, 4, 4, 5, 4, 4, 5]
    shown = [r["numerator"] for r in outside["rows"]]
    assert set(shown[:12]) == {10, 15} and shown[12:] == [None] * 12


# --- The fragment cache (dashboards.fragments): one verdict, still two fragments ---------------


def test_with_the_same_verdict_inside_and_outside_still_keep_fragments_of_their_own(
    cast, weekly, fragment_cache
):
    """Now that both read the same verdict, the cached aggregate and the cached panel must
    still be kept apart by scope: the figures in them are not the same."""
    weekly_cm = CollaborativeMeasure.objects.get(measure=weekly.measure)
    pages = {
        "aggregate": (
            reverse("dashboard_collaborative_aggregate", args=[cast.falls.pk]),
            "faculty",
            aggregate_chart(cast.cm),
        ),
        "panel": (
            reverse("dashboard_team_panel", args=[cast.alpha.pk, weekly.pk]),
            "lead",
            aggregate_chart(weekly_cm, team_ids=[cast.alpha.pk]),
        ),
    }
    for name, (path, insider, raw) in pages.items():
        inside = client_for(cast.users[insider]).get(path, headers=HTMX)
        outside = client_for(cast.users["national"]).get(path, headers=HTMX)
        assert fragment_cache.stats[(name, "miss")] == 2, name  # the second view built its own
        inside_html, outside_html = inside.content.decode(), outside.content.decode()
        assert inside_html != outside_html, name
        assert raw.chart.status == "improved", name
        summary = escape(raw.chart.summary)
        assert summary in inside_html and summary in outside_html, name
