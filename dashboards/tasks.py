"""Thin tasks: the reporting summaries, when their inputs change and nightly; the sustain
alerts, after a recompute and daily."""

from celery import shared_task
from django.db import transaction


@shared_task
def summaries_refresh_changed() -> dict:
    """Beat, every few minutes: recompute the summaries of collaboratives whose data,
    charts or cycles changed since their summary was stored (dashboards.summaries)."""
    from dashboards.summaries import summaries_refresh_changed as refresh

    return refresh()


@shared_task
def summaries_compute_all() -> dict:
    """Beat, nightly: recompute every summary, catching what the change check cannot see
    (assessment ratings, phase moves) and starting each month's snapshot."""
    from dashboards.summaries import summaries_compute

    return summaries_compute()


@shared_task
def summaries_compute_for(collaborative_ids: list[int]) -> dict:
    """Recompute these collaboratives' summaries now (after a phase move, for example)."""
    from dashboards.summaries import summaries_compute

    return summaries_compute(collaborative_ids=collaborative_ids)


@shared_task
def sustain_alerts_detect(series_ids: list[int]) -> int:
    """Raise the sustain alerts of these series' new charts (sent by name by
    measures.recompute once it has stored them). Safe to run twice: an alert is raised once."""
    from dashboards.sustain import alerts_detect

    with transaction.atomic():
        return len(alerts_detect(series_ids=series_ids))


@shared_task
def sustain_alerts_sweep() -> int:
    """Daily (beat): check every chart in the sustain phase for a fading gain, and send any
    alert email still owed. Safe to run twice: alerts and emails happen once."""
    from dashboards.sustain import alerts_sweep

    return alerts_sweep()
