"""A collaborative measure across its teams: the aggregate chart and the funnel plot.

- `aggregate_chart(cm)`: one chart of the whole collaborative. Each period's numerators
  and denominators are summed across the teams' series (an I chart's values, which are
  not counts, are averaged instead), weekly series rolled up to calendar months, and the
  sums charted by the statistics core with the collaborative's rules. Counts without a
  denominator (C charts, run charts of counts) are charted per reporting team, a U chart
  (or a run chart) with the number of team-periods reported as the denominator, so a
  late team makes no dip. G and T measures are combined as events per month summed
  across teams: a C chart, or a U chart where every month's exposure is recorded;
  events are never merged across teams into one "days between" series.
- Both count complete periods only (`measures.completeness`): a window ends at the
  latest complete period, and what a team entered after it is not counted.
- `funnel_for(cm, start=, end=)`: each team's rate over a window, against funnel limits
  from `measures.spc.funnel` (95% and 99.8%, adjusted for overdispersion when phi > 1,
  as Spiegelhalter 2005 and FunnelPlotR do). Proportions (P and P' charts, run charts of
  a share) compare as proportions; rates per exposure (U and U' charts) compare as ratios
  to the pooled rate (`funnel.rate_expected`) and are shown as rates again.

Both read the rows in a fixed number of queries, whatever the number of teams, and
return plain data: the core's result, a Plotly figure dict and table rows.
"""

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone

from measures import figures, spc
from measures.completeness import complete_cutoffs, cutoff_for, last_day_of
from measures.data import SeriesInput, core_chart, core_convention, scaled_by_multiplier
from measures.models import DataPoint, Measure
from measures.periods import MONTHLY, WEEKLY, period_start_for, period_starts
from measures.spc import constants as K
from measures.spc import funnel as F

# Charts whose values are not counts: a period's value across teams is their mean.
MEAN_CHARTS = ("i",)
# Counts without a denominator: charted per team-period reported (see `aggregate_chart`).
PER_TEAM_CHARTS = {"c": "u", "run": "run"}


@dataclass
class Aggregate:
    """The collaborative's chart of one measure (`result` is None when there is no data)."""

    measure: Measure
    monthly: bool  # weekly series rolled up to months
    result: spc.ChartResult | None = None  # the statistics core's result
    chart: object = None  # the same as an unsaved measures.models.ChartResult (columnar)
    figure: dict | None = None
    words: dict = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    multiplier: int = 1
    error: str = ""
    basis: str = ""  # how the teams' values were combined, in words for the chart's key
    per_team: bool = False  # counts shown per team-period reported (the denominators)
    complete_through: dt.date | None = None  # the last period counted


@dataclass(frozen=True)
class FunnelTeam:
    """One team on the funnel plot."""

    team: object
    label: str
    numerator: float
    denominator: float
    rate: float | None  # on the shown scale (per 1,000 bed days, per cent...)
    unit: F.FunnelUnit
    own: bool

    @property
    def outside(self) -> str:
        """ "above" or "below" the 99.8% limits, "above95"/"below95" outside only the 95%
        ones, or "" within them."""
        u = self.unit
        if u.value is None:
            return ""
        for level, lo, hi in (("", u.lcl998, u.ucl998), ("95", u.lcl95, u.ucl95)):
            if hi is not None and u.value > hi:
                return "above" + level
            if lo is not None and u.value < lo:
                return "below" + level
        return ""

    @property
    def outside_998(self) -> bool:
        return self.outside in ("above", "below")


@dataclass
class Funnel:
    """The funnel plot of one measure over a window (`result` None with a `reason`)."""

    measure: Measure
    start: dt.date | None
    end: dt.date | None
    data_type: str = ""  # "PR" or "SR"
    result: F.FunnelResult | None = None
    units: list[FunnelTeam] = field(default_factory=list)
    figure: dict | None = None
    reason: str = ""
    multiplier: float = 1.0  # shown value = core value (already scaled by the core)

    @property
    def outside(self) -> list[FunnelTeam]:
        return [u for u in self.units if u.outside]


# --- The aggregate chart ---------------------------------------------------------------------


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _points(cm, *, start, end, team_ids, active_only=False):
    """(team id, period, numerator, denominator) of the measure's series in the collaborative."""
    rows = DataPoint.objects.filter(
        series__team__collaborative_id=cm.collaborative_id, series__measure_id=cm.measure_id
    )
    if team_ids is not None:
        rows = rows.filter(series__team_id__in=list(team_ids))
    if active_only:
        rows = rows.filter(series__team__status="active")
    if start is not None:
        rows = rows.filter(period_start__gte=start)
    if end is not None:
        rows = rows.filter(period_start__lte=end)
    return rows.order_by("period_start").values_list(
        "series__team_id", "period_start", "numerator", "denominator"
    )


def _float(v):
    return None if v is None else float(v)


def complete_end(cm, end: dt.date | None, *, monthly: bool = False, today=None) -> dt.date:
    """The last day to count in a window ending `end` (None: open): never after the end of
    the latest complete period of the measure in its collaborative (of months, `monthly`)."""
    measure = cm.measure
    cutoffs = complete_cutoffs([cm.collaborative], today=today or timezone.localdate())
    cutoff = cutoff_for(cutoffs, cm.collaborative_id, measure.frequency, monthly=monthly)
    last = last_day_of(cutoff, MONTHLY if monthly else measure.frequency)
    return last if end is None else min(end, last)


def aggregate_chart(
    cm, *, start=None, end=None, team_ids=None, roll_up: bool = True, today=None, publish=None
) -> Aggregate:
    """The chart of the whole collaborative for `cm` (a CollaborativeMeasure).

    Steps: read every team's points in the window, up to the latest complete period
    (on `today`, by default today); roll weekly periods up to months (`roll_up`); per
    period sum the numerators and denominators (or average the values for an I chart;
    divide counts without a denominator by the team-periods reported); chart them with
    the core, under the collaborative's rules and the measure set's target. Event-dated
    measures (G and T charts) count each month's events summed across teams.

    `publish` (governance.disclosure.publisher, for a viewer outside the collaborative)
    turns each period's figures into published ones before they are charted: a
    suppressed period is left off (not shown as 0), the rest are rounded.
    """
    measure = cm.measure
    collaborative = cm.collaborative
    monthly = roll_up and measure.frequency == WEEKLY
    agg = Aggregate(measure=measure, monthly=monthly)
    chart = core_chart(measure)
    end = complete_end(cm, end, monthly=monthly or measure.is_event_dated, today=today)
    agg.complete_through = period_start_for(end, MONTHLY if monthly else measure.frequency)
    rows = list(_points(cm, start=start, end=end, team_ids=team_ids))
    if not rows:
        return agg

    teams: dict[dt.date, set] = defaultdict(set)
    num: dict[dt.date, float] = defaultdict(float)
    den: dict[dt.date, float | None] = {}
    count: dict[dt.date, int] = defaultdict(int)
    for team_id, period, n, d in rows:
        key = _month(period) if monthly or measure.is_event_dated else period
        teams[key].add(team_id)
        num[key] += float(n)
        count[key] += 1
        if d is not None:
            den[key] = (den.get(key) or 0.0) + float(d)

    n_values = None
    per_team = not scaled_by_multiplier(measure) and chart in PER_TEAM_CHARTS
    frequency = MONTHLY if monthly or measure.is_event_dated else measure.frequency
    keys = sorted(num)
    last = keys[-1]
    if measure.is_event_dated:
        # months without events count 0 up to the latest complete month, but not past the
        # collaborative's end, after which nobody records them
        last = max(last, min(end, collaborative.ends_on or end))
    periods = list(period_starts(frequency, keys[0], last))
    numerator, denominator, reporting = [], [], []
    if measure.is_event_dated:
        # Events per month, summed across teams; a month without events counts 0. The
        # exposure of a G chart's events (cases since the last one) makes a U chart only
        # when every month has some: a month without events has none recorded.
        numerator = [num.get(p, 0.0) for p in periods]
        denominator = [den.get(p) for p in periods]
        reporting = [len(teams.get(p, ())) for p in periods]
        exposed = chart == "g" and all(r[3] is not None for r in rows)
        chart = "u" if exposed and all(den.get(p) for p in periods) else "c"
        y = numerator
        n_values = denominator if chart == "u" else None
        if chart == "c":
            denominator = [None] * len(periods)
        agg.basis = (
            "Events per month, summed across the teams"
            + (" per case between events" if chart == "u" else "")
            + ", up to the latest complete month"
        )
    else:
        for p in periods:
            if p not in num:
                numerator.append(None)
                denominator.append(None)
                reporting.append(0)
                continue
            value = num[p] / count[p] if chart in MEAN_CHARTS else num[p]
            numerator.append(value)
            denominator.append(float(count[p]) if per_team else den.get(p))
            reporting.append(len(teams[p]))
        if scaled_by_multiplier(measure) or per_team:
            y, n_values = numerator, denominator
        else:
            y, n_values = numerator, None
        if per_team:
            chart = PER_TEAM_CHARTS[chart]
            agg.per_team = True
        grain = "month" if monthly or measure.frequency == MONTHLY else "period"
        agg.basis = (
            f"Every team's values averaged per {grain}"
            if chart in MEAN_CHARTS
            else f"Every team's counts summed per {grain}, divided by the team-"
            f"{'weeks' if monthly else grain + 's'} reported (so a late team makes no dip)"
            if per_team
            else f"Every team's numerators and denominators summed per {grain}"
        )

    if publish is not None:
        # In place: `y` and `n_values` are these same lists. A per-team chart's
        # denominator is a number of teams reporting, not a count to publish.
        for i, (n, d) in enumerate(zip(numerator, denominator, strict=True)):
            if n is None:
                continue
            shown_n, shown_d = publish(n, None if per_team else d)
            numerator[i] = shown_n
            if shown_n is None or not per_team:
                denominator[i] = None if shown_n is None else shown_d

    convention = core_convention(collaborative, chart)
    multiplier = measure.multiplier if scaled_by_multiplier(measure) else 1
    target = None if cm.target is None else float(cm.target) / multiplier
    improvement = None if measure.direction == Measure.Direction.NEITHER else measure.direction
    if measure.is_event_dated:
        # A count of events, not the days (or cases) between them: better is the other way,
        # and a target set on the gaps between events says nothing about the count.
        target = None
        improvement = {"up": "down", "down": "up"}.get(improvement)
    x = [p.isoformat() for p in periods]
    try:
        spec = spc.SeriesSpec(
            chart=chart,
            y=y,
            n=n_values,
            convention=convention,
            rules=(
                {"shift": collaborative.shift_length, "trend": collaborative.trend_length}
                if convention == "mdc"
                else None
            ),
            target=target,
            improvement=improvement,
            labels=x,
        )
    except ValueError as e:
        agg.error = str(e)
        return agg
    core = spc.compute_batch([spec]).result(0)
    from measures.recompute import chart_result_from

    stored = chart_result_from(
        SeriesInput(
            series_id=None,
            spec=spec,
            error="",
            x=x,
            numerator=numerator,
            denominator=denominator,
            annotations=[],
            inputs_hash="",
            multiplier=multiplier,
        ),
        core,
        None,
    )
    agg.result = core
    agg.chart = stored
    agg.multiplier = multiplier
    unit = measure.unit
    if per_team:
        unit = f"{unit or 'count'} per {'team-week' if monthly else 'team'} reported"
    elif measure.is_event_dated:
        unit = "events per month" + (" per case" if chart == "u" else "")
    agg.figure = figures.figure(
        stored, title=f"{measure.name}: the whole collaborative", unit=unit,
        multiplier=multiplier,
    )  # fmt: skip
    agg.words = figures.words(stored)
    agg.rows = figures.point_rows(stored, multiplier=multiplier)
    for row, n_teams in zip(agg.rows, reporting, strict=True):
        row["teams"] = n_teams
    return agg


# --- The funnel plot -------------------------------------------------------------------------


def funnel_data_type(measure: Measure) -> str:
    """ "PR" (proportions), "SR" (rates as ratios to the pooled rate), or "" (no funnel:
    counts and values without a denominator cannot be compared this way)."""
    if measure.chart_type in (Measure.ChartType.P, Measure.ChartType.PP):
        return "PR"
    if measure.chart_type in (Measure.ChartType.U, Measure.ChartType.UP):
        return "SR"
    if measure.chart_type == Measure.ChartType.RUN and measure.denominator_definition:
        return "PR" if measure.multiplier in (1, 100) else "SR"
    return ""


def funnel_for(
    cm,
    *,
    start=None,
    end=None,
    team_ids=None,
    labels: dict | None = None,
    highlight: int | None = None,
    adjust: str = "auto",
    today=None,
    publish=None,
) -> Funnel:
    """Each active team's rate of `cm` over [start, end], against the funnel limits; the
    window never reaches past the latest complete period (on `today`, by default today).

    `labels` maps team id to the name the viewer may see (by default the name the
    collaborative's data-sharing terms give peers: the organisation's, or "Team C");
    `highlight` is the viewer's own team, drawn apart. `publish`
    (governance.disclosure.publisher, for a viewer outside the collaborative) turns each
    team's totals over the window into published figures first: a team whose totals are
    suppressed is left off, and the limits come from the published figures.
    """
    from collaboratives.models import Team

    measure = cm.measure
    result = Funnel(measure=measure, start=start, end=end)
    data_type = funnel_data_type(measure)
    if data_type:
        end = result.end = complete_end(cm, end, today=today)
    if not data_type:
        result.reason = (
            "A funnel plot compares rates or proportions; this measure has no denominator."
        )
        return result
    result.data_type = data_type
    sums: dict[int, list[float]] = {}
    for team_id, _, n, d in _points(cm, start=start, end=end, team_ids=team_ids, active_only=True):
        if d is None:
            continue
        total = sums.setdefault(team_id, [0.0, 0.0])
        total[0] += float(n)
        total[1] += float(d)
    if publish is not None:
        shown = {t: publish(*v) for t, v in sums.items()}
        sums = {t: [n, d] for t, (n, d) in shown.items() if n is not None}
    sums = {t: v for t, v in sums.items() if v[1] > 0}
    if not sums:
        result.reason = "No team reported this measure with a denominator in this window."
        return result
    if data_type == "PR" and any(o > n for o, n in sums.values()):
        data_type = result.data_type = "SR"  # a "share" above 1 is a rate after all
    team_objs = {
        t.pk: t
        for t in Team.objects.filter(pk__in=list(sums)).select_related(
            "organisation", "collaborative"
        )
    }
    # In pseudonym order: an order by real name would help tell who "Team C" is.
    ids = sorted(sums, key=lambda t: (team_objs[t].pseudonym, t))
    o = np.array([sums[t][0] for t in ids])
    n = np.array([sums[t][1] for t in ids])
    k = measure.multiplier
    if data_type == "PR":
        res = F.funnel(o, n, ids=ids, data_type="PR", multiplier=k, adjust=adjust)
        result.multiplier = k
    else:
        pooled = o.sum() / n.sum()
        if pooled <= 0:
            result.reason = "No team had any events in this window, so there is no rate to compare."
            return result
        expected = F.rate_expected(o, n)
        res = F.funnel(
            o, expected, ids=ids, data_type="SR", multiplier=float(pooled * k), adjust=adjust
        )
        result.multiplier = float(pooled * k)
    result.result = res
    for team_id, unit, oi, ni in zip(ids, res.units, o, n, strict=True):
        team = team_objs[team_id]
        label = (labels or {}).get(team_id) or team.name_for_peers()
        result.units.append(
            FunnelTeam(
                team=team,
                label=label,
                numerator=float(oi),
                denominator=float(ni),
                rate=unit.value,
                unit=unit,
                own=team_id == highlight,
            )
        )
    result.figure = funnel_figure(result)
    return result


def limit_curves(funnel: Funnel, xs) -> dict[str, list[float | None]]:
    """The drawn limits along denominators `xs` (shown scale), by the same formulas as
    `measures.spc.funnel`: for each x the limits a team of that size would have."""
    from scipy.stats import chi2, norm

    res = funnel.result
    xs = np.asarray(xs, dtype=float)
    k = funnel.multiplier
    out = {}
    z = {"95": float(norm.ppf(1 - (1 - K.FUNNEL_LEVELS[0]) / 2)),
         "998": float(norm.ppf(1 - (1 - K.FUNNEL_LEVELS[1]) / 2))}  # fmt: skip
    if funnel.data_type == "PR":
        centre = math.asin(math.sqrt(res.target / k))
        s = 1 / (2 * np.sqrt(xs))
        sd = np.sqrt(s**2 + (res.tau2 if res.adjusted else 0.0))
        for level, zq in z.items():
            out["lcl" + level] = np.sin(np.clip(centre - zq * sd, 0, math.pi / 2)) ** 2 * k
            out["ucl" + level] = np.sin(np.clip(centre + zq * sd, 0, math.pi / 2)) ** 2 * k
    else:
        # rates: the expected events of a team with exposure x are pooled rate * x
        e = xs * (k / funnel.measure.multiplier)
        if res.adjusted:
            sd = np.sqrt(1 / e + res.tau2)
            for level, zq in z.items():
                out["lcl" + level] = np.exp(-zq * sd) * k
                out["ucl" + level] = np.exp(zq * sd) * k
        else:
            for level, (lo, hi) in (("95", (0.025, 0.975)), ("998", (0.001, 0.999))):
                out["lcl" + level] = chi2.ppf(lo, 2 * e) / 2 / e * k
                out["ucl" + level] = chi2.ppf(hi, 2 * (e + 1)) / 2 / e * k
    return {
        name: [float(v) if math.isfinite(v) else None for v in values]
        for name, values in out.items()
    }


INNER, OUTER, OWN = figures.GREY, figures.INK, figures.BLUE


def funnel_figure(funnel: Funnel) -> dict:
    """Teams as points (the viewer's own team highlighted and named), the 95% and 99.8%
    limits as lines along the denominator, and the collaborative's overall rate."""
    res = funnel.result
    measure = funnel.measure
    dens = [u.denominator for u in funnel.units]
    lo, hi = min(dens), max(dens)
    first = max(lo * 0.8, 1e-9)
    last = hi * 1.1 if hi > first else first * 2
    xs = list(np.geomspace(first, last, 80))
    curves = limit_curves(funnel, xs)
    x_title = measure.denominator_definition or "Denominator"
    data = []
    for name, level, dash, colour in (
        ("99.8% limits", "998", "dash", OUTER),
        ("95% limits", "95", "dot", INNER),
    ):
        for side in ("lcl", "ucl"):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": name,
                    "legendgroup": level,
                    "showlegend": side == "ucl",
                    "x": [round(x, 4) for x in xs],
                    "y": [None if v is None else round(v, 6) for v in curves[side + level]],
                    "line": {"color": colour, "width": 1.5, "dash": dash},
                    "hoverinfo": "skip",
                }
            )
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Collaborative overall",
            "x": [round(first, 4), round(last, 4)],
            "y": [round(res.target, 6)] * 2,
            "line": {"color": figures.RED, "width": 1.5},
            "hovertemplate": f"Collaborative overall: {figures._fmt(res.target)}<extra></extra>",
        }
    )
    others = [u for u in funnel.units if not u.own]
    own = [u for u in funnel.units if u.own]
    for name, units, colour, size in (
        ("Teams", others, figures.GREY, 9),
        ("Your team", own, OWN, 14),
    ):
        if not units:
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text" if name == "Your team" else "markers",
                "name": name,
                "x": [u.denominator for u in units],
                "y": [None if u.rate is None else round(u.rate, 6) for u in units],
                "text": [u.label for u in units],
                "textposition": "top center",
                "marker": {
                    "size": size,
                    "color": [figures.ORANGE if u.outside_998 else colour for u in units],
                    "line": {"width": 2, "color": colour},
                    "symbol": "diamond" if name == "Your team" else "circle",
                },
                "hovertemplate": "%{text}: <b>%{y}</b> (%{x} "
                + x_title.lower()
                + ")<extra></extra>",
            }
        )
    layout = {
        "meta": {"title": f"{measure.name}: funnel plot"},
        "font": {"family": "Frutiger W01, Arial, sans-serif", "color": figures.INK, "size": 13},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 50, "r": 16, "t": 40, "b": 50},
        "showlegend": True,
        # above the plot, where it cannot run into the axis title on a phone
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "hovermode": "closest",
        "xaxis": {
            "title": {"text": x_title},
            "type": "log" if last / first > 20 else "linear",
            "showgrid": False,
            "linecolor": figures.GREY,
            "ticks": "outside",
        },  # fmt: skip
        "yaxis": {
            "title": {"text": measure.unit or "Value"},
            "gridcolor": "#e8edee",
            "zeroline": False,
        },  # fmt: skip
    }
    return {"data": data, "layout": layout}
