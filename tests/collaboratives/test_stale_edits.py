"""Text two people can edit carries a version: a stale save is refused and shown, never a
silent overwrite (PDSA steps, the design record; the commentary is in tests/reports).
And a follow-on cycle asked for with an id that is not a number is not found, not a 500."""

import pytest
from django.urls import reverse

from collaboratives.models import DesignFeature, DesignRecord, DesignRecordEntry, PDSACycle
from tests.cast import build_cast, client_for

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def cast():
    return build_cast()


def do_step(client, cycle, text, version, **extra):
    url = reverse("cycle_step", args=[cycle.pk, "do"])
    return client.post(url, {"do_notes": text, "version": version}, **extra)


def test_a_stale_do_step_save_does_not_overwrite_anothers(cast):
    cycle = cast.alpha_cycle
    lead, member = client_for(cast.users["lead"]), client_for(cast.users["member"])
    opened_at = PDSACycle.objects.get(pk=cycle.pk).do_version  # both open the page

    first = do_step(lead, cycle, "Huddles ran on all three shifts.", opened_at)
    second = do_step(member, cycle, "Only the night shift huddled.", opened_at)

    assert first.status_code == 302
    assert second.status_code == 409
    cycle.refresh_from_db()
    assert cycle.do_notes == "Huddles ran on all three shifts."
    assert cycle.do_version == opened_at + 1
    html = second.content.decode()
    assert "Someone else saved this since you opened the page" in html
    assert "Huddles ran on all three shifts." in html  # theirs, quoted
    assert "Only the night shift huddled." in html  # mine, kept in the box
    assert f'name="version" value="{opened_at + 1}"' in html  # saving again is deliberate

    again = do_step(member, cycle, "Only the night shift huddled.", opened_at + 1)

    assert again.status_code == 302
    cycle.refresh_from_db()
    assert cycle.do_notes == "Only the night shift huddled."


def test_a_stale_htmx_save_answers_in_the_step_with_the_conflict(cast):
    cycle = cast.alpha_cycle
    lead, member = client_for(cast.users["lead"]), client_for(cast.users["member"])
    do_step(lead, cycle, "Theirs", 0, **HTMX)

    response = do_step(member, cycle, "Mine", 0, **HTMX)

    assert response.status_code == 200  # htmx swaps only 2xx answers
    html = response.content.decode()
    assert 'id="step-do"' in html and "Someone else saved this" in html
    assert PDSACycle.objects.get(pk=cycle.pk).do_notes == "Theirs"


def test_saving_one_step_leaves_another_steps_newer_text_alone(cast):
    cycle = cast.alpha_cycle
    lead, member = client_for(cast.users["lead"]), client_for(cast.users["member"])
    do_step(lead, cycle, "What happened", 0, **HTMX)
    study = reverse("cycle_step", args=[cycle.pk, "study"])

    response = member.post(study, {"study_result": "Falls halved", "version": 0}, **HTMX)

    assert response.status_code == 200 and "Someone else" not in response.content.decode()
    cycle.refresh_from_db()
    assert (cycle.do_notes, cycle.study_result) == ("What happened", "Falls halved")
    assert (cycle.do_version, cycle.study_version) == (1, 1)


def start(version, **overrides):
    data = {f"{f}_note": "" for f in DesignFeature.values}
    return {**data, "version": version, **overrides}


def test_a_stale_design_record_save_does_not_overwrite_anothers(cast):
    url = f"/collaboratives/{cast.falls.pk}/design/?part=start"
    manager, falls_manager = (
        client_for(cast.users["manager"]),
        client_for(cast.users["falls_manager"]),
    )

    first = manager.post(url, start(0, aim_note="Aim set in the first month"))
    second = falls_manager.post(url, start(0, aim_note="No aim yet"))

    assert first.status_code == 302 and second.status_code == 409
    note = DesignRecordEntry.objects.get(kind="initial", feature="aim").text
    assert note == "Aim set in the first month"
    assert DesignRecord.objects.get(collaborative=cast.falls).version == 1
    html = second.content.decode()
    assert "Someone else saved this since you opened the page" in html
    assert "No aim yet" in html and 'name="version" value="1"' in html


def test_a_follow_on_cycle_of_a_cycle_id_that_is_not_a_number_is_not_found(cast):
    client = client_for(cast.users["lead"])
    url = reverse("cycle_create", args=[cast.alpha.pk])

    for after in ("abc", "1.5", "-1", "９"):
        response = client.get(url, {"after": after})
        assert response.status_code == 404, after

    assert client.get(url, {"after": cast.alpha_cycle.pk}).status_code == 200


def test_a_first_design_record_save_with_a_wrong_version_is_refused_not_a_crash(cast):
    # Found by fuzzing as a manager: the claim fails on the record this save just made,
    # and the roll-back takes that record with it.
    client = client_for(cast.users["manager"])
    url = f"/collaboratives/{cast.falls.pk}/design/?part=start"

    response = client.post(url, start(7, aim_note="Set early"))

    assert response.status_code == 409
    assert "Someone else saved this" in response.content.decode()
    assert not DesignRecord.objects.exists() and not DesignRecordEntry.objects.exists()
