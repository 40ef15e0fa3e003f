"""The design record: the start checklist, dated changes, the close, and the comparison.

Uses the cast of tests/cast.py: `manager` runs falls; `lead` is in its team alpha.
"""

import pytest

from collaboratives.models import DesignFeature, DesignRecordEntry
from tests.cast import build_cast, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return build_cast()


def start(**overrides):
    data = {f"{f}_note": "" for f in DesignFeature.values}
    data.update(overrides)
    return data


def test_it_saves_the_start_checklist_and_overwrites_it(cast):
    client = client_for(cast.users["manager"])
    url = f"/collaboratives/{cast.falls.pk}/design/?part=start"

    first = client.post(url, start(topic_in_place="on", topic_note="Matched the ICS plan"))
    client.post(url, start(topic_in_place="on", evidence_in_place="on"))

    entries = DesignRecordEntry.objects.filter(kind="initial")
    assert first.status_code == 302
    assert entries.count() == len(DesignFeature.values)
    assert set(entries.filter(in_place=True).values_list("feature", flat=True)) == {
        "topic",
        "evidence",
    }
    body = client.get(f"/collaboratives/{cast.falls.pk}/design/").content.decode()
    assert "Save the start" in body


def test_it_refuses_an_nhs_number_in_a_note(cast):
    client = client_for(cast.users["manager"])

    response = client.post(
        f"/collaboratives/{cast.falls.pk}/design/?part=start", start(aim_note="943 476 5919")
    )

    assert "<title>Error: " in response.content.decode()
    assert "Remove the NHS number" in response.content.decode()
    assert not DesignRecordEntry.objects.exists()


def test_it_adds_dated_changes_and_shows_their_errors(cast):
    client = client_for(cast.users["manager"])
    url = f"/collaboratives/{cast.falls.pk}/design/?part=change"

    errors = client.post(url, {"entered_on": "", "text": ""})
    client.post(url, {"entered_on": "2024-06-01", "text": "Moved sessions online"})

    assert "Enter the date of the change" in errors.content.decode()
    assert "Enter what changed and why" in errors.content.decode()
    assert "nhsuk-error-summary" in errors.content.decode()
    body = client.get(f"/collaboratives/{cast.falls.pk}/design/").content.decode()
    assert "1 Jun 2024" in body and "Moved sessions online" in body


def test_it_rates_the_features_at_the_close_and_compares_records(cast):
    client = client_for(cast.users["manager"])

    client.post(
        f"/collaboratives/{cast.falls.pk}/design/?part=close",
        {"leaders": "3", "faculty": "1", "lessons": "Sponsors matter"},
    )
    client.post(
        f"/collaboratives/{cast.sepsis.pk}/design/?part=start", start(leaders_in_place="on")
    )

    leaders = DesignRecordEntry.objects.get(kind="success_factor", feature="leaders")
    assert leaders.contribution == 3
    assert DesignRecordEntry.objects.filter(kind="lesson", text="Sponsors matter").exists()
    body = client.get("/design-records/").content.decode()
    assert "Falls" in body and "Sepsis" in body
    assert "Contributed most" in body
    assert "In place" in body


def test_team_people_read_it_and_only_those_who_run_it_write_it(cast):
    url = f"/collaboratives/{cast.falls.pk}/design/"
    lead = client_for(cast.users["lead"])

    assert lead.get(url).status_code == 200
    assert "Save the start" not in lead.get(url).content.decode()
    assert (
        lead.post(url + "?part=change", {"entered_on": "2024-06-01", "text": "x"}).status_code
        == 403
    )
    assert client_for(cast.users["outsider"]).get(url).status_code == 404
    assert client_for(cast.users["manager"]).post(url + "?part=nap").status_code == 404


def test_it_shows_entries_that_name_no_feature_as_notes(cast):
    from collaboratives.models import DesignRecord

    record = DesignRecord.objects.create(collaborative=cast.falls)
    DesignRecordEntry.objects.create(
        record=record, kind="initial", entered_on="2024-01-01", text="Three learning sessions"
    )

    body = client_for(cast.users["lead"]).get(f"/collaboratives/{cast.falls.pk}/design/")

    assert "Three learning sessions" in body.content.decode()
