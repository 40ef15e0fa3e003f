"""A collaborative's faculty decide the direction of a library measure for their own series
only: another collaborative (another AHSN's) keeps the library's, and its charts' colours."""

import datetime as dt

import pytest
from django.urls import reverse

from measures.models import (
    ChartResult,
    CollaborativeMeasure,
    DataPointRevision,
    Measure,
    MeasureSettingChange,
)
from measures.writes import PointChange, datapoints_write
from tests.measures.drop_cast import TODAY, build_cast_with_drop

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cast():
    return build_cast_with_drop()


def latest(series):
    return ChartResult.objects.filter(series=series).order_by("-computed_at").first()


def set_direction(client, series, direction, target="5"):
    return client.post(
        reverse("measures:settings_set", kwargs={"pk": series.pk}),
        {
            "settings-target": target,
            "settings-direction": direction,
            "settings-reason": "Our faculty's reading",
        },
    )


def test_faculty_change_the_direction_of_their_own_series_only(client, cast):
    before = latest(cast.delta_series)
    assert before.variation.startswith("improvement")  # falls fell; lower is better

    client.force_login(cast.users["faculty"])  # faculty of falls (east), not maternity (west)
    response = set_direction(client, cast.alpha_series, "up")

    assert response.status_code == 302
    cast.falls_rate.refresh_from_db()
    assert cast.falls_rate.direction == Measure.Direction.DOWN  # the library's default stays
    row = CollaborativeMeasure.objects.get(collaborative=cast.falls, measure=cast.falls_rate)
    assert row.direction == "up" and row.improvement_direction == "up"
    assert latest(cast.alpha_series).variation.startswith("concern")
    delta = latest(cast.delta_series)
    assert delta.pk == before.pk and delta.variation.startswith("improvement")
    change = MeasureSettingChange.objects.get(field="direction")
    assert change.collaborative == cast.falls and (change.old_value, change.new_value) == (
        "down",
        "up",
    )


def test_the_form_shows_the_collaboratives_own_direction(client, cast):
    client.force_login(cast.users["faculty"])
    set_direction(client, cast.alpha_series, "up")

    response = client.get(reverse("measures:series_chart", kwargs={"pk": cast.alpha_series.pk}))
    html = response.content.decode()

    assert response.context["settings_form"].initial["direction"] == "up"
    assert "other collaboratives using this library measure keep their own" in html


def test_choosing_the_librarys_direction_again_stores_no_override(client, cast):
    client.force_login(cast.users["faculty"])
    set_direction(client, cast.alpha_series, "up")
    set_direction(client, cast.alpha_series, "down")

    row = CollaborativeMeasure.objects.get(collaborative=cast.falls, measure=cast.falls_rate)
    assert row.direction == "" and row.improvement_direction == "down"
    assert latest(cast.alpha_series).variation.startswith("improvement")


def test_a_teams_own_measure_keeps_its_direction_on_the_measure(client, cast):
    client.force_login(cast.users["lead"])
    series = cast.alpha_custom_series
    datapoints_write(
        series=series,
        changes=[PointChange(dt.date(2024, 1, 1), 4)],
        by=None,
        source=DataPointRevision.Source.IMPORT,
        today=TODAY,
    )

    response = set_direction(client, series, "down", target="")

    assert response.status_code == 302, response.content.decode()[:500]
    series.measure.refresh_from_db()
    assert series.measure.direction == "down"
    assert not CollaborativeMeasure.objects.filter(measure=series.measure, direction="down")


def test_the_measure_definitions_export_gives_the_collaboratives_own_direction(client, cast):
    client.force_login(cast.users["faculty"])
    set_direction(client, cast.alpha_series, "up")

    own = client.get(
        reverse("measures:series_export", args=[cast.alpha_series.pk, "csv"]),
        {"sheet": "definitions"},
    )
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("root", password="x"))
    other = client.get(
        reverse("measures:series_export", args=[cast.delta_series.pk, "csv"]),
        {"sheet": "definitions"},
    )

    assert "Higher is better" in own.content.decode()
    assert "Lower is better" in other.content.decode()
