"""Spreadsheet imports: reading by content, the preview, confirming, idempotence, the corpus."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from measures.imports import (
    MAX_UPLOAD_BYTES,
    MAX_XLSX_UNZIPPED_BYTES,
    ImportNotReady,
    import_batch_create,
    import_confirm,
)
from measures.models import DataPoint, DataPointRevision, ImportBatch
from measures.writes import DataPointConflict, PointChange, datapoints_write
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parent.parent / "malformed_imports"
MEASURE = "Inpatient falls per 1,000 bed days"
HEADER = "team,measure,period,numerator,denominator\n"


@pytest.fixture
def cast():
    return build_cast()


def csv_file(*rows) -> bytes:
    return (HEADER + "".join(f'{t},"{MEASURE}",{p},{n},{d}\n' for t, p, n, d in rows)).encode()


def upload(cast, content, user="lead", name="data.csv"):
    return import_batch_create(
        collaborative=cast.falls, user=cast.users[user], filename=name, content=content
    )


def messages(batch: ImportBatch) -> list[str]:
    if batch.status == ImportBatch.Status.REJECTED:
        return [batch.file_error]
    return [f"Row {e['row']}, {e['column']}: {e['reason']}" for e in batch.findings["errors"]]


CORPUS_FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".csv", ".xlsx"))


def test_the_corpus_has_at_least_30_files_each_with_its_message():
    assert len(CORPUS_FILES) >= 30
    for path in CORPUS_FILES:
        assert path.with_name(path.name + ".expected").read_text().strip()


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_every_malformed_file_gets_its_message_and_writes_nothing(cast, path):
    expected = path.with_name(path.name + ".expected").read_text(encoding="utf-8").strip()
    batch = upload(cast, path.read_bytes(), name=path.name)
    found = messages(batch)
    assert any(expected in m for m in found), found
    if batch.status == ImportBatch.Status.PREVIEW:
        with pytest.raises(ImportNotReady):
            import_confirm(batch=batch, user=cast.users["lead"])
    assert not DataPoint.objects.exists()
    assert not DataPointRevision.objects.exists()


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_file_over_the_size_limit_is_refused(cast):
    content = csv_file(("Alpha Hospitals", "2024-01-01", 1, 10)) + b"#" * MAX_UPLOAD_BYTES
    assert "larger than 5 MB" in upload(cast, content).file_error


def test_a_workbook_that_unzips_too_big_is_refused(cast):
    # A bomb: a sheet part of zeros that compresses a thousandfold.
    out = io.BytesIO()
    good = zipfile.ZipFile(io.BytesIO(_xlsx([["team"]])))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in good.infolist():
            z.writestr(info.filename, good.read(info.filename))
        z.writestr("xl/media/padding.bin", b"\0" * (MAX_XLSX_UNZIPPED_BYTES + 1))
    assert len(out.getvalue()) < MAX_UPLOAD_BYTES
    batch = upload(cast, out.getvalue(), name="bomb.xlsx")
    assert "unpacks to more than 50 MB" in batch.file_error


def test_the_file_type_comes_from_the_content_not_the_name(cast):
    content = _xlsx(
        [
            ["team", "measure", "period", "numerator", "denominator"],
            ["Alpha Hospitals", MEASURE, dt.datetime(2024, 1, 1), 3, 1000],
        ]
    )
    batch = upload(cast, content, name="looks-like.csv")
    assert batch.file_type == "xlsx" and batch.status == ImportBatch.Status.PREVIEW
    assert len(batch.findings["add"]) == 1


def test_it_previews_then_imports_in_one_go_and_a_second_import_changes_nothing(cast):
    datapoints_write(
        series=cast.alpha_series,
        changes=[PointChange(dt.date(2024, 2, 1), 9, 1000)],
        by=None,
        source=DataPointRevision.Source.GRID,
    )
    content = csv_file(
        ("Alpha Hospitals", "2024-01-01", 3, 1000),
        ("RA1", "2024-02-01", 4, 1100),  # by organisation code: a change
    )
    batch = upload(cast, content)
    assert [a["period"] for a in batch.findings["add"]] == ["2024-01-01"]
    (change,) = batch.findings["change"]
    assert (change["old_numerator"], change["numerator"]) == ("9", "4")
    assert DataPoint.objects.count() == 1  # nothing written by the preview

    assert import_confirm(batch=batch, user=cast.users["lead"]) == {"created": 1, "updated": 1}
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert DataPoint.objects.get(period_start=dt.date(2024, 2, 1)).numerator == 4
    revisions = DataPointRevision.objects.filter(source=DataPointRevision.Source.IMPORT).count()
    with pytest.raises(ImportNotReady):
        import_confirm(batch=batch, user=cast.users["lead"])

    again = upload(cast, content)
    assert again.findings["add"] == [] and again.findings["change"] == []
    assert again.findings["unchanged"] == 2 and again.total == 0
    assert import_confirm(batch=again, user=cast.users["lead"]) == {"created": 0, "updated": 0}
    assert DataPointRevision.objects.filter(source="import").count() == revisions


def test_a_value_changed_after_the_preview_rolls_the_whole_import_back(cast):
    batch = upload(
        cast,
        csv_file(
            ("Alpha Hospitals", "2024-01-01", 3, 1000), ("Alpha Hospitals", "2024-02-01", 4, 900)
        ),
    )
    datapoints_write(
        series=cast.alpha_series,
        changes=[PointChange(dt.date(2024, 2, 1), 8, 800)],
        by=cast.users["member"],
        source=DataPointRevision.Source.GRID,
    )
    with pytest.raises(DataPointConflict):
        import_confirm(batch=batch, user=cast.users["lead"])
    assert list(DataPoint.objects.values_list("numerator", flat=True)) == [8]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED


def test_the_pages_upload_preview_and_confirm(client, cast):
    client.force_login(cast.users["lead"])
    url = reverse("measures:import_upload", kwargs={"pk": cast.falls.pk})
    assert client.get(url).status_code == 200
    content = csv_file(("Alpha Hospitals", "2024-01-01", 3, 1000))
    response = client.post(url, {"file": io.BytesIO(content)}, follow=True)
    html = response.content.decode()
    assert "1 value to add" in html and "Import 1 value" in html
    batch = ImportBatch.objects.get()
    response = client.post(reverse("measures:import_confirm", kwargs={"pk": batch.pk}), follow=True)
    assert "Imported: 1 values added and 0 changed." in response.content.decode()
    assert DataPoint.objects.count() == 1

    bad = client.post(url, {"file": io.BytesIO(b"\x89PNG\r\n\x1a\n\x00")}, follow=True)
    assert "This is not a spreadsheet or CSV file" in bad.content.decode()


def test_the_template_lays_out_teams_measures_and_periods_and_uploads_back(client, cast):
    client.force_login(cast.users["lead"])
    response = client.get(
        reverse("measures:import_template", kwargs={"pk": cast.falls.pk, "fmt": "xlsx"})
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0] == ("team", "measure", "period", "numerator", "denominator")
    # Alpha's library measure and its custom one, 12 periods each; beta is not the lead's.
    assert {r[0] for r in rows[1:]} == {"Alpha Hospitals"} and len(rows) == 1 + 24
    batch = upload(cast, response.content, name="template.xlsx")
    assert batch.status == ImportBatch.Status.PREVIEW
    assert {e["reason"] for e in batch.findings["errors"]} == {
        "is empty: expected a number such as 1538 or 1,538"
    }


def test_import_access(client, cast):
    url = reverse("measures:import_upload", kwargs={"pk": cast.falls.pk})
    client.force_login(cast.users["outsider"])
    assert client.get(url).status_code == 404
    client.force_login(cast.users["director"])
    assert client.get(url).status_code == 403
    batch = upload(cast, csv_file(("Alpha Hospitals", "2024-01-01", 3, 1000)))
    client.force_login(cast.users["member"])  # not the uploader
    assert client.get(reverse("measures:import_batch", kwargs={"pk": batch.pk})).status_code == 404


def test_a_large_import_runs_in_a_worker_while_the_page_polls(
    client, cast, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("measures.import_views.WORKER_ROWS", 1)
    client.force_login(cast.users["lead"])
    batch = upload(
        cast,
        csv_file(("Alpha Hospitals", "2024-01-01", 3, 1000), ("RA1", "2024-02-01", 4, 900)),
    )
    url = reverse("measures:import_batch", kwargs={"pk": batch.pk})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("measures:import_confirm", kwargs={"pk": batch.pk}))
    assert len(callbacks) == 1 and not DataPoint.objects.exists()
    polling = client.get(url, HTTP_HX_REQUEST="true")
    assert polling.status_code == 200 and 'hx-trigger="every 2s"' in polling.content.decode()

    callbacks[0]()  # the worker's turn (Celery runs eagerly in tests)
    assert DataPoint.objects.count() == 2
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done.status_code == 286 and done["HX-Refresh"] == "true"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    # Confirming again neither queues nor imports a second time.
    with django_capture_on_commit_callbacks(execute=True) as again:
        client.post(reverse("measures:import_confirm", kwargs={"pk": batch.pk}))
    assert again == [] and DataPointRevision.objects.count() == 2
