"""Reporting periods and what is owed: a period's data is due some days after it ends.

A weekly period runs Monday to Sunday and a monthly one the whole month
(measures/periods.py); the collaborative's `data_due_days` says how long after its last
day the data is due. A team owes every due period of each measure in the collaborative's
set it reports (mandatory, or optional and chosen) that has no data point.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from measures import periods
from measures.models import DataPoint, Measure, Series


def due_on(period_start: dt.date, frequency: str, due_days: int) -> dt.date:
    """The day a period's data is due: `due_days` after the period's last day."""
    last_day = periods.next_period_start(period_start, frequency) - dt.timedelta(days=1)
    return last_day + dt.timedelta(days=due_days)


def first_owed(collaborative, team) -> dt.date:
    """The first day whose period a team owes: when the collaborative started or it joined."""
    return max(collaborative.starts_on, team.joined_on)


def owes_period(collaborative, team, period_start: dt.date, frequency: str) -> bool:
    """Whether `team` owes the period's data (when it reports a measure of `frequency`).

    It owes every period from the one in which it joined (or the collaborative started)
    that began before the collaborative ended, unless it withdrew before the period's last
    day: a team that withdraws mid-period is not waited for. Periods owed by a team still
    active are what `overdue` lists once they are due.
    """
    if period_start < periods.period_start_for(first_owed(collaborative, team), frequency):
        return False
    if collaborative.ends_on is not None and period_start > collaborative.ends_on:
        return False
    last_day = periods.next_period_start(period_start, frequency) - dt.timedelta(days=1)
    return team.withdrawn_on is None or team.withdrawn_on > last_day


def periods_due(
    collaborative,
    team,
    frequency: str,
    *,
    today: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[dt.date]:
    """The periods (of one measure of `frequency`) that `team` owes and whose data is due
    by `today` (`due_on` before it), sent or not; with `start` and `end`, only those that
    begin between them. The one count of what is owed: the overdue list, the completeness
    matrix (and so the summaries) and the contract review's engagement all use it."""
    first = first_owed(collaborative, team)
    if start is not None:
        first = max(first, start)
    last_day = min(d for d in (collaborative.ends_on, end, today) if d is not None)
    return [
        p
        for p in periods.period_starts(frequency, first, last_day)
        if (start is None or p >= start)
        and owes_period(collaborative, team, p, frequency)
        and due_on(p, frequency, collaborative.data_due_days) < today
    ]


def periods_owed(collaborative, team, frequency: str, *, today: dt.date, sent) -> list[dt.date]:
    """The due periods (of one measure of `frequency`) that `team` owes and has not sent:
    `sent` holds the period starts it has sent."""
    return [p for p in periods_due(collaborative, team, frequency, today=today) if p not in sent]


@dataclass(frozen=True)
class Owed:
    team: object
    measure: object
    periods: list[dt.date]


def overdue(collaborative, today: dt.date) -> list[Owed]:
    """Which active teams owe which periods of which measures, most owed first."""
    in_set = collaborative.measure_set.values("measure_id")
    series = list(
        Series.objects.filter(
            team__collaborative=collaborative,
            team__status="active",
            measure__in=in_set,
        )
        .exclude(measure__frequency=Measure.Frequency.EVENT)
        .select_related("measure", "team__organisation", "team__collaborative")
    )
    sent = defaultdict(set)
    for series_id, start in DataPoint.objects.filter(series__in=series).values_list(
        "series_id", "period_start"
    ):
        sent[series_id].add(start)
    owed = []
    for s in series:
        missing = periods_owed(
            collaborative, s.team, s.measure.frequency, today=today, sent=sent[s.id]
        )
        if missing:
            owed.append(Owed(team=s.team, measure=s.measure, periods=missing))
    owed.sort(key=lambda o: (-len(o.periods), str(o.team), o.measure.name))
    return owed
