"""The one boundary between QuerySets and arrays.

`series_inputs(series_ids)` reads everything that shapes the charts of many series in a
fixed number of queries per chunk (series, targets, points, phases, marks, annotations)
and returns, per series, the statistics core's `SeriesSpec`, the x labels, the raw
numerators and denominators, and a hash of every input. The hash keys the stored chart
result, so a result is fresh exactly when its hash is the hash of today's inputs.

Only complete periods (`measures.completeness`) go to the statistics core: the points after
the latest complete period are kept apart as "in progress", to be drawn but never judged.
That cutoff is one of the inputs hashed, so a result computed before it moved is stale.
"""

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from measures.completeness import complete_cutoffs, cutoff_for, last_day_of
from measures.models import (
    Annotation,
    CollaborativeMeasure,
    DataPoint,
    Measure,
    Phase,
    PointMark,
    Series,
)
from measures.periods import period_starts
from measures.spc import ChartKind, SeriesSpec

# Bump when the core or this mapping changes what a chart says: every stored result
# then stops being fresh and the next view or sweep recomputes it.
# 2: complete periods only (issue 14); 3: the verdict of issue 14 (reference chart, statuses,
# history, the baseline before a team joined)
INPUTS_VERSION = 3
CHUNK = 500


@dataclass(frozen=True)
class SeriesInput:
    """One series, ready for the core: the spec plus what the figure and table show."""

    series_id: int
    spec: SeriesSpec | None  # None when the inputs are not a valid chart (`error` says why)
    error: str
    x: list[str]
    numerator: list[float | None]
    denominator: list[float | None]
    annotations: list[dict]
    inputs_hash: str
    multiplier: int
    complete_through: str | None = None  # ISO start of the latest complete period counted
    # Points after it, not judged: [{"x", "numerator", "denominator", "y"}], y on the
    # core's scale (a rate for the ratio charts)
    in_progress: list[dict] = field(default_factory=list)


def _float(value) -> float | None:
    return None if value is None else float(value)


def core_chart(measure: Measure) -> ChartKind:
    return measure.chart_kind


def core_convention(collaborative, chart: str) -> str:
    """The collaborative's convention; Making Data Count has no run chart rules, so a run
    chart under it is read with the IHI rules (the core refuses run charts under mdc)."""
    convention = collaborative.rule_convention
    if chart == "run" and convention == "mdc":
        return "ihi"
    return convention


def scaled_by_multiplier(measure: Measure) -> bool:
    """Whether the measure's shown values are the core's rate times `multiplier`."""
    chart = core_chart(measure)
    return chart.is_ratio or (chart == ChartKind.RUN and bool(measure.denominator_definition))


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def series_inputs(
    series_ids: Iterable[int], *, today: dt.date | None = None
) -> dict[int, SeriesInput]:
    """Every input of each series' chart, by series id (missing ids are left out), counting
    the periods complete on `today` (by default, today)."""
    today = today or timezone.localdate()
    out: dict[int, SeriesInput] = {}
    for chunk in _chunks(sorted(set(series_ids))):
        out.update(_series_inputs(chunk, today))
    return out


def _series_inputs(ids: list[int], today: dt.date) -> dict[int, SeriesInput]:
    series = list(
        Series.objects.filter(pk__in=ids)
        .select_related("measure", "team__collaborative")
        .order_by("pk")
    )
    if not series:
        return {}
    # The collaborative's own target and direction for each measure (its measure set).
    settings_ = {
        (cm.collaborative_id, cm.measure_id): (cm.target, cm.direction)
        for cm in CollaborativeMeasure.objects.filter(
            collaborative_id__in={s.team.collaborative_id for s in series},
            measure_id__in={s.measure_id for s in series},
        ).order_by()
    }
    points = defaultdict(list)
    for row in (
        DataPoint.objects.filter(series_id__in=ids)
        .order_by("series_id", "period_start")
        .values_list("series_id", "period_start", "numerator", "denominator")
    ):
        points[row[0]].append(row[1:])
    phases = defaultdict(list)
    for sid, start in (
        Phase.objects.filter(series_id__in=ids)
        .order_by("series_id", "start_period")
        .values_list("series_id", "start_period")
    ):
        phases[sid].append(start)
    marks = defaultdict(list)
    for sid, period, kind in (
        PointMark.objects.filter(series_id__in=ids)
        .order_by("series_id", "period_start", "kind")
        .values_list("series_id", "period_start", "kind")
    ):
        marks[sid].append((period, kind))
    by_series, by_team = defaultdict(list), defaultdict(list)
    team_ids = {s.team_id for s in series}
    for note in Annotation.objects.filter(Q(series_id__in=ids) | Q(team_id__in=team_ids)).order_by(
        "date", "id"
    ):
        entry = {"id": note.id, "date": note.date.isoformat(), "text": note.text}
        if note.series_id:
            by_series[note.series_id].append(entry)
        else:
            by_team[note.team_id].append(entry)

    cutoffs = complete_cutoffs(
        {s.team.collaborative_id: s.team.collaborative for s in series}.values(), today=today
    )
    out = {}
    for s in series:
        notes = sorted(by_series[s.pk] + by_team[s.team_id], key=lambda n: (n["date"], n["id"]))
        target, direction = settings_.get((s.team.collaborative_id, s.measure_id), (None, ""))
        out[s.pk] = build_input(
            s,
            target=target,
            direction=direction,
            points=points[s.pk],
            phase_starts=phases[s.pk],
            marks=marks[s.pk],
            annotations=notes,
            complete_through=cutoff_for(cutoffs, s.team.collaborative_id, s.measure.frequency),
        )
    return out


def build_input(
    series: Series,
    *,
    target,
    points,
    phase_starts,
    marks,
    annotations,
    complete_through: dt.date | None = None,
    direction: str = "",
):
    """One series' core input from its rows (already loaded): the points up to the end of
    the `complete_through` period (every point when None) for the core, the rest apart.
    `direction` is the collaborative's own for the measure; empty, the measure's."""
    measure = series.measure
    collaborative = series.team.collaborative
    chart = core_chart(measure)
    convention = core_convention(collaborative, chart)
    values = {period: (_float(num), _float(den)) for period, num, den in points}
    if points and not measure.is_event_dated:
        periods = list(period_starts(measure.frequency, points[0][0], points[-1][0]))
    else:
        periods = [period for period, _, _ in points]
    x = [p.isoformat() for p in periods]
    numerator = [values.get(p, (None, None))[0] for p in periods]
    denominator = [values.get(p, (None, None))[1] for p in periods]

    n = None
    if scaled_by_multiplier(measure):
        y, n = numerator, denominator
    elif chart == "g":
        y = [
            den if den is not None else _days_since(periods, i) for i, den in enumerate(denominator)
        ]
    elif chart == "t":
        y = [_days_since(periods, i) for i in range(len(periods))]
    else:
        y = numerator
    # The points after the latest complete period: shown, never judged.
    last_day = last_day_of(complete_through, measure.frequency)
    counted = len(periods) if last_day is None else sum(p <= last_day for p in periods)
    in_progress = [
        {
            "x": x[i],
            "numerator": numerator[i],
            "denominator": denominator[i],
            "y": _ratio(y[i], n[i]) if n is not None else y[i],
        }
        for i in range(counted, len(periods))
        if numerator[i] is not None
    ]
    periods, x, y = periods[:counted], x[:counted], y[:counted]
    numerator, denominator = numerator[:counted], denominator[:counted]
    if n is not None:
        n = n[:counted]
    index = {p: i for i, p in enumerate(periods)}
    breaks = sorted({_first_at_or_after(periods, start) for start in phase_starts} - {0, None})
    exclude = sorted(index[p] for p, kind in marks if kind == "excluded" and p in index)
    astronomical = sorted(index[p] for p, kind in marks if kind == "astronomical" and p in index)
    multiplier = measure.multiplier if scaled_by_multiplier(measure) else 1
    core_target = None if target is None else float(target) / multiplier
    direction = direction or measure.direction
    improvement = None if direction == Measure.Direction.NEITHER else direction
    rules = (
        {"shift": collaborative.shift_length, "trend": collaborative.trend_length}
        if convention == "mdc"
        else None
    )
    # the verdict's baseline: the periods before the team joined, when they are enough data
    # (the core falls back to its default otherwise; phases and frozen limits come first)
    before = pre_join_periods(periods, series.team.joined_on)
    document = {
        "version": INPUTS_VERSION,
        "chart": chart,
        "convention": convention,
        "rules": rules,
        "x": x,
        "y": y,
        "n": n,
        "numerator": numerator,
        "denominator": denominator,
        "breaks": breaks,
        "exclude": exclude,
        "astronomical": astronomical,
        "target": core_target,
        "improvement": improvement,
        "preferred_baseline": before,
        "annotations": annotations,
        "complete_through": None if complete_through is None else complete_through.isoformat(),
        "in_progress": in_progress,
    }
    inputs_hash = hashlib.sha256(
        json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    spec, error = None, ""
    try:
        spec = SeriesSpec(
            chart=chart,
            y=y,
            n=n,
            breaks=breaks,
            exclude=exclude,
            astronomical=astronomical,
            convention=convention,
            rules=rules,
            target=core_target,
            improvement=improvement,
            labels=x,
            preferred_baseline=before,
        )
    except ValueError as e:
        error = str(e)
    return SeriesInput(
        series_id=series.pk,
        spec=spec,
        error=error,
        x=x,
        numerator=numerator,
        denominator=denominator,
        annotations=annotations,
        inputs_hash=inputs_hash,
        multiplier=multiplier,
        complete_through=document["complete_through"],
        in_progress=in_progress,
    )


def pre_join_periods(periods: list[dt.date], joined_on: dt.date | None) -> int | None:
    """How many of the first periods start before the team joined (None if none do)."""
    if joined_on is None:
        return None
    count = sum(1 for p in periods if p < joined_on)
    return count or None


def _ratio(num: float | None, den: float | None) -> float | None:
    return None if num is None or not den else num / den


def _days_since(periods: list[dt.date], i: int) -> float | None:
    return None if i == 0 else float((periods[i] - periods[i - 1]).days)


def _first_at_or_after(periods: list[dt.date], start: dt.date) -> int | None:
    for i, p in enumerate(periods):
        if p >= start:
            return i
    return None
