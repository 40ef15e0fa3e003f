"""Values that cannot be right are refused with a reason, and nothing is written: fractions
of people or events, periods outside the collaborative's data window, oversized API calls
and text that is not Unicode."""

import datetime as dt
import json

import pytest
from django.test import override_settings
from django.urls import reverse

from measures.api import api_token_create
from measures.models import DataPoint, DataPointRevision, Measure
from measures.writes import DataPointInvalid, PointChange, data_window_start, datapoints_write
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 30)


@pytest.fixture
def cast():
    return build_cast()


def write(series, *changes):
    return datapoints_write(series=series, changes=changes, by=None, source="import", today=TODAY)


def reasons(excinfo) -> set[tuple[str, str]]:
    return {(e.field, e.reason) for e in excinfo.value.errors}


def test_a_count_of_patients_must_be_a_whole_number(cast):
    measure = cast.falls_rate
    Measure.objects.filter(pk=measure.pk).update(chart_type="p", counts_people=True)
    cast.alpha_series.refresh_from_db()

    with pytest.raises(DataPointInvalid) as excinfo:
        write(cast.alpha_series, PointChange(dt.date(2024, 1, 1), "4.5", "20.5"))

    assert reasons(excinfo) == {
        ("numerator", "counts people or events, so must be a whole number"),
        ("denominator", "counts people or events, so must be a whole number"),
    }
    assert not DataPoint.objects.exists()


def test_a_count_of_events_must_be_whole_but_its_exposure_need_not_be(cast):
    # Falls per 1,000 bed days: the falls are counted, the bed days may be part days.
    with pytest.raises(DataPointInvalid) as excinfo:
        write(cast.alpha_series, PointChange(dt.date(2024, 1, 1), "2.5", "250"))
    assert reasons(excinfo) == {("numerator", "counts people or events, so must be a whole number")}

    result = write(cast.alpha_series, PointChange(dt.date(2024, 1, 1), "2.0", "250.5"))

    assert result.created == 1


def test_a_measured_value_may_have_decimals(cast):
    # Alpha's own audit is a run chart of a value, not a count.
    result = write(cast.alpha_custom_series, PointChange(dt.date(2024, 1, 1), "4.5"))

    assert result.created == 1


@override_settings(COLLAB_DATA_YEARS_BEFORE_START=3)
def test_periods_before_the_data_window_are_refused(cast):
    # The falls collaborative starts on 1 January 2024: baseline from 1 January 2021.
    assert data_window_start(cast.falls) == dt.date(2021, 1, 1)

    with pytest.raises(DataPointInvalid) as excinfo:
        write(
            cast.alpha_series,
            PointChange(dt.date(2020, 12, 1), 1, 100),
            PointChange(dt.date(2021, 1, 1), 1, 100),
        )

    assert [(e.period_start, e.field) for e in excinfo.value.errors] == [
        (dt.date(2020, 12, 1), "period")
    ]
    assert "the start of this collaborative's data" in excinfo.value.errors[0].reason
    assert not DataPoint.objects.exists()
    assert write(cast.alpha_series, PointChange(dt.date(2021, 1, 1), 1, 100)).created == 1


def test_a_leap_day_start_gives_a_window_that_exists(cast):
    cast.falls.starts_on = dt.date(2024, 2, 29)

    with override_settings(COLLAB_DATA_YEARS_BEFORE_START=5):
        assert data_window_start(cast.falls) == dt.date(2019, 2, 28)


def api_push(client, key, series, body):
    return client.post(
        reverse("measures:api_points", kwargs={"pk": series.pk}),
        body if isinstance(body, bytes) else json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


@pytest.fixture
def key(cast):
    return api_token_create(team=cast.alpha, name="Warehouse", by=cast.users["lead"])[1]


def test_the_api_refuses_points_from_the_year_1600(client, cast, key):
    response = api_push(
        client,
        key,
        cast.alpha_series,
        {"points": [{"period_start": "1600-01-01", "numerator": 1, "denominator": 9}]},
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "period"
    assert not DataPoint.objects.exists()


def test_the_api_caps_the_points_in_one_call(client, cast, key, settings):
    from measures import api

    points = [
        {"period_start": f"{2020 + i // 12}-{i % 12 + 1:02d}-01", "numerator": 1, "denominator": 9}
        for i in range(api.MAX_POINTS + 1)
    ]

    response = api_push(client, key, cast.alpha_series, {"points": points})

    assert response.status_code == 400
    assert f"At most {api.MAX_POINTS} points" in response.json()["error"]
    assert not DataPoint.objects.exists()


def test_a_lone_surrogate_is_refused_at_once_and_nothing_written(client, cast, key):
    body = (
        b'{"points": [{"period_start": "2024-01-01", "numerator": 1, "denominator": 9}],'
        b' "reason": "\\ud800"}'
    )

    response = api_push(client, key, cast.alpha_series, body)

    assert response.status_code == 400
    assert "not valid Unicode" in response.json()["error"]
    assert not DataPoint.objects.exists() and not DataPointRevision.objects.exists()
