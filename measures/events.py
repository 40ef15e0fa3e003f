"""Event-dated measures (G and T charts) entered on screen, one event at a time.

The representation is the one imports and the chart already use (`DataPoint`): an
event-dated series has one point per date with an event, `numerator` the events on that
date and `denominator` the cases (opportunities) since the previous event, when counted.
Days between events are never stored: the chart computes them from the dates
(measures/data.py `_days_since`). Cases between cannot be computed, so they are entered.

Every change goes through `datapoints_write`, so it is validated, kept in the history,
version-checked and recomputed like any other.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from measures.models import DataPoint, DataPointRevision, Series
from measures.writes import DataPointConflict, PointChange, WriteResult, datapoints_write


@dataclass(frozen=True)
class EventRow:
    day: dt.date
    events: Decimal
    cases_between: Decimal | None
    days_between: int | None
    version: int


def events_list(series: Series, *, limit: int | None = None) -> list[EventRow]:
    """The series' event dates, newest first, each with the days since the one before."""
    points = list(
        DataPoint.objects.filter(series=series)
        .order_by("period_start")
        .values_list("period_start", "numerator", "denominator", "version")
    )
    rows = [
        EventRow(
            day=day,
            events=numerator,
            cases_between=denominator,
            days_between=None if i == 0 else (day - points[i - 1][0]).days,
            version=version,
        )
        for i, (day, numerator, denominator, version) in enumerate(points)
    ]
    rows.reverse()
    return rows[:limit] if limit else rows


def event_add(
    *,
    series: Series,
    day: dt.date,
    cases_between: int | None,
    by,
    seen_data_version: int,
    today: dt.date | None = None,
) -> WriteResult:
    """Record one event on `day` through the one write path.

    A date with no event yet gets a point of 1 event (expected version 0: someone who
    recorded the same date meanwhile makes it a conflict). A date that already has one
    gets one more event, but only if the series is as the user saw it
    (`seen_data_version`); otherwise `DataPointConflict`, naming the date. Cases between
    replace the date's stored ones when given. Raises `DataPointInvalid` as the write does.
    """
    if not series.measure.is_event_dated:
        raise ValueError("Only event-dated measures take events")
    point = DataPoint.objects.filter(series=series, period_start=day).first()
    if point is None:
        change = PointChange(day, 1, cases_between)
        expected = 0
    else:
        if series.data_version != seen_data_version:
            raise DataPointConflict([day])
        denominator = cases_between if cases_between is not None else point.denominator
        change = PointChange(day, point.numerator + 1, denominator)
        expected = point.version
    return datapoints_write(
        series=series,
        changes=[change],
        by=by,
        source=DataPointRevision.Source.GRID,
        expected_versions={day: expected},
        today=today,
    )


def event_remove(*, series: Series, day: dt.date, version: int, by) -> WriteResult:
    """Clear the events of one date (the history keeps them); `version` is the one seen."""
    return datapoints_write(
        series=series,
        changes=[PointChange(day, None)],
        by=by,
        source=DataPointRevision.Source.GRID,
        reason="Event removed",
        expected_versions={day: version},
    )
