"""Where a team stands among its peers, in plain words, from the funnel plot.

`peer_position(funnel, team_id)` reads one team's place on a funnel plot that has already
been computed (`dashboards.aggregate.funnel_for`) and says it as a sentence a team lead can
act on: "Within the range expected of teams your size over the 12 months to Nov 2026", or
"Higher than expected: above the 99.8% limit ...". It reads nothing from the database and
computes no statistics of its own, so the words always agree with the funnel plot that the
collaborative's dashboard draws for the same window. `team_peer_position(series, user,
scope)` is its front door for one team's series: it reads the funnel the collaborative's
dashboard draws by default and calls `peer_position`; every page that speaks of a team's
place among its peers (the team dashboard, the role home pages) calls it.

The statuses, in the order they are decided:

| status        | when                                                             |
|---------------|------------------------------------------------------------------|
| `no_funnel`   | the measure cannot be compared on a funnel (no denominator...)   |
| `no_data`     | the team has no figures in the window                            |
| `withheld`    | the team's figures are withheld under the small-number rules     |
| `too_few`     | fewer than `MIN_TEAMS` teams on the plot: no fair comparison     |
| `above998`    | above the 99.8% limit: higher than expected                      |
| `below998`    | below the 99.8% limit: lower than expected                       |
| `above95`     | above the 95% limit only: higher than most, not clearly so       |
| `below95`     | below the 95% limit only: lower than most, not clearly so        |
| `within`      | within the 95% limits: in the range expected of teams its size   |

Whether higher is better follows the measure's direction of improvement; a measure with no
direction says neither.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dashboards.aggregate import DEFAULT_WINDOW, funnel_data_type, funnel_for, window_dates
from governance import access, disclosure
from measures.models import CollaborativeMeasure

# Fewer teams than this and the pooled rate is mostly the team itself, and the spread
# between teams (the overdispersion that widens the limits) cannot be estimated: say so
# rather than compare. Five is the smallest group Spiegelhalter (2005) works an example on.
MIN_TEAMS = 5

STATUSES = (
    "no_funnel",
    "no_data",
    "withheld",
    "too_few",
    "above998",
    "below998",
    "above95",
    "below95",
    "within",
)


@dataclass(frozen=True)
class PeerPosition:
    """One team's place among its peers: a status (see the module docstring), the sentence
    to show, and whether that place is `better`, `worse` or neither ("") for the measure."""

    status: str
    words: str
    judgement: str = ""

    @property
    def outside(self) -> bool:
        """Outside the 99.8% limits: a clear difference from teams of its size."""
        return self.status in ("above998", "below998")


def _window(start: dt.date | None, end: dt.date | None) -> str:
    if end is None:
        return ""
    if start is None:
        return f" over every period reported to {end:%b %Y}"
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months == 1:
        return f" in {end:%b %Y}"
    return f" over the {months} months to {end:%b %Y}"


def _judgement(side: str, direction: str) -> str:
    if direction not in ("up", "down"):
        return ""
    return "better" if (side == "above") == (direction == "up") else "worse"


def peer_position(funnel, team_id: int, *, you: bool = True) -> PeerPosition:
    """Where team `team_id` stands on `funnel` (a `dashboards.aggregate.Funnel`), in words.

    `you`: speak to the team ("teams your size", for its own people) or about it ("teams
    of its size", for faculty and managers reading a team's page).
    """
    size = "teams your size" if you else "teams of its size"
    own = "Your team" if you else "The team"
    window = _window(funnel.start, funnel.end)
    if funnel.result is None and not funnel.units:
        reason = funnel.reason or "there is nothing to compare."
        if not funnel.data_type:
            return PeerPosition("no_funnel", f"No comparison with other teams: {_lower(reason)}")
        return PeerPosition("no_data", f"No comparison with other teams{window}: {_lower(reason)}")
    unit = next((u for u in funnel.units if u.team.pk == team_id), None)
    if unit is None:
        return PeerPosition(
            "no_data",
            f"No comparison with other teams: {own.lower()} reported no figures for this "
            f"measure{window}.",
        )
    if unit.suppressed:
        return PeerPosition(
            "withheld",
            f"Not compared: {own.lower()}'s figures{window} are too small to publish.",
        )
    teams = len(funnel.plotted)
    if teams < MIN_TEAMS:
        return PeerPosition(
            "too_few",
            f"Too few teams to compare: {teams} reported this measure{window}; a fair "
            f"comparison needs at least {MIN_TEAMS}.",
        )
    status = unit.outside or "within"
    if status == "within":
        return PeerPosition("within", f"Within the range expected of {size}{window}.")
    side = "above" if status.startswith("above") else "below"
    word = "higher" if side == "above" else "lower"
    judgement = _judgement(side, getattr(funnel.measure, "direction", ""))
    which = f" For this measure, {word} is {judgement}." if judgement else ""
    if status in ("above", "below"):  # FunnelTeam.outside: "above"/"below" the 99.8% limits
        return PeerPosition(
            status + "998",
            f"{word.title()} than expected: {side} the 99.8% limit for {size}{window}.{which}",
            judgement,
        )
    return PeerPosition(
        status,
        f"{word.title()} than most: {side} the 95% limit but within the 99.8% limit for "
        f"{size}{window}, not yet a clear difference.{which}",
        judgement,
    )


def _lower(text: str) -> str:
    text = text.strip()
    return text[:1].lower() + text[1:] if text else text


def team_peer_position(
    series,
    user,
    scope,
    *,
    cutoffs: dict | None = None,
    cm: CollaborativeMeasure | None = None,
    newest: dict | None = None,
    teams: dict | None = None,
) -> tuple[PeerPosition | None, str]:
    """Where the series' team stands among its peers (`dashboards.peers.peer_position`),
    read from the funnel plot the collaborative's dashboard draws by default (its window; its
    figures, published ones to a viewer whose `scope` is outside the sharing terms), and the
    query of that funnel's page; (None, "") for a measure outside the collaborative's set.
    `cutoffs`: the collaborative's complete periods on today, `newest`: its measures' newest
    periods (both as `window_dates` takes them), `cm`: the measure's row in its
    collaborative's set with its measure and collaborative, and `teams`: its teams
    (`funnel_teams`), when the caller has them for several measures."""
    team = series.team
    collaborative = team.collaborative
    if cm is None:
        cm = (
            CollaborativeMeasure.objects.filter(
                collaborative=collaborative, measure=series.measure_id
            )
            .select_related("measure", "collaborative")
            .first()
        )
    if cm is None:
        return None, ""
    own = set(access.principal(user).teams)
    you = team.pk in own
    if not funnel_data_type(cm.measure):  # says why there is no comparison; reads no rows
        return peer_position(funnel_for(cm, figure=False), team.pk, you=you), ""
    publish = disclosure.publisher(scope, cm.measure)
    start, end = window_dates(cm, DEFAULT_WINDOW, cutoffs=cutoffs, newest=newest)
    funnel = funnel_for(
        cm, start=start, end=end, publish=publish, figure=False, end_complete=True, teams=teams
    )
    return peer_position(funnel, team.pk, you=you), f"measure={cm.pk}&window={DEFAULT_WINDOW}"
