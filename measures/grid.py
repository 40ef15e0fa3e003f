"""The data-entry grid: a team's measures down, their last periods across.

Plain data for the template: one `GridTable` per frequency (weekly and monthly measures
have different columns), one `GridRow` per series, one `GridCell` per period.
Event-dated series (one row per event) have no periods to lay out and are left out.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Count
from django.urls import reverse
from django.utils import dateformat

from governance import disclosure
from measures.models import DataPoint, DataPointRevision, Measure, Series
from measures.numbers import decimal_text
from measures.periods import last_periods

PERIODS = 12


class CellUrls:
    """A series' cell URLs (saving a cell, its history) for any period, from one `reverse`
    each: the URL reversed with a stand-in period, the period's text put in its place. A
    reverse for every cell was a tenth of the grid page's time."""

    STAND_IN = "0000-00-00"

    def __init__(self, series_pk: int):
        self._save = reverse("measures:cell_save", args=[series_pk, self.STAND_IN])
        self._history = reverse("measures:cell_history", args=[series_pk, self.STAND_IN])

    def save(self, iso: str) -> str:
        return self._save.replace(self.STAND_IN, iso)

    def history(self, iso: str) -> str:
        return self._history.replace(self.STAND_IN, iso)


@dataclass
class GridCell:
    series: Series
    period_start: dt.date
    numerator: Decimal | str | None = None
    denominator: Decimal | str | None = None
    version: int = 0
    edited: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)
    conflict: str = ""
    saved: bool = False
    row_index: int = 0
    col_index: int = 0
    editable: bool = False
    # Shared by a row's cells (`grid_tables`); a cell alone works them out itself.
    urls: CellUrls | None = field(default=None, repr=False, compare=False)
    day: str = field(default="", repr=False, compare=False)  # `day_text`, when already known

    @property
    def has_denominator(self) -> bool:
        return self.series.measure.has_denominator

    @property
    def numerator_text(self) -> str:
        return _text(self.numerator)

    @property
    def denominator_text(self) -> str:
        return _text(self.denominator)

    @property
    def denominator_row(self) -> int:
        return self.row_index + 1

    # What the cell's markup repeats (its element id, form URLs and the period in words for
    # screen readers), worked out once: as template filters and `{% url %}` tags they were
    # most of the grid page's time (70 cells, each formatting its date five times).
    @cached_property
    def iso(self) -> str:
        return self.period_start.isoformat()

    @cached_property
    def day_text(self) -> str:
        """The period's first day as the grid's labels say it ("3 Mar 2026")."""
        return self.day or day_text(self.period_start)

    @cached_property
    def _urls(self) -> CellUrls:
        return self.urls or CellUrls(self.series.pk)

    @cached_property
    def save_url(self) -> str:
        return self._urls.save(self.iso)

    @cached_property
    def history_url(self) -> str:
        return self._urls.history(self.iso)


def day_text(day: dt.date) -> str:
    """A period's first day as the grid's labels say it ("3 Mar 2026")."""
    return dateformat.format(day, "j M Y")


def _text(value) -> str:
    """A saved number without trailing zeros (12, not 12.0000); typed text as it was."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


@dataclass
class GridRow:
    series: Series
    cells: list[GridCell]


@dataclass
class GridTable:
    frequency: str
    label: str
    periods: list[dt.date]
    rows: list[GridRow]


def edited_periods(series_ids, periods) -> set[tuple[int, dt.date]]:
    """(series, period) pairs changed after they were first entered: more than one revision."""
    return set(
        DataPointRevision.objects.filter(series_id__in=series_ids, period_start__in=periods)
        .order_by()
        .values("series_id", "period_start")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("series_id", "period_start")
    )


def cell_for(series: Series, period_start: dt.date, *, editable: bool) -> GridCell:
    """One cell as it is saved now."""
    point = DataPoint.objects.filter(series=series, period_start=period_start).first()
    edited = bool(edited_periods([series.pk], [period_start]))
    cell = GridCell(series=series, period_start=period_start, edited=edited, editable=editable)
    if point is not None:
        cell.numerator, cell.denominator, cell.version = (
            point.numerator,
            point.denominator,
            point.version,
        )
    return cell


def grid_tables(series_list, *, today: dt.date, editable, scope=None) -> list[GridTable]:
    """The grid of `series_list`, one table per frequency; `editable(series)` says which rows
    take input. A viewer outside the collaborative (`scope`, governance.disclosure) sees
    each cell as published."""
    by_frequency: dict[str, list[Series]] = defaultdict(list)
    for series in series_list:
        if series.measure.frequency != Measure.Frequency.EVENT:
            by_frequency[series.measure.frequency].append(series)
    tables = []
    for frequency in (Measure.Frequency.MONTHLY, Measure.Frequency.WEEKLY):
        members = by_frequency.get(frequency)
        if not members:
            continue
        periods = last_periods(frequency, today, PERIODS)
        ids = [s.pk for s in members]
        points = {
            (p.series_id, p.period_start): p
            for p in DataPoint.objects.filter(series_id__in=ids, period_start__in=periods)
        }
        edited = edited_periods(ids, periods)
        days = {period: day_text(period) for period in periods}  # once a column, not a cell
        rows, line = [], 0
        for series in members:
            may_edit = editable(series)
            urls = CellUrls(series.pk)
            cells = []
            for col, period in enumerate(periods):
                point = points.get((series.pk, period))
                cell = GridCell(
                    series=series,
                    period_start=period,
                    edited=(series.pk, period) in edited,
                    row_index=line,
                    col_index=col,
                    editable=may_edit,
                    urls=urls,
                    day=days[period],
                )
                if point is not None:
                    cell.numerator, cell.denominator = point.numerator, point.denominator
                    cell.version = point.version
                    if scope is not None and not scope.inside:
                        shown = disclosure.disclose_for(
                            series.measure, point.numerator, point.denominator, scope=scope
                        )
                        cell.numerator = shown["numerator"]
                        cell.denominator = shown["denominator"] or None
                cells.append(cell)
            line += 2 if series.measure.has_denominator else 1
            rows.append(GridRow(series=series, cells=cells))
        label = "Monthly measures" if frequency == Measure.Frequency.MONTHLY else "Weekly measures"
        tables.append(GridTable(frequency=frequency, label=label, periods=periods, rows=rows))
    return tables
