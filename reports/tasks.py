"""Thin tasks: take an id, call the plain function in reports.build."""

from celery import shared_task

from collab import jobs
from reports.build import review_build, reviews_sweep


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def report_build(self, report_id: int) -> bool:
    """Build a contract review. Safe to deliver twice or after a worker died mid-way: the
    build claims the row first (reports.build) and a second delivery finds it held or done."""
    return review_build(report_id, worker=jobs.worker_name(self))


@shared_task
def sweep_report_builds() -> dict:
    """Beat, every minute: re-send lost builds and take back those of silent workers."""
    return reviews_sweep()
