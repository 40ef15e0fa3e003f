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
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Max
from django.utils import timezone

from governance import disclosure
from measures import figures, spc
from measures.completeness import complete_cutoffs, cutoff_for, last_day_of
from measures.data import SeriesInput, core_chart, core_convention, scaled_by_multiplier
from measures.models import DataPoint, Measure
from measures.numbers import number_text
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
    # the statistics core's result: of the published figures when published, so its own
    # verdict is not the one to show; `chart`'s is (see `aggregate_chart`)
    result: spc.ChartResult | None = None
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
    """One team on the funnel plot.

    On a disclosed funnel (`Funnel.disclosed`) of a measure that counts people, the
    numerator and denominator are the published (rounded) figures; a team whose figures
    are withheld is `suppressed`: no figures, no `unit`, and no point on the plot.
    """

    team: object
    label: str
    numerator: float | None
    denominator: float | None
    rate: float | None  # on the shown scale (per 1,000 bed days, per cent...)
    unit: F.FunnelUnit | None
    own: bool
    suppressed: bool = False

    @property
    def outside(self) -> str:
        """ "above" or "below" the 99.8% limits, "above95"/"below95" outside only the 95%
        ones, or "" within them."""
        u = self.unit
        if u is None or u.value is None:
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
    # Computed from the published figures (governance.disclosure.publisher)
    disclosed: bool = False
    symbol: str = "*"  # how a withheld figure is shown
    x_title: str = ""  # what the x-axis measures: "Term live births over the 12 months ..."

    @property
    def outside(self) -> list[FunnelTeam]:
        return [u for u in self.units if u.outside]

    @property
    def plotted(self) -> list[FunnelTeam]:
        """The teams drawn as points: all but those whose figures are withheld."""
        return [u for u in self.units if not u.suppressed]

    @property
    def own(self) -> FunnelTeam | None:
        return next((u for u in self.units if u.own), None)


# --- The aggregate chart ---------------------------------------------------------------------


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


def complete_end(
    cm, end: dt.date | None, *, monthly: bool = False, today=None, cutoffs: dict | None = None
) -> dt.date:
    """The last day to count in a window ending `end` (None: open): never after the end of
    the latest complete period of the measure in its collaborative (of months, `monthly`).

    `cutoffs`: `complete_cutoffs` on the same `today` for a list of collaboratives that
    holds this one, read once by a caller that charts many measures (the contract review);
    by default they are read here."""
    measure = cm.measure
    if cutoffs is None:
        cutoffs = complete_cutoffs([cm.collaborative], today=today or timezone.localdate())
    cutoff = cutoff_for(cutoffs, cm.collaborative_id, measure.frequency, monthly=monthly)
    last = last_day_of(cutoff, MONTHLY if monthly else measure.frequency)
    return last if end is None else min(end, last)


def aggregate_chart(
    cm,
    *,
    start=None,
    end=None,
    team_ids=None,
    roll_up: bool = True,
    today=None,
    publish=None,
    cutoffs: dict | None = None,
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
    suppressed period is left off (not shown as 0), the rest are rounded. The verdict (the
    chart's status, words and icons) is still worked out on the raw pooled figures and
    carried over (`disclosure.carry_verdict`), so every viewer reads the same one.

    `cutoffs`: the complete periods on `today` (`complete_end`), when the caller has them.
    """
    measure = cm.measure
    collaborative = cm.collaborative
    monthly = roll_up and measure.frequency == WEEKLY
    agg = Aggregate(measure=measure, monthly=monthly)
    chart = core_chart(measure)
    end = complete_end(
        cm, end, monthly=monthly or measure.is_event_dated, today=today, cutoffs=cutoffs
    )
    agg.complete_through = period_start_for(end, MONTHLY if monthly else measure.frequency)
    rows = list(_points(cm, start=start, end=end, team_ids=team_ids))
    if not rows:
        return agg

    teams: dict[dt.date, set] = defaultdict(set)
    num: dict[dt.date, float] = defaultdict(float)
    den: dict[dt.date, float | None] = {}
    count: dict[dt.date, int] = defaultdict(int)
    # Each point's period, or the month that holds it: one key per distinct period, not one
    # `date.replace` per point (a contract review reads 300,000 points here).
    month_of = (
        {p: p.replace(day=1) for p in {r[1] for r in rows}}
        if monthly or measure.is_event_dated
        else None
    )
    for team_id, period, n, d in rows:
        key = period if month_of is None else month_of[period]
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

    raw = None  # the pooled figures before they are published: the verdict's (issue 14)
    if publish is not None:
        raw = list(numerator), list(denominator)
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
    direction = cm.improvement_direction
    improvement = None if direction == Measure.Direction.NEITHER else direction
    if measure.is_event_dated:
        # A count of events, not the days (or cases) between them: better is the other way,
        # and a target set on the gaps between events says nothing about the count.
        target = None
        improvement = {"up": "down", "down": "up"}.get(improvement)
    x = [p.isoformat() for p in periods]

    def spec_of(y, n):
        return spc.SeriesSpec(
            chart=chart,
            y=y,
            n=n,
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

    from measures.recompute import chart_result_from

    def stored_of(spec, core, numerator, denominator):
        return chart_result_from(
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

    try:
        specs = [spec_of(y, n_values)]
        if raw is not None:
            specs.append(spec_of(raw[0], None if n_values is None else raw[1]))
    except ValueError as e:
        agg.error = str(e)
        return agg
    batch = spc.compute_batch(specs)
    core = batch.result(0)
    stored = stored_of(specs[0], core, numerator, denominator)
    if raw is not None:
        # Drawn from the published figures, the chart still says the verdict worked out on
        # the raw ones, as every viewer inside reads it: disclosure changes how counts are
        # shown, never what the verdict says (issue 14).
        disclosure.carry_verdict(stored, stored_of(specs[1], batch.result(1), *raw))
    agg.result = core
    agg.chart = stored
    agg.multiplier = multiplier
    unit = measure.unit
    if per_team:
        unit = f"{unit or 'count'} per {'team-week' if monthly else 'team'} reported"
    elif measure.is_event_dated:
        unit = "events per month" + (" per case" if chart == "u" else "")
    agg.figure = figures.served(
        stored, disclosure.ChartView(published=publish is not None),
        title=f"{measure.name}: the whole collaborative", unit=unit, multiplier=multiplier,
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
    kind = measure.chart_kind
    if kind.is_proportion:
        return "PR"
    if kind.is_ratio:
        return "SR"
    if kind == spc.ChartKind.RUN and measure.denominator_definition:
        return "PR" if measure.multiplier in (1, 100) else "SR"
    return ""


def funnel_teams(**lookup) -> dict:
    """Teams by id with what a funnel shows of them: the organisation's name and the
    collaborative's naming default (`Team.name_for_peers`), and the pseudonym it sorts by.
    `funnel_teams(collaborative_id=c)`: every team of a collaborative, read once by a caller
    drawing several of its measures' funnels (`funnel_for(..., teams=)`)."""
    from collaboratives.models import Team

    return {
        t.pk: t
        for t in Team.objects.filter(**lookup).select_related("organisation", "collaborative")
    }


def funnel_for(
    cm,
    *,
    start=None,
    end=None,
    team_ids=None,
    labels: dict | None = None,
    highlight: int | None = None,
    adjust: str = "auto",
    publish=None,
    figure: bool = True,
    today=None,
    end_complete: bool = False,
    cutoffs: dict | None = None,
    teams: dict | None = None,
) -> Funnel:
    """Each active team's rate of `cm` over [start, end], against the funnel limits; the
    window never reaches past the latest complete period (on `today`, by default today).

    `labels` maps team id to the name the viewer may see (by default the name the
    collaborative's data-sharing terms give peers: the organisation's, or "Team C");
    `highlight` is the viewer's own team, drawn apart.

    `publish` (`governance.disclosure.publisher`, for a funnel shown outside the
    collaborative: the contract review, a viewer outside its sharing terms) turns each
    team's totals over the window into published figures first (1 to 7 withheld, others
    rounded to 5), and the limits come from those; a team whose figures are withheld is
    listed but neither plotted nor counted in the limits: its position would give its
    numerator away.
    `figure=False` leaves out the Plotly figure (for words about a team's place alone).
    `end_complete`: `end` is already no later than the latest complete period (the
    dashboards' `window_dates` cuts it there), so the cut is not read a second time.
    `cutoffs`: the complete periods on `today` (`complete_end`), when the caller has them.
    `teams`: the collaborative's teams by id (`funnel_teams`), when the caller draws several
    measures' funnels of it; should a team to list be missing from them, the teams are read
    here as without them.
    """
    from governance import disclosure

    measure = cm.measure
    result = Funnel(measure=measure, start=start, end=end, disclosed=publish is not None)
    result.symbol = disclosure.rules().symbol
    data_type = funnel_data_type(measure)
    if data_type and not (end_complete and end is not None):
        end = result.end = complete_end(cm, end, today=today, cutoffs=cutoffs)
    result.x_title = funnel_x_title(measure, start, end)
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
    sums = {t: v for t, v in sums.items() if v[1] > 0}
    if not sums:
        result.reason = "No team reported this measure with a denominator in this window."
        return result
    withheld: list[int] = []
    if publish is not None:
        published = {}
        for t, (o_t, n_t) in sums.items():
            o_r, n_r = publish(o_t, n_t)
            if o_r is None or n_r is None:
                withheld.append(t)
            else:
                published[t] = [float(o_r), float(n_r)]
        sums = published
    if data_type == "PR" and any(o > n for o, n in sums.values()):
        data_type = result.data_type = "SR"  # a "share" above 1 is a rate after all
    wanted = [*sums, *withheld]
    if teams is None or any(t not in teams for t in wanted):
        teams = funnel_teams(pk__in=wanted)
    team_objs = teams
    for team_id in sorted(withheld, key=lambda t: (team_objs[t].pseudonym, t)):
        team = team_objs[team_id]
        result.units.append(
            FunnelTeam(
                team=team,
                label=(labels or {}).get(team_id) or team.name_for_peers(),
                numerator=None,
                denominator=None,
                rate=None,
                unit=None,
                own=team_id == highlight,
                suppressed=True,
            )
        )
    if not sums:
        result.reason = (
            "Every team's figures are too small to publish in this window, so there is no "
            "funnel plot to show."
        )
        return result
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
    shown = []
    for team_id, unit, oi, ni in zip(ids, res.units, o, n, strict=True):
        team = team_objs[team_id]
        label = (labels or {}).get(team_id) or team.name_for_peers()
        shown.append(
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
    # Plotted teams first, in pseudonym order; the withheld ones after them.
    result.units = shown + result.units
    result.figure = funnel_figure(result) if figure else None
    return result


# The end of a denominator's definition that says over which period it is counted; the
# funnel's window replaces it on the x-axis ("Term live births in the month." becomes
# "Term live births over the 12 months to Nov 2026").
_PERIOD_WORDS = re.compile(
    r"[,;]?\s*\b(in|during|that|each|per|on|over|for)\s+(the\s+|that\s+|a\s+)?"
    r"(month|week|audit day|day|quarter|year|period)\b.*$",
    re.IGNORECASE,
)


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def funnel_x_title(measure: Measure, start: dt.date | None, end: dt.date | None) -> str:
    """What the funnel's x-axis measures: the measure's denominator, summed over the window.

    The denominator's definition without its own period ("Term live births in the month.")
    and without any explanation in brackets, then the window: "over the 12 months to Nov
    2026", "in Nov 2026" for one month, or "over every period reported to ..." for no start.
    """
    text = (measure.denominator_definition or "").strip()
    text = re.split(r"(?<=[a-z)])\.\s", text, maxsplit=1)[0].rstrip(". ")
    text = re.sub(r"\s*\([^)]*\)", "", text)
    text = _PERIOD_WORDS.sub("", text).strip(" ,;")
    if not text:
        text = "Denominator"
    if end is None:
        return text
    if start is None:
        return f"{text} over every period reported to {end:%b %Y}"
    months = _months_between(start, end)
    if months == 1:
        return f"{text} in {end:%b %Y}"
    return f"{text} over the {months} months to {end:%b %Y}"


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

# The plot area the labels are placed for, in pixels: a narrow page's (the figure is
# responsive; on a wider page points only move apart, so labels placed here stay clear).
FUNNEL_HEIGHT = 420
FUNNEL_MARGIN = {"l": 56, "r": 16, "t": 48, "b": 56}
LABEL_AREA = (420, FUNNEL_HEIGHT - FUNNEL_MARGIN["t"] - FUNNEL_MARGIN["b"])
LABEL_FONT = 11  # px; a character is about 0.6 of it wide in Arial
OWN_LABEL_FONT = 13
# Names on the plot are cut to this many characters (the hover text and the table have
# them whole): an organisation's full name would not fit beside a point on a phone.
LABEL_CHARS = 24
PEER_REACH = (1.0, 2.0, 3.0)
MARKER_CLEARANCE = 6  # px: a label keeps this far from every other team's point


def funnel_y_range(funnel: Funnel, curves: dict) -> list[float]:
    """The y-axis range: every point, the overall rate and the 95% limits, and the 99.8%
    limits but not their blow-up at the smallest denominators."""
    rates = [u.rate for u in funnel.plotted if u.rate is not None] + [funnel.result.target]
    inner = [v for v in curves["lcl95"] + curves["ucl95"] if v is not None]
    outer = sorted(v for v in curves["lcl998"] + curves["ucl998"] if v is not None)
    lo = min(rates + ([min(inner)] if inner else []))
    hi = max(rates + ([max(inner)] if inner else []))
    if outer:
        lo = min(lo, outer[len(outer) // 10])
        hi = max(hi, outer[-(len(outer) // 10) - 1])
    pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
    lo = max(lo - pad, 0.0) if lo >= 0 else lo - pad
    return [lo, hi + pad]


def short_label(label: str, limit: int = LABEL_CHARS) -> str:
    """A team's name as printed beside its point: cut at a word with an ellipsis."""
    if len(label) <= limit:
        return label
    cut = label[: limit - 1].rsplit(" ", 1)[0] if " " in label[: limit - 1] else label[: limit - 1]
    return cut.rstrip(" ,–-") + "…"


def _text_size(text: str, font: float) -> tuple[float, float]:
    return (len(text) * font * 0.6 + 6, font + 4)


def funnel_labels(funnel: Funnel, x_range, y_range, xlog: bool) -> list[dict]:
    """Plotly annotations naming every plotted team beside its point, placed by
    `measures.labels.place_labels` so that no name is printed over another team's point:
    the viewer's own team first (bold, with a leader line when it had to move out), then the
    teams outside the limits, then the rest."""
    from measures.labels import place_labels

    units = funnel.plotted
    width, height = LABEL_AREA

    def px(u):
        x = math.log10(u.denominator) if xlog else u.denominator
        a, b = (math.log10(v) for v in x_range) if xlog else x_range
        y = (u.rate - y_range[0]) / (y_range[1] - y_range[0])
        return ((x - a) / (b - a) * width, y * height)

    drawn = [u for u in units if u.rate is not None and u.denominator]
    points = [px(u) for u in drawn]
    fonts = [OWN_LABEL_FONT if u.own else LABEL_FONT for u in drawn]
    texts = [short_label(u.label) for u in drawn]
    sizes = [_text_size(t, f) for t, f in zip(texts, fonts, strict=True)]
    order = sorted(range(len(drawn)), key=lambda i: (not drawn[i].own, not drawn[i].outside, i))
    placed = place_labels(
        points,
        sizes,
        bounds=(0, 0, width, height),
        clearance=MARKER_CLEARANCE,
        gap=8,
        order=order,
        # a peer's name stays near its point (a long leader line across the plot confuses
        # more than it helps: its hover text and the table name it); one's own may go further
        reaches=[None if u.own else PEER_REACH for u in drawn],
    )
    annotations = []
    for u, text, spot, font in zip(drawn, texts, placed, fonts, strict=True):
        if spot is None:
            continue
        x = math.log10(u.denominator) if xlog else u.denominator
        note = {
            "x": x,
            "y": u.rate,
            "xref": "x",
            "yref": "y",
            "text": _escape(text),
            # bold by the font's weight, not Plotly's <b> (drawn as an inline style attribute,
            # which the content security policy refuses)
            "font": {"size": font, "color": OWN if u.own else figures.INK}
            | ({"weight": "bold"} if u.own else {}),
            # the box's centre at the offset place_labels chose
            "xanchor": "center",
            "yanchor": "middle",
            "bgcolor": "rgba(255,255,255,0.85)",
            "captureevents": False,
        }
        if spot.leader:
            # a line from the point to the label, which sits clear of every other point
            note.update(
                showarrow=True, arrowhead=0, arrowwidth=1, arrowcolor=figures.GREY,
                ax=round(spot.dx), ay=round(-spot.dy), standoff=5,
            )  # fmt: skip
        else:
            note.update(showarrow=False, xshift=round(spot.dx), yshift=round(spot.dy))
        annotations.append(note)
    return annotations


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def funnel_figure(funnel: Funnel) -> dict:
    """Teams as points, each named beside it (the viewer's own team highlighted, its name
    never over another point), the 95% and 99.8% limits as lines along the denominator,
    and the collaborative's overall rate. A team whose figures are withheld is not drawn.
    The legend says "Your team" only to a viewer whose team is on the plot."""
    res = funnel.result
    measure = funnel.measure
    plotted = funnel.plotted
    dens = [u.denominator for u in plotted]
    lo, hi = min(dens), max(dens)
    first = max(lo * 0.8, 1e-9)
    last = hi * 1.1 if hi > first else first * 2
    xs = list(np.geomspace(first, last, 80))
    curves = limit_curves(funnel, xs)
    x_title = funnel.x_title or measure.denominator_definition or "Denominator"
    xlog = last / first > 20
    y_range = funnel_y_range(funnel, curves)
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
            "hovertemplate": f"Collaborative overall: {number_text(res.target)}<extra></extra>",
        }
    )
    others = [u for u in plotted if not u.own]
    own = [u for u in plotted if u.own]
    for name, units, colour, size in (
        ("Teams", others, figures.GREY, 9),
        ("Your team", own, OWN, 14),
    ):
        if not units:
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": name,
                "x": [u.denominator for u in units],
                "y": [None if u.rate is None else round(u.rate, 6) for u in units],
                "text": [figures.plain(u.label) for u in units],
                "marker": {
                    "size": size,
                    "color": [figures.ORANGE if u.outside_998 else colour for u in units],
                    "line": {"width": 2, "color": colour},
                    "symbol": "diamond" if name == "Your team" else "circle",
                },
                "hovertemplate": "%{text}: <b>%{y}</b> (%{x} "
                + _escape(x_title[:1].lower() + x_title[1:])
                + ")<extra></extra>",
            }
        )
    x_range = [first, last]
    layout = {
        "meta": {"title": f"{measure.name}: funnel plot"},
        "font": {"family": "Frutiger W01, Arial, sans-serif", "color": figures.INK, "size": 13},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "height": FUNNEL_HEIGHT,
        "margin": dict(FUNNEL_MARGIN),
        "showlegend": True,
        # above the plot, where it cannot run into the axis title on a phone
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "hovermode": "closest",
        "xaxis": {
            "title": {"text": figures.plain(x_title)},
            "type": "log" if xlog else "linear",
            "range": [math.log10(v) for v in x_range] if xlog else x_range,
            "showgrid": False,
            "linecolor": figures.GREY,
            "ticks": "outside",
        },  # fmt: skip
        "yaxis": {
            "title": {"text": figures.plain(measure.unit) or "Value"},
            "range": y_range,
            "gridcolor": "#e8edee",
            "zeroline": False,
        },  # fmt: skip
        "annotations": funnel_labels(funnel, x_range, y_range, xlog),
    }
    return {"data": data, "layout": layout}


# --- The funnel's window ----------------------------------------------------------------------

WINDOWS = {"3": "3 months", "6": "6 months", "12": "12 months", "24": "24 months", "all": "All"}
DEFAULT_WINDOW = "12"


def _month_shift(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def newest_periods(collaborative_id: int, measure_ids: Iterable[int]) -> dict[int, dt.date]:
    """{measure id: the newest period any team of the collaborative reported}, in one query;
    a measure nobody has reported is left out. What `window_dates` counts back from."""
    return dict(
        DataPoint.objects.filter(
            series__team__collaborative_id=collaborative_id,
            series__measure_id__in=list(measure_ids),
        )
        .values("series__measure_id")
        .annotate(last=Max("period_start"))
        .values_list("series__measure_id", "last")
        .order_by()
    )


def window_dates(
    cm, window: str, *, cutoffs: dict | None = None, newest: dict | None = None
) -> tuple[dt.date | None, dt.date | None]:
    """The window's first and last period: `window` months back from the newest period any
    team reported (so a window never starts in a month nobody could have reported), but
    never past the latest complete period (a period one team has entered early is left out).

    `cutoffs`: the complete periods on today (`complete_end`), and `newest`: the newest
    periods (`newest_periods`, holding this measure's if it has one), when the caller has
    them for several measures."""
    if newest is None:
        newest = newest_periods(cm.collaborative_id, [cm.measure_id])
    last = newest.get(cm.measure_id)
    if last is not None:
        frequency = cm.measure.frequency
        last = min(last, period_start_for(complete_end(cm, None, cutoffs=cutoffs), frequency))
    if last is None or window == "all":
        return None, last
    return _month_shift(last.replace(day=1), int(window) - 1), last
