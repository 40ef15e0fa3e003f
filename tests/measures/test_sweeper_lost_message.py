"""The sweeper re-sends a chart job whose message was sent and then lost: `sent_at` is set,
and no worker ever took the job (a broker that dropped it, a queue flushed)."""

import datetime as dt

import pytest
from django.utils import timezone

from measures import recompute
from measures.models import DataPointRevision, RecomputeJob
from measures.periods import period_starts
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = dt.date(2025, 6, 30)
MONTHS = list(period_starts("monthly", dt.date(2024, 1, 1), dt.date(2024, 12, 1)))


def test_the_sweeper_resends_a_job_whose_sent_message_was_lost(monkeypatch):
    cast = build_cast()
    series = cast.alpha_series
    computed = []
    real_compute = recompute.charts_compute

    def spy(inputs):
        computed.extend(inp.series_id for inp in inputs)
        return real_compute(inputs)

    monkeypatch.setattr(recompute, "charts_compute", spy)
    lost = []
    real_send = recompute.recompute_send
    # The message leaves (after commit, as always) and never reaches a worker.
    monkeypatch.setattr(recompute, "recompute_send", lambda ids: lost.extend(ids))
    datapoints_write(
        series=series,
        changes=[PointChange(m, 3 + i % 4, 1000) for i, m in enumerate(MONTHS)],
        by=None,
        source=DataPointRevision.Source.GRID,
        today=TODAY,
    )
    job = RecomputeJob.objects.get(series=series)
    assert lost == [series.pk] and computed == []
    assert job.status == "pending" and job.sent_at is not None and job.claimed_by == ""
    monkeypatch.setattr(recompute, "recompute_send", real_send)  # the broker is back

    early = recompute.jobs_sweep()
    assert early["resent"] == 0, "too early: the message may still be on its way"
    assert computed == []

    swept = recompute.jobs_sweep(now=timezone.now() + recompute.RESEND_AFTER * 2)

    assert swept == {"resent": 1, "failed": 0}
    assert computed == [series.pk]
    job.refresh_from_db()
    assert job.status == "done"
