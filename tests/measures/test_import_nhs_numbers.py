"""Imports and NHS numbers: a cell with one refuses its row without quoting it, a file name
or header with one refuses the file, and a batch keeps the parsed rows, never the upload.

Also the all-or-nothing guarantee across series: a conflict in the second series of an
import leaves the first unwritten.
"""

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from openpyxl import Workbook

from governance.safeguards import find_nhs_numbers
from measures.imports import ImportNotReady, import_batch_create, import_confirm
from measures.models import DataPoint, DataPointRevision, ImportBatch
from measures.writes import DataPointConflict, PointChange, datapoints_write
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

MEASURE = "Inpatient falls per 1,000 bed days"
Q = f'"{MEASURE}"'  # quoted: the name holds a comma
NUMBER = "943 476 5919"


@pytest.fixture
def cast():
    return build_cast()


def upload(cast, content: bytes, name="data.csv", user="lead"):
    return import_batch_create(
        collaborative=cast.falls, user=cast.users[user], filename=name, content=content
    )


def stored(batch: ImportBatch) -> str:
    """Everything the batch row holds, as text."""
    batch.refresh_from_db()
    return json.dumps(
        {f.attname: str(getattr(batch, f.attname)) for f in ImportBatch._meta.concrete_fields}
    )


CLEAN = f"Alpha Hospitals,{Q},2024-01-01,3,1000"


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (f"Ward {NUMBER},{Q},2024-01-01,3,1000", "team"),
        (f'Alpha Hospitals,"{MEASURE} 943.476.5919",2024-01-01,3,1000', "measure"),
        (f"Alpha Hospitals,{Q},9434765919,3,1000", "period"),
        (f"Alpha Hospitals,{Q},2024-01-01,9434765919,1000", "numerator"),
        (f"Alpha Hospitals,{Q},2024-01-01,3,943/476/5919", "denominator"),
        (f"Alpha Hospitals,{Q},2024-01-01,3,1000,bed 9434 765 919", "notes"),
        (f"Alpha Hospitals,{Q},2024-01-01,3,1000,,943\u00a0476\u20095919", "column 7"),
    ],
)
def test_a_cell_with_an_nhs_number_refuses_its_row_without_quoting_it(cast, row, column):
    header = "team,measure,period,numerator,denominator,notes\n"
    batch = upload(cast, f"{header}{CLEAN}\n{row}\n".encode())

    assert batch.status == ImportBatch.Status.PREVIEW
    errors = batch.findings["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, column)]
    assert "looks like an NHS number" in errors[0]["reason"]
    assert "5919" not in stored(batch) and "765 919" not in stored(batch)
    with pytest.raises(ImportNotReady):
        import_confirm(batch=batch, user=cast.users["lead"])
    assert not DataPoint.objects.exists()


def test_the_results_page_does_not_echo_the_number(client, cast):
    client.force_login(cast.users["lead"])
    url = reverse("measures:import_upload", kwargs={"pk": cast.falls.pk})
    content = f"team,measure,period,numerator,denominator\nWard {NUMBER},{Q},2024-01-01,3,1\n"
    response = client.post(url, {"file": io.BytesIO(content.encode())}, follow=True)

    html = response.content.decode()
    assert "looks like an NHS number" in html
    assert "5919" not in html


def test_an_error_quotes_a_cell_only_once_it_passes_the_check(cast):
    # Whole, the name is not an NHS number (its last group makes eleven digits); cut to
    # the 80 characters an error quotes, it would be.
    name = "T" * 67 + " 943 476 59191"
    other = "Beta Wards 12"
    header = "team,measure,period,numerator,denominator\n"
    batch = upload(
        cast,
        f"{header}{name},{Q},2024-01-01,3,1\n{other},{Q},2024-01-01,3,1\n".encode(),
    )

    reasons = [e["reason"] for e in batch.findings["errors"]]
    unknown = " is not a team of this collaborative you can see: expected a team's name as in "
    unknown += "Collab, or its organisation's ODS code"
    assert reasons[0] == "this value" + unknown
    assert reasons[1] == "“Beta Wards 12”" + unknown


def test_a_file_name_with_an_nhs_number_refuses_the_file(cast):
    batch = upload(cast, f"team,measure,period,numerator\n{CLEAN}\n".encode(), name=f"{NUMBER}.csv")

    assert batch.status == ImportBatch.Status.REJECTED
    assert "name looks like an NHS number" in batch.file_error
    assert "5919" not in stored(batch)


def test_the_upload_form_refuses_such_a_file_name(client, cast):
    client.force_login(cast.users["lead"])
    url = reverse("measures:import_upload", kwargs={"pk": cast.falls.pk})
    upload_file = io.BytesIO(f"team,measure,period,numerator\n{CLEAN}\n".encode())
    upload_file.name = "ward 943-476-5919.csv"

    response = client.post(url, {"file": upload_file})

    assert response.status_code == 400
    assert "Remove the NHS number" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_header_with_an_nhs_number_refuses_the_file(cast):
    batch = upload(cast, f"team,measure,period,numerator,{NUMBER}\n{CLEAN}\n".encode())

    assert batch.status == ImportBatch.Status.REJECTED
    assert "A column name looks like an NHS number" in batch.file_error
    assert "5919" not in stored(batch)


def test_a_batch_keeps_the_parsed_rows_and_never_the_upload(cast):
    content = f"team,measure,period,numerator,denominator,notes\n{CLEAN},kept out\n".encode()
    batch = upload(cast, content)

    assert "content" not in {f.name for f in ImportBatch._meta.get_fields()}
    assert b"kept out" not in stored(batch).encode()
    assert [(i["team"], i["period"], i["numerator"]) for i in batch.findings["add"]] == [
        ("Alpha Hospitals", "2024-01-01", "3")
    ]
    import_confirm(batch=batch, user=cast.users["lead"])
    assert "kept out" not in stored(batch)
    assert DataPoint.objects.get().numerator == 3


def test_a_conflict_in_the_second_series_leaves_the_first_unwritten(cast):
    beta = str(cast.beta)
    header = "team,measure,period,numerator,denominator\n"
    rows = [
        ("Alpha Hospitals", "2024-01-01", 3, 1000),
        ("Alpha Hospitals", "2024-02-01", 4, 1000),
        (beta, "2024-01-01", 5, 900),
        (beta, "2024-02-01", 6, 900),
    ]
    content = header + "".join(f"{t},{Q},{p},{n},{d}\n" for t, p, n, d in rows)
    batch = upload(cast, content.encode(), user="falls_manager")
    assert not batch.findings["errors"], batch.findings["errors"]
    series_order = list(dict.fromkeys(i["series"] for i in batch.findings["add"]))
    assert series_order == [cast.alpha_series.pk, cast.beta_series.pk]
    # Someone enters beta's February after the preview: the second series conflicts.
    datapoints_write(
        series=cast.beta_series,
        changes=[PointChange(dt.date(2024, 2, 1), 8, 800)],
        by=cast.users["beta_lead"],
        source=DataPointRevision.Source.GRID,
    )

    with pytest.raises(DataPointConflict):
        import_confirm(batch=batch, user=cast.users["falls_manager"])

    assert not DataPoint.objects.filter(series=cast.alpha_series).exists()
    assert not DataPointRevision.objects.filter(source="import").exists()
    assert list(DataPoint.objects.values_list("numerator", flat=True)) == [8]
    cast.alpha_series.refresh_from_db()
    assert cast.alpha_series.data_version == 0


def test_workbook_date_cells_are_dates_not_text(cast):
    # 2024-03-19 printed with its time is "2024-03-19 00:00:00": ten digits in whole
    # groups (2024 03 19 00) that pass modulus 11. As a date cell it is no NHS number
    # (it is refused only for not starting a month).
    assert find_nhs_numbers(str(dt.datetime(2024, 3, 19)))
    workbook = Workbook()
    workbook.active.append(["team", "measure", "period", "numerator", "denominator"])
    workbook.active.append(["Alpha Hospitals", MEASURE, dt.datetime(2024, 3, 1), 3, 1000])
    workbook.active.append(["Alpha Hospitals", MEASURE, dt.datetime(2024, 3, 19), 3, 1000])
    out = io.BytesIO()
    workbook.save(out)

    batch = upload(cast, out.getvalue(), name="data.xlsx")

    assert [(e["row"], e["column"]) for e in batch.findings["errors"]] == [(3, "period")]
    assert "looks like an NHS number" not in batch.findings["errors"][0]["reason"]
