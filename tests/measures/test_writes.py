"""The one write path: validation, revisions, version conflicts and the series' data_version."""

import datetime as dt
from decimal import Decimal

import pytest

from measures.models import DataPoint, DataPointRevision, Measure, Series
from measures.writes import (
    DataPointConflict,
    DataPointInvalid,
    PointChange,
    datapoints_write,
)
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)
TODAY = dt.date(2024, 6, 15)


@pytest.fixture
def cast():
    return build_cast()


def write(series, changes, by=None, **kwargs):
    kwargs.setdefault("source", DataPointRevision.Source.GRID)
    return datapoints_write(series=series, changes=changes, by=by, today=TODAY, **kwargs)


def test_it_writes_points_and_records_a_revision_for_each(cast):
    lead = cast.users["lead"]
    result = write(
        cast.alpha_series,
        [PointChange(JAN, 4, 1200), PointChange(FEB, 3, "1150.5")],
        by=lead,
        reason="February's bed days from the new report",
    )
    assert (result.created, result.updated, result.data_version) == (2, 0, 1)
    points = {p.period_start: p for p in DataPoint.objects.filter(series=cast.alpha_series)}
    assert points[FEB].denominator == Decimal("1150.5") and points[FEB].version == 1
    revisions = list(DataPointRevision.objects.filter(series=cast.alpha_series))
    assert [(r.period_start, r.old_numerator, r.new_numerator, r.version) for r in revisions] == [
        (JAN, None, Decimal(4), 1),
        (FEB, None, Decimal(3), 1),
    ]
    assert all(r.changed_by == lead and r.source == "grid" for r in revisions)
    assert revisions[0].reason == "February's bed days from the new report"


def test_it_keeps_the_old_value_when_a_point_changes(cast):
    write(cast.alpha_series, [PointChange(JAN, 4, 1200)])
    result = write(cast.alpha_series, [PointChange(JAN, 5, 1200)], expected_versions={JAN: 1})
    assert (result.updated, result.data_version) == (1, 2)
    latest = DataPointRevision.objects.filter(series=cast.alpha_series).last()
    assert (latest.old_numerator, latest.new_numerator, latest.version) == (4, 5, 2)
    assert DataPoint.objects.get(series=cast.alpha_series, period_start=JAN).version == 2


def test_it_raises_a_conflict_naming_the_period_on_a_stale_version(cast):
    write(cast.alpha_series, [PointChange(JAN, 4, 1200), PointChange(FEB, 3, 1100)])
    # Someone else saves January first...
    write(cast.alpha_series, [PointChange(JAN, 6, 1200)], expected_versions={JAN: 1})
    # ... so our edit, made from the page we opened before, must not overwrite theirs.
    with pytest.raises(DataPointConflict) as caught:
        write(
            cast.alpha_series,
            [PointChange(JAN, 5, 1200), PointChange(FEB, 2, 1100)],
            expected_versions={JAN: 1, FEB: 1},
        )
    assert caught.value.periods == [JAN]
    assert "01 Jan 2024" in str(caught.value)
    # Nothing of the failed write landed, February included.
    points = {p.period_start: p.numerator for p in DataPoint.objects.all()}
    assert points == {JAN: 6, FEB: 3}
    assert Series.objects.get(pk=cast.alpha_series.pk).data_version == 2


def test_it_raises_a_conflict_when_a_point_appeared_since_the_caller_saw_none(cast):
    write(cast.alpha_series, [PointChange(MAR, 1, 900)])
    with pytest.raises(DataPointConflict):
        write(cast.alpha_series, [PointChange(MAR, 2, 900)], expected_versions={MAR: 0})


def test_it_writes_nothing_for_unchanged_values(cast):
    write(cast.alpha_series, [PointChange(JAN, 4, 1200)])
    result = write(cast.alpha_series, [PointChange(JAN, "4.0", "1200.00")])
    assert (result.changed, result.unchanged, result.data_version) == (0, 1, 1)
    assert DataPointRevision.objects.count() == 1


def test_it_clears_a_point_and_keeps_its_history(cast):
    write(cast.alpha_series, [PointChange(JAN, 4, 1200)])
    result = write(cast.alpha_series, [PointChange(JAN, None)], reason="Entered in error")
    assert result.cleared == 1
    assert not DataPoint.objects.exists()
    cleared = DataPointRevision.objects.last()
    assert (cleared.old_numerator, cleared.old_denominator, cleared.new_numerator) == (
        4,
        1200,
        None,
    )
    assert cleared.version == 0


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (PointChange(JAN, 3, 0), "denominator", "is zero while the numerator is above zero"),
        (PointChange(JAN, -1, 100), "numerator", "cannot be negative"),
        (PointChange(JAN, 1, -100), "denominator", "cannot be negative"),
        (PointChange(JAN, 2, None), "denominator", "is required for this measure"),
        (PointChange(JAN, "four", 100), "numerator", "is not a number"),
        (PointChange(JAN, "NaN", 100), "numerator", "is not a number"),
        (PointChange(dt.date(2024, 1, 15), 1, 100), "period", "monthly periods start on the 1st"),
        (PointChange(dt.date(2024, 7, 1), 1, 100), "period", "is in the future"),
        (PointChange(JAN, 10**12, 100), "numerator", "is too large"),
    ],
)
def test_it_rejects_invalid_data_naming_period_field_and_reason(cast, change, field, reason):
    with pytest.raises(DataPointInvalid) as caught:
        write(cast.alpha_series, [PointChange(FEB, 1, 100), change])
    assert [(e.period_start, e.field, e.reason) for e in caught.value.errors] == [
        (change.period_start, field, reason)
    ]
    assert not DataPoint.objects.exists()  # the valid February point was not written either


def test_it_rejects_a_proportion_above_one_and_a_weekly_period_not_on_monday(cast):
    measure = cast.falls_rate
    measure.chart_type = Measure.ChartType.P
    measure.save()
    with pytest.raises(DataPointInvalid, match="above the denominator"):
        write(cast.alpha_series, [PointChange(JAN, 11, 10)])
    weekly = cast.alpha_custom_series  # weekly run chart, no denominator
    with pytest.raises(DataPointInvalid, match="weekly periods start on a Monday"):
        write(weekly, [PointChange(dt.date(2024, 1, 3), 1)])
    write(weekly, [PointChange(dt.date(2024, 1, 8), 1)])


def test_it_refuses_the_same_period_twice_in_one_write(cast):
    with pytest.raises(ValueError):
        write(cast.alpha_series, [PointChange(JAN, 1, 10), PointChange(JAN, 2, 10)])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_loses_no_update_when_two_writers_race_on_postgres(cast):
    """Two connections read version 1, both write: exactly one wins, the other conflicts."""
    import threading

    from django.db import connection

    write(cast.alpha_series, [PointChange(JAN, 4, 1200)])
    barrier = threading.Barrier(2)
    outcomes = []

    def writer(value):
        try:
            series = Series.objects.get(pk=cast.alpha_series.pk)
            barrier.wait()
            write(series, [PointChange(JAN, value, 1200)], expected_versions={JAN: 1})
            outcomes.append("saved")
        except DataPointConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(v,)) for v in (5, 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    point = DataPoint.objects.get(series=cast.alpha_series, period_start=JAN)
    assert point.version == 2
    assert DataPointRevision.objects.filter(version=2).count() == 1
