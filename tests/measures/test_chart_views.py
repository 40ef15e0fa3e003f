"""The chart page, its htmx panel, the edits and who may see and make them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from measures.models import (
    ChartEdit,
    ChartResult,
    CollaborativeMeasure,
    DataPointRevision,
    MeasureSettingChange,
    Phase,
    PointMark,
    RecomputeJob,
)
from measures.writes import PointChange, datapoints_write
from tests.measures.drop_cast import MONTHS, TODAY, build_cast_with_drop

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cast():
    return build_cast_with_drop()


def url(series, name="series_chart", **kwargs):
    return reverse(f"measures:{name}", kwargs={"pk": series.pk, **kwargs})


def test_it_shows_the_chart_its_table_and_words(client, cast):
    client.force_login(cast.users["lead"])
    response = client.get(url(cast.alpha_series))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="chart-figure-' in html and "data-figure=" in html
    assert "vendor/plotly/plotly-strict.min.js" in html and "js/charts.js" in html
    assert "The numbers on the chart" in html
    assert "Making Data Count" in html
    assert "collab-recomputing" not in html
    assert "<script>" not in html.replace('<script type="application/json"', "")


def test_another_teams_series_is_not_found(client, cast):
    client.force_login(cast.users["lead"])
    assert client.get(url(cast.delta_series)).status_code == 404
    client.force_login(cast.users["outsider"])
    assert client.get(url(cast.alpha_series)).status_code == 404


def test_a_reader_sees_the_chart_without_the_edit_forms(client, cast):
    client.force_login(cast.users["director"])
    response = client.get(url(cast.alpha_series))
    assert response.status_code == 200
    assert "Start a new phase" not in response.content.decode()
    post = client.post(
        url(cast.alpha_series, "annotation_add"),
        {"annotation-date": "2024-03-01", "annotation-text": "Hello"},
    )
    assert post.status_code == 403


def test_the_panel_polls_while_recomputing_and_stops_when_fresh(client, cast, monkeypatch):
    client.force_login(cast.users["lead"])
    series = cast.alpha_series
    from measures import recompute

    monkeypatch.setattr(recompute, "recompute_send", lambda ids: None)  # a slow worker
    recompute.series_mark_stale(series_ids=[series.pk])
    # A change the worker has not caught up with yet.
    Phase.objects.create(series=series, start_period=MONTHS[12], reason="New pathway")

    page = client.get(url(series)).content.decode()
    assert "collab-recomputing" in page and 'hx-trigger="every 2s"' in page

    polled = client.get(url(series), HTTP_HX_REQUEST="true")
    assert polled.status_code == 200 and "collab-recomputing" in polled.content.decode()
    assert "<html" not in polled.content.decode()

    recompute.charts_recompute(series_ids=[series.pk], worker="test")
    fresh = client.get(url(series), HTTP_HX_REQUEST="true")
    assert fresh.status_code == 286
    assert "collab-recomputing" not in fresh.content.decode()
    assert "hx-trigger" not in fresh.content.decode()


def test_a_lead_adds_a_phase_after_a_signal_and_it_is_recomputed(client, cast):
    client.force_login(cast.users["lead"])
    series = cast.alpha_series
    response = client.post(
        url(series, "phase_add"),
        {"phase-start_period": MONTHS[12].isoformat(), "phase-reason": "New pathway"},
    )
    assert response.status_code == 302
    assert Phase.objects.filter(series=series, start_period=MONTHS[12]).exists()
    assert ChartEdit.objects.filter(series=series, kind="phase_added").exists()
    page = client.get(url(series)).content.decode()
    assert "collab-recomputing" not in page  # eager: recomputed on commit
    latest = ChartResult.objects.filter(series=series).order_by("-computed_at").first()
    assert max(latest.phase) == 1


def test_a_phase_without_a_signal_needs_confirming(client, cast):
    client.force_login(cast.users["lead"])
    series = cast.alpha_custom_series  # weekly, no signal anywhere
    weeks = [dt.date(2024, 1, 1) + dt.timedelta(weeks=i) for i in range(30)]
    datapoints_write(
        series=series,
        changes=[
            PointChange(w, (5, 7, 6, 4, 6, 5, 7, 5, 6, 4, 7, 5)[i % 12])
            for i, w in enumerate(weeks)
        ],
        by=None,
        source=DataPointRevision.Source.IMPORT,
        today=TODAY,
    )
    data = {"phase-start_period": weeks[10].isoformat(), "phase-reason": "Collaborative began"}
    response = client.post(url(series, "phase_add"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "No signal" in html
    assert not Phase.objects.filter(series=series).exists()

    data["phase-confirm_without_signal"] = "on"
    assert client.post(url(series, "phase_add"), data).status_code == 302
    assert Phase.objects.filter(series=series).count() == 1


def test_a_phase_needs_a_reason(client, cast):
    client.force_login(cast.users["lead"])
    response = client.post(
        url(cast.alpha_series, "phase_add"), {"phase-start_period": MONTHS[12].isoformat()}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_a_member_excludes_a_point_and_removes_the_mark(client, cast):
    client.force_login(cast.users["member"])
    series = cast.alpha_series
    response = client.post(
        url(series, "mark_add"),
        {
            "mark-period_start": MONTHS[2].isoformat(),
            "mark-kind": "excluded",
            "mark-reason": "Ward closed",
        },
    )
    assert response.status_code == 302
    mark = PointMark.objects.get(series=series)
    latest = ChartResult.objects.filter(series=series).order_by("-computed_at").first()
    assert latest.excluded == [2]
    assert client.post(url(series, "mark_remove", mark_pk=mark.pk)).status_code == 302
    assert not PointMark.objects.filter(series=series).exists()
    assert ChartEdit.objects.filter(series=series, kind="mark_removed").exists()


def test_an_annotation_shows_in_the_table_and_figure(client, cast):
    client.force_login(cast.users["lead"])
    series = cast.alpha_series
    client.post(
        url(series, "annotation_add"),
        {"annotation-date": MONTHS[5].isoformat(), "annotation-text": "New matron started"},
    )
    html = client.get(url(series)).content.decode()
    assert html.count("New matron started") >= 3  # table, figure, history


def test_faculty_set_the_target_and_direction_with_history(client, cast):
    client.force_login(cast.users["faculty"])
    series = cast.alpha_series
    response = client.post(
        url(series, "settings_set"),
        {"settings-target": "5", "settings-direction": "down", "settings-reason": "Agreed aim"},
    )
    assert response.status_code == 302
    cm = CollaborativeMeasure.objects.get(collaborative=cast.falls, measure=cast.falls_rate)
    assert cm.target == Decimal("5")
    assert MeasureSettingChange.objects.filter(field="target", new_value="5").exists()
    latest = ChartResult.objects.filter(series=series).order_by("-computed_at").first()
    assert latest.target == pytest.approx(0.005) and latest.assurance
    assert RecomputeJob.objects.get(series=series).status == "done"


def test_a_team_lead_may_not_set_a_library_measures_target(client, cast):
    client.force_login(cast.users["lead"])
    response = client.post(
        url(cast.alpha_series, "settings_set"),
        {"settings-target": "5", "settings-direction": "down", "settings-reason": "x"},
    )
    assert response.status_code == 403


def test_admin_edits_of_chart_inputs_mark_the_charts_stale(client, cast, monkeypatch):
    from django.contrib.auth.models import User

    from measures import recompute

    monkeypatch.setattr(recompute, "recompute_send", lambda ids: None)
    admin = User.objects.create_superuser("root", password="x")
    client.force_login(admin)
    RecomputeJob.objects.update(status="done")
    response = client.post(
        reverse("admin:measures_phase_add"),
        {"series": cast.alpha_series.pk, "start_period": "2024-01-01", "reason": "Admin"},
    )
    assert response.status_code == 302
    assert RecomputeJob.objects.get(series=cast.alpha_series).status == "pending"


def test_the_table_writes_each_figure_as_the_charts_hover_does(client, cast):
    """The table beside the chart and the chart's hover are one figure read two ways: both
    written by measures.numbers (a denominator of 1,010 bed days with its separator)."""
    client.force_login(cast.users["lead"])
    response = client.get(url(cast.alpha_series))
    assert response.status_code == 200
    trace = next(t for t in response.context["figure"]["data"] if t.get("customdata"))
    numerator, denominator = trace["customdata"][1][:2]  # the second month's
    assert (numerator, denominator) == ("10", "1,010")
    row = response.content.decode().split('role="rowheader"')[2]  # the second month's row
    assert f"Numerator </span>{numerator}</td>" in row
    assert f"Denominator </span>{denominator}</td>" in row
