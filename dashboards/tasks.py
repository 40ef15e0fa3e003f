"""Thin tasks: the reporting summaries, when their inputs change and nightly."""

from celery import shared_task


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
