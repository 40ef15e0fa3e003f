"""Loading many series' new points at once: the bulk door beside `writes.datapoints_write`.

`bulk_load_points(points={series_id: [PointChange, ...]}, by=..., source=...)` writes
points into periods that hold none, with the same rows `datapoints_write` would leave:

1. Read the series (measure and collaborative) in one query; validate every change with
   `writes.changes_clean`, raising `SeriesDataInvalid` (the series and each period, field
   and reason) before anything is written.
2. Insert each point at version 1 and one `DataPointRevision` for it (no old value,
   version 1) through PostgreSQL's COPY (psycopg 3, `cursor.copy`), or `bulk_create`
   on other databases. A period that already has a point raises `DataPointConflict`
   and writes nothing: the loader only adds, so there is no version to compare.
3. Bump each loaded series' `data_version` once, and mark its chart stale
   (`recompute.series_mark_stale`), sending its recompute task after commit.

All in the caller's transaction (one of its own if there is none).

Every revision is stamped with the clock. History dated when it happened, not when it was
loaded, is for the demo seed only: `seed_load_points` takes `entered_at` and refuses any
caller outside the `demo` package (checked at run time on the calling module), and the
import-linter contract "no app imports demo" keeps the apps from reaching it through the
seed. A real change is therefore always dated by the clock, whoever wrote it.
"""

import datetime as dt
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from measures.models import DataPoint, DataPointRevision, Series
from measures.recompute import series_mark_stale
from measures.writes import (
    POINT_COLUMNS,
    REVISION_COLUMNS,
    DataPointConflict,
    DataPointInvalid,
    PointChange,
    changes_clean,
    data_window_start,
    rows_insert,
)

# The packages whose modules may date history in the past: the demo seed.
SEED_PACKAGE = "demo"


class SeriesDataInvalid(DataPointInvalid):
    """Some changes to one series are not valid data; nothing was written."""

    def __init__(self, series_id: int, errors):
        super().__init__(errors, series_id=series_id)
        self.args = (f"series {series_id}: {self.args[0]}",)


@dataclass(frozen=True)
class LoadResult:
    series: int  # series that gained points
    created: int  # points written (one revision each)


def bulk_load_points(
    *,
    points: Mapping[int, Iterable[PointChange]],
    by,
    source: str,
    today: dt.date | None = None,
) -> LoadResult:
    """Add the points of many series in one go, validated as `datapoints_write` validates
    them, each with its revision dated now (steps in the module's docstring).

    `points` maps a series id to its changes; a change without a numerator adds nothing.
    """
    return _load(points=points, by=by, source=source, today=today, entered_at=None, send=True)


def seed_load_points(
    *,
    points: Mapping[int, Iterable[PointChange]],
    today: dt.date,
    entered_at: Callable[[int, dt.date], dt.datetime],
) -> LoadResult:
    """The demo seed's door to `bulk_load_points`: source "seed", nobody's change, and each
    revision dated `entered_at(series_id, period)` (never later than now), so the seeded
    history reads as entered when it happened. Recompute tasks are not sent: the seed
    computes every chart in batches when it is done (`recompute_charts`).

    Only a module of the `demo` package may call it; anything else gets `PermissionError`.
    """
    caller = sys._getframe(1).f_globals.get("__name__", "")
    if caller != SEED_PACKAGE and not caller.startswith(SEED_PACKAGE + "."):
        raise PermissionError(
            f"Only the demo seed may date history in the past (called from {caller or '?'})"
        )
    return _load(
        points=points,
        by=None,
        source=DataPointRevision.Source.SEED,
        today=today,
        entered_at=entered_at,
        send=False,
    )


def _load(*, points, by, source, today, entered_at, send) -> LoadResult:
    today = today or timezone.localdate()
    by = by if by is not None and getattr(by, "is_authenticated", False) else None
    by_id = by.pk if by is not None else None
    points = {series_id: list(changes) for series_id, changes in points.items()}
    series_by_id = Series.objects.select_related("measure", "team__collaborative").in_bulk(
        list(points)
    )
    missing = set(points) - set(series_by_id)
    if missing:
        raise ValueError(f"No such series: {sorted(missing)}")

    now = timezone.now()
    point_rows, revision_rows = [], []
    loaded = set()
    windows: dict[int, dt.date] = {}
    for series_id, changes in points.items():
        series = series_by_id[series_id]
        collaborative = series.team.collaborative
        if collaborative.pk not in windows:
            windows[collaborative.pk] = data_window_start(collaborative)
        try:
            cleaned = changes_clean(
                measure=series.measure,
                changes=changes,
                today=today,
                earliest=windows[collaborative.pk],
            )
        except DataPointInvalid as e:
            raise SeriesDataInvalid(series_id, e.errors) from None
        for period, numerator, denominator in cleaned:
            if numerator is None:
                continue
            changed_at = min(entered_at(series_id, period), now) if entered_at else now
            point_rows.append((series_id, period, numerator, denominator, 1, now))
            revision_rows.append(
                (
                    series_id,
                    period,
                    None,
                    None,
                    numerator,
                    denominator,
                    1,
                    by_id,
                    changed_at,
                    source,
                    "",
                )
            )
            loaded.add(series_id)

    with transaction.atomic():
        try:
            with transaction.atomic():
                rows_insert(DataPoint, POINT_COLUMNS, point_rows, copy_from=1)
        except IntegrityError:
            raise DataPointConflict(sorted({row[1] for row in point_rows})) from None
        rows_insert(DataPointRevision, REVISION_COLUMNS, revision_rows, copy_from=1)
        if loaded:
            ids = sorted(loaded)
            Series.objects.filter(pk__in=ids).update(data_version=F("data_version") + 1)
            series_mark_stale(series_ids=ids, send=send)
    return LoadResult(series=len(loaded), created=len(point_rows))
