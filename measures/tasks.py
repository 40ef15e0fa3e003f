"""Thin tasks: take ids and plain data, load the rows, call the plain function."""

import datetime as dt

from celery import shared_task
from celery.signals import worker_process_init
from django.contrib.auth import get_user_model

from collab import jobs
from measures.models import Series
from measures.spc.memory import keep_freed_memory
from measures.writes import PointChange, datapoints_write


@worker_process_init.connect
def _keep_freed_memory(**_):
    """Workers run the national recompute's large batches: let them reuse freed array pages
    (measures/spc/memory.py). A process-wide allocator choice, so it is made where a worker
    process starts, not inside the statistics core: web processes keep glibc's defaults and
    hand freed memory back."""
    keep_freed_memory()


@shared_task
def datapoints_write_task(
    series_id: int, points: list[dict], *, by_id: int | None, source: str, reason: str = ""
) -> dict:
    """Write points to one series in a worker, through the one write path.

    `points` is plain JSON: ``[{"period_start": "2024-01-01", "numerator": "3",
    "denominator": "250"}]``. Safe to run twice, as late acknowledgement may make it:
    writing the same values again changes nothing and records no revision.
    """
    series = Series.objects.select_related("measure").get(pk=series_id)
    by = get_user_model().objects.get(pk=by_id) if by_id is not None else None
    changes = [
        PointChange(
            period_start=dt.date.fromisoformat(point["period_start"]),
            numerator=point["numerator"],
            denominator=point.get("denominator"),
        )
        for point in points
    ]
    result = datapoints_write(series=series, changes=changes, by=by, source=source, reason=reason)
    return {
        "created": result.created,
        "updated": result.updated,
        "cleared": result.cleared,
        "unchanged": result.unchanged,
        "data_version": result.data_version,
    }


@shared_task(bind=True)
def recompute_series(self, series_id: int) -> int:
    """Recompute one series' chart if its job is still pending (see measures.recompute)."""
    from measures.recompute import charts_recompute

    return charts_recompute(series_ids=[series_id], worker=jobs.worker_name(self))


@shared_task(bind=True)
def recompute_chunk(self, series_ids: list[int]) -> int:
    """Recompute many series' charts in one batch of the statistics core."""
    from measures.recompute import charts_recompute

    return charts_recompute(series_ids=series_ids, worker=jobs.worker_name(self))


@shared_task
def sweep_recompute_jobs() -> dict:
    """Beat, every minute: re-send lost or abandoned chart jobs; fail the hopeless ones."""
    from measures.recompute import jobs_sweep

    return jobs_sweep()


@shared_task
def import_batch_confirm_task(batch_id: int, by_id: int) -> dict:
    """Import a previewed batch in a worker. Running it twice imports once: the second run
    finds the batch claimed."""
    from measures.imports import ImportNotReady, import_confirm
    from measures.models import ImportBatch
    from measures.writes import DataPointConflict

    batch = ImportBatch.objects.get(pk=batch_id)
    by = get_user_model().objects.get(pk=by_id)
    try:
        return import_confirm(batch=batch, user=by)
    except (ImportNotReady, DataPointConflict) as e:
        return {"error": str(e)}


@shared_task
def data_reminders_send() -> int:
    """Daily (beat): email team leads whose data is late. Safe to run twice a day."""
    from measures.completeness import data_reminders_send as send

    return send()


@shared_task
def complete_periods_advance() -> int:
    """Daily (beat): recompute the charts whose latest complete period has moved. Safe to
    run twice: the second run finds nothing moved."""
    from measures.recompute import complete_periods_advance as advance

    return len(advance())
