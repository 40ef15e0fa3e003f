"""The one write path for data points.

The grid, the admin, imports and the API all change data through `datapoints_write` (one
series) or `datapoints_write_many` (many in one go: imports; the one-series write is it
with one series), so every change is validated the same way, keeps a revision, and bumps
the series' `data_version` (what chart recomputation keys on). Loading many series' new
points at once (the demo seed) goes through `measures.bulk`, which validates with the
same `changes_clean` and writes the same rows.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from governance.safeguards import HOW_TO, NHS_NUMBER_LENGTH, find_nhs_numbers
from measures.models import DataPoint, DataPointRevision, Measure, Series
from measures.periods import is_period_start
from measures.recompute import series_mark_stale


@dataclass(frozen=True)
class PointChange:
    """The new value of one period. `numerator=None` clears the point (its history stays)."""

    period_start: dt.date
    numerator: Decimal | int | str | None
    denominator: Decimal | int | str | None = None


@dataclass(frozen=True)
class PointError:
    period_start: dt.date
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.period_start:%d %b %Y}, {self.field}: {self.reason}"


class DataPointInvalid(ValueError):
    """Some changes are not valid data; nothing was written. `series_id` names the series
    when a write of many series raised it (`datapoints_write_many`)."""

    def __init__(self, errors: list[PointError], *, series_id: int | None = None):
        self.errors = errors
        self.series_id = series_id
        super().__init__("; ".join(str(e) for e in errors))


class DataPointConflict(Exception):
    """Someone else changed these periods since the caller read them; nothing was written.
    `series_id` names the series when a write of many series raised it."""

    def __init__(self, periods: list[dt.date], *, series_id: int | None = None):
        self.periods = sorted(periods)
        self.series_id = series_id
        names = ", ".join(f"{p:%d %b %Y}" for p in self.periods)
        super().__init__(f"Changed by someone else since you opened it: {names}")


@dataclass(frozen=True)
class WriteResult:
    created: int
    updated: int
    cleared: int
    unchanged: int
    data_version: int

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.cleared


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = repr(value)
    number = Decimal(value)
    if not number.is_finite():
        raise InvalidOperation
    return number


def data_window_start(collaborative) -> dt.date:
    """The earliest period a collaborative's series may hold: its start, less
    COLLAB_DATA_YEARS_BEFORE_START years of baseline (29 February counts as 28)."""
    years = settings.COLLAB_DATA_YEARS_BEFORE_START
    start = collaborative.starts_on
    return start.replace(
        year=start.year - years, day=28 if start.day == 29 and start.month == 2 else start.day
    )


def _whole_fields(measure: Measure) -> tuple[str, ...]:
    """The values of `measure` that count people or events, so must be whole numbers: the
    numerator of every count chart (P, U, C and their Laney forms; G and T count the events
    of a day) and of a measure counting events that happen to patients, the denominator of
    a proportion (the people or occasions counted), and both of a measure that counts
    people."""
    fields = []
    counts = measure.counts_people or measure.counts_patient_events
    if counts or measure.chart_kind.is_count:
        fields.append("numerator")
    if measure.counts_people or measure.chart_kind.is_proportion:
        fields.append("denominator")
    return tuple(fields)


@dataclass(frozen=True)
class _Rules:
    """What validation reads of a measure, read once for all of a series' changes (the
    chart kind is an enum built from its stored code on every read)."""

    frequency: str
    whole: tuple[str, ...]
    has_denominator: bool
    is_proportion: bool

    @classmethod
    def of(cls, measure: Measure) -> "_Rules":
        kind = measure.chart_kind
        return cls(measure.frequency, _whole_fields(measure), kind.is_ratio, kind.is_proportion)


def _validate(
    measure: Measure,
    change: PointChange,
    today: dt.date,
    earliest: dt.date | None = None,
    rules: _Rules | None = None,
) -> tuple[list[PointError], Decimal | None, Decimal | None]:
    rules = rules or _Rules.of(measure)
    errors = []
    period = change.period_start

    def error(field: str, reason: str) -> None:
        errors.append(PointError(period, field, reason))

    values = {"numerator": change.numerator, "denominator": change.denominator}
    for field, value in values.items():
        if value is None:
            continue
        # A number printed in fewer than ten characters holds no NHS number: skip the
        # search, which costs more than the rest of the checks (bulk loads, the seed).
        if isinstance(value, int | Decimal) and len(str(value)) < NHS_NUMBER_LENGTH:
            continue
        if find_nhs_numbers(value):
            error(field, HOW_TO)
    if errors:
        return errors, None, None
    try:
        numerator = _decimal(change.numerator)
    except (InvalidOperation, ValueError, TypeError):
        error("numerator", "is not a number")
        numerator = None
    try:
        denominator = _decimal(change.denominator)
    except (InvalidOperation, ValueError, TypeError):
        error("denominator", "is not a number")
        denominator = None

    if not is_period_start(period, rules.frequency):
        if rules.frequency == Measure.Frequency.WEEKLY:
            error("period", "weekly periods start on a Monday")
        else:
            error("period", "monthly periods start on the 1st")
    if period > today:
        error("period", "is in the future")
    elif earliest is not None and period < earliest:
        error("period", f"is before {earliest:%d %b %Y}, the start of this collaborative's data")
    if numerator is None:
        if change.numerator not in (None, ""):
            return errors, None, None
        if denominator is not None:
            error("numerator", "is missing while a denominator is given")
        return errors, None, None
    if numerator < 0:
        error("numerator", "cannot be negative")
    for name, value in (("numerator", numerator), ("denominator", denominator)):
        if name in rules.whole and value is not None and value != value.to_integral_value():
            error(name, "counts people or events, so must be a whole number")
    if denominator is not None and denominator < 0:
        error("denominator", "cannot be negative")
    if rules.has_denominator and denominator is None:
        error("denominator", "is required for this measure")
    if denominator == 0 and numerator > 0:
        error("denominator", "is zero while the numerator is above zero")
    if rules.is_proportion and denominator is not None and numerator > denominator:
        error("numerator", "is above the denominator, which a proportion cannot be")
    abs_limit = Decimal("1e10")
    if numerator >= abs_limit or (denominator is not None and denominator >= abs_limit):
        error("numerator" if numerator >= abs_limit else "denominator", "is too large")
    return errors, numerator, denominator


@dataclass(frozen=True)
class SeriesWrite:
    """One series' part of `datapoints_write_many`: its changes and, as in
    `datapoints_write`, the version of each period the caller saw (0 for "no point")."""

    series: Series
    changes: Iterable[PointChange]
    expected_versions: Mapping[dt.date, int] | None = None


def datapoints_write(
    *,
    series: Series,
    changes: Iterable[PointChange],
    by,
    source: str,
    reason: str | None = None,
    expected_versions: Mapping[dt.date, int] | None = None,
    today: dt.date | None = None,
) -> WriteResult:
    """Write changes to one series' points, all or nothing: `datapoints_write_many` with
    one series (its steps and errors), which also refreshes `series.data_version`.

    Every revision is stamped with the clock. Loading many new points at once (history
    dated when it happened, for the demo seed only) is `measures.bulk`'s job.
    """
    results = datapoints_write_many(
        writes=[SeriesWrite(series, changes, expected_versions)],
        by=by,
        source=source,
        reason=reason,
        today=today,
    )
    return results[series.pk]


# Series whose stored points one query reads; rows above which inserts go through COPY on
# PostgreSQL (below it, an INSERT costs less than setting COPY up, and is counted as a query).
SERIES_PER_READ = 500
COPY_MIN_ROWS = 200


@transaction.atomic
def datapoints_write_many(
    *,
    writes: Iterable[SeriesWrite],
    by,
    source: str,
    reason: str | None = None,
    today: dt.date | None = None,
) -> dict[int, WriteResult]:
    """Write changes to the points of many series, all or nothing; the result of each
    series by its id. Each series is checked as if it were written alone:

    1. Validate every change (`changes_clean`): the first series, in the order given, with
       an invalid change raises `DataPointInvalid` listing each period, field and reason
       (and naming the series in `series_id`).
    2. Read the stored points of the periods written (one query per SERIES_PER_READ
       series) and compare each point's version with the series' `expected_versions`: the
       first series with a mismatch raises `DataPointConflict` naming its periods.
    3. Clear or change each existing point with a conditional DELETE or UPDATE on the
       version read (one statement for all on PostgreSQL, `_stored_write`), so a
       concurrent writer cannot slip in between: a point not matched raises
       `DataPointConflict` for its period (the first, in write order). Unchanged values
       write nothing.
    4. Insert every new point at version 1, all series at once (COPY on PostgreSQL for
       many rows, `bulk_create` otherwise): a period another writer created since step 2
       raises `DataPointConflict` for the first series that has one.
    5. Append one `DataPointRevision` per changed point, stamped with the clock, all at
       once; bump the `data_version` of each series that changed once, with one UPDATE
       and an F() expression; mark their charts stale once (`series_mark_stale`), sending
       the recompute tasks after commit (not for the demo seed, which recomputes at its
       end).

    Raises `ValueError` if a series or, within a series, a period appears twice.
    """
    writes = [SeriesWrite(w.series, list(w.changes), w.expected_versions) for w in writes]
    if len({w.series.pk for w in writes}) != len(writes):
        raise ValueError("Each series may appear only once in a write")
    today = today or timezone.localdate()
    by = by if by is not None and getattr(by, "is_authenticated", False) else None

    windows: dict[int, dt.date] = {}
    cleaned: dict[int, list[tuple[dt.date, Decimal | None, Decimal | None]]] = {}
    for w in writes:
        collaborative = w.series.team.collaborative
        if collaborative.pk not in windows:
            windows[collaborative.pk] = data_window_start(collaborative)
        try:
            cleaned[w.series.pk] = changes_clean(
                measure=w.series.measure,
                changes=w.changes,
                today=today,
                earliest=windows[collaborative.pk],
                reason=reason,
            )
        except DataPointInvalid as e:
            raise DataPointInvalid(e.errors, series_id=w.series.pk) from None

    existing = _points_stored(cleaned)
    for w in writes:
        if w.expected_versions is None:
            continue
        stored = existing.get(w.series.pk, {})
        stale = [
            period
            for period, _, _ in cleaned[w.series.pk]
            if period in w.expected_versions
            and w.expected_versions[period] != (stored[period].version if period in stored else 0)
        ]
        if stale:
            raise DataPointConflict(stale, series_id=w.series.pk)

    now = timezone.now()
    reason_text = (reason or "").replace("\x00", "")  # PostgreSQL refuses NUL in text
    by_id = by.pk if by is not None else None
    counts: dict[int, list[int]] = {}  # created, updated, cleared, unchanged
    new_points: list[tuple] = []
    stored_writes: list[tuple] = []  # (series id, point read, numerator or None to clear, ...)
    revisions: list[tuple] = []
    for w in writes:
        series_id = w.series.pk
        stored = existing.get(series_id, {})
        count = counts[series_id] = [0, 0, 0, 0]
        for period, numerator, denominator in cleaned[series_id]:
            point = stored.get(period)
            if point is None:
                if numerator is None:
                    count[3] += 1
                    continue
                new_points.append((series_id, period, numerator, denominator, 1, now))
                old, new_version = (None, None), 1
                count[0] += 1
            elif numerator is None:
                stored_writes.append((series_id, point, None, None))
                old, new_version = (point.numerator, point.denominator), 0
                count[2] += 1
            elif (point.numerator, point.denominator) == (numerator, denominator):
                count[3] += 1
                continue
            else:
                stored_writes.append((series_id, point, numerator, denominator))
                old, new_version = (point.numerator, point.denominator), point.version + 1
                count[1] += 1
            revisions.append(
                (
                    series_id,
                    period,
                    old[0],
                    old[1],
                    numerator,
                    denominator,
                    new_version,
                    by_id,
                    now,
                    source,
                    reason_text,
                )
            )

    missed = _stored_write(stored_writes, now)
    if missed is not None:
        raise DataPointConflict([missed[1].period_start], series_id=missed[0])
    if new_points:
        try:
            with transaction.atomic():
                rows_insert(DataPoint, POINT_COLUMNS, new_points)
        except IntegrityError:
            # Another writer created one of these periods after we read them.
            raise _insert_conflict(new_points) from None
    changed = sorted({row[0] for row in revisions})
    versions = {}
    if revisions:
        rows_insert(DataPointRevision, REVISION_COLUMNS, revisions)
        Series.objects.filter(pk__in=changed).update(data_version=F("data_version") + 1)
        versions = dict(Series.objects.filter(pk__in=changed).values_list("pk", "data_version"))
        # The chart is out of date from this commit on; its recompute job says so. The demo
        # seed recomputes every chart in batches at its end (recompute_charts), so its
        # writes leave the job pending without sending a task per series.
        series_mark_stale(series_ids=changed, send=source != DataPointRevision.Source.SEED)
    results = {}
    for w in writes:
        if w.series.pk in versions:
            w.series.data_version = versions[w.series.pk]
        results[w.series.pk] = WriteResult(*counts[w.series.pk], w.series.data_version)
    return results


def _stored_write(stored_writes: list[tuple], now: dt.datetime) -> tuple | None:
    """Clear or change each stored point, on condition that its version is still the one
    read; the first of `stored_writes` (series id, point, numerator, denominator) that no
    row matched (another writer changed or cleared it since), or None.

    PostgreSQL takes one DELETE and one UPDATE for all (joined to arrays of ids, versions
    and values on id and version, as the per-point statement's WHERE); other databases
    one statement per point.
    """
    if connection.vendor != "postgresql":
        for write in stored_writes:
            _, point, numerator, denominator = write
            matched = DataPoint.objects.filter(pk=point.pk, version=point.version)
            if numerator is None:
                done, _ = matched.delete()
            else:
                done = matched.update(
                    numerator=numerator,
                    denominator=denominator,
                    version=point.version + 1,
                    updated_at=now,
                )
            if done != 1:
                return write
        return None
    table = connection.ops.quote_name(DataPoint._meta.db_table)
    clears = [w[1] for w in stored_writes if w[2] is None]
    changes = [w for w in stored_writes if w[2] is not None]
    done: set[int] = set()
    with connection.cursor() as cursor:
        # Arrays, one parameter per column, not a placeholder per value: psycopg's
        # client-side binding reads the query text, which 20,000 placeholders made slow.
        if clears:
            cursor.execute(
                f"DELETE FROM {table} AS d "
                "USING unnest(%s::bigint[], %s::integer[]) AS v (id, version) "
                "WHERE d.id = v.id AND d.version = v.version RETURNING d.id",
                [[p.pk for p in clears], [p.version for p in clears]],
            )
            done.update(row[0] for row in cursor.fetchall())
        if changes:
            cursor.execute(
                f"UPDATE {table} AS d SET numerator = v.numerator, "
                "denominator = v.denominator, version = v.version + 1, updated_at = %s "
                "FROM unnest(%s::bigint[], %s::integer[], %s::numeric[], %s::numeric[]) "
                "AS v (id, version, numerator, denominator) "
                "WHERE d.id = v.id AND d.version = v.version RETURNING d.id",
                [
                    now,
                    [w[1].pk for w in changes],
                    [w[1].version for w in changes],
                    [w[2] for w in changes],
                    [w[3] for w in changes],
                ],
            )
            done.update(row[0] for row in cursor.fetchall())
    return next((w for w in stored_writes if w[1].pk not in done), None)


def _points_stored(cleaned: Mapping[int, list[tuple]]) -> dict[int, dict[dt.date, DataPoint]]:
    """The stored points of the (series, period) pairs in `cleaned`, by series and period."""
    wanted = {(s, period) for s, rows in cleaned.items() for period, _, _ in rows}
    periods = sorted({period for _, period in wanted})
    series_ids = sorted(cleaned)
    stored: dict[int, dict[dt.date, DataPoint]] = {}
    if not wanted:
        return stored
    for start in range(0, len(series_ids), SERIES_PER_READ):
        for p in DataPoint.objects.filter(
            series_id__in=series_ids[start : start + SERIES_PER_READ], period_start__in=periods
        ):
            if (p.series_id, p.period_start) in wanted:
                stored.setdefault(p.series_id, {})[p.period_start] = p
    return stored


def _insert_conflict(new_points: list[tuple]) -> DataPointConflict:
    """The conflict to raise when inserting `new_points` broke the unique (series, period):
    the first series, in write order, with a period stored since it was read, and those
    periods; every period inserted if none can be found (another constraint refused)."""
    inserted: dict[int, list[tuple]] = {}
    for series_id, period, *_ in new_points:
        inserted.setdefault(series_id, []).append((period, None, None))
    taken = _points_stored(inserted)
    for series_id in inserted:
        if series_id in taken:
            return DataPointConflict(sorted(taken[series_id]), series_id=series_id)
    return DataPointConflict(sorted({row[1] for row in new_points}))


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
# How many rows bulk_create sends per INSERT where COPY is not used.
INSERT_BATCH = 2000


def rows_insert(
    model, attnames: tuple[str, ...], rows: list[tuple], *, copy_from: int | None = None
) -> None:
    """Insert `rows` (values of `attnames`, in order) into `model`'s table, in the caller's
    transaction: through PostgreSQL's COPY (psycopg 3) when there are `copy_from` rows or
    more (by default COPY_MIN_ROWS), `bulk_create` otherwise (and on SQLite). Model
    signals are not sent, as with `bulk_create`."""
    if not rows:
        return
    copy_from = COPY_MIN_ROWS if copy_from is None else copy_from
    if connection.vendor == "postgresql" and len(rows) >= copy_from:
        _copy(model, attnames, rows)
        return
    objs = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
    # DataPoint.updated_at is auto_now: bulk_create sets it to its own clock, as good as ours.
    model.objects.bulk_create(objs, batch_size=INSERT_BATCH)


def _copy(model, attnames: tuple[str, ...], rows: list[tuple]) -> None:
    """COPY `rows` into `model`'s table (psycopg 3), as fast as PostgreSQL takes them."""
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


def changes_clean(
    *,
    measure: Measure,
    changes: list[PointChange],
    today: dt.date,
    earliest: dt.date | None,
    reason: str | None = None,
) -> list[tuple[dt.date, Decimal | None, Decimal | None]]:
    """Validate every change to one series of `measure` as the write path does, and return
    each (period, numerator, denominator) cleaned, in order.

    Raises `ValueError` if a period appears twice, and `DataPointInvalid` listing each
    period, field and reason (values that are not numbers, negative or not whole where
    they count, periods that do not start one, lie in the future or before `earliest`,
    and NHS numbers in a value or in `reason`). Writes nothing: `datapoints_write` and
    `measures.bulk` both call it before writing.
    """
    if len({c.period_start for c in changes}) != len(changes):
        raise ValueError("Each period may appear only once in a write")
    errors, cleaned = [], []
    rules = _Rules.of(measure)
    for change in changes:
        change_errors, numerator, denominator = _validate(measure, change, today, earliest, rules)
        errors.extend(change_errors)
        cleaned.append((change.period_start, numerator, denominator))
    if reason and changes and find_nhs_numbers(reason):
        errors.append(PointError(changes[0].period_start, "reason", HOW_TO))
    if errors:
        raise DataPointInvalid(errors)
    return cleaned


def point_errors(
    measure: Measure,
    change: PointChange,
    today: dt.date | None = None,
    *,
    collaborative=None,
):
    """The reasons `change` is not valid data for `measure` (in `collaborative`'s data
    window, when given), as `datapoints_write` would raise them, and the cleaned
    (numerator, denominator): for previews that write nothing."""
    earliest = data_window_start(collaborative) if collaborative is not None else None
    errors, numerator, denominator = _validate(
        measure, change, today or timezone.localdate(), earliest
    )
    return errors, numerator, denominator
