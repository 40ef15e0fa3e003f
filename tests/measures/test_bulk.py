"""The bulk loader: the rows `datapoints_write` would leave, COPY on PostgreSQL, and history
dated in the past for the demo seed only."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from demo import builder, content, simulate
from measures.bulk import SeriesDataInvalid, bulk_load_points, seed_load_points
from measures.models import DataPoint, DataPointRevision, RecomputeJob, Series
from measures.writes import DataPointConflict, PointChange, datapoints_write
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)
TODAY = dt.date(2024, 6, 15)


@pytest.fixture
def cast():
    return build_cast()


def rows(series):
    """What a series holds, as the write path leaves it: points and revisions, no ids."""
    points = list(
        DataPoint.objects.filter(series=series).values_list(
            "period_start", "numerator", "denominator", "version"
        )
    )
    revisions = list(
        DataPointRevision.objects.filter(series=series).values_list(
            "period_start",
            "old_numerator",
            "old_denominator",
            "new_numerator",
            "new_denominator",
            "version",
            "changed_by",
            "source",
            "reason",
        )
    )
    series.refresh_from_db()
    job = RecomputeJob.objects.get(series=series)
    return points, revisions, series.data_version, (job.status, job.generation)


def load(points, **kwargs):
    kwargs.setdefault("source", DataPointRevision.Source.IMPORT)
    kwargs.setdefault("by", None)
    return bulk_load_points(points=points, today=TODAY, **kwargs)


def test_it_leaves_the_rows_the_one_write_path_leaves(cast):
    changes = [PointChange(JAN, 4, 1200), PointChange(FEB, 3, "1150.5"), PointChange(MAR, None)]
    lead = cast.users["lead"]
    datapoints_write(
        series=cast.alpha_series,
        changes=changes,
        by=lead,
        source=DataPointRevision.Source.IMPORT,
        today=TODAY,
    )
    result = load({cast.beta_series.id: changes}, by=lead)
    assert (result.series, result.created) == (1, 2)
    assert rows(cast.beta_series) == rows(cast.alpha_series)
    revision = DataPointRevision.objects.filter(series=cast.beta_series).first()
    assert abs(timezone.now() - revision.changed_at) < dt.timedelta(minutes=5)


def test_it_loads_many_series_at_once(cast):
    result = load(
        {
            cast.alpha_series.id: [PointChange(JAN, 4, 1200)],
            cast.delta_series.id: [PointChange(JAN, 1, 900), PointChange(FEB, 2, 950)],
            cast.beta_series.id: [PointChange(JAN, None)],
        }
    )
    assert (result.series, result.created) == (2, 3)
    versions = dict(Series.objects.values_list("pk", "data_version"))
    assert versions[cast.alpha_series.id] == versions[cast.delta_series.id] == 1
    assert versions[cast.beta_series.id] == 0  # nothing loaded: no change, no recompute
    assert not RecomputeJob.objects.filter(series=cast.beta_series).exists()


def test_it_writes_nothing_when_one_series_has_invalid_data(cast):
    with pytest.raises(SeriesDataInvalid) as caught:
        load(
            {
                cast.alpha_series.id: [PointChange(JAN, 4, 1200)],
                cast.beta_series.id: [PointChange(FEB, -1, 1200), PointChange(MAR, "943 476 5919")],
            }
        )
    assert caught.value.series_id == cast.beta_series.id
    assert {(e.period_start, e.field) for e in caught.value.errors} == {
        (FEB, "numerator"),
        (MAR, "numerator"),
    }
    assert not DataPoint.objects.exists() and not DataPointRevision.objects.exists()


def test_it_refuses_a_period_that_already_has_a_point(cast):
    load({cast.alpha_series.id: [PointChange(JAN, 4, 1200)]})
    with pytest.raises(DataPointConflict):
        load({cast.alpha_series.id: [PointChange(FEB, 3, 1100), PointChange(JAN, 5, 1200)]})
    assert DataPoint.objects.filter(series=cast.alpha_series).count() == 1
    assert DataPointRevision.objects.filter(series=cast.alpha_series).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_loads_through_copy_on_postgres(cast):
    assert connection.vendor == "postgresql"
    load(
        {
            cast.alpha_series.id: [PointChange(JAN, 4, "1200.25"), PointChange(FEB, 0, 0)],
            cast.alpha_custom_series.id: [PointChange(dt.date(2024, 1, 8), 7)],
        }
    )
    assert list(
        DataPoint.objects.filter(series=cast.alpha_series).values_list(
            "period_start", "numerator", "denominator", "version"
        )
    ) == [(JAN, Decimal(4), Decimal("1200.25"), 1), (FEB, Decimal(0), Decimal(0), 1)]
    custom = DataPointRevision.objects.get(series=cast.alpha_custom_series)
    assert (custom.new_numerator, custom.new_denominator, custom.source) == (7, None, "import")
    # A conflict inside COPY is the same structured error, and leaves nothing behind.
    with pytest.raises(DataPointConflict):
        load({cast.alpha_series.id: [PointChange(MAR, 1, 1000), PointChange(JAN, 5, 1200)]})
    assert DataPoint.objects.filter(series=cast.alpha_series).count() == 2


# --- History dated in the past: the demo seed only -------------------------------------------


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)


def test_an_ordinary_caller_cannot_backdate_history(cast):
    with pytest.raises(PermissionError, match="Only the demo seed"):
        seed_load_points(
            points={cast.alpha_series.id: [PointChange(JAN, 4, 1200)]},
            today=TODAY,
            entered_at=lambda series_id, period: at(period),
        )
    # The ordinary doors take no date at all.
    with pytest.raises(TypeError):
        load({cast.alpha_series.id: [PointChange(JAN, 4, 1200)]}, entered_at=lambda s, p: at(p))
    with pytest.raises(TypeError):
        datapoints_write(
            series=cast.alpha_series,
            changes=[PointChange(JAN, 4, 1200)],
            by=None,
            source=DataPointRevision.Source.SEED,
            today=TODAY,
            entered_at=lambda period: at(period),
        )
    assert not DataPoint.objects.exists() and not DataPointRevision.objects.exists()


def test_the_seed_dates_each_revision_when_its_team_entered_it(cast):
    spec = content.TOPICS_BY_SLUG["inpatient-falls"].measure("falls_rate")
    key = "falls|RA1|ward|falls_rate"
    traj = simulate.Trajectory("S", dt.date(2023, 1, 1), dt.date(2024, 5, 31))
    task = builder.SeriesTask(
        cast.alpha_series.id, cast.alpha.id, cast.falls_rate.id, spec, key, traj
    )
    created = builder.write_chunk([task], TODAY)
    clock = builder.entry_clock(key, spec.frequency)
    revisions = list(DataPointRevision.objects.filter(series=cast.alpha_series))
    assert created == len(revisions) == 17
    assert all(r.source == "seed" and r.changed_by is None for r in revisions)
    assert {r.period_start: r.changed_at for r in revisions} == {
        r.period_start: clock(r.period_start) for r in revisions
    }
    assert all(r.changed_at.date() < TODAY for r in revisions)
    # The seed computes every chart at its end: no task sent per series.
    assert RecomputeJob.objects.get(series=cast.alpha_series).sent_at is None
