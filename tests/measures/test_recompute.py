"""Background recomputation: job rows, claims, the sweeper and stored results (eager Celery)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from measures import recompute
from measures.data import series_inputs
from measures.edits import (
    collaborative_rules_set,
    measure_settings_set,
    measure_target_set,
    phase_add,
    point_mark_add,
)
from measures.models import ChartResult, DataPointRevision, RecomputeJob
from measures.periods import period_starts
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = dt.date(2025, 6, 30)
MONTHS = list(period_starts("monthly", dt.date(2023, 1, 1), dt.date(2025, 5, 1)))


@pytest.fixture
def cast():
    return build_cast()


@pytest.fixture
def computed(monkeypatch):
    """Every series id the core is asked to compute, one entry per computation."""
    calls = []
    real = recompute.charts_compute

    def spy(inputs):
        calls.extend(inp.series_id for inp in inputs)
        return real(inputs)

    monkeypatch.setattr(recompute, "charts_compute", spy)
    return calls


def falls(i: int) -> PointChange:
    return PointChange(MONTHS[i], 3 + (i * 7) % 5, 1000 + (i * 37) % 200)


def write(series, changes, by=None):
    return datapoints_write(
        series=series,
        changes=changes,
        by=by,
        source=DataPointRevision.Source.IMPORT,
        today=TODAY,
    )


def current(series) -> ChartResult | None:
    inp = series_inputs([series.pk])[series.pk]
    return ChartResult.objects.filter(series=series, inputs_hash=inp.inputs_hash).first()


def test_it_computes_the_chart_after_new_data_is_committed(cast, computed):
    series = cast.alpha_series
    write(series, [falls(i) for i in range(20)])

    result = current(series)
    assert result is not None, "the result for the committed inputs should exist"
    assert computed == [series.pk]
    assert result.n_points == 20 and result.chart == "u" and result.convention == "mdc"
    assert result.last_period == MONTHS[19]
    assert len(result.y) == len(result.ucl) == 20
    assert RecomputeJob.objects.get(series=series).status == "done"


def test_a_500_row_import_recomputes_each_series_once(cast, computed, settings):
    """500 rows over two series in one transaction, written one row at a time."""
    # Nine years of weeks before the collaborative's start: a longer baseline than usual.
    settings.COLLAB_DATA_YEARS_BEFORE_START = 10
    weekly, monthly = cast.alpha_custom_series, cast.alpha_series
    weeks = [dt.date(2015, 1, 5) + dt.timedelta(weeks=i) for i in range(500 - len(MONTHS))]
    with transaction.atomic():
        for i, week in enumerate(weeks):
            write(weekly, [PointChange(week, i % 9)])
        for i in range(len(MONTHS)):
            write(monthly, [falls(i)])
        assert computed == [], "nothing is computed before commit"
    assert DataPointRevision.objects.count() == 500

    assert sorted(computed) == sorted([weekly.pk, monthly.pk])
    assert current(weekly).n_points == len(weeks)
    assert current(monthly).n_points == len(MONTHS)


def test_a_rolled_back_write_sends_nothing(cast, computed):
    with pytest.raises(RuntimeError), transaction.atomic():
        write(cast.alpha_series, [falls(0)])
        raise RuntimeError
    write(cast.beta_series, [falls(0)])
    assert computed == [cast.beta_series.pk]
    assert not RecomputeJob.objects.filter(series=cast.alpha_series).exists()


def test_a_convention_change_produces_a_new_result(cast):
    series = cast.alpha_series
    write(series, [falls(i) for i in range(24)])
    before = current(series)

    collaborative_rules_set(collaborative=cast.falls, rule_convention="anhoej")

    after = current(series)
    assert after is not None and after.inputs_hash != before.inputs_hash
    assert after.convention == "anhoej"


def test_a_rule_length_change_produces_a_new_result(cast):
    series = cast.alpha_series
    write(series, [falls(i) for i in range(24)])
    before = current(series)
    collaborative_rules_set(collaborative=cast.falls, shift_length=6)
    assert current(series).inputs_hash != before.inputs_hash


def test_a_target_change_produces_a_new_result_with_its_assurance(cast):
    series = cast.alpha_series
    write(series, [falls(i) for i in range(24)])
    assert current(series).assurance == ""

    measure_target_set(
        collaborative=cast.falls, measure=cast.falls_rate, target=Decimal("1"), by=None
    )

    result = current(series)
    assert result.target == pytest.approx(0.001)  # per 1,000 bed days, on the core's scale
    assert result.assurance in ("pass", "fail", "hit_or_miss")
    # The other collaborative's series of the same measure keeps its target-less chart.
    assert not RecomputeJob.objects.filter(series=cast.delta_series).exists()


def test_a_direction_change_and_phases_and_marks_produce_new_results(cast):
    series = cast.alpha_series
    write(series, [falls(i) for i in range(24)])
    hashes = {current(series).inputs_hash}
    measure_settings_set(measure=cast.falls_rate, direction="up", by=None)
    hashes.add(current(series).inputs_hash)
    phase_add(series=series, start_period=MONTHS[12], reason="New pathway", by=None)
    result = current(series)
    hashes.add(result.inputs_hash)
    assert max(result.phase) == 1
    point_mark_add(
        series=series, period_start=MONTHS[3], kind="excluded", reason="Ward closed", by=None
    )
    result = current(series)
    hashes.add(result.inputs_hash)
    assert result.excluded == [3]
    assert len(hashes) == 4


def test_a_rerun_with_the_same_inputs_upserts_one_row(cast):
    series = cast.alpha_series
    write(series, [falls(i) for i in range(12)])
    recompute.series_mark_stale(series_ids=[series.pk])
    recompute.series_mark_stale(series_ids=[series.pk])
    assert ChartResult.objects.filter(series=series).count() == 1


def test_a_claimed_job_is_not_claimed_again(cast, computed):
    series = cast.alpha_series
    recompute.series_mark_stale(series_ids=[series.pk], send=False)
    assert recompute.jobs_claim([series.pk], "worker-a") == [series.pk]
    assert recompute.jobs_claim([series.pk], "worker-b") == []
    assert recompute.charts_recompute(series_ids=[series.pk], worker="worker-b") == 0
    assert computed == []


def test_a_change_while_running_leaves_the_job_pending(cast):
    series = cast.alpha_series
    recompute.series_mark_stale(series_ids=[series.pk], send=False)
    recompute.jobs_claim([series.pk], "worker-a")
    recompute.series_mark_stale(series_ids=[series.pk], send=False)  # new data meanwhile
    recompute.jobs_finish([series.pk], "worker-a")
    assert RecomputeJob.objects.get(series=series).status == "pending"


def test_the_sweeper_resends_a_pending_job(cast, computed):
    series = cast.alpha_series
    write(series, [falls(i) for i in range(12)])
    computed.clear()
    # A change whose message was lost: the job is pending and nothing was sent.
    recompute.series_mark_stale(series_ids=[series.pk], send=False)
    assert recompute.jobs_sweep()["resent"] == 0, "too early: the message may still arrive"

    swept = recompute.jobs_sweep(now=timezone.now() + recompute.RESEND_AFTER * 2)

    assert swept["resent"] == 1
    assert computed == [series.pk]
    assert RecomputeJob.objects.get(series=series).status == "done"


def test_the_sweeper_takes_back_a_job_whose_worker_went_silent(cast, computed):
    series = cast.alpha_series
    write(series, [falls(i) for i in range(12)])
    computed.clear()
    recompute.series_mark_stale(series_ids=[series.pk], send=False)
    recompute.jobs_claim([series.pk], "worker-that-died")

    swept = recompute.jobs_sweep(now=timezone.now() + recompute.SILENT_AFTER * 2)

    assert swept["resent"] == 1 and computed == [series.pk]
    job = RecomputeJob.objects.get(series=series)
    assert job.status == "done" and job.attempts == 2


def test_a_job_that_keeps_failing_is_marked_failed(cast, monkeypatch):
    series = cast.alpha_series

    def broken(inputs):
        raise RuntimeError("the core fell over")

    monkeypatch.setattr(recompute, "charts_compute", broken)
    write(series, [falls(i) for i in range(12)])
    job = RecomputeJob.objects.get(series=series)
    assert (job.status, job.attempts) == ("pending", 1)
    assert "the core fell over" in job.last_error

    later = timezone.now()
    for _ in range(recompute.MAX_ATTEMPTS + 2):
        later += recompute.RESEND_AFTER * 2
        recompute.jobs_sweep(now=later)

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.attempts == recompute.MAX_ATTEMPTS
    assert "the core fell over" in job.last_error
    assert recompute.jobs_sweep(now=later + recompute.RESEND_AFTER * 2)["resent"] == 0


def test_a_chart_type_change_produces_a_new_result(cast):
    series = cast.alpha_series
    write(series, [falls(i) for i in range(12)])
    measure_settings_set(measure=cast.falls_rate, chart_type="c", by=None)
    assert current(series).chart == "c"


def test_old_results_are_pruned(cast):
    series = cast.alpha_series
    for i in range(5):
        write(series, [falls(i)])
    assert ChartResult.objects.filter(series=series).count() == recompute.KEEP_RESULTS
    assert current(series).n_points == 5


def test_latest_per_series_gives_one_result_each(cast):
    for series in (cast.alpha_series, cast.beta_series):
        for i in range(3):
            write(series, [falls(i)])
    latest = ChartResult.objects.latest_per_series()
    assert sorted(r.series_id for r in latest) == sorted(
        [cast.alpha_series.pk, cast.beta_series.pk]
    )
    assert all(r.n_points == 3 for r in latest)


def test_demo_seed_writes_wait_for_the_seeds_batch_recompute(cast, computed):
    datapoints_write(
        series=cast.alpha_series,
        changes=[falls(i) for i in range(12)],
        by=None,
        source=DataPointRevision.Source.SEED,
        today=TODAY,
    )
    assert computed == []
    assert RecomputeJob.objects.get(series=cast.alpha_series).status == "pending"


def test_the_collaborative_set_up_screens_mark_charts_stale(cast):
    from collaboratives.workflows import collaborative_save, measure_set_add

    series = cast.alpha_series
    write(series, [falls(i) for i in range(12)])
    first = current(series).inputs_hash

    class EditedForm:  # what the collaborative form gives collaborative_save
        changed_data = ["rule_convention"]

        def save(self, commit=True):
            cast.falls.rule_convention = "anhoej"
            return cast.falls

        def save_m2m(self):
            pass

    collaborative_save(form=EditedForm())
    second = current(series)
    assert second.convention == "anhoej" and second.inputs_hash != first

    measure_set_add(
        collaborative=cast.falls, measure=cast.falls_rate, mandatory=True, target=Decimal("2")
    )
    assert current(series).target == pytest.approx(0.002)


@pytest.mark.postgres
def test_the_store_commits_asynchronously_and_only_the_store(cast, monkeypatch):
    """The results and their jobs' heartbeat commit together without waiting for the disk
    (derived data the sweeper can redo); the session's other transactions still wait."""
    from django.db import connection

    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    seen = []
    real = recompute.chart_results_store

    def spy(results, **kwargs):
        seen.append(setting())
        return real(results, **kwargs)

    monkeypatch.setattr(recompute, "chart_results_store", spy)
    write(cast.alpha_series, [falls(i) for i in range(12)])
    assert seen == ["off"]
    assert setting() == "on"
    assert current(cast.alpha_series) is not None


@pytest.mark.postgres
def test_the_copy_stores_every_json_column_as_computed(cast):
    """The COPY writes the JSON columns with orjson, not the json module: read back, each
    column holds the values computed, the tiny limits written in exponent form included."""
    from django.db.models import JSONField

    # One fall in about 250,000 bed days a month: rates and limits near 4e-6.
    write(cast.alpha_series, [PointChange(MONTHS[i], i % 3, 250_000 + 97 * i) for i in range(24)])
    inputs = list(series_inputs([cast.alpha_series.pk]).values())
    computed = recompute.charts_compute(inputs)
    recompute.figures_add(computed, inputs)
    with transaction.atomic():
        recompute.chart_results_store(computed)
    stored = ChartResult.objects.get(series=cast.alpha_series, inputs_hash=computed[0].inputs_hash)
    columns = [f for f in ChartResult._meta.concrete_fields if isinstance(f, JSONField)]
    assert any(f.name == "figure" for f in columns)
    tiny = [v for v in stored.ucl if isinstance(v, float) and 0 < v < 1e-4]
    assert tiny, stored.ucl  # the case the json module writes as 1e-05, orjson as 1e-5
    for f in columns:
        assert getattr(stored, f.attname) == getattr(computed[0], f.attname), f.name
