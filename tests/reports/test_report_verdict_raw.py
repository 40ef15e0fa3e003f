"""The contract review's measure charts say the verdict worked out on the raw data, as every
dashboard does (issue 14: disclosure changes how counts are shown, never what the verdict
says): its points are the published figures, its rules, signals and lines the raw chart's."""

import datetime as dt

import pytest

from collaboratives.models import StretchTarget
from dashboards.aggregate import aggregate_chart
from governance import disclosure
from measures.models import CollaborativeMeasure, Measure
from measures.writes import PointChange, datapoints_write
from reports.content import review_document
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

MONTHS = [dt.date(2023 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 25)]
START, END, TODAY = MONTHS[0], dt.date(2024, 12, 31), dt.date(2025, 6, 1)


def test_the_review_judges_the_raw_chart_where_its_published_figures_would_say_otherwise():
    """Hand-built: alpha's falls, 20 a month for sixteen months, then 5 a month for eight.
    Published, the months of 5 are suppressed, and the sixteen flat months left would read
    no change; the raw chart, and so the review, says improved, its signal on those months."""
    c = build_cast()
    Measure.objects.filter(pk=c.falls_rate.pk).update(counts_patient_events=True)
    c.falls_rate.refresh_from_db()
    cm = CollaborativeMeasure.objects.create(collaborative=c.falls, measure=c.falls_rate)
    falls = [20] * 16 + [5] * 8
    datapoints_write(series=c.alpha_series, changes=[PointChange(m, str(n), "1003")
                     for m, n in zip(MONTHS, falls, strict=True)],
                     by=None, source="admin", today=TODAY)  # fmt: skip
    StretchTarget.objects.create(
        collaborative=c.falls, measure=c.falls_rate, baseline_value=20, target_value=10,
        baseline_period_start=MONTHS[0], baseline_period_end=MONTHS[11],
        target_date=END, reason="Halve falls.", set_at=dt.datetime(2023, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    raw = aggregate_chart(cm, start=START, end=END, today=TODAY).chart
    # The statistics core's own reading of the published figures (`Aggregate.result`; the
    # chart it draws carries the raw verdict over, since the aggverdict fix).
    published = aggregate_chart(
        cm, start=START, end=END, today=TODAY,
        publish=disclosure.publisher(disclosure.OUTSIDE, c.falls_rate),
    ).result  # fmt: skip
    assert raw.status == "improved" and published.verdict.status != "improved"

    doc, _ = review_document(c.east, START, END, today=TODAY)
    section = next(s for s in doc["collaboratives"] if s["id"] == c.falls.pk)
    measure = next(m for m in section["measures"] if m["id"] == c.falls_rate.pk)
    points = measure["chart"]["points"]
    assert measure["status"] == "improved" and measure["reading"].startswith("Improved")
    assert section["target"]["status"] == "improved"
    # The published figures: the months of 5 suppressed, the others rounded to 5.
    assert [p["numerator"] for p in points] == ["20"] * 16 + ["*"] * 8
    assert {p["denominator"] for p in points} == {"1,005"}
    # The raw chart's signals and centre line, on every month (suppressed ones too).
    assert [p["point_type"] for p in points] == raw.point_type
    assert [p["cl"] for p in points] == [v * 1000 for v in raw.cl]
