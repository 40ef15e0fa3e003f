"""Chart recomputation that never loses or repeats work.

PostgreSQL holds the pending work: one `RecomputeJob` row per series.

1. Whatever changes a chart's inputs calls `series_mark_stale(series_ids=...)` inside its
   transaction: the job row becomes pending and its generation rises. After commit one
   task per series is sent, once per transaction however many writes touched the series.
2. A task claims the pending rows with a conditional UPDATE (a row another worker holds,
   or that is already done, is left alone), reads the newest inputs, computes them in one
   batch and upserts a `ChartResult` per series on (series, inputs hash). It marks a job
   done only if it still holds it: a change made meanwhile has set it pending again.
3. `jobs_sweep` (beat, every minute) re-sends jobs left pending (a lost message) or
   running on a worker that went silent, and marks failed a job that used up its attempts.
4. `complete_periods_advance` (beat, daily) marks stale the series whose latest complete
   period has moved since their chart was computed (a period reached its due date, or its
   last team entered it): the cutoff is one of the inputs hashed, so those charts are stale.

Claiming, giving back and sweeping follow the protocol in `collab.jobs`, which the contract
review's build shares; the tasks are sent by name, so this module never imports them.
"""

import datetime as dt
import logging
import traceback
from collections.abc import Iterable
from datetime import timedelta

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, JSONField
from django.utils import timezone

from collab import jobs
from collaboratives.models import Collaborative
from measures import figures, spc
from measures.completeness import complete_cutoffs, cutoff_for
from measures.data import SeriesInput, series_inputs
from measures.models import ChartResult, RecomputeJob, Series
from measures.spc.charts import PointColumns

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A pending job whose message has not been picked up after this is sent again.
RESEND_AFTER = timedelta(minutes=2)
# A running job whose worker has not been heard of for longer than a task may run is
# taken back (the broker redelivers the message too, after the visibility timeout).
SILENT_AFTER = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
CHUNK = 500  # series per batch task
KEEP_RESULTS = 2  # per series: the newest, and the one before while it is recomputed

Status = RecomputeJob.Status

PROTOCOL = jobs.Protocol(
    model=RecomputeJob,
    key="series_id",
    waiting=Status.PENDING,
    running=Status.RUNNING,
    failed=Status.FAILED,
    max_attempts=MAX_ATTEMPTS,
    resend_after=RESEND_AFTER,
    silent_after=SILENT_AFTER,
    gave_up=f"No worker finished it in {MAX_ATTEMPTS} attempts.",
    unsent_since="requested_at",
)


class _SendAfterCommit:
    """The transaction's one on-commit callback that sends the recompute tasks."""

    def __init__(self):
        self.series_ids: set[int] = set()
        # Django names a failing robust callback by its __qualname__ when it logs the
        # failure (broker down); without one, the logging itself raised after the commit.
        self.__qualname__ = "recompute_send after commit"

    def __call__(self):
        recompute_send(sorted(self.series_ids))


def _sender() -> _SendAfterCommit:
    # Look for this transaction's sender among the pending on-commit callbacks, so that
    # 500 writes to one series in one transaction send one task, not 500. Django drops
    # the callbacks (and so the set) when the transaction rolls back.
    for entry in connection.run_on_commit:
        if isinstance(entry[1], _SendAfterCommit):
            return entry[1]
    sender = _SendAfterCommit()
    # robust: the data is committed; if the broker is down the sweeper sends it later.
    transaction.on_commit(sender, robust=True)
    return sender


def recompute_send(series_ids: list[int]) -> None:
    """Send the tasks now: one per series (a few), or chunks of the batch task (many)."""
    if len(series_ids) <= 3:
        for series_id in series_ids:
            jobs.send("measures.tasks.recompute_series", series_id)
        return
    for start in range(0, len(series_ids), CHUNK):
        jobs.send("measures.tasks.recompute_chunk", series_ids[start : start + CHUNK])


def series_mark_stale(*, series_ids: Iterable[int], send: bool = True) -> None:
    """Set each series' job pending, in the caller's transaction; send after commit.

    `send=False` leaves the sending to the caller (`recompute_charts` sends chunks).
    """
    ids = sorted(set(series_ids))
    if not ids:
        return
    now = timezone.now()
    with transaction.atomic():
        # Insert the missing rows, then bump every row: the UPDATE locks them (in id
        # order), so concurrent writers queue up and each raises the generation.
        RecomputeJob.objects.bulk_create(
            [RecomputeJob(series_id=i, generation=0, requested_at=now) for i in ids],
            ignore_conflicts=True,
        )
        RecomputeJob.objects.filter(series_id__in=ids).update(
            status=Status.PENDING,
            generation=F("generation") + 1,
            attempts=0,
            last_error="",
            requested_at=now,
            sent_at=now if send else None,
        )
        if send:
            _sender().series_ids.update(ids)


def series_of_team_mark_stale(*, team_ids: Iterable[int]) -> None:
    series_mark_stale(
        series_ids=Series.objects.filter(team_id__in=list(team_ids)).values_list("pk", flat=True)
    )


def jobs_claim(series_ids: Iterable[int], worker: str) -> list[int]:
    """Claim the jobs that are pending (or held by a silent worker); return their series."""
    ids = sorted(set(series_ids))
    PROTOCOL.claim(ids, worker, claimed_generation=F("generation"))
    return list(PROTOCOL.held(ids, worker).values_list("series_id", flat=True))


def jobs_finish(series_ids, worker: str) -> None:
    PROTOCOL.held(series_ids, worker).update(status=Status.DONE, finished_at=timezone.now())


def jobs_fail(series_ids, worker: str, error: str) -> None:
    """Give the jobs back for the sweeper to retry, or mark them failed when out of attempts."""
    now = timezone.now()
    PROTOCOL.fail(PROTOCOL.held(series_ids, worker), error, now=now, finished_at=now)


def charts_recompute(
    *, series_ids: Iterable[int], worker: str, today: dt.date | None = None
) -> int:
    """Claim, compute and store the charts of these series (counting the periods complete
    on `today`, by default today); the number stored."""
    claimed = jobs_claim(series_ids, worker)
    if not claimed:
        return 0
    try:
        inputs = series_inputs(claimed, today=today)
        invalid = {i: inp.error for i, inp in inputs.items() if inp.spec is None}
        valid = [inp for inp in inputs.values() if inp.spec is not None]
        results = charts_compute(valid)
        figures_add(results, valid)
        with transaction.atomic():
            _commit_without_waiting_for_disk()
            stored = _stored([r.series_id for r in results])
            chart_results_store(results, stored=stored)
            PROTOCOL.beat(PROTOCOL.rows(claimed).filter(claimed_by=worker))
    except Exception:
        log.exception("Recomputing %d series failed", len(claimed))
        jobs_fail(claimed, worker, traceback.format_exc(limit=5)[-2000:])
        return 0
    for series_id, error in invalid.items():
        jobs_fail([series_id], worker, f"The data cannot be charted: {error}")
    gone = set(claimed) - set(inputs)
    jobs_finish((set(inputs) - set(invalid)) | gone, worker)
    _sustain_alerts([r.series_id for r in results])
    _cutoffs_follow(results, today, stored)
    return len(results)


def _commit_without_waiting_for_disk() -> None:
    """Let this transaction's commit return before its WAL is on disk (PostgreSQL's
    asynchronous commit, for this transaction only). The store writes about 10 MB of WAL a
    chunk, all derived data: if the server crashes within the WAL writer's next flush (well
    under a second), the chunk's results and its jobs' heartbeat vanish together and the
    sweeper sends the jobs again. Nothing is ever half stored or wrongly marked done."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _cutoffs_follow(
    results: list[ChartResult], today: dt.date | None, stored: dict[int, list[tuple]]
) -> None:
    """A value that completes a period for the whole collaborative (its last team's) moves
    the cutoff of every series there: mark those stale now rather than at the daily run.
    A failure here never fails the charts (the daily job catches up).

    Only the collaboratives where one of these charts counts up to another period than the
    series' previous chart did (or that had none) are followed: the first chart stored
    after a cutoff moves sees the move and follows it for the whole collaborative, so a
    chart whose cutoff has not moved has nothing to follow (a national recompute with
    unchanged cutoffs asks nothing more). `stored`: `_stored` before these were stored."""
    moved = [
        r.series_id
        for r in results
        if not stored.get(r.series_id) or stored[r.series_id][0][2] != r.complete_through
    ]
    if not moved:
        return
    ids = Series.objects.filter(pk__in=moved).values_list("team__collaborative_id", flat=True)
    try:
        complete_periods_advance(today=today, collaborative_ids=set(ids))
    except Exception:
        log.exception("Following the complete periods of %d series failed", len(results))


def _sustain_alerts(series_ids: list[int]) -> None:
    """Have the sustain alerts (dashboards) raised from the new charts, sent by task name so
    that measures never imports the dashboards above it; a failure here never fails the
    charts (the daily sweep checks again)."""
    try:
        jobs.send("dashboards.tasks.sustain_alerts_detect", series_ids)
    except Exception:
        log.exception("Sustain alerts for %d series failed", len(series_ids))


def charts_compute(inputs: list[SeriesInput]) -> list[ChartResult]:
    """Unsaved `ChartResult`s for valid inputs, computed in one batch."""
    if not inputs:
        return []
    batch = spc.compute_batch([inp.spec for inp in inputs])
    now = timezone.now()
    return [
        chart_result_from(inp, batch.result(i, columnar=True), now) for i, inp in enumerate(inputs)
    ]


POINT_COLUMNS = (
    "y",
    "cl",
    "lcl",
    "ucl",
    "lcl_2s",
    "ucl_2s",
    "mr",
    "special_cause",
    "point_type",
    "phase",
    "baseline",
    "rule",
)


def figures_add(results: list[ChartResult], inputs: list[SeriesInput]) -> None:
    """Give each result to be stored the figure every viewer's shares (`figures.served`
    adds what depends on the viewer). Only here, for the stored results: a chart drawn per
    request (the published figures, the aggregate) has its figure built as it is served."""
    multiplier = {inp.series_id: inp.multiplier for inp in inputs}
    for result in results:
        result.figure = figures.stored_figure(result, multiplier=multiplier[result.series_id])


def chart_result_from(inp: SeriesInput, r: spc.ChartResult, now) -> ChartResult:
    points = r.points
    if isinstance(points, PointColumns):  # columns already (charts_compute asks for them)
        column = {name: points.columns[name] for name in POINT_COLUMNS}
    else:
        column = {name: [getattr(p, name) for p in points] for name in POINT_COLUMNS}
    return ChartResult(
        series_id=inp.series_id,
        inputs_hash=inp.inputs_hash,
        computed_at=now,
        chart=r.chart,
        convention=r.convention,
        status=r.verdict.status,
        variation=r.variation or "",
        assurance=r.assurance or "",
        enough_data=r.enough_data,
        last_period=inp.x[-1] if inp.x else None,
        n_points=sum(1 for y in column["y"] if y is not None),
        points_needed=r.points_needed,
        periods_to_detect=r.periods_to_detect,
        verdict_rule=r.verdict.rule or "",
        verdict_first_index=r.verdict.first_index,
        verdict_last_signal_index=r.verdict.last_signal_index,
        verdict_history=[
            {k: getattr(e, k) for k in ("side", "rule", "first_index", "last_index")}
            for e in r.verdict.history
        ],
        verdict_baseline=r.baseline,
        verdict_centre=r.reference_cl,
        summary=r.summary,
        target=inp.spec.target,
        improvement=inp.spec.improvement or "",
        x=inp.x,
        numerator=inp.numerator,
        denominator=inp.denominator,
        excluded=list(inp.spec.exclude),
        astronomical=list(inp.spec.astronomical),
        phases=[{k: getattr(ph, k) for k in ph.__dataclass_fields__} for ph in r.phases],
        complete_through=(
            None if inp.complete_through is None else dt.date.fromisoformat(inp.complete_through)
        ),
        in_progress=inp.in_progress,
        **column,
    )


UPDATE_FIELDS = [
    f.name
    for f in ChartResult._meta.concrete_fields
    if f.name not in ("id", "series", "inputs_hash")
]


def _stored(series_ids: list[int]) -> dict[int, list[tuple]]:
    """The stored results of these series, newest first: {series: [(pk, inputs hash,
    complete_through)]} (at most `KEEP_RESULTS` each, as `chart_results_store` leaves them)."""
    out: dict[int, list[tuple]] = {}
    if not series_ids:
        return out
    # The range repeats the list, for the planner: without statistics (a database never
    # analysed) it reads 500 ids in a list as most of the table and scans all of it.
    for pk, sid, inputs_hash, through in (
        ChartResult.objects.filter(
            series_id__in=series_ids,
            series_id__gte=min(series_ids),
            series_id__lte=max(series_ids),
        )
        .order_by("series_id", "-computed_at", "-id")
        .values_list("pk", "series_id", "inputs_hash", "complete_through")
    ):
        out.setdefault(sid, []).append((pk, inputs_hash, through))
    return out


def chart_results_store(
    results: list[ChartResult], *, stored: dict[int, list[tuple]] | None = None
) -> None:
    """Upsert on (series, inputs hash); keep only the newest few results of each series.

    `stored`: `_stored` of these series, read in the same transaction (read here if not
    given). It says which older results the upsert pushes out: a result whose hash is
    already stored updates that row and pushes out none."""
    if not results:
        return
    if stored is None:
        stored = _stored([r.series_id for r in results])
    if connection.vendor == "postgresql":
        _upsert_copy(results)
    else:
        ChartResult.objects.bulk_create(
            results,
            update_conflicts=True,
            unique_fields=["series", "inputs_hash"],
            update_fields=UPDATE_FIELDS,
            batch_size=200,
        )
    old = []
    for r in results:
        others = [pk for pk, h, _ in stored.get(r.series_id, ()) if h != r.inputs_hash]
        old += others[KEEP_RESULTS - 1 :]  # the new result, and the newest others
    if old:
        ChartResult.objects.filter(pk__in=old).delete()


def _json(value) -> str:
    """A JSON column's text for the COPY: orjson, about 10x the json module on these
    documents (a third of a worker's time went to json before). Numbers are written in
    their shortest form that reads back the same (4.3e-6 where json writes 4.3e-06). A
    NaN or infinity would be written as null, where json wrote a text PostgreSQL refused;
    the results hold none (the core gives None for a value it cannot work out)."""
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS).decode()


def _upsert_copy(results: list[ChartResult]) -> None:
    """The upsert on PostgreSQL: COPY the rows into a temporary table (psycopg 3; the JSON
    columns as JSON text), then one INSERT ... ON CONFLICT from it. Each result gets its
    row's id, as `bulk_create` gives it."""
    fields = [f for f in ChartResult._meta.concrete_fields if f.name != "id"]
    quote = connection.ops.quote_name
    table = quote(ChartResult._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    updates = ", ".join(
        f"{quote(f.column)} = EXCLUDED.{quote(f.column)}" for f in fields if f.name in UPDATE_FIELDS
    )
    is_json = [isinstance(f, JSONField) for f in fields]
    names = [f.attname for f in fields]
    with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            f"CREATE TEMPORARY TABLE chart_result_in ON COMMIT DROP AS "
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY chart_result_in ({columns}) FROM STDIN") as copy:
            for r in results:
                values = [getattr(r, name) for name in names]
                copy.write_row([_json(v) if j else v for v, j in zip(values, is_json, strict=True)])
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM chart_result_in "
            f"ON CONFLICT (series_id, inputs_hash) DO UPDATE SET {updates} "
            f"RETURNING id, series_id, inputs_hash"
        )
        ids = {(sid, h): pk for pk, sid, h in cursor.fetchall()}
        cursor.execute("DROP TABLE chart_result_in")
    for r in results:
        r.pk = ids[r.series_id, r.inputs_hash]


def jobs_sweep(*, now=None) -> dict:
    """Re-send jobs left pending or held by a silent worker; fail those out of attempts."""
    now = now or timezone.now()
    # Through the module's name at send time, so a test may stand in for the broker.
    return PROTOCOL.sweep(
        send=lambda ids: recompute_send(ids), now=now, failed_fields={"finished_at": now}
    )


def complete_periods_advance(
    *, today: dt.date | None = None, collaborative_ids: Iterable[int] | None = None
) -> list[int]:
    """Mark stale (and send) the series (of these collaboratives, by default all) whose
    newest chart counts periods up to another cutoff than today's latest complete period;
    return their ids, in a fixed number of queries (the newest results, the
    collaboratives, the cutoffs)."""
    today = today or timezone.localdate()
    results = ChartResult.objects.all()
    if collaborative_ids is not None:
        results = results.filter(series__team__collaborative_id__in=list(collaborative_ids))
    newest = list(
        results.latest_per_series().values_list(
            "series_id",
            "complete_through",
            "series__team__collaborative_id",
            "series__measure__frequency",
        )
    )
    collaboratives = Collaborative.objects.filter(pk__in={row[2] for row in newest})
    cutoffs = complete_cutoffs(collaboratives, today=today)
    moved = [
        series_id
        for series_id, through, collaborative_id, frequency in newest
        if cutoff_for(cutoffs, collaborative_id, frequency) != through
    ]
    series_mark_stale(series_ids=moved)
    return moved
