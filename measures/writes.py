"""The one write path for data points.

The grid, the admin, imports and the API all change data through `datapoints_write`, so
every change is validated the same way, keeps a revision, and bumps the series'
`data_version` (what chart recomputation keys on). Loading many series' new points at once
(the demo seed) goes through `measures.bulk`, which validates with the same
`changes_clean` and writes the same rows.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
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
    """Some changes are not valid data; nothing was written."""

    def __init__(self, errors: list[PointError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class DataPointConflict(Exception):
    """Someone else changed these periods since the caller read them; nothing was written."""

    def __init__(self, periods: list[dt.date]):
        self.periods = sorted(periods)
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


def _validate(
    measure: Measure, change: PointChange, today: dt.date, earliest: dt.date | None = None
) -> tuple[list[PointError], Decimal | None, Decimal | None]:
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

    if not is_period_start(period, measure.frequency):
        if measure.frequency == Measure.Frequency.WEEKLY:
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
    whole = _whole_fields(measure)
    for name, value in (("numerator", numerator), ("denominator", denominator)):
        if name in whole and value is not None and value != value.to_integral_value():
            error(name, "counts people or events, so must be a whole number")
    if denominator is not None and denominator < 0:
        error("denominator", "cannot be negative")
    if measure.has_denominator and denominator is None:
        error("denominator", "is required for this measure")
    if denominator == 0 and numerator > 0:
        error("denominator", "is zero while the numerator is above zero")
    if measure.chart_kind.is_proportion and denominator is not None and numerator > denominator:
        error("numerator", "is above the denominator, which a proportion cannot be")
    abs_limit = Decimal("1e10")
    if numerator >= abs_limit or (denominator is not None and denominator >= abs_limit):
        error("numerator" if numerator >= abs_limit else "denominator", "is too large")
    return errors, numerator, denominator


@transaction.atomic
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
    """Write changes to one series' points, all or nothing.

    Steps: validate every change (raise `DataPointInvalid` listing each period, field and
    reason); compare each point's version with `expected_versions` (what the caller saw,
    0 for "no point"), raising `DataPointConflict` naming the periods on a mismatch;
    write the points with a conditional UPDATE so a concurrent writer cannot slip in
    between; append one `DataPointRevision` per changed point; bump the series'
    `data_version` once with an F() expression. Unchanged values write nothing.

    Every revision is stamped with the clock. Loading many new points at once (history
    dated when it happened, for the demo seed only) is `measures.bulk`'s job.
    """
    changes = list(changes)
    today = today or timezone.localdate()
    by = by if by is not None and getattr(by, "is_authenticated", False) else None
    cleaned = changes_clean(
        measure=series.measure,
        changes=changes,
        today=today,
        earliest=data_window_start(series.team.collaborative),
        reason=reason,
    )

    existing = {
        p.period_start: p
        for p in DataPoint.objects.filter(
            series=series, period_start__in=[period for period, _, _ in cleaned]
        )
    }
    if expected_versions is not None:
        stale = [
            period
            for period, _, _ in cleaned
            if period in expected_versions
            and expected_versions[period] != (existing[period].version if period in existing else 0)
        ]
        if stale:
            raise DataPointConflict(stale)

    now = timezone.now()
    created = updated = cleared = unchanged = 0
    new_points, revisions = [], []
    for period, numerator, denominator in cleaned:
        point = existing.get(period)
        if point is None:
            if numerator is None:
                unchanged += 1
                continue
            new_points.append(
                DataPoint(
                    series=series,
                    period_start=period,
                    numerator=numerator,
                    denominator=denominator,
                    version=1,
                )
            )
            old, new_version = (None, None), 1
            created += 1
        elif numerator is None:
            deleted, _ = DataPoint.objects.filter(pk=point.pk, version=point.version).delete()
            if not deleted:
                raise DataPointConflict([period])
            old, new_version = (point.numerator, point.denominator), 0
            cleared += 1
        elif (point.numerator, point.denominator) == (numerator, denominator):
            unchanged += 1
            continue
        else:
            new_version = point.version + 1
            rows = DataPoint.objects.filter(pk=point.pk, version=point.version).update(
                numerator=numerator, denominator=denominator, version=new_version, updated_at=now
            )
            if rows != 1:
                raise DataPointConflict([period])
            old = (point.numerator, point.denominator)
            updated += 1
        revisions.append(
            DataPointRevision(
                series=series,
                period_start=period,
                old_numerator=old[0],
                old_denominator=old[1],
                new_numerator=numerator,
                new_denominator=denominator,
                version=new_version,
                changed_by=by,
                changed_at=now,
                source=source,
                # PostgreSQL refuses NUL in text; it is never meant in a typed reason.
                reason=(reason or "").replace("\x00", ""),
            )
        )

    if new_points:
        try:
            with transaction.atomic():
                DataPoint.objects.bulk_create(new_points)
        except IntegrityError:
            # Another writer created one of these periods after we read them.
            raise DataPointConflict([p.period_start for p in new_points]) from None
    if revisions:
        DataPointRevision.objects.bulk_create(revisions)
        Series.objects.filter(pk=series.pk).update(data_version=F("data_version") + 1)
        series.refresh_from_db(fields=["data_version"])
        # The chart is out of date from this commit on; its recompute job says so. The demo
        # seed recomputes every chart in batches at its end (recompute_charts), so its
        # writes leave the job pending without sending a task per series.
        series_mark_stale(series_ids=[series.pk], send=source != DataPointRevision.Source.SEED)
    return WriteResult(created, updated, cleared, unchanged, series.data_version)


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
    for change in changes:
        change_errors, numerator, denominator = _validate(measure, change, today, earliest)
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
