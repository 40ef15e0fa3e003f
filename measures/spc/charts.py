"""One series' result: the frozen dataclasses a chart returns, and its plain words.

``materialise(batch, i)`` reads series ``i`` out of a ``BatchResult``'s flat arrays into a
``ChartResult`` (``BatchResult.result(i)`` calls it); ``summary`` writes the verdict in words.
This module sits below ``batch.py`` and never imports it: the functions that compute one
chart (``chart``, ``run_chart`` ... ``t_chart``) are in ``single.py``, above both.
"""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from . import constants as K
from . import rules as R
from .spec import ASSURANCES, POINT_TYPES, RULES, SIDES, STATUSES, VARIATIONS, SeriesSpec


@dataclass(frozen=True)
class Point:
    y: float | None  # the plotted value: y, or y / n
    cl: float | None
    lcl: float | None
    ucl: float | None
    lcl_2s: float | None
    ucl_2s: float | None
    mr: float | None  # moving range (I charts)
    special_cause: bool
    point_type: str  # common_cause, improvement, concern, neutral_high, neutral_low
    phase: int
    baseline: bool
    rule: str | None  # the rule that names the point (by the convention's priority)


@dataclass(frozen=True)
class Phase:
    start: int
    end: int
    cl: float | None
    mr_cl: float | None
    mr_ucl: float | None
    n_useful: int | None
    longest_run: int | None
    longest_run_max: int | None
    crossings: int | None
    crossings_min: int | None
    runs_signal: bool | None
    longest_trend: int | None
    shift_signal: bool | None
    trend_signal: bool | None
    n_runs: int | None
    runs_min: int | None
    runs_max: int | None


@dataclass(frozen=True)
class Signal:
    """One maximal stretch of consecutive signalled points on one side, after the baseline."""

    side: str  # improvement, concern; high, low without a direction of improvement
    rule: str | None  # the rule that names the stretch's first point
    first_index: int
    last_index: int


@dataclass(frozen=True)
class Verdict:
    status: str  # improved, deteriorated, not_sustained, no_change, insufficient_data
    rule: str | None  # the rule of the entry that decides the status
    first_index: int | None  # the first point of that entry
    last_signal_index: int | None  # its last point
    history: tuple[Signal, ...]


@dataclass(frozen=True)
class ChartResult:
    chart: str
    convention: str
    points: tuple[Point, ...]
    phases: tuple[Phase, ...]
    variation: str | None
    assurance: str | None
    enough_data: bool
    points_needed: int
    periods_to_detect: int | None
    baseline: int  # points in the verdict's baseline
    reference_cl: float | None  # its centre line, carried forward over the whole series
    verdict: Verdict
    summary: str

    def to_dict(self) -> dict:
        """The command line's output document."""
        points = []
        for p in self.points:
            d = asdict(p)
            del d["rule"]
            points.append(d)
        return {
            "convention": self.convention,
            "points": points,
            "phases": [asdict(p) for p in self.phases],
            "variation": self.variation,
            "assurance": self.assurance,
            "enough_data": self.enough_data,
            "points_needed": self.points_needed,
            "periods_to_detect": self.periods_to_detect,
            "baseline": self.baseline,
            "reference_cl": self.reference_cl,
            "verdict": asdict(self.verdict),
            "summary": self.summary,
        }


def _f(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _i(x) -> int | None:
    x = float(x)
    return int(x) if math.isfinite(x) else None


def _b(x) -> bool | None:
    x = float(x)
    return bool(x) if math.isfinite(x) else None


PHASE_INTS = (
    "n_useful",
    "longest_run",
    "longest_run_max",
    "crossings",
    "crossings_min",
    "longest_trend",
    "n_runs",
    "runs_min",
    "runs_max",
)
PHASE_BOOLS = ("runs_signal", "shift_signal", "trend_signal")


POINT_FIELDS = tuple(Point.__dataclass_fields__)
POINT_FLOATS = ("value", "cl", "lcl", "ucl", "lcl_2s", "ucl_2s", "mr")


def _finite_or_none(x: np.ndarray) -> list:
    """Python floats, None where not finite (as ``_f`` on each value)."""
    with np.errstate(invalid="ignore"):
        x = np.where(np.isfinite(x), x, np.nan).tolist()
    return [v if v == v else None for v in x]


def _columns(res, a: int, b: int) -> list[list]:
    """The points of rows a:b as columns, in ``POINT_FIELDS``' order: one ``tolist`` per
    array, non-finite floats as None."""
    lay = res.layout
    columns = [_finite_or_none(getattr(res, k)[a:b]) for k in POINT_FLOATS]
    columns += [
        res.special[a:b].tolist(),
        [POINT_TYPES[k] for k in res.point_type[a:b].tolist()],
        (lay.seg[a:b] - lay.seg[a]).tolist() if b > a else [],
        res.baseline[a:b].tolist(),
        [RULES[k] for k in res.rule[a:b].tolist()],
    ]
    return columns


def _point(row) -> Point:
    """A Point filled in one step, without the frozen dataclass's ``__init__`` field by field."""
    p = object.__new__(Point)
    object.__setattr__(p, "__dict__", dict(zip(POINT_FIELDS, row, strict=True)))
    return p


def _points(res, a: int, b: int) -> tuple[Point, ...]:
    """The points of rows a:b. Built column by column and filled without going through the
    frozen dataclass's ``__init__``, field by field: this runs for every point of every
    series the app stores, and is most of the cost of a result."""
    columns = _columns(res, a, b)
    new, put, fields = object.__new__, object.__setattr__, POINT_FIELDS
    points = []
    for row in zip(*columns, strict=True):
        p = new(Point)
        put(p, "__dict__", dict(zip(fields, row, strict=True)))
        points.append(p)
    return tuple(points)


class PointColumns(Sequence):
    """A result's points kept as columns (``columns[field]``, a list per field of
    ``Point``): a read-only sequence that makes a ``Point`` only for the index asked for.
    What a caller that stores columns reads (``materialise(..., columnar=True)``): making a
    Point per point costs more than computing the batch."""

    __slots__ = ("columns",)

    def __init__(self, columns: dict[str, list]):
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns["y"])

    def __getitem__(self, k):
        if isinstance(k, slice):
            return tuple(self[j] for j in range(*k.indices(len(self))))
        return _point(self.columns[f][k] for f in POINT_FIELDS)

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    __hash__ = None


def materialise(batch, i: int, *, columnar: bool = False) -> ChartResult:
    """Series ``i`` of ``batch`` (a ``batch.BatchResult``) as a ``ChartResult``; with
    ``columnar``, its points are a ``PointColumns`` (the same values, as columns)."""
    g, j = batch.where[i]
    res, _ = batch.groups[g]
    spec = res.specs[j]
    lay = res.layout
    a, b = lay.offsets[j], lay.offsets[j + 1]
    if columnar:
        points = PointColumns(dict(zip(POINT_FIELDS, _columns(res, a, b), strict=True)))
    else:
        points = _points(res, a, b)
    segs = range(int(lay.seg[a]), int(lay.seg[b - 1]) + 1) if b > a else ()
    ph = res.phase
    phases = tuple(
        Phase(
            start=int(lay.seg_start[s] - a),
            end=int(lay.seg_end[s] - a),
            cl=_f(res.phase_cl[s]),
            mr_cl=_f(res.phase_mr_cl[s]),
            mr_ucl=_f(res.phase_mr_ucl[s]),
            **{k: _i(ph[k][s]) for k in PHASE_INTS},
            **{k: _b(ph[k][s]) for k in PHASE_BOOLS},
        )
        for s in segs
    )
    var = int(batch.variation[i])
    h, lo, hi = batch.history, batch.history_offsets[i], batch.history_offsets[i + 1]
    history = tuple(
        Signal(
            side=SIDES[h["side"][k]],
            rule=RULES[h["rule"][k]],
            first_index=int(h["first"][k]),
            last_index=int(h["last"][k]),
        )
        for k in range(lo, hi)
    )
    verdict = Verdict(
        status=STATUSES[batch.status[i]],
        rule=RULES[batch.rule[i]],
        first_index=int(batch.first_index[i]) if batch.first_index[i] >= 0 else None,
        last_signal_index=(
            int(batch.last_signal_index[i]) if batch.last_signal_index[i] >= 0 else None
        ),
        history=history,
    )
    result = dict(
        chart=spec.chart,
        convention=spec.convention,
        points=points,
        phases=phases,
        variation=VARIATIONS[var] if var >= 0 else None,
        assurance=ASSURANCES[batch.assurance[i]],
        enough_data=bool(batch.enough_data[i]),
        points_needed=int(batch.points_needed[i]),
        baseline=int(batch.baseline[i]),
        reference_cl=_f(batch.reference_cl[i]),
        verdict=verdict,
    )
    result["periods_to_detect"] = _periods_to_detect(spec, points, phases, result)
    result["summary"] = summary(spec, points, result)
    return ChartResult(**result)


def _shift_length(spec: SeriesSpec, n_useful: int) -> int:
    if spec.convention == "anhoej":
        run = 1
        while run <= R.anhoej_longest_run_max(np.array([n_useful + run]))[0]:
            run += 1
        return run
    return spec.shift_length


def _periods_to_detect(spec, points, phases, result) -> int | None:
    """How many more periods before a change of the size the aim asks for could show.

    A rough planning figure for small sites, not a power calculation: the distance from
    the last phase's centre line to the target, in sigma units of the last point's limits,
    says which rule could first catch a sustained change of that size: a single point beyond
    three sigma (1 period), two of three beyond two sigma (``mdc``, ``ihi``: 2 periods), or
    else a run on one side of the centre line. Points still needed for a baseline are added.
    """
    if spec.target is None or spec.improvement is None or not points:
        return None
    d = 1 if spec.improvement == "up" else -1
    last = points[-1]
    if last.cl is None:
        return None
    gap = d * (spec.target - last.cl)
    if gap <= 0:
        return None
    run = _shift_length(spec, phases[-1].n_useful or 0)
    periods = run
    if last.ucl is not None and last.lcl is not None and last.ucl > last.cl:
        sigma = (last.ucl - last.cl) / K.SIGMA_LIMIT
        if gap > K.SIGMA_LIMIT * sigma:
            periods = 1
        elif gap > K.SIGMA_2 * sigma and spec.convention != "anhoej":
            periods = 2
    return result["points_needed"] + periods


# ---- plain words -------------------------------------------------------------------------


def period_unit(labels) -> tuple[str, str]:
    """'week'/'weeks' etc. from ISO date labels one period apart; 'point' otherwise (also
    used by the app to label the latest point's icon: "Latest month: common cause")."""
    import datetime as dt

    try:
        a, b = (dt.date.fromisoformat(str(x)[:10]) for x in labels[:2])
        gap = (b - a).days
    except (TypeError, ValueError, IndexError):
        return "point", "points"
    for name, lo, hi in (("day", 1, 1), ("week", 7, 7), ("month", 28, 31), ("quarter", 89, 92)):
        if lo <= gap <= hi:
            return name, name + "s"
    return "point", "points"


def _date(spec, index):
    import datetime as dt

    if spec.labels is None or index >= len(spec.labels) or spec.labels[index] is None:
        return None
    try:
        return dt.date.fromisoformat(str(spec.labels[index])[:10])
    except ValueError:
        return None


def _when(spec, index) -> str:
    """A point's label for a sentence: "May 2026" for monthly or quarterly ISO dates, "3 Mar
    2025" for daily or weekly ones, the label itself otherwise, "point 13" without labels."""
    day = _date(spec, index)
    if day is None:
        if spec.labels is not None and index < len(spec.labels) and spec.labels[index] is not None:
            return str(spec.labels[index])
        return f"point {index + 1}"
    if period_unit(spec.labels)[0] in ("month", "quarter"):
        return f"{day:%B %Y}"
    return f"{day.day} {day:%b %Y}"


def _year(spec, index) -> str:
    day = _date(spec, index)
    return str(day.year) if day is not None else f"point {index + 1}"


def _span(spec, entry) -> str:
    if entry.first_index == entry.last_index:
        return f"in {_when(spec, entry.first_index)}"
    return f"from {_when(spec, entry.first_index)} to {_when(spec, entry.last_index)}"


#: The rule that names a stretch, as a noun phrase.
RULE_PHRASES = {
    "shift": "a shift",
    "runs": "a long run on one side of the centre line",
    "trend": "a trend",
    "outside_limits": "a point beyond the limits",
    "two_of_three": "two of three points near a limit",
    "astronomical": "an astronomical point",
}

#: What the variation icon (Making Data Count's, of the latest point on the chart as drawn)
#: adds when the status does not already say it.
LATEST_WORDS = {
    "improvement": "is a signal of improvement on the chart as drawn, not yet a gain that holds",
    "concern": "is a signal of concern on the chart as drawn",
    "neutral_high": "is unusually high",
    "neutral_low": "is unusually low",
}


def _latest_six(spec, points, baseline) -> int | None:
    """Index of the first of the latest six valid, included points after the baseline."""
    excluded = set(spec.exclude)
    judged = [
        i for i in range(baseline, len(points)) if points[i].y is not None and i not in excluded
    ]
    return judged[-K.VERDICT_WINDOW] if len(judged) >= K.VERDICT_WINDOW else None


def summary(spec: SeriesSpec, points, result) -> str:
    """The plain words of the verdict: one sentence per status, then what the latest point's
    variation icon and the assurance icon add. The one place the product words a verdict
    (the app shows this text; tests/spc/test_words.py reads every status x icon pair)."""
    verdict = result["verdict"]
    one, many = period_unit(spec.labels) if spec.labels is not None else ("point", "points")
    status = verdict.status
    if status == "insufficient_data":
        have = sum(p.y is not None for p in points)
        return (
            f"Not enough data yet: {have} {one if have == 1 else many} so far, "
            f"{result['points_needed']} more needed before the chart can be read with "
            "confidence."
        )
    history = verdict.history
    deciding = next(
        (
            e
            for e in history
            if (e.first_index, e.last_index) == (verdict.first_index, verdict.last_signal_index)
        ),
        None,
    )
    named = set()  # history entries already in the text
    if status == "improved":
        e = deciding
        if e.rule in ("shift", "runs", "trend") and e.first_index != e.last_index:
            what = RULE_PHRASES[e.rule].replace(" on one side of the centre line", "")
            text = f"Improved: {what} from {_when(spec, e.first_index)} that still holds."
        else:
            since = "in" if e.first_index == e.last_index else "from"
            text = (
                f"Improved: a signal of improvement {since} {_when(spec, e.first_index)} "
                f"({RULE_PHRASES.get(e.rule, 'a special cause')}), and the gain still holds."
            )
        start = _latest_six(spec, points, result["baseline"])
        concerns = [
            c
            for c in history
            if c.side == "concern" and start is not None and c.last_index >= start
        ]
        if concerns:
            c = concerns[-1]
            named.add(c)
            text += (
                f" A signal of concern {_span(spec, c)} does not overturn it: the latest six "
                f"{many} are still clearly better than the baseline."
            )
    elif status == "deteriorated":
        named.add(deciding)
        what = RULE_PHRASES.get(deciding.rule, "a special cause")
        text = f"Deteriorated: a signal of concern {_span(spec, deciding)} ({what})."
        start = _latest_six(spec, points, result["baseline"])
        if start is not None and deciding.last_index < start:
            text = text[:-1] + (
                f", and the latest six {many} are still clearly worse than the baseline."
            )
    elif status == "not_sustained":
        text = (
            f"The {_year(spec, deciding.first_index)} improvement was not sustained: the "
            f"latest six {many} are no longer clearly better than the baseline."
        )
    elif spec.improvement is None:
        text = "No signal of change: the variation is what this process usually produces."
        if history:
            e = history[-1]
            text = (
                f"The chart moved {'higher' if e.side == 'high' else 'lower'} {_span(spec, e)}, "
                "but without a direction of improvement it cannot say whether that is better "
                "or worse."
            )
    elif history:
        e = history[-1]
        named.add(e)
        if e.side == "concern":
            text = f"A signal of concern {_span(spec, e)}, not repeated since: no change now."
        else:
            text = (
                f"A signal of improvement {_span(spec, e)} that did not hold: no lasting "
                "change from the baseline."
            )
    else:
        text = "No signal of change: the variation is what this process usually produces."

    variation = result["variation"] or "common_cause"
    kind = variation.rsplit("_", 1)[0] if not variation.startswith("neutral") else variation
    last = len(points) - 1
    said = any(e.first_index <= last <= e.last_index for e in named)
    consistent = (kind == "improvement" and status == "improved") or (
        kind == "concern" and status == "deteriorated"
    )
    if kind in LATEST_WORDS and not consistent and not said:
        text += f" The latest {one} {LATEST_WORDS[kind]}."
    assurance = result["assurance"]
    if assurance == "pass":
        text += " At this level the target will be met consistently."
    elif assurance == "fail":
        text += " At this level the target will not be met without a change to the process."
    elif assurance == "hit_or_miss":
        text += " At this level the target will be met only some of the time."
    return text
