"""A real worker, over Redis and PostgreSQL, produces the chart of newly committed data."""

import datetime as dt
import uuid

import pytest

from collab.celery import app as celery_app
from measures.data import series_inputs
from measures.models import ChartResult, DataPointRevision, RecomputeJob
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast
from tests.test_celery_worker import start_worker, stop_worker, wait_until

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_stores_the_result_of_the_committed_inputs(monkeypatch, tmp_path):
    cast = build_cast()
    series = cast.alpha_series
    queue = f"collab-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    # This test's own queue, so parallel test processes do not take each other's tasks.
    for name in ("measures.tasks.recompute_series", "measures.tasks.recompute_chunk"):
        task = celery_app.tasks[name]
        monkeypatch.setattr(task, "queue", queue, raising=False)
        monkeypatch.setattr(task, "_exec_options", None, raising=False)

    worker = start_worker(queue, log)
    try:
        datapoints_write(
            series=series,
            changes=[
                PointChange(dt.date(2024, m, 1), 3 + m % 4, 1000 + 10 * m) for m in range(1, 13)
            ],
            by=None,
            source=DataPointRevision.Source.IMPORT,
            today=dt.date(2025, 1, 1),
        )
        wanted = series_inputs([series.pk])[series.pk].inputs_hash

        def stored():
            done = RecomputeJob.objects.filter(series=series, status="done").exists()
            return done and ChartResult.objects.filter(series=series, inputs_hash=wanted).exists()

        wait_until(stored, worker, log)
    finally:
        stop_worker(worker)

    result = ChartResult.objects.get(series=series, inputs_hash=wanted)
    assert result.n_points == 12 and result.chart == "u"
    job = RecomputeJob.objects.get(series=series)
    assert job.status == "done" and job.claimed_by.startswith(f"{queue}@")
    assert "recompute_series" in log.read_text()
