"""Event-dated measures (G and T charts) entered on screen: the date of each event."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from measures.events import event_add, events_list
from measures.models import DataPoint, DataPointRevision, Measure, Series
from measures.writes import DataPointConflict
from tests.cast import build_cast, client_for, event_measure

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


@pytest.fixture
def cast():
    return build_cast()


def event_series(cast, chart=Measure.ChartType.G) -> Series:
    measure = event_measure(
        cast.falls_rate.topic, chart=chart, name=f"Days between falls with severe harm ({chart})"
    )
    return Series.objects.create(team=cast.alpha, measure=measure)


def post_event(cast, series, user="lead", **data):
    series.refresh_from_db()
    data.setdefault("seen_version", series.data_version)
    return client_for(cast.users[user]).post(reverse("measures:event_save", args=[series.pk]), data)


def test_it_shows_an_event_form_instead_of_no_periods(cast):
    series = event_series(cast)
    response = client_for(cast.users["lead"]).get(reverse("measures:series_grid", args=[series.pk]))
    html = response.content.decode()
    assert "no measures with periods" not in html
    assert 'name="day"' in html and "Date of the event" in html
    assert 'name="cases_between"' in html


def test_it_links_event_measures_from_the_team_grid(cast):
    series = event_series(cast)
    response = client_for(cast.users["lead"]).get(
        reverse("measures:team_grid", args=[cast.alpha.pk])
    )
    assert reverse("measures:series_grid", args=[series.pk]) in response.content.decode()


def test_it_records_an_event_through_the_write_path_and_computes_days_between(cast):
    series = event_series(cast)
    first, second = TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=9)
    assert post_event(cast, series, day=first.isoformat()).status_code == 302
    assert post_event(cast, series, day=second.isoformat(), cases_between="42").status_code == 302
    points = list(
        DataPoint.objects.filter(series=series).values_list(
            "period_start", "numerator", "denominator"
        )
    )
    assert points == [(first, Decimal(1), None), (second, Decimal(1), Decimal(42))]
    revisions = DataPointRevision.objects.filter(series=series)
    assert revisions.count() == 2
    assert {r.changed_by for r in revisions} == {cast.users["lead"]}
    series.refresh_from_db()
    assert series.data_version == 2
    rows = events_list(series)
    assert [(r.day, r.days_between) for r in rows] == [(second, 21), (first, None)]


def test_a_second_event_on_the_same_date_adds_one(cast):
    series = event_series(cast)
    day = TODAY - dt.timedelta(days=3)
    post_event(cast, series, day=day.isoformat())
    post_event(cast, series, day=day.isoformat())
    assert DataPoint.objects.get(series=series).numerator == 2


def test_a_t_chart_measure_takes_no_cases_between(cast):
    series = event_series(cast, chart=Measure.ChartType.T)
    html = client_for(cast.users["lead"]).get(reverse("measures:series_grid", args=[series.pk]))
    assert 'name="cases_between"' not in html.content.decode()
    post_event(cast, series, day=TODAY.isoformat(), cases_between="7")
    assert DataPoint.objects.get(series=series).denominator is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"day": ""}, "day", "Enter the date of the event"),
        ({"day": "2026-02-31"}, "day", "Enter the date of the event as a real date"),
        ({"day": "2999-01-01"}, "day", "The date of the event is in the future"),
        ({"day": "2020-01-01", "cases_between": "lots"}, "cases_between", "whole number"),
        ({"day": "2020-01-01", "cases_between": "0"}, "cases_between", "1 or more"),
    ],
)
def test_it_says_what_is_wrong_in_the_error_summary_and_writes_nothing(cast, data, field, message):
    series = event_series(cast)
    response = post_event(cast, series, **data)
    assert response.status_code == 400
    html = response.content.decode()
    summary = html.split('class="nhsuk-error-summary"')[1].split("</ul>")[0]
    assert message in summary and f'href="#id_{field}"' in summary
    assert f'id="id_{field}-error"' in html
    assert not DataPoint.objects.filter(series=series).exists()


def test_a_date_recorded_by_someone_else_meanwhile_is_a_conflict(cast):
    series = event_series(cast)
    day = TODAY - dt.timedelta(days=1)
    seen = series.data_version
    event_add(
        series=series, day=day, cases_between=None, by=cast.users["member"], seen_data_version=seen
    )
    with pytest.raises(DataPointConflict):
        event_add(
            series=series,
            day=day,
            cases_between=None,
            by=cast.users["lead"],
            seen_data_version=seen,
        )
    response = post_event(cast, series, day=day.isoformat(), seen_version=seen)
    assert response.status_code == 409
    assert "Someone else changed this measure&#x27;s events" in response.content.decode()
    assert DataPoint.objects.get(series=series).numerator == 1


def test_it_removes_an_event_keeping_its_history_and_checking_the_version(cast):
    series = event_series(cast)
    day = TODAY - dt.timedelta(days=5)
    post_event(cast, series, day=day.isoformat())
    url = reverse("measures:event_delete", args=[series.pk, day.isoformat()])
    client = client_for(cast.users["lead"])
    client.post(url, {"version": 7})  # not the version on the page: refused
    assert DataPoint.objects.filter(series=series).exists()
    client.post(url, {"version": 1})
    assert not DataPoint.objects.filter(series=series).exists()
    assert DataPointRevision.objects.filter(series=series).count() == 2


def test_only_those_who_may_enter_data_can_record_events(cast):
    series = event_series(cast)
    assert post_event(cast, series, user="beta_lead", day=TODAY.isoformat()).status_code == 404
    assert post_event(cast, series, user="outsider", day=TODAY.isoformat()).status_code == 404
    assert not DataPoint.objects.filter(series=series).exists()
    html = client_for(cast.users["faculty"]).get(reverse("measures:series_grid", args=[series.pk]))
    assert html.status_code == 200 and 'name="day"' not in html.content.decode()


def test_the_team_grid_takes_an_event_and_comes_back_to_the_grid(cast):
    series = event_series(cast)
    client = client_for(cast.users["lead"])
    grid = reverse("measures:team_grid", args=[cast.alpha.pk])
    html = client.get(grid).content.decode()
    assert reverse("measures:event_save", args=[series.pk]) in html
    assert f'id="event-day-{series.pk}"' in html and f'for="event-day-{series.pk}"' in html
    response = post_event(cast, series, day=TODAY.isoformat(), back="team")
    assert response.status_code == 302 and response.url == grid
    assert DataPoint.objects.filter(series=series, period_start=TODAY).exists()


def test_event_dates_are_listed_only_inside_the_collaborative(cast):
    series = event_series(cast)
    day = TODAY - dt.timedelta(days=2)
    post_event(cast, series, day=day.isoformat())
    url = reverse("measures:series_grid", args=[series.pk])
    inside = client_for(cast.users["faculty"]).get(url).content.decode()
    assert f"{day:%-d %b %Y}" in inside
    outside = client_for(cast.users["national"]).get(url)
    assert outside.status_code == 200
    html = outside.content.decode()
    assert f"{day:%-d %b %Y}" not in html and "shown only inside the collaborative" in html
