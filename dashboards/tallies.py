"""The tallies every claim counts with: verdict statuses, measures improved, teams improved.

Plain values, below both dashboards.claims (which works them out and says them) and
dashboards.payloads (which stores them in the summaries), so that the claims can read the
stored summaries without an import cycle (issue 16). dashboards.claims re-exports every name
here; read the definitions in its docstring.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from measures import figures
from measures.models import Measure

IMPROVED = "improved"
DETERIORATED = "deteriorated"
NOT_SUSTAINED = "not_sustained"
NO_CHANGE = "no_change"
INSUFFICIENT = "insufficient_data"
STATUSES = (IMPROVED, DETERIORATED, NOT_SUSTAINED, NO_CHANGE, INSUFFICIENT)
JUDGED = (IMPROVED, DETERIORATED, NOT_SUSTAINED, NO_CHANGE)
# The verdicts' words, as the charts say them (measures.figures), one set everywhere.
STATUS_WORDS = {status: figures.STATUS_WORDS[status] for status in STATUSES}
# Older stored results name "no change" `none` (before the verdict of issue 14).
_ALIASES = {"none": NO_CHANGE, "": INSUFFICIENT, None: INSUFFICIENT}


def status_of(raw: str | None) -> str:
    """A stored verdict under its one name (one of `STATUSES`)."""
    status = _ALIASES.get(raw, raw)
    return status if status in STATUSES else INSUFFICIENT


# --- Measures: "N of M measures improved" ---------------------------------------------------


@dataclass(frozen=True)
class MeasureVerdict:
    """One measure's verdict for one team (or the whole collaborative)."""

    measure_id: int
    name: str
    kind: str
    status: str

    @property
    def label(self) -> str:
        return STATUS_WORDS[self.status]


@dataclass(frozen=True)
class MeasureTally:
    """Outcome and process measures improved; balancing measures beside, with verdicts."""

    improved: int = 0
    counted: int = 0
    judged: int = 0
    deteriorated: int = 0
    not_sustained: int = 0
    balancing: tuple[MeasureVerdict, ...] = ()

    @property
    def words(self) -> str:
        """ "3 of 7 measures improved" (never "3 of improvement")."""
        plural = "s" if self.counted != 1 else ""
        return f"{self.improved} of {self.counted} measure{plural} improved"

    @property
    def balancing_worse(self) -> list[MeasureVerdict]:
        return [b for b in self.balancing if b.status in (DETERIORATED, NOT_SUSTAINED)]

    def as_dict(self) -> dict:
        return {
            "improved": self.improved,
            "counted": self.counted,
            "judged": self.judged,
            "deteriorated": self.deteriorated,
            "not_sustained": self.not_sustained,
            "balancing": [
                {"measure_id": b.measure_id, "name": b.name, "status": b.status}
                for b in self.balancing
            ],
        }

    @classmethod
    def from_dict(cls, d: dict | None) -> MeasureTally:
        if not d:
            return cls()
        return cls(
            improved=d["improved"],
            counted=d["counted"],
            judged=d.get("judged", 0),
            deteriorated=d.get("deteriorated", 0),
            not_sustained=d.get("not_sustained", 0),
            balancing=tuple(
                MeasureVerdict(b["measure_id"], b["name"], Measure.Kind.BALANCING, b["status"])
                for b in d.get("balancing", [])
            ),
        )


def measures_tally(verdicts: Iterable[MeasureVerdict]) -> MeasureTally:
    """Count the outcome and process measures improved; set the balancing ones beside."""
    verdicts = list(verdicts)
    counted = [v for v in verdicts if v.kind != Measure.Kind.BALANCING]
    balancing = [v for v in verdicts if v.kind == Measure.Kind.BALANCING]
    return MeasureTally(
        improved=sum(v.status == IMPROVED for v in counted),
        counted=len(counted),
        judged=sum(v.status in JUDGED for v in counted),
        deteriorated=sum(v.status == DETERIORATED for v in counted),
        not_sustained=sum(v.status == NOT_SUSTAINED for v in counted),
        balancing=tuple(sorted(balancing, key=lambda v: v.name)),
    )


# --- Teams: "teams improved" -----------------------------------------------------------------


@dataclass(frozen=True)
class TeamTally:
    """Active teams, those with enough data for an outcome verdict, and those improved."""

    teams: int = 0
    judged: int = 0
    improved: int = 0
    deteriorated: int = 0

    @property
    def share(self) -> float | None:
        return round(self.improved / self.judged, 4) if self.judged else None

    @property
    def words(self) -> str:
        return f"{self.improved} of {self.judged} team{'s' if self.judged != 1 else ''} improved"

    def __add__(self, other: TeamTally) -> TeamTally:
        return TeamTally(
            self.teams + other.teams,
            self.judged + other.judged,
            self.improved + other.improved,
            self.deteriorated + other.deteriorated,
        )


def teams_tally(outcomes: Iterable[str | None]) -> TeamTally:
    """From each active team's outcome verdict (None: no chart yet)."""
    outcomes = [status_of(o) for o in outcomes]
    return TeamTally(
        teams=len(outcomes),
        judged=sum(o in JUDGED for o in outcomes),
        improved=sum(o == IMPROVED for o in outcomes),
        deteriorated=sum(o == DETERIORATED for o in outcomes),
    )
