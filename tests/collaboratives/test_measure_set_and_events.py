"""Editing a collaborative's measure set (order, optional or mandatory, removal with its
history) and its learning events. Uses the cast of tests/cast.py: the falls collaborative,
run by the manager and taught by faculty, with teams alpha and beta."""

import datetime as dt

import pytest

from collaboratives.models import LearningEvent
from collaboratives.workflows import MEASURE_SET_FIELD
from measures.models import CollaborativeMeasure, DataPoint, MeasureSettingChange, Series
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast, client_for
from tests.collaboratives.test_setup import library_measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return build_cast()


@pytest.fixture
def entries(cast):
    """Three measures in the falls set, shown by name: the falls rate (which alpha and beta
    report), bp, harm; all at position 0, as rows made before ordering existed are."""
    bp = library_measure(cast.falls.topic, name="Lying and standing BP")
    harm = library_measure(cast.falls.topic, name="Severe harm from falls")
    return [
        CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=m, position=0)
        for m in (cast.falls_rate, bp, harm)
    ]


def names_in_order(cast) -> list[str]:
    return [e.measure.name for e in cast.falls.measure_set.select_related("measure")]


def url(cast, entry, action: str) -> str:
    return f"/collaboratives/{cast.falls.pk}/measures/{entry.pk}/{action}/"


# --- Order ---------------------------------------------------------------------------------


def test_it_moves_a_measure_up_and_down_one_place_at_a_time(cast, entries):
    first, second, third = entries
    client = client_for(cast.users["faculty"])
    before = names_in_order(cast)

    moved = client.post(url(cast, third, "move"), {"direction": "up"})
    after_up = names_in_order(cast)
    client.post(url(cast, first, "move"), {"direction": "down"})

    assert before == [first.measure.name, second.measure.name, third.measure.name]
    assert moved.status_code == 302
    assert moved["Location"] == f"/collaboratives/{cast.falls.pk}/measures/#entry-{third.pk}"
    assert after_up == [first.measure.name, third.measure.name, second.measure.name]
    assert names_in_order(cast) == [third.measure.name, first.measure.name, second.measure.name]


def test_moving_the_first_measure_up_changes_nothing(cast, entries):
    client = client_for(cast.users["manager"])
    before = names_in_order(cast)

    client.post(url(cast, entries[0], "move"), {"direction": "up"})

    assert names_in_order(cast) == before


def test_a_move_without_a_direction_answers_404(cast, entries):
    client = client_for(cast.users["manager"])

    assert client.post(url(cast, entries[1], "move"), {"direction": "sideways"}).status_code == 404


def test_the_set_page_offers_move_buttons_not_dragging(cast, entries):
    body = (
        client_for(cast.users["manager"])
        .get(f"/collaboratives/{cast.falls.pk}/measures/")
        .content.decode()
    )

    table = body[body.index('id="measure-set"') :]
    first = table[
        table.index(f'id="entry-{entries[0].pk}"') : table.index(f'id="entry-{entries[1].pk}"')
    ]
    assert "Move up" not in first and "Move down" in first
    assert table.count('<button class="nhsuk-button') >= 6
    assert "draggable" not in table


# --- Optional or mandatory -------------------------------------------------------------------


def test_a_mandatory_measure_made_optional_keeps_the_teams_series_and_is_recorded(cast, entries):
    rate = entries[0]
    client = client_for(cast.users["faculty"])

    response = client.post(url(cast, rate, "optional"))

    rate.refresh_from_db()
    assert response.status_code == 302
    assert rate.mandatory is False
    assert Series.objects.filter(measure=rate.measure, team=cast.alpha).exists()
    change = MeasureSettingChange.objects.get(field=MEASURE_SET_FIELD)
    assert (change.old_value, change.new_value) == ("mandatory", "optional")
    assert change.changed_by == cast.users["faculty"]
    assert change.collaborative == cast.falls


def test_the_set_page_offers_make_optional_for_a_mandatory_measure(cast, entries):
    body = (
        client_for(cast.users["manager"])
        .get(f"/collaboratives/{cast.falls.pk}/measures/")
        .content.decode()
    )

    assert body.count("Make optional<") == 3


# --- Removal with history ----------------------------------------------------------------------


def test_removing_a_measure_keeps_its_series_and_data_and_records_why(cast, entries):
    rate = entries[0]
    month = dt.date(2024, 1, 1)
    datapoints_write(
        series=cast.alpha_series, changes=[PointChange(month, 3, 900)], by=None, source="grid"
    )
    client = client_for(cast.users["manager"])

    page = client.get(url(cast, rate, "remove"))
    response = client.post(url(cast, rate, "remove"), {"reason": "Replaced by the harm rate"})

    assert f"Remove {rate.measure.name} from the measure set" in page.content.decode()
    assert response.status_code == 302
    assert not CollaborativeMeasure.objects.filter(pk=rate.pk).exists()
    assert names_in_order(cast) == [entries[1].measure.name, entries[2].measure.name]
    assert Series.objects.filter(pk=cast.alpha_series.pk).exists()
    assert DataPoint.objects.filter(series=cast.alpha_series, period_start=month).exists()
    change = MeasureSettingChange.objects.get(field=MEASURE_SET_FIELD)
    assert (change.measure, change.old_value, change.new_value) == (
        rate.measure,
        "mandatory",
        "removed",
    )
    assert change.reason == "Replaced by the harm rate"
    body = client.get(f"/collaboratives/{cast.falls.pk}/measures/").content.decode()
    history = body[body.index('id="measure-set-history"') :]
    assert rate.measure.name in history and "Replaced by the harm rate" in history


def test_removal_asks_why(cast, entries):
    client = client_for(cast.users["manager"])

    response = client.post(url(cast, entries[0], "remove"), {"reason": ""})

    assert response.status_code == 200
    assert "Enter why the measure is leaving the set" in response.content.decode()
    assert CollaborativeMeasure.objects.filter(pk=entries[0].pk).exists()


def test_removal_refuses_an_nhs_number_in_the_reason(cast, entries):
    client = client_for(cast.users["manager"])

    response = client.post(url(cast, entries[0], "remove"), {"reason": "See 943 476 5919"})

    assert "Remove the NHS number (943 *** ****)" in response.content.decode()
    assert CollaborativeMeasure.objects.filter(pk=entries[0].pk).exists()


def test_faculty_reorder_but_only_those_who_run_it_remove_a_measure(cast, entries):
    faculty = client_for(cast.users["faculty"])

    assert faculty.get(url(cast, entries[0], "remove")).status_code == 403
    body = faculty.get(f"/collaboratives/{cast.falls.pk}/measures/").content.decode()
    assert "Move down" in body
    assert "/remove/" not in body


def test_a_removed_measure_is_no_longer_owed(cast, entries):
    client = client_for(cast.users["manager"])
    overdue = f"/collaboratives/{cast.falls.pk}/overdue/"
    owed = client.get(overdue).content.decode()

    client.post(url(cast, entries[0], "remove"), {"reason": "Dropped"})
    client.get(f"/collaboratives/{cast.falls.pk}/measures/")  # shows the message, once

    assert entries[0].measure.name in owed
    assert entries[0].measure.name not in client.get(overdue).content.decode()


def test_a_measure_added_back_goes_to_the_end_and_the_addition_is_recorded(cast, entries):
    client = client_for(cast.users["manager"])
    client.post(url(cast, entries[0], "remove"), {"reason": "Dropped"})

    client.post(
        f"/collaboratives/{cast.falls.pk}/measures/",
        {"measure": entries[0].measure.pk, "mandatory": "True"},
    )

    assert names_in_order(cast)[-1] == entries[0].measure.name
    values = list(
        MeasureSettingChange.objects.filter(field=MEASURE_SET_FIELD)
        .order_by("id")
        .values_list("old_value", "new_value")
    )
    assert values == [("mandatory", "removed"), ("", "mandatory")]


# --- Learning events ---------------------------------------------------------------------------


def event(cast) -> LearningEvent:
    return LearningEvent.objects.create(
        collaborative=cast.falls,
        kind="learning_session",
        title="Learning session 1",
        starts_on=dt.date(2024, 3, 5),
        ends_on=dt.date(2024, 3, 5),
    )


def test_the_manager_changes_a_learning_events_title_and_dates(cast):
    session = event(cast)
    client = client_for(cast.users["manager"])
    edit = f"/collaboratives/{cast.falls.pk}/calendar/{session.pk}/edit/"

    calendar = client.get(f"/collaboratives/{cast.falls.pk}/calendar/").content.decode()
    page = client.get(edit)
    response = client.post(
        edit,
        {
            "kind": "webinar",
            "title": "Learning session 1 (online)",
            "starts_on": "2024-03-12",
            "ends_on": "2024-03-12",
        },
    )

    assert edit in calendar
    assert "---------" not in page.content.decode()
    assert 'value="Learning session 1"' in page.content.decode()
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.kind, session.title, session.starts_on) == (
        "webinar",
        "Learning session 1 (online)",
        dt.date(2024, 3, 12),
    )


def test_an_event_edit_shows_its_errors(cast):
    session = event(cast)
    client = client_for(cast.users["manager"])

    response = client.post(
        f"/collaboratives/{cast.falls.pk}/calendar/{session.pk}/edit/",
        {"kind": "webinar", "title": "", "starts_on": "2024-03-12", "ends_on": "2024-03-01"},
    )

    body = response.content.decode()
    assert "<title>Error: " in body
    assert "Enter the event&#x27;s title" in body
    assert "End date must be the same as or after the start" in body
    session.refresh_from_db()
    assert session.title == "Learning session 1"


def test_faculty_and_teams_cannot_edit_an_event(cast):
    session = event(cast)
    edit = f"/collaboratives/{cast.falls.pk}/calendar/{session.pk}/edit/"

    assert client_for(cast.users["faculty"]).get(edit).status_code == 403
    assert client_for(cast.users["lead"]).post(edit, {"title": "X"}).status_code == 403
    calendar = client_for(cast.users["lead"]).get(f"/collaboratives/{cast.falls.pk}/calendar/")
    assert edit not in calendar.content.decode()


def test_a_removal_is_on_the_collaboratives_audit_trail_with_its_reason(cast, entries):
    client_for(cast.users["manager"]).post(
        url(cast, entries[0], "remove"), {"reason": "Replaced by the harm rate"}
    )

    trail = client_for(cast.users["director"]).get(
        f"/collaboratives/{cast.falls.pk}/audit/", {"kind": "measure"}
    )

    html = trail.content.decode()
    results = html[html.index('id="audit-results"') :]
    assert f"Measure: {entries[0].measure.name}" in results
    assert "Replaced by the harm rate" in results
