"""One write of many series (`datapoints_write_many`): the same rows, revisions, versions and
recompute jobs as one `datapoints_write` per series, and the same errors and conflicts."""

import datetime as dt
import threading
from collections import defaultdict

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from measures import writes
from measures.imports import import_batch_create, import_confirm
from measures.models import DataPoint, DataPointRevision, RecomputeJob, Series
from measures.recompute import _SendAfterCommit
from measures.writes import (
    DataPointConflict,
    DataPointInvalid,
    PointChange,
    SeriesWrite,
    datapoints_write,
    datapoints_write_many,
)
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)
MONDAY = dt.date(2024, 1, 8)
TODAY = dt.date(2024, 6, 15)
GRID = DataPointRevision.Source.GRID


@pytest.fixture
def cast():
    return build_cast()


class Undo(Exception):
    pass


def state() -> dict:
    """Everything a write leaves behind but ids and clocks, and the tasks it would send."""
    sent = set()
    for entry in connection.run_on_commit:
        if isinstance(entry[1], _SendAfterCommit):
            sent |= entry[1].series_ids
    return {
        "points": sorted(
            DataPoint.objects.values_list(
                "series_id", "period_start", "numerator", "denominator", "version"
            )
        ),
        "revisions": list(
            DataPointRevision.objects.order_by("pk").values_list(
                "series_id",
                "period_start",
                "old_numerator",
                "old_denominator",
                "new_numerator",
                "new_denominator",
                "version",
                "changed_by_id",
                "source",
                "reason",
            )
        ),
        "data_versions": dict(Series.objects.values_list("pk", "data_version")),
        "jobs": sorted(
            (j.series_id, j.status, j.generation, j.attempts, j.sent_at is not None)
            for j in RecomputeJob.objects.all()
        ),
        "sent": sorted(sent),
    }


def undone(write) -> tuple:
    """(what `write()` returned, the state it left), then roll it back."""
    outcome = {}
    try:
        with transaction.atomic():
            outcome["result"] = write()
            outcome["state"] = state()
            raise Undo
    except Undo:
        pass
    return outcome["result"], outcome["state"]


def test_a_hand_built_import_writes_what_one_write_per_series_wrote(cast):
    """The confirm (one write of every series) against the loop it replaced (one
    `datapoints_write` per series): adds, a change and an unchanged value, three series."""
    user = cast.users["falls_manager"]
    datapoints_write(
        series=cast.alpha_series,
        changes=[PointChange(JAN, 3, 1000), PointChange(FEB, 4, 900)],
        by=cast.users["member"],
        source=GRID,
    )
    rows = [
        ("Alpha Hospitals", "Inpatient falls per 1,000 bed days", "2024-01-01", 5, 1000),
        ("Alpha Hospitals", "Inpatient falls per 1,000 bed days", "2024-02-01", 4, 900),
        ("Alpha Hospitals", "Inpatient falls per 1,000 bed days", "2024-03-01", 2, 950),
        ("Beta Hospitals", "Inpatient falls per 1,000 bed days", "Jan 2024", 7, 1100),
        ("Beta Hospitals", "Inpatient falls per 1,000 bed days", "01/02/2024", "1,004", 1200),
        ("Alpha Hospitals", "Alpha's own audit", "2024-01-08", 9, ""),
    ]
    content = "team,measure,period,numerator,denominator\n" + "".join(
        f'{t},"{m}",{p},"{n}",{d}\n' for t, m, p, n, d in rows
    )
    batch = import_batch_create(
        collaborative=cast.falls, user=user, filename="hand.csv", content=content.encode()
    )
    assert not batch.findings["errors"], batch.findings["errors"]
    assert (len(batch.findings["add"]), len(batch.findings["change"])) == (4, 1)

    def one_write_per_series():
        by_series = defaultdict(list)
        for item in batch.findings["add"] + batch.findings["change"]:
            by_series[item["series"]].append(item)
        created = updated = 0
        for series_pk, items in by_series.items():
            result = datapoints_write(
                series=Series.objects.select_related("measure", "team__collaborative").get(
                    pk=series_pk
                ),
                changes=[
                    PointChange(
                        dt.date.fromisoformat(i["period"]), i["numerator"], i["denominator"]
                    )
                    for i in items
                ],
                by=user,
                source=DataPointRevision.Source.IMPORT,
                reason=f"Imported from {batch.filename}",
                expected_versions={dt.date.fromisoformat(i["period"]): i["version"] for i in items},
            )
            created += result.created
            updated += result.updated
        return {"created": created, "updated": updated}

    per_series, per_series_state = undone(one_write_per_series)
    batched, batched_state = undone(lambda: import_confirm(batch=batch, user=user))

    assert batched == per_series == {"created": 4, "updated": 1}
    assert batched_state == per_series_state
    # And what that is: three series changed, each once, each with its job pending.
    changed = [cast.alpha_series.pk, cast.beta_series.pk, cast.alpha_custom_series.pk]
    assert batched_state["sent"] == sorted(changed)
    assert {s: batched_state["data_versions"][s] for s in changed} == {
        cast.alpha_series.pk: 2,
        cast.beta_series.pk: 1,
        cast.alpha_custom_series.pk: 1,
    }
    alpha_jan = [r for r in batched_state["revisions"] if r[:2] == (cast.alpha_series.pk, JAN)]
    assert [r[2:7] for r in alpha_jan] == [(None, None, 3, 1000, 1), (3, 1000, 5, 1000, 2)]


def test_one_write_of_many_series_equals_one_write_per_series(cast):
    """Adds, changes, clears and unchanged values, with and without expected versions."""
    lead = cast.users["lead"]
    datapoints_write(
        series=cast.alpha_series,
        changes=[PointChange(JAN, 3, 1000), PointChange(FEB, 4, 900)],
        by=lead,
        source=GRID,
        today=TODAY,
    )
    datapoints_write(
        series=cast.beta_series,
        changes=[PointChange(JAN, 6, 800)],
        by=lead,
        source=GRID,
        today=TODAY,
    )
    parts = [
        SeriesWrite(
            cast.alpha_series,
            [PointChange(JAN, None), PointChange(FEB, 5, 900), PointChange(MAR, 1, 990)],
            {JAN: 1, FEB: 1, MAR: 0},
        ),
        SeriesWrite(cast.beta_series, [PointChange(JAN, "6.0", 800), PointChange(FEB, 2, 700)]),
        SeriesWrite(cast.alpha_custom_series, [PointChange(MONDAY, 4)], {MONDAY: 0}),
        SeriesWrite(cast.delta_series, [PointChange(MAR, None)]),  # clears nothing
    ]
    common = {"by": lead, "source": GRID, "reason": "Monthly upload", "today": TODAY}

    def one_per_series():
        return {
            p.series.pk: datapoints_write(
                series=Series.objects.get(pk=p.series.pk),
                changes=p.changes,
                expected_versions=p.expected_versions,
                **common,
            )
            for p in parts
        }

    per_series, per_series_state = undone(one_per_series)
    batched, batched_state = undone(lambda: datapoints_write_many(writes=parts, **common))

    assert batched == per_series
    assert batched_state == per_series_state
    alpha, beta = batched[cast.alpha_series.pk], batched[cast.beta_series.pk]
    assert (alpha.created, alpha.updated, alpha.cleared, alpha.data_version) == (1, 1, 1, 2)
    assert (beta.created, beta.unchanged, beta.data_version) == (1, 1, 2)
    assert batched[cast.delta_series.pk].changed == 0
    assert cast.delta_series.pk not in batched_state["sent"]


def test_a_conflict_in_one_series_is_reported_as_a_write_of_that_series_reports_it(cast):
    lead = cast.users["lead"]
    for series in (cast.alpha_series, cast.beta_series):
        datapoints_write(
            series=series, changes=[PointChange(JAN, 3, 1000)], by=lead, source=GRID, today=TODAY
        )
    # Someone else saves beta's January after both were read at version 1.
    datapoints_write(
        series=cast.beta_series,
        changes=[PointChange(JAN, 8, 1000)],
        by=cast.users["beta_lead"],
        source=GRID,
        expected_versions={JAN: 1},
        today=TODAY,
    )
    before = state()
    beta_part = SeriesWrite(
        cast.beta_series, [PointChange(JAN, 5, 1000), PointChange(FEB, 1, 900)], {JAN: 1, FEB: 0}
    )
    with pytest.raises(DataPointConflict) as alone:
        datapoints_write(
            series=beta_part.series,
            changes=beta_part.changes,
            expected_versions=beta_part.expected_versions,
            by=lead,
            source=GRID,
            today=TODAY,
        )
    with pytest.raises(DataPointConflict) as batched:
        datapoints_write_many(
            writes=[
                SeriesWrite(cast.alpha_series, [PointChange(JAN, 4, 1000)], {JAN: 1}),
                beta_part,
            ],
            by=lead,
            source=GRID,
            today=TODAY,
        )
    assert batched.value.periods == alone.value.periods == [JAN]
    assert (
        str(batched.value)
        == str(alone.value)
        == ("Changed by someone else since you opened it: 01 Jan 2024")
    )
    assert batched.value.series_id == alone.value.series_id == cast.beta_series.pk
    # Nothing was written, alpha's change included: beta's January stays the other writer's.
    assert state() == before
    assert DataPoint.objects.get(series=cast.beta_series).numerator == 8


def test_a_point_created_between_the_read_and_the_insert_is_a_conflict(cast, monkeypatch):
    """As if another writer created beta's February after this write read its points: the
    insert breaks the unique (series, period) and the conflict names that series and period."""
    lead = cast.users["lead"]
    datapoints_write(
        series=cast.beta_series, changes=[PointChange(FEB, 2, 700)], by=lead, source=GRID
    )
    read = writes._points_stored
    calls = []

    def read_before_the_other_writer(cleaned):
        calls.append(cleaned)
        return {} if len(calls) == 1 else read(cleaned)

    monkeypatch.setattr(writes, "_points_stored", read_before_the_other_writer)
    before = state()
    with pytest.raises(DataPointConflict) as caught:
        datapoints_write_many(
            writes=[
                SeriesWrite(cast.alpha_series, [PointChange(JAN, 4, 1000)]),
                SeriesWrite(cast.beta_series, [PointChange(JAN, 1, 900), PointChange(FEB, 3, 700)]),
            ],
            by=lead,
            source=GRID,
            today=TODAY,
        )
    assert (caught.value.series_id, caught.value.periods) == (cast.beta_series.pk, [FEB])
    assert state() == before


@pytest.mark.parametrize("value", [5, None], ids=["change", "clear"])
def test_a_point_changed_between_the_read_and_the_write_is_a_conflict(cast, monkeypatch, value):
    """As if another writer saved beta's February just after this write read it: the
    conditional UPDATE or DELETE matches no row, and the conflict names that period."""
    lead = cast.users["lead"]
    for series in (cast.alpha_series, cast.beta_series):
        datapoints_write(
            series=series,
            changes=[PointChange(JAN, 1, 900), PointChange(FEB, 2, 700)],
            by=lead,
            source=GRID,
            today=TODAY,
        )
    read = writes._points_stored

    def read_then_another_writer_saves(cleaned):
        stored = read(cleaned)
        DataPoint.objects.filter(series=cast.beta_series, period_start=FEB).update(
            numerator=9, version=2
        )
        return stored

    before = state()
    monkeypatch.setattr(writes, "_points_stored", read_then_another_writer_saves)
    with pytest.raises(DataPointConflict) as caught:
        datapoints_write_many(
            writes=[
                SeriesWrite(cast.alpha_series, [PointChange(FEB, value, value and 700)]),
                SeriesWrite(
                    cast.beta_series,
                    [
                        PointChange(JAN, value, value and 900),
                        PointChange(FEB, value, value and 700),
                    ],
                ),
            ],
            by=lead,
            source=GRID,
            today=TODAY,
        )
    assert (caught.value.series_id, caught.value.periods) == (cast.beta_series.pk, [FEB])
    # Nothing landed (the stand-in for the other writer ran inside this write's
    # transaction, so it is rolled back with it).
    assert state() == before


def test_invalid_data_in_one_series_is_refused_as_a_write_of_that_series_refuses_it(cast):
    lead = cast.users["lead"]
    bad = [PointChange(JAN, -1, 1000), PointChange(FEB, "943 476 5919", 900)]
    with pytest.raises(DataPointInvalid) as alone:
        datapoints_write(series=cast.beta_series, changes=bad, by=lead, source=GRID, today=TODAY)
    with pytest.raises(DataPointInvalid) as batched:
        datapoints_write_many(
            writes=[
                SeriesWrite(cast.alpha_series, [PointChange(JAN, 4, 1000)]),
                SeriesWrite(cast.beta_series, bad),
            ],
            by=lead,
            source=GRID,
            today=TODAY,
        )
    assert batched.value.errors == alone.value.errors
    assert str(batched.value) == str(alone.value)
    assert batched.value.series_id == alone.value.series_id == cast.beta_series.pk
    # The NHS number is refused with the safeguard's words, and not quoted back.
    assert "943 476 5919" not in str(batched.value)
    assert {e.field for e in batched.value.errors} == {"numerator"}
    assert not DataPoint.objects.exists() and not DataPointRevision.objects.exists()


def test_an_nhs_number_in_the_reason_refuses_the_whole_write(cast):
    with pytest.raises(DataPointInvalid) as caught:
        datapoints_write_many(
            writes=[SeriesWrite(cast.alpha_series, [PointChange(JAN, 4, 1000)])],
            by=cast.users["lead"],
            source=GRID,
            reason="For patient 943 476 5919",
            today=TODAY,
        )
    assert [e.field for e in caught.value.errors] == ["reason"]
    assert not DataPoint.objects.exists()


def test_a_series_twice_in_one_write_is_refused(cast):
    with pytest.raises(ValueError, match="only once"):
        datapoints_write_many(
            writes=[
                SeriesWrite(cast.alpha_series, [PointChange(JAN, 4, 1000)]),
                SeriesWrite(cast.alpha_series, [PointChange(FEB, 4, 1000)]),
            ],
            by=None,
            source=GRID,
            today=TODAY,
        )


def test_the_queries_do_not_grow_with_the_number_of_series(cast):
    """Adding points to one series or to three takes the same queries: one read, one insert
    of points, one of revisions, one version bump, one job update."""
    lead = cast.users["lead"]

    def queries(series_list) -> int:
        parts = [
            SeriesWrite(s, [PointChange(JAN, 1, 100), PointChange(FEB, 2, 100)])
            for s in series_list
        ]
        with CaptureQueriesContext(connection) as ctx:
            undone(lambda: datapoints_write_many(writes=parts, by=lead, source=GRID, today=TODAY))
        return len(ctx.captured_queries)

    assert queries([cast.alpha_series]) == queries(
        [cast.alpha_series, cast.beta_series, cast.delta_series]
    )


def test_many_points_go_through_the_same_insert_on_every_database(cast, monkeypatch):
    """Past COPY_MIN_ROWS rows (COPY on PostgreSQL), the rows and revisions are the same."""
    lead = cast.users["lead"]
    parts = [
        SeriesWrite(cast.alpha_series, [PointChange(JAN, 1, 100), PointChange(FEB, 2, "100.25")]),
        SeriesWrite(cast.alpha_custom_series, [PointChange(MONDAY, 3)]),
    ]
    common = {"by": lead, "source": GRID, "reason": "Nul\x00 removed", "today": TODAY}
    _, small = undone(lambda: datapoints_write_many(writes=parts, **common))
    monkeypatch.setattr(writes, "COPY_MIN_ROWS", 1)
    _, copied = undone(lambda: datapoints_write_many(writes=parts, **common))
    assert copied == small
    assert {r[-1] for r in copied["revisions"]} == {"Nul removed"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("copy_min_rows", [1, 10_000], ids=["copy", "insert"])
def test_two_many_series_writers_racing_for_one_cell_on_postgres(cast, monkeypatch, copy_min_rows):
    """Two connections each write two series, sharing beta's January; both read it before
    either writes. Changing a stored point and adding a new one: each time exactly one
    wins, the other conflicts and writes nothing, its other series included."""
    monkeypatch.setattr(writes, "COPY_MIN_ROWS", copy_min_rows)
    lead = cast.users["lead"]
    datapoints_write(
        series=cast.beta_series, changes=[PointChange(FEB, 2, 700)], by=lead, source=GRID
    )

    def race(period, expected):
        barrier = threading.Barrier(2)
        outcomes = {}
        read = writes._points_stored
        waited = threading.local()

        def read_then_wait(cleaned):
            # Both writers read before either writes; the loser's second read (naming its
            # conflict) does not wait.
            stored = read(cleaned)
            if not getattr(waited, "done", False):
                waited.done = True
                barrier.wait(timeout=30)
            return stored

        def writer(own, value):
            try:
                own_series = Series.objects.select_related("measure", "team__collaborative").get(
                    pk=own.pk
                )
                beta = Series.objects.select_related("measure", "team__collaborative").get(
                    pk=cast.beta_series.pk
                )
                datapoints_write_many(
                    writes=[
                        SeriesWrite(own_series, [PointChange(MAR, value, 1000)]),
                        SeriesWrite(beta, [PointChange(period, value, 1000)], {period: expected}),
                    ],
                    by=lead,
                    source=GRID,
                )
                outcomes[own.pk] = "saved"
            except DataPointConflict as e:
                outcomes[own.pk] = ("conflict", e.series_id, e.periods)
            finally:
                connection.close()

        monkeypatch.setattr(writes, "_points_stored", read_then_wait)
        threads = [
            threading.Thread(target=writer, args=(s, v))
            for s, v in ((cast.alpha_series, 5), (cast.delta_series, 6))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        monkeypatch.setattr(writes, "_points_stored", read)
        return outcomes

    for period, expected in ((FEB, 1), (JAN, 0)):
        outcomes = race(period, expected)
        assert sorted(map(str, outcomes.values())) == sorted(
            ["saved", str(("conflict", cast.beta_series.pk, [period]))]
        ), outcomes
        winner = next(pk for pk, o in outcomes.items() if o == "saved")
        loser = next(pk for pk, o in outcomes.items() if o != "saved")
        assert DataPoint.objects.filter(series_id=loser, period_start=MAR).count() == 0
        point = DataPoint.objects.get(series=cast.beta_series, period_start=period)
        winner_value = 5 if winner == cast.alpha_series.pk else 6
        assert (point.numerator, point.version) == (winner_value, expected + 1)
        DataPoint.objects.filter(series_id=winner, period_start=MAR).delete()
