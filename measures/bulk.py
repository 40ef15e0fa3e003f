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

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from measures.models import DataPoint, DataPointRevision, Series
from measures.recompute import series_mark_stale
from measures.writes import (
    DataPointConflict,
    DataPointInvalid,
    PointChange,
    changes_clean,
    data_window_start,
)

# How many rows bulk_create sends per INSERT where COPY is not available (SQLite).
BATCH = 2000
# The packages whose modules may date history in the past: the demo seed.
SEED_PACKAGE = "demo"


class SeriesDataInvalid(DataPointInvalid):
    """Some changes to one series are not valid data; nothing was written."""

    def __init__(self, series_id: int, errors):
        self.series_id = series_id
        super().__init__(errors)
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
                if connection.vendor == "postgresql":
                    _copy(DataPoint, POINT_COLUMNS, point_rows)
                else:
                    _insert(DataPoint, POINT_COLUMNS, point_rows)
        except IntegrityError:
            raise DataPointConflict(sorted({row[1] for row in point_rows})) from None
        if connection.vendor == "postgresql":
            _copy(DataPointRevision, REVISION_COLUMNS, revision_rows)
        else:
            _insert(DataPointRevision, REVISION_COLUMNS, revision_rows)
        if loaded:
            ids = sorted(loaded)
            Series.objects.filter(pk__in=ids).update(data_version=F("data_version") + 1)
            series_mark_stale(series_ids=ids, send=send)
    return LoadResult(series=len(loaded), created=len(point_rows))


POINT_COLUMNS = ("series_id", "period_start", "numerator", "denominator", "version", "updated_at")
REVISION_COLUMNS = (
    "series_id",
    "period_start",
    "old_numerator",
    "old_denominator",
    "new_numerator",
    "new_denominator",
    "version",
    "changed_by_id",
    "changed_at",
    "source",
    "reason",
)


def _copy(model, attnames: tuple[str, ...], rows: list[tuple]) -> None:
    """COPY `rows` into `model`'s table (psycopg 3), as fast as PostgreSQL takes them."""
    if not rows:
        return
    fields = {f.attname: f.column for f in model._meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(fields[name]) for name in attnames)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _insert(model, attnames: tuple[str, ...], rows: list[tuple]) -> None:
    """The same rows through `bulk_create`, where COPY does not exist (SQLite)."""
    objs = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
    # DataPoint.updated_at is auto_now: bulk_create sets it to its own clock, as good as ours.
    model.objects.bulk_create(objs, batch_size=BATCH)
