"""Measure data out as CSV and XLSX: the rows, the definitions sheet, no live formulas, access."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from measures.exporters.formats import neutralise
from measures.models import DataPointRevision
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

HOSTILE = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=tab", "\r=cr", '=HYPERLINK("http://x")']


@pytest.fixture
def cast():
    cast = build_cast()
    # Text a spreadsheet would run, in every text field that reaches an export.
    cast.falls_rate.operational_definition = HOSTILE[0]
    cast.falls_rate.numerator_definition = HOSTILE[1]
    cast.falls_rate.denominator_definition = HOSTILE[2]
    cast.falls_rate.unit = HOSTILE[3]
    cast.falls_rate.name = HOSTILE[6]
    cast.falls_rate.save()
    cast.alpha.unit = HOSTILE[4]
    cast.alpha.save()
    for series in (cast.alpha_series, cast.beta_series):
        datapoints_write(
            series=series,
            changes=[PointChange(dt.date(2024, m, 1), m, 1000) for m in range(1, 4)],
            by=None,
            source=DataPointRevision.Source.IMPORT,
        )
    return cast


def export(client, kind, pk, fmt, **params):
    return client.get(reverse(f"measures:{kind}_export", kwargs={"pk": pk, "fmt": fmt}), params)


@pytest.mark.parametrize("value", HOSTILE)
def test_neutralise_makes_formula_text_inert(value):
    assert neutralise(value) == "'" + value
    assert neutralise("Falls") == "Falls" and neutralise(-3) == -3


def test_every_exported_xlsx_cell_is_data_not_a_formula(client, cast):
    client.force_login(cast.users["falls_manager"])
    response = export(client, "collaborative", cast.falls.pk, "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="falls-' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Data", "Measure definitions"]
    cells = [c for sheet in workbook for row in sheet.iter_rows() for c in row]
    assert len(cells) > 50
    for cell in cells:
        assert cell.data_type != "f", cell.coordinate
        if isinstance(cell.value, str):
            assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
    data = list(workbook["Data"].values)
    assert data[0][:4] == ("team", "organisation_code", "measure", "period_start")
    assert len(data) == 1 + 6  # alpha and beta, three months each
    assert data[1][4:6] == (1, 1000)
    definitions = list(workbook["Measure definitions"].values)
    assert definitions[1][4] == "'" + HOSTILE[0]


def test_every_exported_csv_field_is_inert(client, cast):
    client.force_login(cast.users["lead"])
    response = export(client, "team", cast.alpha.pk, "csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 3  # only alpha's own data
    for row in rows:
        for field in row:
            assert not field.startswith(("=", "+", "-", "@", "\t", "\r")), field
    definitions = export(client, "team", cast.alpha.pk, "csv", sheet="definitions")
    rows = list(csv.reader(io.StringIO(definitions.content.decode("utf-8-sig"))))
    assert rows[0][0] == "measure" and any(r[4] == "'" + HOSTILE[0] for r in rows[1:])


def test_a_series_exports_its_own_points(client, cast):
    client.force_login(cast.users["member"])
    response = export(client, "series", cast.alpha_series.pk, "xlsx")
    assert len(list(load_workbook(io.BytesIO(response.content))["Data"].values)) == 4


def test_export_access(client, cast):
    client.force_login(cast.users["lead"])
    assert export(client, "team", cast.beta.pk, "csv").status_code == 404
    assert export(client, "series", cast.delta_series.pk, "csv").status_code == 404
    assert export(client, "collaborative", cast.falls.pk, "csv").status_code == 403
    assert export(client, "team", cast.alpha.pk, "pdf").status_code == 404
    client.force_login(cast.users["outsider"])
    assert export(client, "team", cast.alpha.pk, "csv").status_code == 404
