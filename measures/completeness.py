"""Data completeness and reminders: which teams have sent which periods' data.

The matrix shows each active team by month: complete (every due period of every measure
in the set it reports has a value), partial, missing, or not due yet. The reminders email
each team lead once per late period, when it is `COLLAB_REMINDER_DAYS_LATE` days past due.

Complete periods (issue 14): a period is complete once it has ended and is either past its
data due date or entered by every team that owes it (`governance.reporting.owes_period`:
the teams active during it). The current period is never complete. Verdicts, aggregates,
funnels, headlines, summaries, sustain alerts and reports count complete periods only, up
to `latest_complete_period`; what a team has entered after it is shown "in progress".
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from collaboratives.models import Collaborative, Team
from governance.reporting import due_on, overdue, owes_period, periods_due
from measures.models import DataPoint, DataReminder, Measure, Series
from measures.periods import (
    EVENT,
    MONTHLY,
    WEEKLY,
    last_periods,
    next_period_start,
    period_start_for,
)

COMPLETE, PARTIAL, MISSING, NOT_DUE = "complete", "partial", "missing", "not_due"
LABELS = {
    COMPLETE: "Complete",
    PARTIAL: "Partial",
    MISSING: "Missing",
    NOT_DUE: "Not due yet",
}


@dataclass(frozen=True)
class MatrixCell:
    month: dt.date
    state: str
    filled: int
    expected: int

    @property
    def label(self) -> str:
        return LABELS[self.state]


def completeness_matrix(collaborative, *, today: dt.date, months: int = 12):
    """(months, [(team, [MatrixCell])]) for the collaborative's active teams."""
    month_starts = last_periods(MONTHLY, today, months)
    first, end = month_starts[0], next_period_start(month_starts[-1], MONTHLY)
    series = list(
        Series.objects.filter(
            team__collaborative=collaborative,
            team__status="active",
            measure__in=collaborative.measure_set.values("measure_id"),
        )
        .exclude(measure__frequency=Measure.Frequency.EVENT)
        .select_related("measure", "team__organisation")
    )
    filled = set(
        DataPoint.objects.filter(
            series__in=series, period_start__gte=first, period_start__lt=end
        ).values_list("series_id", "period_start")
    )
    counts = defaultdict(lambda: [0, 0])  # (team, month) -> [filled, expected]
    teams = {}
    for s in series:
        teams[s.team_id] = s.team
        due = periods_due(
            collaborative,
            s.team,
            s.measure.frequency,
            today=today,
            start=first,
            end=end - dt.timedelta(days=1),
        )
        for start in due:
            key = (s.team_id, start.replace(day=1))
            counts[key][1] += 1
            counts[key][0] += (s.pk, start) in filled
    rows = []
    for team in sorted(teams.values(), key=str):
        cells = []
        for month in month_starts:
            got, expected = counts.get((team.pk, month), (0, 0))
            if expected == 0:
                state = NOT_DUE
            elif got == expected:
                state = COMPLETE
            elif got == 0:
                state = MISSING
            else:
                state = PARTIAL
            cells.append(MatrixCell(month, state, got, expected))
        rows.append((team, cells))
    return month_starts, rows


def data_reminders_send(*, today: dt.date | None = None) -> int:
    """Email each team lead about periods that became late enough since the last run.

    Steps: for each active collaborative, the periods each team owes (governance.reporting);
    keep those `COLLAB_REMINDER_DAYS_LATE` days past due and not reminded yet; record them
    and send one email per team in the same transaction, so a failed send is retried
    tomorrow and a sent one never repeats. Returns the emails sent.
    """
    today = today or timezone.localdate()
    days_late = settings.COLLAB_REMINDER_DAYS_LATE
    sent = 0
    collaboratives = Collaborative.objects.filter(phase=Collaborative.Phase.ACTIVE)
    for collaborative in collaboratives:
        by_team = defaultdict(list)
        for owed in overdue(collaborative, today):
            for start in owed.periods:
                due = due_on(start, owed.measure.frequency, collaborative.data_due_days)
                if due + dt.timedelta(days=days_late) <= today:
                    by_team[owed.team].append((owed.measure, start))
        for team, late in by_team.items():
            lead = team.lead
            if lead is None or not lead.email:
                continue
            done = set(
                DataReminder.objects.filter(team=team).values_list("measure_id", "period_start")
            )
            new = [(m, p) for m, p in late if (m.pk, p) not in done]
            if not new:
                continue
            with transaction.atomic():
                now = timezone.now()
                DataReminder.objects.bulk_create(
                    [
                        DataReminder(
                            team=team, measure=m, period_start=p, sent_to=lead.email, sent_at=now
                        )
                        for m, p in new
                    ]
                )
                lines = "\n".join(
                    f"- {m.name}: {p:%B %Y}"
                    if m.frequency == MONTHLY
                    else f"- {m.name}: week of {p:%d %B %Y}"
                    for m, p in new
                )
                send_mail(
                    subject=f"Collab: data for {team} is late",
                    message=(
                        f"Dear {lead.name},\n\nThese values for {team} in {collaborative} "
                        f"were due more than {days_late} days ago:\n\n{lines}\n\n"
                        f"Enter them at {settings.SITE_URL}/teams/{team.pk}/data/\n"
                    ),
                    from_email=None,
                    recipient_list=[lead.email],
                )
            sent += 1
    return sent


# --- Complete periods ----------------------------------------------------------------------


def previous_period_start(start: dt.date, frequency: str) -> dt.date:
    return period_start_for(start - dt.timedelta(days=1), frequency)


def _grain(frequency: str) -> str:
    """The periods completeness is judged in: event-dated series count by calendar month."""
    return MONTHLY if frequency == EVENT else frequency


def _awaited(collaborative, frequency: str, today: dt.date) -> list[dt.date]:
    """The ended periods whose data is not yet due, newest first (a few at most)."""
    out = []
    start = previous_period_start(period_start_for(today, frequency), frequency)
    while due_on(start, frequency, collaborative.data_due_days) >= today:
        out.append(start)
        start = previous_period_start(start, frequency)
    return out


def _entered(collaboratives: dict, wanted: dict) -> dict:
    """{(collaborative id, frequency, period): entered by every team that owes it} for the
    `wanted` {(collaborative id, frequency): [periods]}, in three queries.

    A team has entered a period when each of its series of that frequency in the measure set
    has a value for it; a team that reports no measure of that frequency is not waited for.
    """
    if not wanted:
        return {}
    ids = sorted({cid for cid, _ in wanted})
    # Each query without its model's ordering: nothing below depends on the order, and
    # the series' and teams' orderings join three more tables (and widen the DISTINCT).
    teams = defaultdict(list)
    for team in (
        Team.objects.filter(collaborative_id__in=ids)
        .only("id", "collaborative_id", "joined_on", "withdrawn_on")
        .order_by()
    ):
        teams[team.collaborative_id].append(team)
    series = defaultdict(list)  # (team id, frequency) -> series ids
    for sid, team_id, frequency in (
        Series.objects.filter(
            team__collaborative_id__in=ids,
            measure__frequency__in=[f for _, f in wanted],
            measure__in_collaboratives__collaborative_id=F("team__collaborative_id"),
        )
        .values_list("id", "team_id", "measure__frequency")
        .order_by()
        .distinct()
    ):
        series[(team_id, frequency)].append(sid)
    first = min(p for periods in wanted.values() for p in periods)
    # By the series read above, not by a join to their collaboratives: the planner then
    # reads the (series, period) index instead of scanning every point in the country.
    owed = sorted({sid for sids in series.values() for sid in sids})
    filled = set(
        DataPoint.objects.filter(series_id__in=owed, period_start__gte=first)
        .values_list("series_id", "period_start")
        .order_by()
    )
    out = {}
    for (cid, frequency), periods in wanted.items():
        for start in periods:
            out[(cid, frequency, start)] = all(
                (sid, start) in filled
                for team in teams[cid]
                if owes_period(collaboratives[cid], team, start, frequency)
                for sid in series[(team.pk, frequency)]
            )
    return out


def complete_cutoffs(collaboratives, *, today: dt.date) -> dict[tuple[int, str], dt.date]:
    """{(collaborative id, frequency): latest complete period} for weekly, monthly and
    event-dated series, in at most three queries whatever the number of collaboratives.

    Steps: per frequency, the ended periods not yet past due (`_awaited`); for those, whether
    every team that owes them has entered them (`_entered`). The cutoff is the period before
    the oldest awaited one still missing data, else the period before the current one. For
    event-dated series it is the latest month past due: nobody can tell that all of a
    month's events are in before then.
    """
    collaboratives = {c.pk: c for c in collaboratives}
    wanted = {}
    for cid, c in collaboratives.items():
        for frequency in (MONTHLY, WEEKLY):
            awaited = _awaited(c, frequency, today)
            if awaited:
                wanted[(cid, frequency)] = awaited
    entered = _entered(collaboratives, wanted)
    out = {}
    for cid, c in collaboratives.items():
        for frequency in (MONTHLY, WEEKLY):
            cutoff = previous_period_start(period_start_for(today, frequency), frequency)
            for start in wanted.get((cid, frequency), []):  # newest first
                if not entered[(cid, frequency, start)]:
                    cutoff = previous_period_start(start, frequency)
            out[(cid, frequency)] = cutoff
        awaited = _awaited(c, MONTHLY, today)
        current = period_start_for(today, MONTHLY)
        out[(cid, EVENT)] = previous_period_start(awaited[-1] if awaited else current, MONTHLY)
    return out


def latest_complete_period(collaborative, *, frequency: str, today: dt.date) -> dt.date:
    """The latest period of `frequency` that is complete, and every one before it too.

    Counts use the periods up to it, so a period is never counted while an earlier one is
    still awaited. For event-dated series ("event") it is a month: events dated up to its
    last day count. Never the current period.
    """
    return complete_cutoffs([collaborative], today=today)[(collaborative.pk, frequency)]


def is_complete(collaborative, period_start: dt.date, *, frequency: str, today: dt.date) -> bool:
    """Whether the period (of `frequency`, starting `period_start`) is complete: it has ended,
    and it is past its data due date or every team that owed it has entered it."""
    grain = _grain(frequency)
    start = period_start_for(period_start, grain)
    if next_period_start(start, grain) > today:
        return False  # the current period, or one still to come
    if due_on(start, grain, collaborative.data_due_days) < today:
        return True
    if frequency == EVENT:
        return False
    key = (collaborative.pk, frequency)
    return _entered({collaborative.pk: collaborative}, {key: [start]})[(*key, start)]


def cutoff_for(cutoffs: dict, collaborative_id: int, frequency: str, *, monthly: bool = False):
    """The last period to count of a series (or of months of a weekly one, `monthly`), from
    `complete_cutoffs`; None when there is none.

    A month of weekly data is complete when every week starting in it is complete.
    """
    cutoff = cutoffs.get((collaborative_id, frequency))
    if cutoff is None or not (monthly and frequency == WEEKLY):
        return cutoff
    # the month before the one in which the week after the cutoff starts
    return previous_period_start(period_start_for(cutoff + dt.timedelta(days=7), MONTHLY), MONTHLY)


def last_day_of(start: dt.date | None, frequency: str) -> dt.date | None:
    """The last day of the period starting `start` (a month for event-dated series)."""
    if start is None:
        return None
    return next_period_start(start, _grain(frequency)) - dt.timedelta(days=1)


def headline_measure(collaborative):
    """The measure a collaborative's headline reads: its stretch target's, else the first
    outcome measure of its set."""
    target = collaborative.current_stretch_target()
    if target is not None:
        return target.measure
    cm = (
        collaborative.measure_set.filter(measure__kind=Measure.Kind.OUTCOME)
        .select_related("measure")
        .first()
    )
    return cm.measure if cm else None


def headline_period(
    collaborative, *, today: dt.date, measure=None, cutoffs: dict | None = None
) -> dt.date | None:
    """The period a headline figure ("N% of the way to the target") is read from.

    The latest complete period in which at least `COLLAB_HEADLINE_MIN_REPORTING` of the
    teams that report `measure` (by default `headline_measure`) and owed the period sent
    it. Weekly measures are read as months (the aggregate chart rolls them up), so a month
    counts when every week starting in it is complete; a team reported a month when it sent
    any week of it. Event-dated measures cannot tell a late team from a quiet one: their
    latest complete month. None when no period qualifies.

    `cutoffs`: `complete_cutoffs` on `today` for collaboratives including this one, when
    the caller has read them already.
    """
    measure = measure or headline_measure(collaborative)
    if measure is None:
        return None
    today_cutoffs = (
        cutoffs if cutoffs is not None else complete_cutoffs([collaborative], today=today)
    )
    cutoff = cutoff_for(today_cutoffs, collaborative.pk, measure.frequency, monthly=True)
    if measure.is_event_dated:
        return cutoff
    grain = MONTHLY if measure.frequency == WEEKLY else measure.frequency
    reporting = {
        s.team_id: s.team
        for s in Series.objects.filter(
            team__collaborative=collaborative, measure=measure
        ).select_related("team")
    }
    reported = defaultdict(set)
    for team_id, start in (
        DataPoint.objects.filter(series__team_id__in=list(reporting), series__measure=measure)
        .filter(period_start__lt=next_period_start(cutoff, grain))
        .values_list("series__team_id", "period_start")
        .distinct()
    ):
        reported[period_start_for(start, grain)].add(team_id)
    if not reported:
        return None
    share = settings.COLLAB_HEADLINE_MIN_REPORTING
    first, start = min(reported), cutoff
    while start >= first:
        owing = {t for t, tm in reporting.items() if owes_period(collaborative, tm, start, grain)}
        sent = len(reported.get(start, set()) & owing)
        if sent and sent >= share * len(owing):
            return start
        start = previous_period_start(start, grain)
    return None
