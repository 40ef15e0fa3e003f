"""Sustain alerts: a gain fading after a collaborative's improvement phase.

In the sustain phase teams keep reporting their measures. When a series' verdict moves out
of `improved` (`gain_lost`: the gain is `not_sustained`, or the chart `deteriorated` after
a gain), a `SustainAlert` is raised once for it, shown on the team's and the AHSN's
pages, and its team lead is emailed once. A single point of concern under a gain that
still holds raises nothing.

`alerts_detect(series_ids=...)` runs where charts are recomputed (measures.recompute sends
dashboards.tasks.sustain_alerts_detect by name) and daily for every series in the sustain
phase (dashboards.tasks.sustain_alerts_sweep), so a collaborative that moves into the phase
is checked without waiting for new data.
"""

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboards.models import SustainAlert
from measures.figures import RULE_WORDS
from measures.models import ChartResult, Series

log = logging.getLogger(__name__)


def _better(a, b, improvement: str) -> bool:
    return a < b if improvement == "down" else a > b


def _improved_before(result, index: int) -> bool:
    """Whether the chart showed a gain before `index`: a stretch of improvement in the
    verdict's history, a point of improvement, or a phase whose centre line is better than
    the first phase's (teams re-baseline after improving)."""
    history = getattr(result, "verdict_history", None) or []
    if any(e.get("side") == "improvement" and e.get("first_index", index) < index for e in history):
        return True
    if any(t == "improvement" for t in result.point_type[:index]):
        return True
    phases = result.phases or []
    if len(phases) > 1 and phases[0].get("cl") is not None:
        return any(
            phase.get("cl") is not None
            and phase["start"] < index
            and _better(phase["cl"], phases[0]["cl"], result.improvement)
            for phase in phases[1:]
        )
    return False


def gain_lost(result) -> tuple[int, str] | None:
    """(index, rule) where the series' verdict left `improved`, or None.

    The one rule of the sustain alerts (dashboards.claims re-exports it): a transition out
    of `improved`, read from the verdict, never from a single point of concern. The gain is
    lost when the verdict is `not_sustained` (a gain that held no longer holds; the index
    is where that gain began), or `deteriorated` after the chart had shown a gain (the
    index is where the concern began). A concern point under a gain that still holds
    (`improved`) raises nothing.
    """
    if result.improvement not in ("up", "down") or not result.x:
        return None
    status = {"none": "no_change"}.get(result.status, result.status)
    first = result.verdict_first_index
    last = len(result.x) - 1
    if status == "not_sustained":
        return (first if first is not None else last), result.verdict_rule or ""
    if status == "deteriorated":
        index = first if first is not None else last
        if _improved_before(result, index):
            return index, result.verdict_rule or ""
    return None


def alert_message(series, result, index: int, rule: str) -> str:
    day = dt.date.fromisoformat(result.x[index])
    if result.status == "not_sustained":
        return (
            f"{series.measure.name} had improved, from {day:%-d %b %Y}, and the gain no "
            f"longer holds: the latest periods are no longer clearly better than the baseline."
        )
    how = RULE_WORDS.get(rule, "a signal")
    return (
        f"{series.measure.name} had improved, and from {day:%-d %b %Y} shows {how} "
        f"in the direction of concern: the gain is lost."
    )


def alerts_detect(*, series_ids, now=None) -> list[SustainAlert]:
    """Raise (once) the alerts of these series' newest charts; clear those no longer shown.
    Returns the alerts raised now; their team leads are emailed after commit."""
    from collaboratives.models import Collaborative, Team

    now = now or timezone.now()
    series = {
        s.pk: s
        for s in Series.objects.filter(
            pk__in=list(series_ids),
            team__collaborative__phase=Collaborative.Phase.SUSTAIN,
            team__status=Team.Status.ACTIVE,
        ).select_related("measure", "team__lead", "team__collaborative")
    }
    if not series:
        return []
    # Not the stored figures: nothing here draws a chart.
    results = (
        ChartResult.objects.filter(series_id__in=list(series)).latest_per_series().defer("figure")
    )
    # Read the alerts already raised once, not per series (a chunk holds hundreds).
    known = set()
    open_alerts = defaultdict(list)
    for pk, series_id, period, cleared in SustainAlert.objects.filter(
        series_id__in=list(series)
    ).values_list("pk", "series_id", "period_start", "cleared_at"):
        known.add((series_id, period))
        if cleared is None:
            open_alerts[series_id].append((pk, period))
    raised, to_clear = [], []
    for result in results:
        s = series[result.series_id]
        signal = gain_lost(result)
        period = None if signal is None else dt.date.fromisoformat(result.x[signal[0]])
        to_clear += [pk for pk, p in open_alerts[s.pk] if p != period]
        if signal is None or (s.pk, period) in known:
            continue
        index, rule = signal
        try:
            with transaction.atomic():
                alert = SustainAlert.objects.create(
                    series=s,
                    team=s.team,
                    period_start=period,
                    rule=rule,
                    status=result.status,
                    message=alert_message(s, result, index, rule),
                    raised_at=now,
                )
        except IntegrityError:  # another worker raised it meanwhile
            continue
        raised.append(alert)
    if to_clear:
        SustainAlert.objects.filter(pk__in=to_clear, cleared_at__isnull=True).update(cleared_at=now)
    if raised:
        ids = [a.pk for a in raised]
        transaction.on_commit(lambda: alerts_email(alert_ids=ids), robust=True)
    return raised


def alerts_email(*, alert_ids=None) -> int:
    """Email each alert's team lead once: claim the alert with a conditional UPDATE, then
    send in the same transaction, so a failed send is retried by the next sweep and a
    sent one never repeats. Returns the emails sent."""
    alerts = SustainAlert.objects.filter(emailed_at__isnull=True, cleared_at__isnull=True)
    if alert_ids is not None:
        alerts = alerts.filter(pk__in=list(alert_ids))
    sent = 0
    for alert in alerts.select_related("team__lead", "team__collaborative", "series__measure"):
        lead = alert.team.lead
        if lead is None or not lead.email:
            continue
        with transaction.atomic():
            claimed = SustainAlert.objects.filter(pk=alert.pk, emailed_at__isnull=True).update(
                emailed_at=timezone.now(), emailed_to=lead.email
            )
            if not claimed:
                continue
            send_mail(
                subject=f"Collab: {alert.series.measure.name} at {alert.team} may be slipping",
                message=(
                    f"Dear {lead.name},\n\n{alert.message}\n\n"
                    f"{alert.team.collaborative} is in its sustain and spread phase. "
                    f"See the team's dashboard: "
                    f"{settings.SITE_URL}/teams/{alert.team_id}/dashboard/\n"
                ),
                from_email=None,
                recipient_list=[lead.email],
            )
        sent += 1
    return sent


def alerts_sweep() -> int:
    """Check every series in the sustain phase; send any email still owed."""
    from collaboratives.models import Collaborative

    ids = Series.objects.filter(team__collaborative__phase=Collaborative.Phase.SUSTAIN).values_list(
        "pk", flat=True
    )
    raised = alerts_detect(series_ids=list(ids))
    alerts_email()
    return len(raised)
