"""An event-dated measure's dates (one row per harm to a patient, on its day, at a team) never
reach a viewer outside the collaborative: not in an export, not through a cell's history.
Outside are the national viewer and a partner AHSN's director (governance.disclosure.Scope);
the lead of a peer team and the faculty of another collaborative cannot reach alpha's series
at all (404, the permission matrix)."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from governance import disclosure
from governance.models import Role
from measures.models import DataPointRevision, Series
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast, client_for, event_measure, user_with_role

# Three falls with severe harm in February 2024 (a month of 1 to 7: "*"), nine in April (10).
FEBRUARY = [dt.date(2024, 2, 13), dt.date(2024, 2, 20), dt.date(2024, 2, 27)]
APRIL = [dt.date(2024, 4, d) for d in range(10, 19)]
EVENTS = FEBRUARY + APRIL


@pytest.fixture
def world():
    c = build_cast()
    measure = event_measure(c.falls.topic, counts_patient_events=True)
    series = Series.objects.create(team=c.alpha, measure=measure)
    datapoints_write(series=series, changes=[PointChange(d, "1", None) for d in EVENTS], by=None,
                     source=DataPointRevision.Source.GRID, today=dt.date(2025, 1, 1))  # fmt: skip
    c.falls.partner_ahsns.add(c.west)
    outside = {
        "national": c.users["national"],
        "partner_director": user_with_role("west_director", Role.AHSN_DIRECTOR, ahsn=c.west),
    }
    for user in outside.values():
        assert not disclosure.scope_for(user, c.falls).inside
    return c, series, outside


def _csv_rows(response) -> list[list[str]]:
    return [line.split(",") for line in response.content.decode().replace('"', "").splitlines()]


@pytest.mark.django_db
def test_an_export_outside_gives_events_per_month_as_published_counts_and_no_date(world):
    c, series, outside = world
    urls = [
        reverse("measures:series_export", kwargs={"pk": series.pk, "fmt": "csv"}),
        reverse("measures:team_export", kwargs={"pk": c.alpha.pk, "fmt": "csv"}),
    ]
    for name, user in outside.items():
        for url in urls:
            rows = [r for r in _csv_rows(client_for(user).get(url)) if r[2] == series.measure.name]
            assert [r[3:] for r in rows] == [["2024-02-01", "*", "", ""],
                                             ["2024-04-01", "10", "", ""]], (name, url)  # fmt: skip
    # Inside, the team's own lead gets every event on its date.
    rows = _csv_rows(client_for(c.users["lead"]).get(urls[0]))
    assert [r[3] for r in rows[1:]] == [d.isoformat() for d in EVENTS]


@pytest.mark.django_db
def test_an_xlsx_export_outside_holds_no_event_date(world):
    c, series, outside = world
    url = reverse("measures:series_export", kwargs={"pk": series.pk, "fmt": "xlsx"})
    sheet = load_workbook(io.BytesIO(client_for(outside["national"]).get(url).content))["Data"]
    days = {row[3].date() for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert days == {dt.date(2024, 2, 1), dt.date(2024, 4, 1)}


def test_event_months_follow_the_rules_for_counts_of_people_whatever_the_flags():
    """Hand-built: outside, the events are summed per month and published (0 months are not
    listed, 1 to 7 is "*", more is rounded to 5, cases between too); inside, as they are."""

    class Unflagged:
        is_event_dated = True
        counts_people = counts_patient_events = False
        chart_type = "g"
        multiplier = 1

    events = [(dt.date(2024, 1, 5), 1, 40), (dt.date(2024, 1, 9), 2, 12)] + [
        (dt.date(2024, 3, d), 1, 3) for d in range(1, 13)
    ]
    measure = Unflagged()
    assert disclosure.event_months(measure, events, scope=disclosure.INSIDE) == events
    published = disclosure.event_months(measure, events, scope=disclosure.OUTSIDE)
    assert published == [(dt.date(2024, 1, 1), "3", "52"), (dt.date(2024, 3, 1), "12", "36")]
    measure.counts_patient_events = True
    published = disclosure.event_months(measure, events, scope=disclosure.OUTSIDE)
    assert published == [(dt.date(2024, 1, 1), "*", "50"), (dt.date(2024, 3, 1), "10", "35")]


@pytest.mark.django_db
def test_a_cells_history_outside_is_the_same_on_a_day_with_an_event_as_on_one_without(world):
    """Whether a date's cell has a history would tell which days had an event: outside, no
    date's history is shown, and the page reads the same but for the date asked about."""
    c, series, outside = world
    event, quiet = FEBRUARY[0], FEBRUARY[0] + dt.timedelta(days=1)

    def page(user, day):
        url = reverse("measures:cell_history", kwargs={"pk": series.pk, "period": day.isoformat()})
        html = client_for(user).get(url, headers={"HX-Request": "true"}).content.decode()
        return html.replace(f"{day.day} {day:%b %Y}", "DAY")

    for name, user in outside.items():
        assert page(user, event) == page(user, quiet), name
        assert "shown only inside the collaborative" in page(user, event)
    inside = page(c.users["lead"], event)
    assert "nothing" in inside and "shown only inside" not in inside
