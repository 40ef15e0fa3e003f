"""One source for every claim: what each page, email and report says has improved.

Every figure built on the charts' verdicts is answered here, for an object (a team, a
collaborative, an AHSN, a programme, the nation) as one viewer sees it, and nowhere else:
the team dashboard, the teams table, the portfolio, the national page, the sustain alerts
and their emails, and the contract review all read it.

Definitions (each written once, here):

- **Verdict.** One of `STATUSES`, from the series' stored chart result (the statistics
  core decides it). Only complete periods count: each chart is read as of the end of its
  collaborative's latest complete period (`complete_day`); a reading as of an earlier day
  (`reading_as_of`) ignores points after it, and a verdict first reached later reads
  `no_change` then.
- **"N of M measures improved".** Over a team's series of its collaborative's measure
  set: M counts the outcome and process measures, N those whose verdict is `improved`.
  Balancing measures are left out of both and listed beside the count with their
  verdicts; a worsening one is reported, never hidden. A team's own (local) measures
  appear on its dashboard but are not counted, so that every viewer gets the same count.
- **"Teams improved".** A team improved when its outcome measure's verdict is `improved`
  (the stretch target's measure, else the first outcome measure of the set). Teams are
  counted among the active teams with enough data for a verdict ("judged").
- **"Most improvement".** The share of teams, among those with enough data, whose outcome
  measure is `improved`; ties are broken by progress to target, then by name.
- **Progress to target.** From the stretch target's baseline towards its target, read at
  the headline period of the whole collaborative's chart (the latest complete period
  that enough teams reported, measures.completeness); a gain is claimed only where that
  chart's verdict is `improved`.
- **Sustain alert.** Raised on a transition out of `improved` (dashboards.sustain
  `gain_lost`), never on a single point of concern.

Verdicts and the counts of measures and teams are worked out once, on the raw data. The
disclosure rules (governance.disclosure) change only how counts of people are shown; they
never change a count of measures or teams.

Numbers in words are formatted by `number_text` (measures.numbers, re-exported here), the
one place where figures are rounded for showing: pages, chart hovers and the report's PDF,
XLSX and HTML all use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.db.models import OuterRef, Subquery

from collaboratives.models import AHSN, Team
from dashboards.models import ReportingSummary
from dashboards.payloads import GroupSummary, latest_summaries
from dashboards.sustain import gain_lost  # noqa: F401  (the sustain alerts' rule, re-exported)
from dashboards.tallies import (  # noqa: F401  (the tallies' names are claims' too)
    DETERIORATED,
    IMPROVED,
    INSUFFICIENT,
    JUDGED,
    NO_CHANGE,
    NOT_SUSTAINED,
    STATUS_WORDS,
    STATUSES,
    MeasureTally,
    MeasureVerdict,
    TeamTally,
    measures_tally,
    status_of,
    teams_tally,
)
from governance import disclosure
from measures import figures
from measures.completeness import (
    complete_cutoffs,
    cutoff_for,
    headline_period,
    last_day_of,
)
from measures.models import ChartResult, Measure, Series
from measures.numbers import number_text, percent_text, rounded

COUNTED_KINDS = (Measure.Kind.OUTCOME, Measure.Kind.PROCESS)


# --- Reading a stored chart ---------------------------------------------------------------


def chart_words(result) -> dict:
    """A stored chart's plain words (measures.figures), its verdict named as here."""
    words = figures.words(result)
    words["status"] = STATUS_WORDS[status_of(result.status)]
    return words


def _point_as_of(x: list, day: dt.date) -> int | None:
    """Index of the last point on or before `day` (x holds ISO dates)."""
    iso = day.isoformat()
    last = None
    for i, when in enumerate(x):
        if when <= iso:
            last = i
    return last


def reading_as_of(result: dict, day: dt.date) -> tuple[str, str]:
    """(signal, verdict) of one stored chart result (a dict of its columns) on `day`.

    signal: "concern", "improvement" or "" from the latest point's special cause (the
    Making Data Count variation icon). On an earlier day (a back-dated snapshot, or a
    report's period ending before today) the point type at that day is read, and a verdict
    first reached later reads `no_change`.
    """
    i = _point_as_of(result["x"], day)
    status = status_of(result["status"])
    if i is None:
        return "", INSUFFICIENT
    if i == len(result["x"]) - 1:
        variation = result.get("variation") or ""
        signal = variation.split("_")[0] if variation.startswith(("concern", "improvement")) else ""
        return signal, status
    types = result["point_type"]
    point = types[i] if i < len(types) else ""
    signal = point if point in ("concern", "improvement") else ""
    if status in (IMPROVED, DETERIORATED, NOT_SUSTAINED):
        first = result.get("verdict_first_index")
        if first is None or first > i:
            status = NO_CHANGE
    return signal, status


def complete_day(cutoffs: dict, collaborative_id: int, frequency: str) -> dt.date | None:
    """The last day a series of `frequency` counts up to: the end of its collaborative's
    latest complete period (`cutoffs` from measures.completeness.complete_cutoffs). Every
    verdict is read as of that day, so a value entered for a period still in progress
    changes no claim."""
    return last_day_of(cutoff_for(cutoffs, collaborative_id, frequency), frequency)


# What `reading_as_of` reads of a stored chart result.
READ_FIELDS = ("status", "variation", "x", "point_type", "verdict_first_index")
RESULT_FIELDS = (
    "series_id",
    "status",
    "variation",
    "x",
    "point_type",
    "verdict_first_index",
    "numerator",
    "denominator",
)


def stored_results(
    series_ids: Iterable[int], fields: tuple[str, ...] = RESULT_FIELDS
) -> dict[int, dict]:
    """{series id: the newest stored chart result's columns (`fields`, with series_id)}, in
    one query."""
    rows = (
        ChartResult.objects.filter(series_id__in=list(series_ids))
        .latest_per_series()
        .values(*fields)
    )
    return {r["series_id"]: r for r in rows}


# --- Teams (the tallies themselves, and the measures', are in dashboards.tallies) -----------


def active_on(team, day: dt.date) -> bool:
    """Whether the team was taking part on `day` (joined, not yet withdrawn)."""
    return team.joined_on <= day and (team.withdrawn_on is None or team.withdrawn_on > day)


def outcome_measure_id(collaborative) -> int | None:
    """The collaborative's outcome measure: the stretch target's, else the first outcome
    measure of its set (by position, then name)."""
    target = (
        collaborative.stretch_targets.order_by("-set_at", "-id")
        .values_list("measure_id", flat=True)
        .first()
    )
    if target is not None:
        return target
    return (
        collaborative.measure_set.filter(measure__kind=Measure.Kind.OUTCOME)
        .order_by("position", "measure__name")
        .values_list("measure_id", flat=True)
        .first()
    )


@dataclass
class TeamClaims:
    """What may be claimed of one team: each measure's verdict and the counts from them."""

    team: object
    verdicts: list[MeasureVerdict] = field(default_factory=list)
    outcome: str | None = None  # the outcome measure's verdict (None: no chart)

    @property
    def measures(self) -> MeasureTally:
        return measures_tally(self.verdicts)

    @property
    def improved(self) -> bool:
        return self.outcome == IMPROVED


def collaborative_team_claims(
    collaborative,
    *,
    day: dt.date,
    team_ids: Iterable[int] | None = None,
    cutoffs: dict | None = None,
) -> dict[int, TeamClaims]:
    """{team id: TeamClaims} for the collaborative's teams (those in `team_ids`, if given),
    read from the stored charts as they stood on `day`, in a fixed number of queries
    (`cutoffs`: `complete_cutoffs` on `day`, when the caller has read them already)."""
    teams = Team.objects.filter(collaborative=collaborative)
    if team_ids is not None:
        teams = teams.filter(pk__in=list(team_ids))
    out = {t.pk: TeamClaims(team=t) for t in teams}
    in_set = {
        row["measure_id"]: row
        for row in collaborative.measure_set.values("measure_id", "measure__name", "measure__kind")
    }
    outcome_id = outcome_measure_id(collaborative)
    series = list(
        Series.objects.filter(team_id__in=list(out), measure_id__in=list(in_set)).values(
            "id", "team_id", "measure_id", "measure__frequency"
        )
    )
    # only what `reading_as_of` reads: a national collaborative's numerators and
    # denominators would be most of the query's rows to send and decode
    results = stored_results((s["id"] for s in series), fields=("series_id", *READ_FIELDS))
    if cutoffs is None:
        cutoffs = complete_cutoffs([collaborative], today=day)
    for s in sorted(series, key=lambda s: in_set[s["measure_id"]]["measure__name"]):
        result = results.get(s["id"])
        as_of = complete_day(cutoffs, collaborative.pk, s["measure__frequency"]) or day
        status = reading_as_of(result, as_of)[1] if result else INSUFFICIENT
        m = in_set[s["measure_id"]]
        claims = out[s["team_id"]]
        claims.verdicts.append(
            MeasureVerdict(s["measure_id"], m["measure__name"], m["measure__kind"], status)
        )
        if s["measure_id"] == outcome_id and result is not None:
            claims.outcome = status
    return out


def team_claims(
    team,
    *,
    viewer=None,
    day: dt.date | None = None,
    set_rows: list[dict] | None = None,
    series: list | None = None,
    results: dict | None = None,
    cutoffs: dict | None = None,
) -> TeamClaims:
    """The team's claims as `viewer` sees them. Counts of measures are not counts of people,
    so every viewer who may see the team gets the same ones (the caller has checked that
    through governance.access).

    A page that has read them already may pass the measure set (`set_rows`, from
    `measure_set_rows`), the complete periods' `cutoffs` (complete_cutoffs), the team's
    `series` and their newest `results` ({series id: ChartResult}); the verdicts are then
    read from those, exactly as `collaborative_team_claims` reads them.
    """
    from django.utils import timezone

    day = day or timezone.localdate()
    if series is None or results is None or set_rows is None:
        return collaborative_team_claims(team.collaborative, day=day, team_ids=[team.pk])[team.pk]
    if cutoffs is None:
        cutoffs = complete_cutoffs([team.collaborative], today=day)
    in_set = {r["measure_id"]: r for r in set_rows}
    target = set_rows[0]["target_measure"] if set_rows else None
    outcomes = sorted(
        (r["position"], r["measure__name"], r["measure_id"])
        for r in set_rows
        if r["measure__kind"] == Measure.Kind.OUTCOME
    )
    outcome_id = target if target is not None else (outcomes[0][2] if outcomes else None)
    claims = TeamClaims(team=team)
    for s in sorted(series, key=lambda s: in_set.get(s.measure_id, {}).get("measure__name", "")):
        if s.measure_id not in in_set:
            continue
        result = results.get(s.pk)
        columns = None if result is None else {f: getattr(result, f) for f in READ_FIELDS}
        as_of = complete_day(cutoffs, team.collaborative_id, s.measure.frequency) or day
        status = reading_as_of(columns, as_of)[1] if columns else INSUFFICIENT
        m = in_set[s.measure_id]
        claims.verdicts.append(
            MeasureVerdict(s.measure_id, m["measure__name"], m["measure__kind"], status)
        )
        if s.measure_id == outcome_id and result is not None:
            claims.outcome = status
    return claims


def measure_set_rows(collaborative) -> list[dict]:
    """The collaborative's measure set as `team_claims` reads it, with the stretch target's
    measure on every row (`target_measure`), in one query."""
    from collaboratives.models import StretchTarget

    newest_target = (
        StretchTarget.objects.filter(collaborative=OuterRef("collaborative"))
        .order_by("-set_at", "-id")
        .values("measure_id")[:1]
    )
    return list(
        collaborative.measure_set.annotate(target_measure=Subquery(newest_target)).values(
            "measure_id", "measure__name", "measure__kind", "position", "target_measure"
        )
    )


# --- Collaboratives, AHSNs, programmes, the nation (from the stored summaries) ---------------


def payload_teams(payload) -> TeamTally:
    """The teams tally of a stored collaborative, AHSN or programme summary
    (`dashboards.payloads.GroupSummary`; None: none stored)."""
    return TeamTally() if payload is None else payload.team_tally


def payload_measures(payload) -> MeasureTally:
    """The measures tally of a stored team summary (`dashboards.payloads.TeamSummary`)."""
    return MeasureTally() if payload is None else payload.measures


def collaborative_claims(collaborative, *, viewer=None) -> TeamTally:
    level = ReportingSummary.Level.COLLABORATIVE
    summaries = latest_summaries(level, [collaborative.pk])
    return payload_teams(summaries.get(collaborative.pk))


def ahsn_claims(ahsn, *, viewer=None) -> TeamTally:
    summaries = latest_summaries(ReportingSummary.Level.AHSN, [ahsn.pk])
    return payload_teams(summaries.get(ahsn.pk))


def programme_claims(topic, *, viewer=None) -> TeamTally:
    level = ReportingSummary.Level.PROGRAMME
    return payload_teams(latest_summaries(level, [topic.pk]).get(topic.pk))


def nation_claims(*, viewer=None) -> TeamTally:
    """Every AHSN's lead collaboratives added up (each collaborative counted once)."""
    ids = AHSN.objects.values_list("pk", flat=True)
    total = TeamTally()
    for payload in latest_summaries(ReportingSummary.Level.AHSN, ids).values():
        total = total + payload_teams(payload)
    return total


# --- "Most improvement" ----------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One object compared for "most improvement" (an AHSN, a region, a collaborative)."""

    key: object
    name: str
    teams: TeamTally
    progress: float | None = None  # progress to target, the tie-breaker


def most_improvement_order(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Those with enough data (some team judged), most improvement first: the share of
    teams, among those with enough data, whose outcome measure is `improved`; ties broken
    by progress to target (none counts as least), then by name."""
    judged = [c for c in candidates if c.teams.judged]
    return sorted(
        judged,
        key=lambda c: (
            -(c.teams.share or 0),
            -(c.progress if c.progress is not None else float("-inf")),
            c.name,
        ),
    )


def most_improvement(candidates: Iterable[Candidate]) -> Candidate | None:
    """The one with most improvement (see `most_improvement_order`), or None when no
    candidate has a team improved."""
    order = most_improvement_order(candidates)
    if not order or not order[0].teams.improved:
        return None
    return order[0]


def mean_progress(values: Iterable[float | None]) -> float | None:
    """An AHSN's or programme's progress to target: the mean of its collaboratives'."""
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 4) if known else None


# --- Progress to target --------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """How far the latest complete period has come from baseline to target."""

    baseline: float
    target: float
    latest: float | None = None
    period: dt.date | None = None
    share: float | None = None  # 0 at the baseline, 1 at the target; may be <0 or >1
    status: str = INSUFFICIENT  # the verdict of the chart the value is read from
    reported: bool = False  # whether any team has sent a value (None latest: too few yet)

    @property
    def claimed(self) -> bool:
        """A gain is claimed only where the verdict is `improved`."""
        return self.status == IMPROVED and self.share is not None and self.share > 0

    @property
    def percent(self) -> int | None:
        """The share as a percentage between 0 and 100 (for a progress bar)."""
        return None if self.share is None else round(100 * max(0.0, min(self.share, 1.0)))

    @property
    def raw_percent(self) -> int | None:
        return None if self.share is None else round(100 * self.share)

    @property
    def words(self) -> str:
        return progress_words(self.share, self.status)


def progress_share(baseline: float, target: float, latest: float | None) -> float | None:
    if latest is None or target == baseline:
        return None
    return round((latest - baseline) / (target - baseline), 3)


def progress_to_target(
    *, baseline, target, points: Iterable[tuple[dt.date, float | None]], cutoff, status
) -> Progress:
    """Progress read at the latest value on or before `cutoff` (the latest complete
    period); `points` are (period start, value on the target's scale), oldest first."""
    latest = None
    for when, value in points:
        if value is not None and (cutoff is None or when <= cutoff):
            latest = (when, value)
    baseline, target = float(baseline), float(target)
    if latest is None:
        return Progress(baseline, target, status=status_of(status))
    return Progress(
        baseline,
        target,
        latest=latest[1],
        period=latest[0],
        share=progress_share(baseline, target, latest[1]),
        status=status_of(status),
    )


def progress_words(progress: float | None, status: str = "") -> str:
    """How far the latest complete period has come from the baseline towards the target; a
    gain is claimed only where the chart's verdict says improved, never from one month."""
    if progress is None:
        return "."
    status = status_of(status) if status else ""
    unproven = "the chart does not show a significant improvement, so no gain is claimed."
    if progress < 0:
        if status == IMPROVED:
            return (
                ": further from the target than the stretch target's baseline was, although "
                "the chart shows an improvement against its own baseline."
            )
        return ": further from the target than the baseline was."
    if progress >= 1:
        if status == IMPROVED:
            return ": the target is reached."
        return f": at the target in that period, but {unproven}"
    share = f", {number_text(progress * 100, 0)}% of the way to the target from the baseline"
    return f"{share}." if status == IMPROVED else f"{share}; {unproven}"


def collaborative_progress(
    collaborative, *, today: dt.date, scope=None, cutoffs: dict | None = None
) -> Progress | None:
    """Progress to the stretch target of the whole collaborative (its aggregate chart),
    read at the headline period (measures.completeness.headline_period: the latest complete
    period that enough teams reported); None without a stretch target. `latest` is None
    when no period qualifies yet (`reported` says whether any team has sent a value).

    The verdict is the raw chart's, for every viewer; a viewer outside the collaborative
    (`scope`, governance.disclosure) reads the value from the chart of published figures
    when the measure counts people. `cutoffs`: the complete periods on `today`
    (measures.completeness.complete_cutoffs), when the caller has them.
    """
    from dashboards.aggregate import aggregate_chart
    from governance import disclosure

    target = collaborative.current_stretch_target()
    if target is None:
        return None
    cm = (
        collaborative.measure_set.filter(measure_id=target.measure_id)
        .select_related("measure", "collaborative")
        .first()
    )
    if cm is None:
        return Progress(float(target.baseline_value), float(target.target_value))
    # The complete periods on `today`, read once for the chart(s) and the headline period.
    if cutoffs is None:
        cutoffs = complete_cutoffs([collaborative], today=today)
    agg = aggregate_chart(cm, today=today, cutoffs=cutoffs)
    period = headline_period(collaborative, today=today, measure=cm.measure, cutoffs=cutoffs)
    status = agg.chart.status if agg.chart is not None else INSUFFICIENT
    publish = disclosure.publisher(scope or disclosure.INSIDE, cm.measure)
    shown = (
        agg
        if publish is None
        else aggregate_chart(cm, today=today, publish=publish, cutoffs=cutoffs)
    )
    progress = progress_to_target(
        baseline=target.baseline_value,
        target=target.target_value,
        points=[(r["date"], r["value"]) for r in shown.rows] if period is not None else [],
        cutoff=period,
        status=status,
    )
    return replace(progress, reported=bool(agg.rows))


__all__ = [
    "STATUSES",
    "Candidate",
    "MeasureTally",
    "MeasureVerdict",
    "Progress",
    "TeamClaims",
    "TeamTally",
    "active_on",
    "collaborative_progress",
    "collaborative_team_claims",
    "complete_day",
    "gain_lost",
    "measures_tally",
    "most_improvement",
    "most_improvement_order",
    "number_text",
    "percent_text",
    "progress_to_target",
    "progress_words",
    "reading_as_of",
    "rounded",
    "status_of",
    "team_claims",
    "teams_tally",
]


def outcome_rate(payload: GroupSummary) -> dict | None:
    """The pooled outcome rate of a collaborative's last three months, fit to leave it: a
    measure that counts people follows the small-number rules."""
    measure, rate = payload.outcome_measure, payload.outcome_rate
    if not measure or not rate or not rate.points:
        return None
    kind = measure.chart_kind
    has_denominator = kind.is_ratio and rate.denominator
    # a rate (U, U') per the measure's multiplier; a proportion, or anything else, in %
    multiplier = measure.multiplier if kind.is_ratio and not kind.is_proportion else 100
    shown = disclosure.disclose_for(
        measure,
        rate.numerator,
        rate.denominator if has_denominator else None,
        multiplier=multiplier,
    )
    if not disclosure.follows_rules(measure) and shown["value"] is not None:
        shown["percent"] = f"{shown['value']:.1f}"  # not people: no rounding rules apply
    unit = "%" if kind.is_proportion else f" {measure.unit}".rstrip()
    return {
        **shown,
        "measure": measure.name,
        "unit": unit,
        "since": rate.since,
        "has_denominator": bool(has_denominator),
    }
