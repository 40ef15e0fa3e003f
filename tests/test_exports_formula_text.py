"""No export hands a spreadsheet a formula: text that starts with =, +, - or @ (names of
organisations, measures, collaboratives and change ideas, reasons) is written as text.

Every CSV and XLSX download is fetched after the cast's names were made to look like
formulas; each file must carry at least one such name, made inert, and no formula.
(The contract review's spreadsheet, with its commentary, is in tests/reports.)
"""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from openpyxl import load_workbook

from collaboratives.models import DriverNode
from measures.exporters.formats import FORMULA_STARTS
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast, client_for

pytestmark = pytest.mark.django_db

NAMES = {
    "organisation": '=HYPERLINK("http://example.invalid","Alpha")',
    "measure": "+SUM(1,2)",
    "collaborative": "@falls",
    "idea": "-2+3",
    "reason": "=1+1",
}


@pytest.fixture
def world():
    cast = build_cast()
    cast.alpha.organisation.name = NAMES["organisation"]
    cast.alpha.organisation.save()
    cast.falls_rate.name = NAMES["measure"]
    cast.falls_rate.save()
    cast.falls.name = NAMES["collaborative"]
    cast.falls.save()
    DriverNode.objects.filter(collaborative=cast.falls, kind="change_idea").update(
        title=NAMES["idea"]
    )
    admin = User.objects.create_superuser("root", password="x")
    client = client_for(admin)
    # Through a request, so the audit trail has the point and its reason.
    datapoints_write(
        series=cast.alpha_series,
        changes=[PointChange(dt.date(2024, 1, 1), 3, 250)],
        by=admin,
        source="grid",
        reason=NAMES["reason"],
    )
    client.post(
        reverse("measures:cell_save", args=[cast.alpha_series.pk, "2024-02-01"]),
        {"numerator": "4", "denominator": "260", "expected_version": "0", "reason": "=2+2"},
    )
    return cast, client


def exports(cast) -> list[tuple[str, str]]:
    falls = cast.falls.pk
    urls = []
    for fmt in ("csv", "xlsx"):
        urls += [
            (reverse("measures:series_export", args=[cast.alpha_series.pk, fmt]), fmt),
            (reverse("measures:team_export", args=[cast.alpha.pk, fmt]), fmt),
            (reverse("measures:collaborative_export", args=[falls, fmt]), fmt),
            (reverse("measures:import_template", args=[falls, fmt]), fmt),
            (reverse("collaborative_audit", args=[falls]) + f"?format={fmt}", fmt),
            (reverse("ahsn_audit", args=[cast.east.pk]) + f"?format={fmt}", fmt),
        ]
    urls.append((reverse("change_package_csv", args=[falls]), "csv"))
    return urls


def cells(content: bytes, fmt: str) -> list[tuple[object, str]]:
    """(value, kind) of every cell: kind "f" for a formula."""
    if fmt == "csv":
        rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
        return [(v, "s") for row in rows for v in row]
    workbook = load_workbook(io.BytesIO(content))
    return [
        (cell.value, cell.data_type)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
    ]


def test_every_export_writes_formula_like_text_as_text(world):
    cast, client = world
    checked = 0
    for url, fmt in exports(cast):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith("attachment"), url
        found = cells(response.content, fmt)

        formulas = [v for v, kind in found if kind == "f"]
        runnable = [v for v, _ in found if isinstance(v, str) and v.startswith(FORMULA_STARTS)]
        inert = [v for v, _ in found if isinstance(v, str) and v[:1] == "'" and v[1:2] in "=+-@"]
        assert not formulas and not runnable, (url, formulas, runnable)
        assert inert, f"{url} carried none of the formula-like names, so proves nothing"
        checked += 1
    assert checked == len(exports(cast))
