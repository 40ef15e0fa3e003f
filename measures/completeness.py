"""Data completeness and reminders: which teams have sent which periods' data.

The matrix shows each active team by month: complete (every due period of every measure
in the set it reports has a value), partial, missing, or not due yet. The reminders email
each team lead once per late period, when it is `COLLAB_REMINDER_DAYS_LATE` days past due.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from governance.reporting import due_on, overdue
from measures.grid import last_periods
from measures.models import DataPoint, DataReminder, Measure, Series
from measures.periods import MONTHLY, next_period_start, period_starts

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
        for start in period_starts(s.measure.frequency, first, end - dt.timedelta(days=1)):
            if (
                start < first
                or due_on(start, s.measure.frequency, collaborative.data_due_days) >= today
            ):
                continue
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
    from collaboratives.models import Collaborative

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
