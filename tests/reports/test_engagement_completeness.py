"""The contract review's data completeness is the figure the manager's pages show: both
count what is owed through governance.reporting.periods_due."""

import datetime as dt

import pytest

from dashboards.summaries import collaborative_compute
from measures.models import CollaborativeMeasure, DataPointRevision
from measures.writes import PointChange, datapoints_write
from reports.content import review_document
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 9, 15)  # August's data was due on 10 September; September's is not
START, END = dt.date(2024, 4, 1), dt.date(2024, 9, 30)  # the summaries' six months


def month(m: int) -> dt.date:
    return dt.date(2024, m, 1)


def write(series, months):
    datapoints_write(
        series=series,
        changes=[PointChange(month(m), 2, 1000) for m in months],
        by=None,
        source=DataPointRevision.Source.IMPORT,
        today=TODAY,
    )


@pytest.fixture
def cast():
    cast = build_cast()
    CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=cast.falls_rate)
    cast.beta.joined_on = dt.date(2024, 5, 20)  # it owes May, the month it joined, onwards
    cast.beta.save()
    write(cast.alpha_series, [4, 5, 7, 8])  # April to August owed: June missing
    write(cast.beta_series, [6, 8])  # May to August owed: May and July missing
    return cast


def test_the_reports_completeness_is_the_managers_pages_figure(cast):
    doc, _ = review_document(cast.east, START, END, today=TODAY)
    section = next(c for c in doc["collaboratives"] if c["id"] == cast.falls.pk)
    engagement = section["engagement"]
    teams, summary = collaborative_compute(cast.falls, today=TODAY)

    assert engagement["completeness"] == round(6 / 9, 3)
    assert summary.completeness == round(6 / 9, 4)
    assert (summary.totals.filled, summary.totals.expected) == (6, 9)
    rows = {r["team_id"]: r for r in doc["teams"]}
    for team, filled, owed in ((cast.alpha, 4, 5), (cast.beta, 2, 4)):
        assert (teams[team.pk].filled, teams[team.pk].expected) == (filled, owed)
        assert rows[team.pk]["completeness"] == round(filled / owed, 3)
