"""The verdict's baseline in the app: the periods before the team joined when they are enough
data, else the core's default; stored with the verdict, said on the chart page and drawn."""

import datetime as dt

import pytest
from django.urls import reverse

from measures.data import series_inputs
from measures.edits import phase_add
from measures.models import ChartResult, DataPointRevision
from measures.periods import period_starts
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = dt.date(2025, 6, 30)


def months(start: dt.date, end: dt.date = dt.date(2024, 12, 1)) -> list[dt.date]:
    return list(period_starts("monthly", start, end))


@pytest.fixture
def cast():
    return build_cast()  # every team joined on 1 January 2024


def write(series, periods, before=(9, 10, 11), after=(3, 4, 5)):
    """Falls per 1,000 bed days (lower is better): high before 2024, low from then on."""
    datapoints_write(
        series=series,
        changes=[
            PointChange(m, (before if m.year < 2024 else after)[i % 3], 1000)
            for i, m in enumerate(periods)
        ],
        by=None,
        source=DataPointRevision.Source.IMPORT,
        today=TODAY,
    )


def stored(series) -> ChartResult:
    inp = series_inputs([series.pk])[series.pk]
    return ChartResult.objects.get(series=series, inputs_hash=inp.inputs_hash)


def get(client, cast, series):
    client.force_login(cast.users["lead"])
    response = client.get(reverse("measures:series_chart", kwargs={"pk": series.pk}))
    assert response.status_code == 200
    return response


def page(client, cast, series) -> str:
    return get(client, cast, series).content.decode()


def test_the_months_before_the_team_joined_are_the_baseline_when_they_are_enough(client, cast):
    series = cast.alpha_series
    write(series, months(dt.date(2023, 1, 1)))
    assert series_inputs([series.pk])[series.pk].spec.preferred_baseline == 12
    result = stored(series)
    assert result.verdict_baseline == 12
    assert result.status == "improved"
    assert result.verdict_first_index == 12 and result.verdict_last_signal_index == 23
    assert result.verdict_history == [
        {"side": "improvement", "rule": "shift", "first_index": 12, "last_index": 23}
    ]
    assert result.verdict_centre == pytest.approx(10 / 1000)  # the 2023 rate, not the mean
    html = page(client, cast, series)
    assert "The verdict compares with the 12 months before the team joined" in html
    assert "Jan 2023 to Dec 2023" in html


def test_the_chart_draws_the_baseline_centre_line_where_the_phase_drawn_differs(client, cast):
    series = cast.alpha_series
    write(series, months(dt.date(2023, 1, 1)))
    figure = get(client, cast, series).context["figure"]
    lines = [t for t in figure["data"] if t["name"].startswith("Baseline centre line")]
    assert len(lines) == 1 and lines[0]["y"] == [10.0, 10.0]  # per 1,000 bed days
    # a new phase from 2024 draws phase 0's own centre line over the baseline only: the
    # carried-forward line is still drawn, since the second phase has its own
    phase_add(series=series, start_period=dt.date(2024, 1, 1), reason="New pathway", by=None)
    assert stored(series).verdict_baseline == 12
    assert "The verdict compares with the first phase" in page(client, cast, series)


def test_too_few_months_before_joining_leave_the_default_baseline(client, cast):
    series = cast.alpha_series
    write(series, months(dt.date(2023, 9, 1)))  # four months before 2024
    result = stored(series)
    assert result.verdict_baseline == 12  # the fewest first points that are enough data
    html = page(client, cast, series)
    assert "the fewest that are enough data for a baseline" in html
    assert "the 4 months before the team joined were too few" in html
