"""One function per chart type, and the frozen dataclasses they return.

``run_chart``, ``i_chart``, ``p_chart``, ``pp_chart``, ``u_chart``, ``up_chart``, ``c_chart``,
``g_chart`` and ``t_chart`` take plain sequences and return a ``ChartResult``; ``chart`` takes
the chart type as an argument. All go through the same array engine as ``compute_batch``, so
a series computed alone and in a batch of thousands gives the same numbers.
"""

import math
from dataclasses import asdict, dataclass

import numpy as np

from . import constants as K
from . import rules as R
from .batch import BatchResult, compute_batch
from .spec import ASSURANCES, POINT_TYPES, RULES, STATUSES, VARIATIONS, SeriesSpec


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
class Verdict:
    status: str  # improved, deteriorated, none, insufficient_data
    rule: str | None
    first_index: int | None


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


def materialise(batch: BatchResult, i: int) -> ChartResult:
    g, j = batch.where[i]
    res, _ = batch.groups[g]
    spec = res["specs"][j]
    lay = res["layout"]
    a, b = lay.offsets[j], lay.offsets[j + 1]
    cols = [res[k][a:b] for k in ("value", "cl", "lcl", "ucl", "lcl_2s", "ucl_2s", "mr")]
    points = tuple(
        Point(
            y=_f(cols[0][r]),
            cl=_f(cols[1][r]),
            lcl=_f(cols[2][r]),
            ucl=_f(cols[3][r]),
            lcl_2s=_f(cols[4][r]),
            ucl_2s=_f(cols[5][r]),
            mr=_f(cols[6][r]),
            special_cause=bool(res["special"][a + r]),
            point_type=POINT_TYPES[res["point_type"][a + r]],
            phase=int(lay.phase[a + r]),
            baseline=bool(res["baseline"][a + r]),
            rule=RULES[res["rule"][a + r]],
        )
        for r in range(b - a)
    )
    segs = np.flatnonzero(lay.seg_sid == j)
    ph = res["phase"]
    phases = tuple(
        Phase(
            start=int(lay.seg_start[s] - a),
            end=int(lay.seg_end[s] - a),
            cl=_f(res["phase_cl"][s]),
            mr_cl=_f(res["phase_mr_cl"][s]),
            mr_ucl=_f(res["phase_mr_ucl"][s]),
            **{k: _i(ph[k][s]) for k in PHASE_INTS},
            **{k: _b(ph[k][s]) for k in PHASE_BOOLS},
        )
        for s in segs
    )
    var = int(batch.variation[i])
    verdict = Verdict(
        status=STATUSES[batch.status[i]],
        rule=RULES[batch.rule[i]],
        first_index=int(batch.first_index[i]) if batch.first_index[i] >= 0 else None,
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


def _unit(labels) -> tuple[str, str]:
    """'week'/'weeks' etc. from ISO date labels one period apart; 'point' otherwise."""
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


def _label(spec, index) -> str:
    """A point's label for a sentence: ISO dates read as "3 Mar 2025"."""
    import datetime as dt

    if spec.labels is not None and index < len(spec.labels) and spec.labels[index] is not None:
        label = str(spec.labels[index])
        try:
            day = dt.date.fromisoformat(label)
        except ValueError:
            return label
        return f"{day.day} {day:%b %Y}"
    return f"point {index + 1}"


def summary(spec: SeriesSpec, points, result) -> str:
    """One sentence for a non-statistician, from the verdict and the chart."""
    verdict = result["verdict"]
    one, many = _unit(spec.labels) if spec.labels is not None else ("point", "points")
    centre = {"run": "median", "g": "median"}.get(spec.chart, "mean")
    if spec.chart in ("p", "pp", "u", "up", "c", "t"):
        centre = "centre line"
    if verdict.status == "insufficient_data":
        have = sum(p.y is not None for p in points)
        return (
            f"Not enough data yet: {have} {one if have == 1 else many} so far, "
            f"{result['points_needed']} more needed before the chart can be read with "
            "confidence."
        )
    if verdict.status in ("improved", "deteriorated"):
        i = verdict.first_index
        since = _label(spec, i)
        way = "improvement" if verdict.status == "improved" else "deterioration"
        rule = verdict.rule
        later = [p for p in points[i:] if p.rule == rule or rule == "runs"]
        if rule in ("shift", "runs"):
            # The verdict judges against the baseline's centre line (phase 0), which a later
            # phase may have moved away from: count the run against the baseline's.
            centre_line = next((p.cl for p in points if p.cl is not None), points[i].cl)
            above = points[i].y is not None and points[i].y > centre_line
            where = "above" if above else "below"
            count = _run_length(points, i, centre_line)
            return (
                f"{count} {many} in a row {where} the {centre} since {since}: "
                f"a shift in the direction of {way}."
            )
        if rule == "trend":
            count = _trend_length(points, i)
            rising = count > 1 and _next_value(points, i) > points[i].y
            return (
                f"{count} {many} in a row {'rising' if rising else 'falling'} from {since}: "
                f"a trend in the direction of {way}."
            )
        if rule == "outside_limits":
            high = points[i].ucl is not None and points[i].y > points[i].ucl
            extra = f" ({len(later)} such points so far)" if len(later) > 1 else ""
            return (
                f"{since} is {'above the upper' if high else 'below the lower'} limit{extra}: "
                f"a signal of {way}."
            )
        if rule == "two_of_three":
            return f"Two of three {many} near a limit at {since}: an early signal of {way}."
        return f"A special cause since {since}: a signal of {way}."
    text = "No signal of change: the variation is what this process usually produces."
    if spec.improvement is None and any(p.special_cause for p in points):
        text = (
            "There are special causes on the chart, but without a direction of improvement "
            "the chart cannot say whether things got better or worse."
        )
    assurance = result["assurance"]
    if assurance == "pass":
        text += " At this level the target will be met consistently."
    elif assurance == "fail":
        text += " At this level the target will not be met without a change to the process."
    elif assurance == "hit_or_miss":
        text += " At this level the target will be met only some of the time."
    return text


def _run_length(points, i, centre_line) -> int:
    side = points[i].y > centre_line
    count = 0
    for p in points[i:]:
        if p.y is None or p.y == centre_line:
            continue
        if (p.y > centre_line) != side:
            break
        count += 1
    return count


def _next_value(points, i):
    for p in points[i + 1 :]:
        if p.y is not None and p.y != points[i].y:
            return p.y
    return points[i].y


def _trend_length(points, i) -> int:
    count = 0
    for p in points[i:]:
        if p.rule != "trend" and count:
            break
        count += p.rule == "trend"
    return max(count, 1)


# ---- the front doors ---------------------------------------------------------------------


def chart(chart_type: str, y, n=None, **options) -> ChartResult:
    """Compute one chart. ``options`` are ``SeriesSpec`` fields (freeze, breaks, exclude,
    astronomical, convention, rules, target, improvement, labels)."""
    return compute_batch([SeriesSpec(chart=chart_type, y=y, n=n, **options)]).result(0)


def run_chart(y, n=None, **options) -> ChartResult:
    """Run chart: median centre line; Anhoej's or the IHI run chart rules."""
    options.setdefault("convention", "ihi")
    return chart("run", y, n, **options)


def i_chart(y, **options) -> ChartResult:
    """I (XmR) chart: mean, limits from the screened average moving range."""
    return chart("i", y, None, **options)


def p_chart(y, n, **options) -> ChartResult:
    """P chart: proportions y / n, limits from each point's own denominator."""
    return chart("p", y, n, **options)


def pp_chart(y, n, **options) -> ChartResult:
    """Laney's P' chart: P chart limits widened by the moving range of z-scores."""
    return chart("pp", y, n, **options)


def u_chart(y, n, **options) -> ChartResult:
    """U chart: rates y / n per unit of exposure, limits from each point's exposure."""
    return chart("u", y, n, **options)


def up_chart(y, n, **options) -> ChartResult:
    """Laney's U' chart."""
    return chart("up", y, n, **options)


def c_chart(y, **options) -> ChartResult:
    """C chart: counts, limits mean +/- 3 sqrt(mean)."""
    return chart("c", y, None, **options)


def g_chart(y, **options) -> ChartResult:
    """G chart: opportunities (or days) between rare events; median centre, mean limits."""
    return chart("g", y, None, **options)


def t_chart(y, **options) -> ChartResult:
    """T chart: time between rare events, an I chart of y ** (1 / 3.6) transformed back."""
    return chart("t", y, None, **options)
