"""The calendar: events by month, attendance per person, and the team page's stability and
sponsor attendance. Uses the cast of tests/cast.py."""

import datetime as dt

import pytest

from collaboratives import workflows
from collaboratives.models import Attendance, LearningEvent, TeamMembership
from governance.models import Person
from tests.cast import build_cast, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return build_cast()


def event(cast, on=dt.date(2024, 3, 5)) -> LearningEvent:
    return LearningEvent.objects.create(
        collaborative=cast.falls,
        kind="learning_session",
        title="Learning session 1",
        starts_on=on,
        ends_on=on,
    )


def member(cast, name, role="member", joined=dt.date(2024, 1, 1), left=None):
    return TeamMembership.objects.create(
        team=cast.alpha,
        person=Person.objects.create(name=name),
        role=role,
        joined_on=joined,
        left_on=left,
    )


def test_it_adds_events_and_shows_them_by_month(cast):
    client = client_for(cast.users["manager"])
    url = f"/collaboratives/{cast.falls.pk}/calendar/"

    errors = client.post(
        url, {"kind": "", "title": "", "starts_on": "2024-03-05", "ends_on": "2024-03-01"}
    )
    added = client.post(
        url,
        {"kind": "webinar", "title": "Huddles", "starts_on": "2024-03-05", "ends_on": "2024-03-05"},
    )

    body = errors.content.decode()
    assert "<title>Error: " in body
    assert "Choose the type of event" in body
    assert "End date must be the same as or after the start" in body
    assert added.status_code == 302
    page = client_for(cast.users["lead"]).get(url).content.decode()
    assert "March 2024" in page and "Huddles" in page
    assert "Add an event" not in page


def test_it_records_attendance_per_person_and_team(cast):
    session = event(cast)
    present = member(cast, "Ann Sponsor", role="sponsor")
    absent = member(cast, "Bob Nurse")
    gone = member(cast, "Cy Left", left=dt.date(2024, 2, 1))
    client = client_for(cast.users["manager"])
    url = f"/collaboratives/{cast.falls.pk}/calendar/{session.pk}/"

    page = client.get(url).content.decode()
    client.post(url, {"present": [present.pk]})

    assert "Bob Nurse" in page and "Cy Left" not in page
    assert list(Attendance.objects.values_list("person_id", "team_id")) == [
        (present.person_id, cast.alpha.pk)
    ]
    client.post(url, {"present": [absent.pk]})
    assert list(Attendance.objects.values_list("person_id", flat=True)) == [absent.person_id]
    assert gone.person_id not in Attendance.objects.values_list("person_id", flat=True)
    assert client_for(cast.users["lead"]).post(url, {"present": []}).status_code == 403


def test_the_team_page_shows_stability_and_sponsor_attendance(cast):
    today = dt.date(2024, 5, 20)
    sponsor = member(cast, "Ann Sponsor", role="sponsor")
    member(cast, "Cy Left", left=dt.date(2024, 4, 1))
    member(cast, "Old Leaver", left=dt.date(2024, 1, 2))

    health = workflows.team_health(team=cast.alpha, today=today)
    assert health["left_recently"] == 2
    assert health["sponsor_attended"] is False

    Attendance.objects.create(event=event(cast, dt.date(2024, 4, 10)), person=sponsor.person)
    health = workflows.team_health(team=cast.alpha, today=today)
    assert health["sponsor_attended"] is True

    body = client_for(cast.users["lead"]).get(f"/teams/{cast.alpha.pk}/").content.decode()
    assert 'id="health"' in body
    assert "left in the last six months" in body
