"""The reporting summaries' payloads: what `dashboards.summaries` stores in
`ReportingSummary.payload`, and what the portfolio, national and teams pages, the start page
and the claims read from it.

One frozen dataclass per level: `TeamSummary`; `CollaborativeSummary`; `AhsnSummary` (an
AHSN's collaboratives, or one region of a programme); `ProgrammeSummary` (an AHSN summary
of the whole topic, with one per region). The three above the team share `GroupSummary`:
the added-up `Totals` of their active teams are stored, and every share, mean and tally
is worked out from them on reading, so a figure cannot disagree with the counts it comes
from.

Stored as JSON (`to_json`) under the key ``"version"``: `VERSION`, raised whenever a field
is added, removed or changes meaning. `load(level, data)` reads a stored payload back and
raises `PayloadVersionError` for any other version (a payload stored before this module
has none) rather than guess at a shape that no longer holds. Summaries are derived data:
`dashboards.summaries` leaves such a row out when reading (a page shows it as not computed
yet), and its change check counts it as changed, so the next refresh (every few minutes)
recomputes it.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from dashboards.models import ReportingSummary
from dashboards.tallies import MeasureTally, TeamTally
from measures.spc import ChartKind

#: The payload's schema version (1: the first typed payload, issue 16).
VERSION = 1


class PayloadVersionError(ValueError):
    """A stored payload of a version this code does not read."""

    def __init__(self, level: str, found):
        self.level, self.found = level, found
        super().__init__(
            f"The stored {level} summary has payload version {found!r}, and this code reads "
            f"version {VERSION} only: recompute it (the change check does within minutes, or "
            f"`manage.py compute_summaries` now)."
        )


def _ratio(part, whole) -> float | None:
    return round(part / whole, 4) if whole else None


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


class _Counts:
    """A dataclass of whole counts: added up field by field, stored as a flat object."""

    def __add__(self, other):
        return type(self)(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                             for f in fields(self)})  # fmt: skip

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict):
        return cls(**{f.name: data[f.name] for f in fields(cls)})


@dataclass(frozen=True, kw_only=True)
class Signals(_Counts):
    """Charts whose latest point is a special cause of concern, or of improvement."""

    concern: int = 0
    improvement: int = 0


@dataclass(frozen=True, kw_only=True)
class Cycles(_Counts):
    """PDSA cycles: all, under way, overdue, started in the last three months, and by the
    act decision (`PDSACycle.Decision`)."""

    total: int = 0
    active: int = 0
    overdue: int = 0
    recent: int = 0
    adopt: int = 0
    adapt: int = 0
    abandon: int = 0


@dataclass(frozen=True, kw_only=True)
class Score:
    """A team's latest assessment score: the faculty's rating, else the team's own."""

    score: float
    month: dt.date
    by: str  # "faculty" or "team"
    previous: float | None = None  # the score the month before, for the trend

    def to_json(self) -> dict:
        return {"score": self.score, "month": _iso(self.month), "by": self.by,
                "previous": self.previous}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict) -> Score:
        return cls(score=data["score"], month=_date(data["month"]), by=data["by"],
                   previous=data["previous"])  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class OutcomeMeasure:
    """The collaborative's outcome measure, as much of it as its pooled rate needs to be
    shown (and passed through `governance.disclosure`, which reads these attributes)."""

    id: int
    name: str
    counts_people: bool
    counts_patient_events: bool
    multiplier: int
    unit: str
    chart_type: str  # the stored code (`Measure.chart_type`)
    direction: str
    frequency: str

    @property
    def chart_kind(self) -> ChartKind:
        return ChartKind(self.chart_type)

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict) -> OutcomeMeasure:
        return cls(**{f.name: data[f.name] for f in fields(cls)})


@dataclass(frozen=True, kw_only=True)
class OutcomeRate:
    """The outcome measure's raw numerator and denominator pooled over the last three
    complete months (`points` team-periods reported), from `since`. Raw: a page outside the
    collaborative passes them through `governance.disclosure`."""

    numerator: float
    denominator: float
    points: int
    since: dt.date

    def __add__(self, other: OutcomeRate) -> OutcomeRate:
        return OutcomeRate(
            numerator=self.numerator + other.numerator,
            denominator=self.denominator + other.denominator,
            points=self.points + other.points,
            since=min(self.since, other.since),
        )

    def to_json(self) -> dict:
        return {"numerator": self.numerator, "denominator": self.denominator,
                "points": self.points, "since": _iso(self.since)}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict) -> OutcomeRate:
        return cls(numerator=data["numerator"], denominator=data["denominator"],
                   points=data["points"], since=_date(data["since"]))  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class TargetProgress:
    """A collaborative's progress to its stretch target (`dashboards.claims.Progress`)."""

    share: float | None
    status: str
    period: dt.date | None

    def to_json(self) -> dict:
        return {"share": self.share, "status": self.status, "period": _iso(self.period)}

    @classmethod
    def from_json(cls, data: dict) -> TargetProgress:
        return cls(share=data["share"], status=data["status"], period=_date(data["period"]))


@dataclass(frozen=True, kw_only=True)
class Totals(_Counts):
    """What a collaborative, AHSN or programme adds up from its active teams (or parts)."""

    teams: int = 0
    concern: int = 0  # charts with a latest point of concern
    improvement: int = 0
    teams_with_concern: int = 0
    outcome_improved: int = 0  # teams whose outcome verdict is improved
    outcome_deteriorated: int = 0
    outcome_judged: int = 0  # teams with an outcome verdict (dashboards.claims.JUDGED)
    filled: int = 0  # periods of data sent, of those due (completeness)
    expected: int = 0
    cycles: Cycles = field(default_factory=Cycles)
    scores: dict[str, int] = field(default_factory=dict)  # assessment score -> teams

    def __add__(self, other: Totals) -> Totals:
        scores = dict(self.scores)
        for score, n in other.scores.items():
            scores[score] = scores.get(score, 0) + n
        counts = {f.name: getattr(self, f.name) + getattr(other, f.name)
                  for f in fields(self) if f.name not in ("cycles", "scores")}  # fmt: skip
        return Totals(**counts, cycles=self.cycles + other.cycles, scores=scores)

    def to_json(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["cycles"] = self.cycles.to_json()
        out["scores"] = dict(sorted(self.scores.items(), key=lambda kv: float(kv[0])))
        return out

    @classmethod
    def from_json(cls, data: dict) -> Totals:
        counts = {f.name: data[f.name] for f in fields(cls) if f.name not in ("cycles", "scores")}
        return cls(**counts, cycles=Cycles.from_json(data["cycles"]), scores=dict(data["scores"]))


@dataclass(frozen=True, kw_only=True)
class Assessment:
    """Assessment scores across teams: how many are rated, their mean, median and spread."""

    rated: int
    mean: float | None
    median: float | None
    distribution: dict[str, int]  # score (as text) -> teams, lowest first


# --- The levels ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TeamSummary:
    """One team: its charts' signals and verdicts, "N of M measures improved", the outcome
    measure's verdict, data completeness, PDSA cycles and the latest assessment score."""

    status: str  # Team.Status
    kind: str  # the organisation's kind
    series: int = 0  # charts read (with a stored result)
    signals: Signals = field(default_factory=Signals)
    verdicts: dict[str, int] = field(default_factory=dict)  # status -> charts
    measures: MeasureTally = field(default_factory=MeasureTally)
    outcome: str | None = None  # the outcome measure's verdict (None: no chart)
    filled: int = 0
    expected: int = 0
    cycles: Cycles = field(default_factory=Cycles)
    assessment: Score | None = None

    @property
    def missing(self) -> int:
        """Periods due and not sent."""
        return self.expected - self.filled

    @property
    def completeness(self) -> float | None:
        return _ratio(self.filled, self.expected)

    def to_json(self) -> dict:
        return {
            "version": VERSION,
            "status": self.status,
            "kind": self.kind,
            "series": self.series,
            "signals": self.signals.to_json(),
            "verdicts": dict(self.verdicts),
            "measures": self.measures.as_dict(),
            "outcome": self.outcome,
            "filled": self.filled,
            "expected": self.expected,
            "cycles": self.cycles.to_json(),
            "assessment": None if self.assessment is None else self.assessment.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict) -> TeamSummary:
        return cls(
            status=data["status"],
            kind=data["kind"],
            series=data["series"],
            signals=Signals.from_json(data["signals"]),
            verdicts=dict(data["verdicts"]),
            measures=MeasureTally.from_dict(data["measures"]),
            outcome=data["outcome"],
            filled=data["filled"],
            expected=data["expected"],
            cycles=Cycles.from_json(data["cycles"]),
            assessment=None if data["assessment"] is None else Score.from_json(data["assessment"]),
        )


@dataclass(frozen=True, kw_only=True)
class GroupSummary:
    """What a collaborative, an AHSN and a programme have in common: their active teams'
    `totals`, and the outcome measure's pooled rate (None when the parts do not share one
    outcome measure). Shares, means and tallies are worked out from the totals."""

    totals: Totals = field(default_factory=Totals)
    data_version: int = 0  # the sum of the data versions of the series it came from
    outcome_measure: OutcomeMeasure | None = None
    outcome_rate: OutcomeRate | None = None

    @property
    def teams(self) -> int:
        return self.totals.teams

    @property
    def signals(self) -> Signals:
        return Signals(concern=self.totals.concern, improvement=self.totals.improvement)

    @property
    def teams_with_concern(self) -> int:
        return self.totals.teams_with_concern

    @property
    def team_tally(self) -> TeamTally:
        """The "N of M teams improved" tally (dashboards.claims.teams_tally), active teams."""
        t = self.totals
        return TeamTally(teams=t.teams, judged=t.outcome_judged, improved=t.outcome_improved,
                         deteriorated=t.outcome_deteriorated)  # fmt: skip

    @property
    def improved_share(self) -> float | None:
        return _ratio(self.totals.outcome_improved, self.totals.outcome_judged)

    @property
    def completeness(self) -> float | None:
        return _ratio(self.totals.filled, self.totals.expected)

    @property
    def cycles(self) -> Cycles:
        return self.totals.cycles

    @property
    def cycles_recent_per_team(self) -> float | None:
        teams = self.totals.teams
        return round(self.totals.cycles.recent / teams, 2) if teams else None

    @property
    def assessment(self) -> Assessment:
        scores = [float(s) for s, n in self.totals.scores.items() for _ in range(n)]
        return Assessment(
            rated=len(scores),
            mean=round(statistics.fmean(scores), 2) if scores else None,
            median=statistics.median(scores) if scores else None,
            distribution=dict(sorted(self.totals.scores.items(), key=lambda kv: float(kv[0]))),
        )

    def _group_json(self) -> dict:
        return {
            "version": VERSION,
            "totals": self.totals.to_json(),
            "data_version": self.data_version,
            "outcome_measure": None
            if self.outcome_measure is None
            else self.outcome_measure.to_json(),
            "outcome_rate": None if self.outcome_rate is None else self.outcome_rate.to_json(),
        }

    @staticmethod
    def _group_fields(data: dict) -> dict:
        measure, rate = data["outcome_measure"], data["outcome_rate"]
        return {
            "totals": Totals.from_json(data["totals"]),
            "data_version": data["data_version"],
            "outcome_measure": None if measure is None else OutcomeMeasure.from_json(measure),
            "outcome_rate": None if rate is None else OutcomeRate.from_json(rate),
        }


@dataclass(frozen=True, kw_only=True)
class CollaborativeSummary(GroupSummary):
    """A collaborative: its active teams added up, the teams withdrawn, its phase and its
    progress to the stretch target (None without one)."""

    phase: str
    withdrawn: int = 0
    progress: TargetProgress | None = None

    @property
    def progress_share(self) -> float | None:
        """Progress to the stretch target, the "most improvement" tie-breaker."""
        return None if self.progress is None else self.progress.share

    def to_json(self) -> dict:
        return {
            **self._group_json(),
            "phase": self.phase,
            "withdrawn": self.withdrawn,
            "progress": None if self.progress is None else self.progress.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict) -> CollaborativeSummary:
        progress = data["progress"]
        return cls(
            **cls._group_fields(data),
            phase=data["phase"],
            withdrawn=data["withdrawn"],
            progress=None if progress is None else TargetProgress.from_json(progress),
        )


@dataclass(frozen=True, kw_only=True)
class AhsnSummary(GroupSummary):
    """An AHSN's lead collaboratives added up (or, in a programme, one region's on the
    topic): how many, how many in each phase, and their mean progress to target."""

    collaborative_ids: tuple[int, ...] = ()
    phases: dict[str, int] = field(default_factory=dict)  # phase -> collaboratives
    progress_mean: float | None = None

    @property
    def collaboratives(self) -> int:
        return len(self.collaborative_ids)

    @property
    def progress_share(self) -> float | None:
        return self.progress_mean

    def to_json(self) -> dict:
        return {
            **self._group_json(),
            "collaborative_ids": list(self.collaborative_ids),
            "phases": dict(self.phases),
            "progress_mean": self.progress_mean,
        }

    @classmethod
    def _ahsn_fields(cls, data: dict) -> dict:
        return {
            **cls._group_fields(data),
            "collaborative_ids": tuple(data["collaborative_ids"]),
            "phases": dict(data["phases"]),
            "progress_mean": data["progress_mean"],
        }

    @classmethod
    def from_json(cls, data: dict) -> AhsnSummary:
        return cls(**cls._ahsn_fields(data))


@dataclass(frozen=True, kw_only=True)
class ProgrammeSummary(AhsnSummary):
    """A topic across the AHSNs that run it: the whole, and each lead AHSN's part."""

    regions: dict[int, AhsnSummary] = field(default_factory=dict)  # lead AHSN id -> part

    def to_json(self) -> dict:
        out = super().to_json()
        out["regions"] = {str(ahsn_id): r.to_json() for ahsn_id, r in self.regions.items()}
        return out

    @classmethod
    def from_json(cls, data: dict) -> ProgrammeSummary:
        regions = {int(k): AhsnSummary.from_json(v) for k, v in data["regions"].items()}
        return cls(**cls._ahsn_fields(data), regions=regions)


Summary = TeamSummary | CollaborativeSummary | AhsnSummary | ProgrammeSummary

#: The payload class of each `ReportingSummary.Level`.
LEVELS: dict[str, type] = {
    "team": TeamSummary,
    "collaborative": CollaborativeSummary,
    "ahsn": AhsnSummary,
    "programme": ProgrammeSummary,
}


def load(level: str, data: dict) -> Summary:
    """A stored payload of `level`, read back; `PayloadVersionError` unless it is of this
    `VERSION` (see the module docstring)."""
    found = data.get("version") if isinstance(data, dict) else None
    if found != VERSION:
        raise PayloadVersionError(level, found)
    return LEVELS[level].from_json(data)


@dataclass(frozen=True)
class Stored:
    """One stored summary row, its payload read: what `dashboards.summaries.latest_rows`
    gives (the row's month, when it was computed and the data version it came from)."""

    summary: Summary
    month: dt.date
    computed_at: dt.datetime
    data_version: int


# --- Reading stored summaries (dashboards.summaries and dashboards.claims both read here) ---

log = logging.getLogger(__name__)


def read_rows(rows) -> dict[int, tuple[ReportingSummary, Summary]]:
    """{object id: (row, its payload read)}, leaving out (and logging) a payload of another
    version: the change check recomputes it (dashboards.payloads)."""
    out = {}
    for r in rows:
        try:
            out[r.object_id] = (r, load(r.level, r.payload))
        except PayloadVersionError as e:
            log.warning("Summary %s left out: %s", r, e)
    return out


def latest_summaries(level: str, ids: Iterable[int]) -> dict[int, Summary]:
    """The newest payload of each object, in one query: {object id: payload}."""
    rows = ReportingSummary.objects.filter(level=level, object_id__in=list(ids))
    return {pk: summary for pk, (_, summary) in read_rows(rows.latest_per_object()).items()}
