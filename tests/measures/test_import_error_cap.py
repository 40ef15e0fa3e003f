"""A file of many bad rows stores the errors of its first 200 rows and counts the rest, and
an import whose second series conflicts leaves the first series unwritten."""

import datetime as dt

import pytest
from django.urls import reverse

from measures.imports import ERROR_ROWS_LISTED, import_batch_create, import_confirm
from measures.models import DataPoint, ImportBatch
from measures.writes import DataPointConflict, PointChange, datapoints_write
from tests.cast import build_cast, client_for

pytestmark = pytest.mark.django_db

MEASURE = "Inpatient falls per 1,000 bed days"
HEADER = "team,measure,period,numerator,denominator\n"


@pytest.fixture
def cast():
    return build_cast()


def upload(cast, content: bytes, user="falls_manager") -> ImportBatch:
    return import_batch_create(
        collaborative=cast.falls, user=cast.users[user], filename="data.csv", content=content
    )


def test_it_lists_the_first_200_bad_rows_and_counts_the_rest(cast):
    bad_rows = ERROR_ROWS_LISTED + 50
    # Two errors on each row: an unknown team and a period that is not a date.
    body = "".join(f'Nobody {i},"{MEASURE}",day {i},1,250\n' for i in range(bad_rows))

    batch = upload(cast, (HEADER + body).encode())

    errors = batch.findings["errors"]
    listed_rows = sorted({e["row"] for e in errors})
    assert len(listed_rows) == ERROR_ROWS_LISTED == 200
    assert listed_rows == list(range(2, 202))  # the first rows, in file order
    assert len(errors) == 2 * ERROR_ROWS_LISTED  # every error of a listed row
    assert batch.findings["error_rows_unlisted"] == 50
    assert batch.error_count == 2 * bad_rows
    page = client_for(cast.users["falls_manager"]).get(
        reverse("measures:import_batch", args=[batch.pk])
    )
    html = page.content.decode()
    assert f"{2 * bad_rows} errors" in html
    assert "And 50 more rows with errors, not listed" in html
    assert not DataPoint.objects.exists()


def test_a_file_with_few_bad_rows_lists_them_all(cast):
    body = "".join(f'Alpha Hospitals,"{MEASURE}",2024-0{m}-01,x,250\n' for m in range(1, 4))

    batch = upload(cast, (HEADER + body).encode())

    assert [e["row"] for e in batch.findings["errors"]] == [2, 3, 4]
    assert batch.findings["error_rows_unlisted"] == 0 and batch.error_count == 3


def test_a_conflict_in_the_second_series_leaves_the_first_unwritten(
    cast, django_capture_on_commit_callbacks
):
    # Rows for two teams: alpha's series first in the file, beta's second.
    body = (
        f'Alpha Hospitals,"{MEASURE}",2024-01-01,3,250\n'
        f'Alpha Hospitals,"{MEASURE}",2024-02-01,4,250\n'
        f'Beta Hospitals,"{MEASURE}",2024-01-01,5,300\n'
    )
    batch = upload(cast, (HEADER + body).encode())
    assert not batch.findings["errors"] and batch.total == 3
    # Someone enters beta's January on the grid after the preview was made.
    datapoints_write(
        series=cast.beta_series,
        changes=[PointChange(dt.date(2024, 1, 1), 9, 300)],
        by=cast.users["beta_lead"],
        source="grid",
    )

    with pytest.raises(DataPointConflict):
        import_confirm(batch=batch, user=cast.users["falls_manager"])

    assert not DataPoint.objects.filter(series=cast.alpha_series).exists()
    assert list(DataPoint.objects.values_list("series_id", "numerator")) == [
        (cast.beta_series.pk, 9)
    ]
