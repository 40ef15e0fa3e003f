"""The completeness matrix and the daily reminders to team leads whose data is late."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from measures.completeness import completeness_matrix, data_reminders_send
from measures.models import CollaborativeMeasure, DataPointRevision, DataReminder, Measure, Series
from measures.tasks import data_reminders_send as data_reminders_task
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 6, 20)
MONTHS = [dt.date(2024, m, 1) for m in range(1, 6)]


def write(series, months):
    datapoints_write(
        series=series,
        changes=[PointChange(m, 2, 100) for m in months],
        by=None,
        source=DataPointRevision.Source.IMPORT,
        today=TODAY,
    )


@pytest.fixture
def cast(settings):
    settings.COLLAB_REMINDER_DAYS_LATE = 7
    cast = build_cast()
    cast.falls.data_due_days = 15
    cast.falls.save()
    CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=cast.falls_rate)
    second = Measure.objects.create(
        topic=cast.falls_rate.topic,
        name="Lying and standing blood pressure done",
        kind=Measure.Kind.PROCESS,
        operational_definition="Patients over 65 with a lying and standing blood pressure.",
        numerator_definition="Done",
        denominator_definition="Patients over 65",
        frequency=Measure.Frequency.MONTHLY,
        direction=Measure.Direction.UP,
        chart_type=Measure.ChartType.P,
    )
    CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=second)
    alpha_second = Series.objects.create(team=cast.alpha, measure=second)
    write(cast.alpha_series, MONTHS)
    write(alpha_second, [m for m in MONTHS if m.month != 2])  # February half done
    write(cast.beta_series, MONTHS[:1])
    for team, name in ((cast.alpha, "lead"), (cast.beta, "beta_lead")):
        person = cast.users[name].person
        person.email = f"{name}@example.nhs.uk"
        person.save()
        team.lead = person
        team.save()
    return cast


def test_the_matrix_shows_complete_partial_missing_and_not_due(cast):
    months, rows = completeness_matrix(cast.falls, today=TODAY, months=6)
    assert months == [*MONTHS, dt.date(2024, 6, 1)]
    states = {str(team): [c.state for c in cells] for team, cells in rows}
    assert states["Alpha Hospitals"] == [
        "complete", "partial", "complete", "complete", "complete", "not_due"
    ]  # fmt: skip
    assert states["Beta Hospitals"] == [
        "complete", "missing", "missing", "missing", "missing", "not_due"
    ]  # fmt: skip


def test_the_matrix_page_is_for_those_who_monitor_the_collaborative(client, cast):
    url = reverse("measures:completeness", kwargs={"pk": cast.falls.pk})
    client.force_login(cast.users["falls_manager"])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alpha Hospitals" in html and "collab-completeness__missing" in html
    client.force_login(cast.users["lead"])
    assert client.get(url).status_code == 403
    client.force_login(cast.users["outsider"])
    assert client.get(url).status_code == 404


def test_a_lead_is_reminded_once_per_late_period(cast):
    assert data_reminders_send(today=TODAY) == 2
    email, alpha = sorted(mail.outbox, key=lambda e: e.to)
    assert alpha.to == ["lead@example.nhs.uk"]
    assert "Lying and standing blood pressure done: February 2024" in alpha.body
    assert email.to == ["beta_lead@example.nhs.uk"]
    assert "February 2024" in email.body and "April 2024" in email.body
    assert "May 2024" not in email.body  # due 15 June: not 7 days late yet
    assert f"/teams/{cast.beta.pk}/data/" in email.body

    assert data_reminders_send(today=TODAY) == 0  # the same day again: nothing new
    assert data_reminders_send(today=dt.date(2024, 6, 22)) == 1
    assert "May 2024" in mail.outbox[2].body and "February" not in mail.outbox[2].body
    assert DataReminder.objects.filter(team=cast.beta).count() == 4


def test_the_daily_task_sends_the_reminders(cast):
    # Real today: every month since January 2024 is late for both teams by now.
    assert data_reminders_task.delay().get() == 2


def test_the_matrix_expects_nothing_of_a_team_before_it_joined(cast):
    from collaboratives.models import Organisation, Team

    org = Organisation.objects.create(
        ods_code="RN1", name="Newcomer Hospitals", kind="acute", ahsn=cast.east
    )
    newcomer = Team.objects.create(
        collaborative=cast.falls, organisation=org, joined_on=dt.date(2024, 4, 15)
    )
    Series.objects.create(team=newcomer, measure=cast.falls_rate)
    _, rows = completeness_matrix(cast.falls, today=TODAY, months=6)
    states = {str(team): [c.state for c in cells] for team, cells in rows}
    assert states["Newcomer Hospitals"] == [
        "not_due", "not_due", "not_due", "missing", "missing", "not_due"
    ]  # fmt: skip
