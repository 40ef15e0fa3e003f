"""A real Celery worker process, on the running Redis and PostgreSQL, does committed work.

The rest of the suite runs tasks eagerly; this proves the production path end to end:
the message crosses Redis, a separate process writes through the one write path, and
the rows it commits are there for everyone else.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.db import connection

from collab.celery import app as celery_app
from measures.models import DataPoint, DataPointRevision, Series
from measures.tasks import datapoints_write_task
from tests.cast import build_cast

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parent.parent
# How long to wait for the worker's result, its start included: a guard against a hang,
# not a speed test. Start and first task took 20 to 25 s here at load average 11 (2 cores).
WAIT_SECONDS = 120


def worker_database_url() -> str:
    """DATABASE_URL, pointed at the test database pytest-django made for this process."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return url._replace(path="/" + quote(connection.settings_dict["NAME"])).geturl()


def start_worker(queue: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "collab.settings",
        "COLLAB_ENV": "embedded",
        "DATABASE_URL": worker_database_url(),
    }
    command = [
        *(sys.executable, "-m", "celery", "-A", "collab", "worker"),
        *("--pool", "solo", "--queues", queue, "--hostname", f"{queue}@%h"),
        *("--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"),
    ]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop_worker(worker: subprocess.Popen) -> None:
    """Warm shutdown (finish the current task), then kill if it does not stop in time."""
    if worker.poll() is not None:
        return
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)


def wait_until(condition, worker: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if worker.poll() is not None:
            pytest.fail(f"The worker exited with {worker.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"No result after {WAIT_SECONDS} s. Worker log:\n{log.read_text()}")
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_it_writes_points_in_a_real_worker_and_a_second_run_changes_nothing(monkeypatch, tmp_path):
    cast = build_cast()
    series = cast.alpha_series
    lead = cast.users["lead"]
    queue = f"collab-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    january = {"period_start": "2024-01-01", "numerator": "3", "denominator": "250"}
    february = {"period_start": "2024-02-01", "numerator": "2", "denominator": "240"}
    send = {"by_id": lead.pk, "source": "import", "reason": "worker round trip"}
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)

    worker = start_worker(queue, log)
    try:
        datapoints_write_task.apply_async(args=(series.pk, [january]), kwargs=send, queue=queue)
        wait_until(lambda: DataPoint.objects.filter(series=series).exists(), worker, log)
        # January again, as a redelivered message would bring it, with February after it.
        datapoints_write_task.apply_async(
            args=(series.pk, [january, february]), kwargs=send, queue=queue
        )
        wait_until(lambda: DataPoint.objects.filter(series=series).count() == 2, worker, log)
    finally:
        stop_worker(worker)

    assert worker.returncode == 0, log.read_text()
    # Not run eagerly in this process: the worker logged both tasks.
    assert log.read_text().count("succeeded in") == 2, log.read_text()
    points = {str(p.period_start): p for p in DataPoint.objects.filter(series=series)}
    assert (points["2024-01-01"].numerator, points["2024-01-01"].version) == (3, 1)
    assert (points["2024-02-01"].numerator, points["2024-02-01"].denominator) == (2, 240)
    revisions = DataPointRevision.objects.filter(series=series)
    assert sorted(str(r.period_start) for r in revisions) == ["2024-01-01", "2024-02-01"]
    assert {(r.changed_by_id, r.source, r.reason) for r in revisions} == {
        (lead.pk, "import", "worker round trip")
    }
    assert Series.objects.get(pk=series.pk).data_version == 2
