"""Small-number rules for figures that leave a collaborative.

A count of people, or of events that happen to patients, shown outside its collaborative
(to national viewers and partner AHSNs on any page, export or partial, the portfolio and
national pages, the contract-review report) follows NHS
Digital's disclosure-control method for sub-national figures, the one used on its secondary
care datasets (Hospital Episode Statistics) and since 2019-20 on its other statistics:

- a count of 0 is shown as 0;
- a count from 1 to 7 is shown as ``*``;
- every other count is rounded to the nearest 5;
- a percentage (or rate) is worked out from the rounded numerator and denominator, and is
  ``*`` when either of them is;
- national totals need no control (not used here: every figure we show is sub-national).

Source: NHS Digital, "Changes to the Sexual and Reproductive Health Activity Dataset
(SRHAD) disclosure control methodology for 2019-20", section "Counts below national
level", which adopts the secondary-care method unchanged
(https://digital.nhs.uk/data-and-information/find-data-and-publications/statement-of-administrative-sources/methodological-changes/changes-to-the-sexual-and-reproductive-health-activity-dataset-disclosure-control-methodology-for-2019-20);
the same rules apply to the National Child Measurement Programme from 2020
(".../changes-to-the-national-child-measurement-programme-2019-20-publication-content-and-disclosure-control-methodology").

Who sees what: every figure that leaves the server passes through `disclose_for`, given
the viewer's `Scope` (`scope_for(user, collaborative)`; who is inside a collaborative is
decided once, in governance.access.inside). Inside the collaborative, under its
data-sharing terms, teams see each other's raw figures and a team always sees its own;
outside it (national viewers, partner AHSNs, the portfolio and national pages, the
contract review) the rules above apply. Team names follow the same terms everywhere
(governance.access.may_name): a team is named only where its organisation agreed,
otherwise it appears under its stable pseudonym.

Which measures follow the rules (`measure_kind`): counts of people (the measure's own
``counts_people`` flag: "whether the numerator counts people") and counts of events that
happen to patients, such as falls, harms, cardiac arrests, pressure ulcers (its
``counts_patient_events`` flag). Other counts (audits done, huddles held, doses of an
antibiotic) and values that are not counts at all (minutes, scores, medians) are shown
as they are. Neither a measure's kind (outcome, process, balancing) nor its chart type
decides it: a P chart of patients audited counts people, a U chart of falls per 1,000
bed days counts events that happen to patients, an XmR chart of minutes to antibiotics
counts no one. When a measure follows the rules, both numerator and denominator are
treated as counts (the denominator of a proportion of patients is itself a count of
patients; rounding a denominator that is not, such as bed days, to the nearest 5 costs
nothing).

Settings: ``COLLAB_DISCLOSURE`` (a dict) may override ``enabled`` (default True),
``suppress_up_to`` (7), ``round_to`` (5), ``symbol`` ("*") and ``percent_places`` (0).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from numbers import Real

from django.conf import settings
from django.utils import timezone

from governance import access
from measures import figures
from measures.completeness import complete_cutoffs, cutoff_for
from measures.data import build_input
from measures.models import (
    ChartResult,
    CollaborativeMeasure,
    DataPoint,
    Phase,
    PointMark,
    Series,
)
from measures.numbers import decimal_text
from measures.recompute import charts_compute
from measures.spc import ChartKind

DEFAULTS = {
    "enabled": True,
    "suppress_up_to": 7,
    "round_to": 5,
    "symbol": "*",
    "percent_places": 0,
}


@dataclass(frozen=True)
class Rules:
    enabled: bool
    suppress_up_to: int
    round_to: int
    symbol: str
    percent_places: int


def rules() -> Rules:
    """The rules in force, read from settings each time so tests can override them."""
    configured = getattr(settings, "COLLAB_DISCLOSURE", None) or {}
    unknown = set(configured) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"COLLAB_DISCLOSURE has unknown keys: {sorted(unknown)}")
    merged = {**DEFAULTS, **configured}
    if merged["round_to"] < 1 or merged["suppress_up_to"] < 0:
        raise ValueError("COLLAB_DISCLOSURE round_to must be >= 1, suppress_up_to >= 0")
    return Rules(**merged)


# --- What kind of figure a measure gives ----------------------------------------------------

PEOPLE = "people"  # counts of people: patients audited, deaths, babies admitted
PATIENT_EVENTS = "patient_events"  # counts of events that happen to patients: falls, harms
OTHER_COUNT = "other_count"  # other counts: audits done, huddles held, calls made
VALUE = "value"  # rates and other values that count nothing: minutes, scores, medians
FOLLOW_THE_RULES = (PEOPLE, PATIENT_EVENTS)


def measure_kind(measure) -> str:
    """What the measure's numerator is, from its own flags (see the module docstring)."""
    if getattr(measure, "counts_people", False):
        return PEOPLE
    if getattr(measure, "counts_patient_events", False):
        return PATIENT_EVENTS
    kind = ChartKind.of(getattr(measure, "chart_type", None))
    if kind is not None and kind.is_count:
        return OTHER_COUNT
    return VALUE


def follows_rules(measure) -> bool:
    """Whether the measure's figures follow the small-number rules beyond the collaborative."""
    return measure_kind(measure) in FOLLOW_THE_RULES


def counts_people(measure) -> bool:
    """Whether the measure's figures follow the small-number rules (the name is older than
    the rule for events that happen to patients; see `follows_rules`)."""
    return follows_rules(measure)


# --- Who is looking ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What one viewer may be shown of one collaborative: raw figures when `inside` its
    data-sharing terms, published figures otherwise."""

    inside: bool


INSIDE = Scope(inside=True)
OUTSIDE = Scope(inside=False)


def scope_for(user, collaborative) -> Scope:
    """The viewer's scope for `collaborative`'s figures (governance.access.inside decides)."""
    return INSIDE if access.inside(user, collaborative) else OUTSIDE


def _as_int(n) -> int:
    if isinstance(n, bool) or not isinstance(n, Real | Decimal):
        raise TypeError(f"a count must be a number, not {type(n).__name__}")
    value = Decimal(str(n)) if not isinstance(n, Decimal) else n
    if value < 0:
        raise ValueError(f"a count cannot be negative: {n}")
    # Counts are whole; a fractional one (a stored Decimal) rounds half up first.
    return int(value.to_integral_value(rounding="ROUND_HALF_UP"))


def _round_half_up(n: int, step: int) -> int:
    return int(math.floor(n / step + 0.5)) * step


def rounded_count(n) -> int | None:
    """The count as it may be published: None when suppressed, else rounded."""
    r = rules()
    value = _as_int(n)
    if not r.enabled:
        return value
    if value == 0:
        return 0
    if value <= r.suppress_up_to:
        return None
    return _round_half_up(value, r.round_to)


def disclose_count(n) -> str:
    """A count of people as text fit to leave the collaborative: "0", "*" or a multiple of 5."""
    value = rounded_count(n)
    return rules().symbol if value is None else str(value)


def disclose_rate(numerator, denominator, *, multiplier: int = 100) -> dict:
    """Numerator, denominator and the rate worked out from their published (rounded) figures.

    Returns ``numerator`` and ``denominator`` (text), ``percent`` (text: the rate times
    ``multiplier`` to ``percent_places`` places, "*" when suppressed, "" when there is no
    denominator), ``value`` (float or None: the same rate, for charts) and ``suppressed``.
    """
    r = rules()
    num = rounded_count(numerator)
    den = rounded_count(denominator) if denominator is not None else None
    suppressed = num is None or (denominator is not None and den is None)
    out = {
        "numerator": r.symbol if num is None else str(num),
        "denominator": "" if denominator is None else (r.symbol if den is None else str(den)),
        "suppressed": suppressed,
        "value": None,
        "percent": "",
    }
    if suppressed:
        out["percent"] = r.symbol
        return out
    if den:
        value = num / den * multiplier
        out["value"] = value
        out["percent"] = f"{value:.{r.percent_places}f}"
    return out


def disclose_for(
    measure,
    numerator,
    denominator=None,
    *,
    multiplier: int | None = None,
    scope: Scope = OUTSIDE,
) -> dict:
    """The one gate for a figure leaving the server: a numerator (and denominator) of
    `measure` as `scope` may see it.

    Outside the collaborative (the default), a measure that follows the rules gives
    `disclose_rate`'s published figures; inside, or for a measure that does not, the raw
    figures. Either way the same keys: ``numerator``, ``denominator`` (text, "" for none),
    ``value`` (the rate times ``multiplier``, from the figures shown; None without a
    denominator or when suppressed), ``percent`` (``value`` as text) and ``suppressed``.
    A numerator of None (nothing reported) gives empty text and no value.
    """
    mult = multiplier if multiplier is not None else getattr(measure, "multiplier", 100) or 1
    if numerator is None:
        return {"numerator": "", "denominator": "", "suppressed": False, "value": None,
                "percent": ""}  # fmt: skip
    if not scope.inside and follows_rules(measure):
        return disclose_rate(numerator, denominator, multiplier=mult)
    num = _plain(numerator)
    den = _plain(denominator) if denominator is not None else ""
    value = None
    if denominator is not None and float(denominator):
        value = float(numerator) / float(denominator) * mult
    return {
        "numerator": num,
        "denominator": den,
        "suppressed": False,
        "value": value,
        "percent": "" if value is None else f"{value:.{rules().percent_places}f}",
    }


def published_number(text: str) -> float | None:
    """A figure `disclose_for` gave back as a number, None for "*" or nothing."""
    if text in ("", rules().symbol):
        return None
    return float(text)


def _plain(n) -> str:
    return decimal_text(Decimal(str(n)))


# --- Event-dated measures ---------------------------------------------------------------------
#
# An event-dated series (G and T charts) has one row per date with an event: each is a harm
# to a patient on a day at a team, a count of one (suppressed, like any count from 1 to 7).
# Outside the collaborative no route shows an event's date, nor anything that tells which
# days had one (a cell's history): the events page and the published charts show none, and
# the exports show the events summed per calendar month, each month's count as a count of
# people is published (0, "*" or rounded to 5). Whatever the measure's flags: the date
# itself is what identifies.


def event_dates_shown(scope: Scope, measure) -> bool:
    """Whether `scope` may see the dates of `measure`'s events: always for a measure that is
    not event-dated; for one that is, only inside the collaborative."""
    return scope.inside or not measure.is_event_dated


def event_months(measure, events, *, scope: Scope) -> list[tuple]:
    """An event-dated series' events, (date, events, cases between) oldest first, as `scope`
    may see them: as they are where `event_dates_shown`; otherwise summed per calendar month
    (months with an event only), as (first of the month, numerator text, denominator text)
    through `disclose_for`, so a month of 1 to 7 events is "*" and no date is given."""
    events = list(events)
    if event_dates_shown(scope, measure):
        return events
    months: dict = {}
    for day, n, cases in events:
        month = day.replace(day=1)
        total, between = months.get(month, (0, None))
        between = between if cases is None else (between or 0) + cases
        months[month] = (total + (n or 0), between)
    out = []
    for month, (total, between) in sorted(months.items()):
        shown = disclose_for(measure, total, between, scope=scope)
        out.append((month, shown["numerator"], shown["denominator"]))
    return out


# --- Figures as numbers, for charts and tables ------------------------------------------------


def publisher(scope: Scope, measure):
    """None when `scope` may see `measure`'s raw figures; otherwise a function
    (numerator, denominator) -> the published (numerator, denominator) as numbers, both
    None when suppressed. Charts drawn from these are charts of the published figures."""
    if scope.inside or not follows_rules(measure):
        return None

    def publish(numerator, denominator):
        if numerator is None:
            return None, None
        out = disclose_rate(numerator, denominator)
        if out["suppressed"]:
            return None, None
        den = None if denominator is None else published_number(out["denominator"])
        return published_number(out["numerator"]), den

    return publish


@dataclass(frozen=True)
class ChartView:
    """How one viewer's figures of one measure are served (measures.figures.served): the
    chart of the published figures (`published`), or the raw one."""

    published: bool

    def hover_counts(self, result) -> list[tuple[str, str]]:
        """The numerator and denominator a chart's hover shows at each point of `result`.

        A viewer of the published figures is served the chart `published_charts` (or a
        published aggregate) drew from them, never a stored raw result: one is refused
        (ValueError) rather than shown. Either way the counts are the chart's own, so the
        hover agrees with the line it labels."""
        if self.published and getattr(result, "pk", None) is not None:
            raise ValueError(
                f"chart result {result.pk} holds raw figures; this viewer sees published ones"
            )
        return figures.count_texts(result)


RAW = ChartView(published=False)


def chart_view_for(scope: Scope, measure) -> ChartView:
    """How `scope` is served `measure`'s charts: published beyond the collaborative when the
    measure follows the small-number rules (`publisher`), raw otherwise."""
    return ChartView(published=publisher(scope, measure) is not None)


def published_charts(series_list) -> dict:
    """Each series' chart drawn from its published figures (unsaved ChartResults by series
    id): a suppressed period is left off, and the limits and centre line are worked out
    from the rounded figures, so none of them gives a raw count away. The verdict is the
    stored one, worked out once on the raw data (issue 14: disclosure changes how counts of
    people are shown, never what the verdict says), so the chart page agrees with every
    dashboard and report; see `carry_verdict`. An event-dated series (one row per event)
    publishes no events: each is a count of one. A series with nothing left to draw is
    absent. Reads in a fixed number of queries."""
    ids = [s.pk for s in series_list]
    series_list = list(
        Series.objects.filter(pk__in=ids).select_related("measure", "team__collaborative")
    )
    points, phases, marks = defaultdict(list), defaultdict(list), defaultdict(list)
    for sid, period, num, den in (
        DataPoint.objects.filter(series_id__in=ids)
        .order_by("series_id", "period_start")
        .values_list("series_id", "period_start", "numerator", "denominator")
    ):
        points[sid].append((period, num, den))
    for sid, start in Phase.objects.filter(series_id__in=ids).values_list(
        "series_id", "start_period"
    ):
        phases[sid].append(start)
    for sid, period, kind in PointMark.objects.filter(series_id__in=ids).values_list(
        "series_id", "period_start", "kind"
    ):
        marks[sid].append((period, kind))
    settings_of = {
        (collaborative_id, measure_id): (target, direction)
        for collaborative_id, measure_id, target, direction in CollaborativeMeasure.objects.filter(
            collaborative_id__in={s.team.collaborative_id for s in series_list},
            measure_id__in={s.measure_id for s in series_list},
        ).values_list("collaborative_id", "measure_id", "target", "direction")
    }
    # Only complete periods are judged, as for the stored charts (measures.data).
    cutoffs = complete_cutoffs(
        {s.team.collaborative_id: s.team.collaborative for s in series_list}.values(),
        today=timezone.localdate(),
    )
    inputs = []
    for series in series_list:
        measure = series.measure
        publish = publisher(OUTSIDE, measure)
        shown = []
        if event_dates_shown(OUTSIDE, measure):
            for period, num, den in points[series.pk]:
                num, den = publish(num, den) if publish else (num, den)
                if num is not None:
                    shown.append((period, num, den))
        target, direction = settings_of.get((series.team.collaborative_id, measure.pk), (None, ""))
        inp = build_input(
            series,
            target=target,
            direction=direction or "",
            points=shown,
            phase_starts=sorted(phases[series.pk]),
            marks=sorted(marks[series.pk]),
            annotations=[],
            complete_through=cutoff_for(cutoffs, series.team.collaborative_id, measure.frequency),
        )
        if inp.spec is not None and inp.x:
            inputs.append(inp)
    raw = {
        r.series_id: r
        # only the verdict is carried over; the raw figure is never drawn here
        for r in ChartResult.objects.filter(series_id__in=ids).latest_per_series().defer("figure")
    }
    published = {r.series_id: r for r in charts_compute(inputs)}
    for sid, result in published.items():
        if sid in raw:
            carry_verdict(result, raw[sid])
    return published


def carry_verdict(published, raw) -> None:
    """Give a published chart the raw chart's verdict: its status, words and icons, with
    its point indexes moved to the same periods of the published chart (a period left off
    there moves a stretch's end to the nearest period still shown inside it). None of
    these is a count, so none gives a raw figure away. Both are ChartResults (unsaved will
    do): a series' (`published_charts`) or a collaborative's aggregate
    (dashboards.aggregate.aggregate_chart with `publish`)."""
    at = {period: i for i, period in enumerate(published.x)}

    def first_at_or_after(i):
        for period in raw.x[i:] if i is not None and i >= 0 else ():
            if period in at:
                return at[period]
        return None

    def last_at_or_before(i):
        for period in reversed(raw.x[: i + 1]) if i is not None and i >= 0 else ():
            if period in at:
                return at[period]
        return None

    for field in ("status", "verdict_rule", "summary", "variation", "assurance", "enough_data"):
        setattr(published, field, getattr(raw, field))
    published.points_needed = raw.points_needed
    published.verdict_first_index = first_at_or_after(raw.verdict_first_index)
    published.verdict_last_signal_index = last_at_or_before(raw.verdict_last_signal_index)
    history = []
    for stretch in raw.verdict_history or []:
        first = first_at_or_after(stretch.get("first_index"))
        last = last_at_or_before(stretch.get("last_index"))
        if first is not None and last is not None and first <= last:
            history.append({**stretch, "first_index": first, "last_index": last})
    published.verdict_history = history
