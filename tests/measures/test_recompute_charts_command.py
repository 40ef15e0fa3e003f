"""`manage.py recompute_charts`: every chart (or one collaborative's) through the batch task."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from measures.data import series_inputs
from measures.models import ChartResult, DataPointRevision, RecomputeJob
from measures.recompute import series_mark_stale
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_recomputes_every_chart_or_one_collaboratives():
    cast = build_cast()
    for series in (cast.alpha_series, cast.delta_series):
        datapoints_write(
            series=series,
            changes=[PointChange(dt.date(2024, m, 1), m % 4 + 1, 500) for m in range(1, 13)],
            by=None,
            source=DataPointRevision.Source.IMPORT,
            today=dt.date(2025, 1, 1),
        )
    ChartResult.objects.all().delete()

    out = StringIO()
    call_command("recompute_charts", "--collaborative", str(cast.falls.pk), stdout=out)
    assert "Recomputed 3 charts" in out.getvalue() and "[####" in out.getvalue()
    falls_series = {cast.alpha_series.pk, cast.beta_series.pk, cast.alpha_custom_series.pk}
    assert set(ChartResult.objects.values_list("series_id", flat=True)) == falls_series
    empty = ChartResult.objects.get(series=cast.beta_series)  # no data yet: says so
    assert (empty.n_points, empty.status) == (0, "insufficient_data")
    call_command("recompute_charts", "--chunk", "2", stdout=StringIO())
    for series in (cast.alpha_series, cast.delta_series):
        wanted = series_inputs([series.pk])[series.pk].inputs_hash
        assert ChartResult.objects.filter(series=series, inputs_hash=wanted).exists()
    assert not RecomputeJob.objects.exclude(status="done").exists()


def test_with_workers_it_waits_for_the_asked_series_jobs_and_counts_no_others(monkeypatch):
    """Not eager: the command sends the chunks and polls the job table until the series it
    asked for are done. Another collaborative's jobs, done or not, never count."""
    from celery import current_app

    from measures.management.commands import recompute_charts

    cast = build_cast()
    sent = []

    def delay(ids):  # a worker that runs each chunk as it is sent
        sent.append(list(ids))
        recompute_chunk_run(ids)

    from measures.tasks import recompute_chunk

    recompute_chunk_run = recompute_chunk.run
    monkeypatch.setattr(recompute_charts.recompute_chunk, "delay", delay)
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    series_mark_stale(series_ids=[cast.delta_series.pk], send=False)

    out = StringIO()
    call_command("recompute_charts", "--collaborative", str(cast.falls.pk), stdout=out)
    falls_series = {cast.alpha_series.pk, cast.beta_series.pk, cast.alpha_custom_series.pk}
    assert {pk for ids in sent for pk in ids} == falls_series
    assert "3/3 charts" in out.getvalue() and "Recomputed 3 charts" in out.getvalue()
    assert RecomputeJob.objects.get(series=cast.delta_series).status == "pending"


def test_with_workers_that_never_answer_it_gives_up_and_says_how_many_wait(monkeypatch):
    from celery import current_app

    from measures.management.commands import recompute_charts

    cast = build_cast()
    monkeypatch.setattr(recompute_charts.recompute_chunk, "delay", lambda ids: None)
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    with pytest.raises(CommandError, match="3 charts were still waiting"):
        call_command(
            "recompute_charts",
            "--collaborative",
            str(cast.falls.pk),
            "--timeout",
            "0",
            stdout=StringIO(),
        )


def test_each_chunk_is_marked_just_before_it_is_sent_so_workers_start_on_the_first(monkeypatch):
    """The workers need not wait for the whole country to be marked: when a chunk is sent,
    its jobs are pending with a raised generation, and the chunks after it are not yet."""
    from celery import current_app

    from measures.management.commands import recompute_charts

    cast = build_cast()
    falls = [cast.alpha_series.pk, cast.alpha_custom_series.pk, cast.beta_series.pk]
    series_mark_stale(series_ids=falls, send=False)
    RecomputeJob.objects.filter(series__in=falls).update(status="done")
    before = dict(RecomputeJob.objects.values_list("series_id", "generation"))
    seen = []

    def delay(ids):
        jobs = {j.series_id: j for j in RecomputeJob.objects.filter(series__in=falls)}
        seen.append(
            (
                list(ids),
                {i: (jobs[i].status, jobs[i].generation - before[i]) for i in sorted(falls)},
            )
        )
        RecomputeJob.objects.filter(series__in=ids).update(status="done")

    monkeypatch.setattr(recompute_charts.recompute_chunk, "delay", delay)
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    call_command(
        "recompute_charts", "--collaborative", str(cast.falls.pk), "--chunk", "2", stdout=StringIO()
    )
    first, second = sorted(falls)[:2], sorted(falls)[2:]
    assert [ids for ids, _ in seen] == [first, second]
    assert seen[0][1] == {
        first[0]: ("pending", 1),
        first[1]: ("pending", 1),
        second[0]: ("done", 0),
    }
    assert seen[1][1][second[0]] == ("pending", 1)
