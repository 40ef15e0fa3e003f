"""The surfaces where a valid NHS number was accepted: each now refuses it, in any of the
ways it was slipped past the old check, and stores nothing.

(The walk in tests/governance/test_nhs_number_walk.py covers every field; these follow
the pages a person would use.)
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from measures.models import (
    Annotation,
    ApiToken,
    ChartEdit,
    DataPoint,
    DataPointRevision,
    MeasureSettingChange,
    Phase,
    PointMark,
)
from measures.periods import last_periods, period_starts
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast

# Transactional: the chart is recomputed on commit, and the forms need the chart.
pytestmark = pytest.mark.django_db(transaction=True)

TODAY = dt.date(2025, 6, 30)
MONTHS = list(period_starts("monthly", dt.date(2023, 1, 1), dt.date(2024, 12, 1)))
# The ways the old check was bypassed, one for each page.
WRITTEN = {
    "dots": "943.476.5919",
    "slashes": "943/476/5919",
    "nbsp": "943\u00a0476\u00a05919",
    "thin": "943\u2009476\u20095919",
    "tab": "943\t476\t5919",
    "double": "943  476  5919",
    "grouping": "9434 765 919",
}


@pytest.fixture
def cast():
    cast = build_cast()
    datapoints_write(
        series=cast.alpha_series,
        changes=[
            PointChange(m, (9 if i < 12 else 3) + i % 3, 1000 + 10 * (i % 4))
            for i, m in enumerate(MONTHS)
        ],
        by=None,
        source=DataPointRevision.Source.IMPORT,
        today=TODAY,
    )
    return cast


def chart_url(series, name):
    return reverse(f"measures:{name}", kwargs={"pk": series.pk})


def refused(response) -> bool:
    html = response.content.decode()
    return response.status_code in (200, 400) and "Remove the NHS number" in html


@pytest.mark.parametrize("written", WRITTEN.values(), ids=WRITTEN.keys())
def test_chart_annotations_phases_marks_and_settings_refuse_it(client, cast, written):
    series = cast.alpha_series
    edits = ChartEdit.objects.count()
    client.force_login(cast.users["lead"])
    posts = [
        ("annotation_add", {"annotation-date": "2024-05-01", "annotation-text": f"Bed {written}"}),
        (
            "phase_add",
            {"phase-start_period": MONTHS[12].isoformat(), "phase-reason": f"Pt {written}"},
        ),
        (
            "mark_add",
            {
                "mark-period_start": MONTHS[2].isoformat(),
                "mark-kind": "excluded",
                "mark-reason": f"Pt {written}",
            },
        ),
    ]
    for name, data in posts:
        assert refused(client.post(chart_url(series, name), data)), name
    client.force_login(cast.users["faculty"])
    data = {"settings-target": "5", "settings-direction": "down", "settings-reason": written}
    assert refused(client.post(chart_url(series, "settings_set"), data))

    assert not Annotation.objects.exists() and not Phase.objects.exists()
    assert not PointMark.objects.exists() and not MeasureSettingChange.objects.exists()
    assert ChartEdit.objects.count() == edits


@pytest.mark.parametrize("written", WRITTEN.values(), ids=WRITTEN.keys())
def test_a_grid_cells_reason_and_value_refuse_it(client, cast, written):
    client.force_login(cast.users["lead"])
    period = last_periods("monthly", timezone.localdate())[-2]
    url = reverse(
        "measures:cell_save", kwargs={"pk": cast.alpha_series.pk, "period": f"{period:%Y-%m-%d}"}
    )
    before = DataPoint.objects.count()
    data = {"numerator": "3", "denominator": "100", "expected_version": 0}
    response = client.post(url, {**data, "reason": f"pt {written}"}, HTTP_HX_REQUEST="true")
    assert "looks like an NHS number" in response.content.decode()
    response = client.post(url, {**data, "numerator": "9434765919"}, HTTP_HX_REQUEST="true")
    assert "looks like an NHS number" in response.content.decode()
    assert "9434765919" not in response.content.decode().replace('value="9434765919"', "")
    assert DataPoint.objects.count() == before


@pytest.mark.parametrize("written", WRITTEN.values(), ids=WRITTEN.keys())
def test_api_token_names_refuse_it(client, cast, written):
    client.force_login(cast.users["lead"])
    url = reverse("measures:api_tokens", kwargs={"pk": cast.alpha.pk})
    response = client.post(url, {"name": f"PAS {written}"})
    assert response.status_code == 400 and refused(response)
    assert not ApiToken.objects.exists()
