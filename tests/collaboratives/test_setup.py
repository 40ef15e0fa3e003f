"""Setting a collaborative up without the admin: each screen, its form's validation, its rule.

Uses the small cast of tests/cast.py: east leads falls (teams alpha, beta) and sepsis;
west leads maternity. `manager` runs east's collaboratives, `falls_manager` only falls.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest

from collaboratives.models import Collaborative, PhaseChange, StretchTarget, Team, Topic
from governance.safeguards import MESSAGE
from measures.models import CollaborativeMeasure, DataPoint, Measure, Series
from tests.cast import build_cast, client_for, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return build_cast()


def library_measure(topic, name="Falls with harm", frequency="monthly", chart="p"):
    return Measure.objects.create(
        topic=topic,
        name=name,
        kind=Measure.Kind.OUTCOME,
        operational_definition="Falls with moderate harm or worse.",
        numerator_definition="Falls with harm",
        denominator_definition="Falls",
        frequency=frequency,
        direction=Measure.Direction.DOWN,
        chart_type=chart,
    )


COLLABORATIVE = {
    "name": "Falls East 2026",
    "lead_ahsn": "",
    "topic": "",
    "new_topic_name": "",
    "aim_statement": "Halve inpatient falls with harm by March 2027.",
    "starts_on": "2026-01-01",
    "ends_on": "2027-03-31",
    "rule_convention": "mdc",
    "shift_length": "7",
    "trend_length": "6",
    "members_named_by_default": "False",
    "data_due_days": "10",
}


# --- The collaborative ----------------------------------------------------------------------


def test_it_creates_a_collaborative_with_a_new_local_priority(cast):
    client = client_for(cast.users["manager"])
    data = {
        **COLLABORATIVE,
        "lead_ahsn": cast.east.pk,
        "new_topic_name": "Pressure ulcers",
        "partner_ahsns": [cast.west.pk],
    }

    response = client.post("/collaboratives/new/", data)

    collaborative = Collaborative.objects.get(name="Falls East 2026")
    assert response.status_code == 302
    assert response["Location"] == f"/collaboratives/{collaborative.pk}/"
    assert collaborative.topic.name == "Pressure ulcers"
    assert collaborative.topic.kind == Topic.Kind.LOCAL
    assert collaborative.slug == "falls-east-2026"
    assert (collaborative.shift_length, collaborative.trend_length) == (7, 6)
    assert list(collaborative.partner_ahsns.all()) == [cast.west]
    assert collaborative.phase == Collaborative.Phase.PREPARATION
    page = client.get(response["Location"]).content.decode()
    assert "Halve inpatient falls with harm by March 2027." in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the collaborative&#x27;s name"),
        ({"topic": ""}, "topic", "Choose a topic, or name a new local priority"),
        ({"new_topic_name": "Sepsis"}, "new_topic_name", "not both"),
        ({"aim_statement": ""}, "aim_statement", "Enter the aim"),
        ({"ends_on": "2025-01-01"}, "ends_on", "End date must be the same as or after"),
        ({"starts_on": "31/02/2026"}, "starts_on", "Start date must be a real date"),
        ({"data_due_days": "400"}, "data_due_days", "Days must be between 0 and 90"),
        ({"members_named_by_default": ""}, "members_named_by_default", "Say whether"),
        ({"partner_ahsns": "EAST"}, "partner_ahsns", "cannot also partner"),
        (
            {"aim_statement": "Patient 943 476 5919 fell."},
            "aim_statement",
            "Remove the NHS number",
        ),
    ],
)
def test_it_refuses_an_invalid_collaborative_saying_why(cast, change, field, message):
    client = client_for(cast.users["manager"])
    data = {**COLLABORATIVE, "lead_ahsn": cast.east.pk, "topic": cast.falls.topic_id, **change}
    if data.get("partner_ahsns") == "EAST":
        data["partner_ahsns"] = [cast.east.pk]

    response = client.post("/collaboratives/new/", data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert message in html
    assert f'href="#id_{field}"' in html
    assert not Collaborative.objects.filter(name="Falls East 2026").exists()


def test_only_a_manager_of_an_ahsn_may_start_a_collaborative(cast):
    for username in ("falls_manager", "director", "faculty", "lead", "national"):
        assert client_for(cast.users[username]).get("/collaboratives/new/").status_code == 403
    # The lead AHSN must be one the manager manages.
    response = client_for(cast.users["manager"]).post(
        "/collaboratives/new/", {**COLLABORATIVE, "lead_ahsn": cast.west.pk, "topic": 1}
    )
    assert "Select a valid choice" in response.content.decode()


def test_it_edits_a_collaborative_but_not_another_ahsns(cast):
    client = client_for(cast.users["falls_manager"])
    data = {**COLLABORATIVE, "topic": cast.falls.topic_id, "name": "Falls renamed"}

    assert client.post(f"/collaboratives/{cast.falls.pk}/edit/", data).status_code == 302
    assert Collaborative.objects.get(pk=cast.falls.pk).name == "Falls renamed"
    assert client.get(f"/collaboratives/{cast.maternity.pk}/edit/").status_code == 404
    assert client.get(f"/collaboratives/{cast.sepsis.pk}/").status_code == 404
    faculty = client_for(cast.users["faculty"])
    assert faculty.get(f"/collaboratives/{cast.falls.pk}/edit/").status_code == 403


def test_it_moves_phases_with_dates_and_closing_makes_it_read_only(cast):
    client = client_for(cast.users["manager"])
    url = f"/collaboratives/{cast.falls.pk}/phase/"

    too_early = client.post(url, {"phase": "sustain", "moved_on": "2023-01-01"})
    assert "Date must be on or after the start" in too_early.content.decode()
    client.post(url, {"phase": "sustain", "moved_on": "2025-06-01"})
    client.post(url, {"phase": "closed", "moved_on": "2025-12-31"})

    falls = Collaborative.objects.get(pk=cast.falls.pk)
    assert falls.phase == "closed"
    assert falls.ends_on == dt.date(2025, 12, 31)
    moves = list(
        PhaseChange.objects.filter(collaborative=falls).values_list("to_phase", "moved_on")
    )
    assert moves == [("sustain", dt.date(2025, 6, 1)), ("closed", dt.date(2025, 12, 31))]
    # Closed: every set-up screen refuses, the pages still read.
    assert client.get(url).status_code == 403
    assert client.get(f"/collaboratives/{falls.pk}/edit/").status_code == 403
    assert client.get(f"/collaboratives/{falls.pk}/teams/new/").status_code == 403
    assert client.get(f"/teams/{cast.alpha.pk}/withdraw/").status_code == 403
    page = client.get(f"/collaboratives/{falls.pk}/").content.decode()
    assert "nothing can be changed" in page
    assert "Add a team" not in page


# --- The stretch target ---------------------------------------------------------------------

TARGET = {
    "baseline_value": "8.2",
    "baseline_period_start": "2023-01-01",
    "baseline_period_end": "2023-12-31",
    "target_value": "6.0",
    "target_date": "2025-03-31",
    "reason": "A quarter fewer falls, as the national programme asks.",
}


def test_it_keeps_the_target_history_with_each_reason(cast):
    CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=cast.falls_rate)
    client = client_for(cast.users["falls_manager"])
    url = f"/collaboratives/{cast.falls.pk}/target/"

    client.post(url, {**TARGET, "measure": cast.falls_rate.pk})
    moved = {**TARGET, "target_value": "7.0", "reason": "Winter pressures: agreed with faculty."}
    client.post(url, {**moved, "measure": cast.falls_rate.pk})

    targets = list(StretchTarget.objects.filter(collaborative=cast.falls).order_by("set_at"))
    assert [t.target_value for t in targets] == [Decimal("6.0"), Decimal("7.0")]
    assert cast.falls.current_stretch_target().target_value == Decimal("7.0")
    # Anyone who sees the collaborative reads the history, newest first, with the reasons.
    html = client_for(cast.users["lead"]).get(url).content.decode()
    assert html.index("Winter pressures") < html.index("A quarter fewer falls")
    assert "Change the target" not in html


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": ""}, "Give the reason for this target"),
        ({"baseline_period_end": "2022-12-31"}, "Baseline must end on or after it starts"),
        ({"target_date": "2023-06-30"}, "Target date must be after the baseline ends"),
        ({"target_value": "8.2"}, "Target value must differ from the baseline"),
        ({"target_value": "lots"}, "Target value must be a number"),
        ({"measure": ""}, "Choose the measure the target is for"),
    ],
)
def test_it_refuses_an_invalid_target_saying_why(cast, change, message):
    CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=cast.falls_rate)
    client = client_for(cast.users["manager"])
    data = {**TARGET, "measure": cast.falls_rate.pk, **change}

    response = client.post(f"/collaboratives/{cast.falls.pk}/target/", data)

    assert message in response.content.decode()
    assert not StretchTarget.objects.exists()


def test_a_trust_lead_may_not_set_the_target(cast):
    response = client_for(cast.users["lead"]).post(
        f"/collaboratives/{cast.falls.pk}/target/", {**TARGET, "measure": cast.falls_rate.pk}
    )
    assert response.status_code == 403


# --- The measure set ------------------------------------------------------------------------


def test_adding_a_mandatory_measure_creates_every_active_teams_series(cast):
    harm = library_measure(cast.falls.topic)
    gone = Team.objects.create(
        collaborative=cast.falls,
        organisation=organisation("RZ1", "Zed Hospitals", cast.east),
        joined_on=dt.date(2024, 1, 1),
        status=Team.Status.WITHDRAWN,
        withdrawn_on=dt.date(2024, 6, 1),
    )
    client = client_for(cast.users["faculty"])

    response = client.post(
        f"/collaboratives/{cast.falls.pk}/measures/", {"measure": harm.pk, "mandatory": "True"}
    )

    assert response.status_code == 302
    teams = set(
        Series.objects.filter(measure=harm).values_list("team__organisation__name", flat=True)
    )
    assert teams == {"Alpha Hospitals", "Beta Hospitals"}
    assert not Series.objects.filter(measure=harm, team=gone).exists()


def test_an_optional_measure_gets_series_only_for_teams_that_choose_it(cast):
    harm = library_measure(cast.falls.topic)
    faculty = client_for(cast.users["faculty"])
    faculty.post(
        f"/collaboratives/{cast.falls.pk}/measures/",
        {"measure": harm.pk, "mandatory": "False", "target": "2.5"},
    )
    entry = CollaborativeMeasure.objects.get(measure=harm)
    assert (entry.mandatory, entry.target) == (False, Decimal("2.5"))
    assert not Series.objects.filter(measure=harm).exists()

    lead = client_for(cast.users["lead"])
    assert "Report it" in lead.get(f"/teams/{cast.alpha.pk}/").content.decode()
    lead.post(f"/teams/{cast.alpha.pk}/measures/choose/", {"entry": entry.pk})
    assert list(Series.objects.filter(measure=harm).values_list("team", flat=True)) == [
        cast.alpha.pk
    ]
    # Made mandatory later, the other teams get theirs too.
    faculty.post(f"/collaboratives/{cast.falls.pk}/measures/{entry.pk}/mandatory/")
    assert Series.objects.filter(measure=harm).count() == 2


def test_a_new_library_measure_joins_the_topic_library_and_the_set(cast):
    client = client_for(cast.users["manager"])
    data = {
        "name": "Lying and standing BP done",
        "kind": "process",
        "operational_definition": "Patients over 65 with a lying and standing BP in 48 hours.",
        "numerator_definition": "With the BP recorded",
        "denominator_definition": "Patients over 65 admitted",
        "unit": "",
        "multiplier": "100",
        "frequency": "weekly",
        "direction": "up",
        "chart_type": "p",
        "mandatory": "True",
    }

    response = client.post(f"/collaboratives/{cast.falls.pk}/measures/new/", data)

    assert response.status_code == 302
    measure = Measure.objects.get(name="Lying and standing BP done")
    assert measure.topic == cast.falls.topic
    assert CollaborativeMeasure.objects.filter(collaborative=cast.falls, measure=measure).exists()
    assert Series.objects.filter(measure=measure).count() == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "Enter the measure&#x27;s name"),
        ({"operational_definition": ""}, "Enter the operational definition"),
        ({"chart_type": "g"}, "G and T charts need event-dated reporting"),
        ({"denominator_definition": ""}, "Enter the denominator"),
        ({"name": "Inpatient falls per 1,000 bed days"}, "already has a measure called"),
        ({"operational_definition": "e.g. 4010232137"}, "Remove the NHS number"),
    ],
)
def test_it_refuses_an_invalid_measure_saying_why(cast, change, message):
    data = {
        "name": "Audits",
        "kind": "process",
        "operational_definition": "Bedside audits.",
        "numerator_definition": "Audits passed",
        "denominator_definition": "Audits done",
        "multiplier": "1",
        "frequency": "monthly",
        "direction": "up",
        "chart_type": "p",
        "mandatory": "True",
        **change,
    }
    response = client_for(cast.users["manager"]).post(
        f"/collaboratives/{cast.falls.pk}/measures/new/", data
    )
    assert message in response.content.decode()


def test_a_team_adds_its_own_measure_and_goal_line(cast):
    lead = client_for(cast.users["lead"])
    response = lead.post(
        f"/teams/{cast.alpha.pk}/measures/new/",
        {
            "name": "Ward huddles held",
            "kind": "process",
            "operational_definition": "Daily safety huddles held on the ward.",
            "numerator_definition": "Huddles held",
            "multiplier": "1",
            "frequency": "weekly",
            "direction": "up",
            "chart_type": "run",
        },
    )
    assert response.status_code == 302
    series = Series.objects.get(measure__name="Ward huddles held")
    assert (series.team, series.measure.team, series.measure.topic) == (
        cast.alpha,
        cast.alpha,
        None,
    )

    assert lead.post(f"/series/{series.pk}/goal/", {"goal": "5"}).status_code == 302
    series.refresh_from_db()
    assert series.goal == Decimal("5")
    bad = lead.post(f"/series/{series.pk}/goal/", {"goal": "five"})
    assert "Goal must be a number" in bad.content.decode()
    # Another team's series is not there at all; a faculty member may not edit data.
    assert lead.post(f"/series/{cast.beta_series.pk}/goal/", {"goal": "1"}).status_code == 404
    faculty = client_for(cast.users["faculty"])
    assert faculty.post(f"/series/{series.pk}/goal/", {"goal": "1"}).status_code == 403


# --- Teams and people -----------------------------------------------------------------------


def test_it_searches_organisations_by_name_or_ods_code_as_a_fragment_for_htmx(cast):
    organisation("RTD", "The Newcastle upon Tyne Hospitals", cast.east)
    client = client_for(cast.users["manager"])
    url = f"/collaboratives/{cast.falls.pk}/teams/new/"

    by_code = client.get(url, {"q": "rtd"}, headers={"HX-Request": "true"})
    by_name = client.get(url, {"q": "newcastle"})

    fragment = by_code.content.decode()
    assert fragment.lstrip().startswith('<div id="organisation-results"')
    assert "The Newcastle upon Tyne Hospitals" in fragment
    assert "<html" not in fragment
    page = by_name.content.decode()
    assert "<html" in page and "The Newcastle upon Tyne Hospitals" in page


def test_it_adds_a_team_with_the_mandatory_series_and_refuses_a_duplicate(cast):
    CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=cast.falls_rate)
    newcastle = organisation("RTD", "The Newcastle upon Tyne Hospitals", cast.east)
    client = client_for(cast.users["falls_manager"])
    url = f"/collaboratives/{cast.falls.pk}/teams/new/"
    data = {"organisation": newcastle.pk, "unit": "Ward 21", "joined_on": "2024-03-01"}

    assert client.post(url, {**data, "consents_to_be_named": "True"}).status_code == 302
    team = Team.objects.get(organisation=newcastle)
    assert (team.unit, team.consents_to_be_named, team.pseudonym[:5]) == ("Ward 21", True, "Team ")
    assert Series.objects.filter(team=team, measure=cast.falls_rate).exists()

    again = client.post(url, data).content.decode()
    assert "is already a team in this collaborative" in again
    missing = client.post(url, {"joined_on": "2024-03-01"}).content.decode()
    assert "Search for the organisation and choose it" in missing


def test_it_withdraws_a_team_keeping_its_data(cast):
    DataPoint.objects.create(
        series=cast.beta_series, period_start=dt.date(2024, 1, 1), numerator=3, denominator=900
    )
    client = client_for(cast.users["manager"])

    early = client.post(f"/teams/{cast.beta.pk}/withdraw/", {"on": "2023-01-01"})
    assert "Date must be on or after" in early.content.decode()
    client.post(f"/teams/{cast.beta.pk}/withdraw/", {"on": "2024-09-30"})

    beta = Team.objects.get(pk=cast.beta.pk)
    assert (beta.status, beta.withdrawn_on) == ("withdrawn", dt.date(2024, 9, 30))
    assert cast.beta_series.points.count() == 1
    assert "withdrew on 30 September 2024" in client.get(f"/teams/{beta.pk}/").content.decode()
    # Only those who run the collaborative withdraw teams.
    lead = client_for(cast.users["lead"])
    assert lead.post(f"/teams/{cast.alpha.pk}/withdraw/", {"on": "2024-09-30"}).status_code == 403


def test_it_restores_a_withdrawn_team_for_those_who_run_the_collaborative(cast):
    manager = client_for(cast.users["manager"])
    manager.post(f"/teams/{cast.beta.pk}/withdraw/", {"on": "2024-09-30"})
    assert "Restore the team" in manager.get(f"/teams/{cast.beta.pk}/").content.decode()

    # Only those who run the collaborative restore teams, and only by POST.
    beta_lead = client_for(cast.users["beta_lead"])
    assert beta_lead.post(f"/teams/{cast.beta.pk}/restore/").status_code == 403
    assert manager.get(f"/teams/{cast.beta.pk}/restore/").status_code == 405
    assert Team.objects.get(pk=cast.beta.pk).status == "withdrawn"

    response = manager.post(f"/teams/{cast.beta.pk}/restore/")
    assert response.status_code == 302
    beta = Team.objects.get(pk=cast.beta.pk)
    assert (beta.status, beta.withdrawn_on) == ("active", None)
    assert "Restore the team" not in manager.get(f"/teams/{beta.pk}/").content.decode()


def test_a_trust_lead_records_consent_and_the_teams_people(cast):
    lead = client_for(cast.users["lead"])
    team_url = f"/teams/{cast.alpha.pk}/"

    lead.post(f"{team_url}consent/", {"consents_to_be_named": "True"})
    lead.post(
        f"{team_url}people/new/",
        {"name": "Sam Sponsor", "role": "sponsor", "joined_on": "2024-01-01"},
    )
    lead.post(
        f"{team_url}people/new/",
        {"name": "Nina Nurse", "role": "member", "joined_on": "2024-02-01", "job_title": "RN"},
    )
    invalid = lead.post(f"{team_url}people/new/", {"name": "", "role": "", "joined_on": ""})

    alpha = Team.objects.get(pk=cast.alpha.pk)
    assert alpha.consents_to_be_named is True
    assert alpha.senior_sponsor.name == "Sam Sponsor"
    assert alpha.senior_sponsor.user is None
    html = invalid.content.decode()
    for message in (
        "Enter the person&#x27;s name",
        "Choose the person&#x27;s role",
        "Enter the date",
    ):
        assert message in html
    nina = alpha.memberships.get(person__name="Nina Nurse")
    lead.post(f"{team_url}people/{nina.pk}/left/", {"on": "2024-06-30"})
    nina.refresh_from_db()
    assert nina.left_on == dt.date(2024, 6, 30)
    # A team member may not manage people; another team's lead does not see the team.
    member = client_for(cast.users["member"])
    assert member.get(f"{team_url}people/new/").status_code == 403
    beta_lead = client_for(cast.users["beta_lead"])
    assert beta_lead.get(f"{team_url}people/new/").status_code == 404
    assert beta_lead.get(f"{team_url}people/{nina.pk}/left/").status_code == 404


def test_a_trust_lead_sees_only_their_own_team_on_the_collaborative_page(cast):
    html = client_for(cast.users["lead"]).get(f"/collaboratives/{cast.falls.pk}/").content.decode()

    assert "Alpha Hospitals" in html
    assert "Beta Hospitals" not in html
    assert "Add a team" not in html


# --- Overdue data ---------------------------------------------------------------------------


def test_the_overdue_list_shows_which_teams_owe_which_periods(cast, monkeypatch):
    CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=cast.falls_rate)
    cast.falls.data_due_days = 10
    cast.falls.save()
    for month in (1, 2):
        DataPoint.objects.create(
            series=cast.alpha_series,
            period_start=dt.date(2024, month, 1),
            numerator=2,
            denominator=800,
        )
    # On 11 April March is due (31 March + 10 days = 10 April); April is not.
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: dt.date(2024, 4, 11))
    client = client_for(cast.users["faculty"])

    html = client.get(f"/collaboratives/{cast.falls.pk}/overdue/").content.decode()

    body = html[html.index("<tbody") : html.index("</tbody>")]
    rows = [" ".join(re.sub(r"<[^>]+>", " ", "<" + row).split()) for row in body.split("<tr")[1:]]
    assert rows == [
        "Team Beta Hospitals Measure Inpatient falls per 1,000 bed days Periods owed 3 "
        "Which Jan 2024 , Feb 2024 , Mar 2024",
        "Team Alpha Hospitals Measure Inpatient falls per 1,000 bed days Periods owed 1 "
        "Which Mar 2024",
    ]
    assert (
        client_for(cast.users["lead"]).get(f"/collaboratives/{cast.falls.pk}/overdue/").status_code
        == 403
    )


def test_it_answers_404_for_another_organisations_set_up_pages(cast):
    client = client_for(cast.users["falls_manager"])
    for url in (
        f"/collaboratives/{cast.maternity.pk}/",
        f"/collaboratives/{cast.maternity.pk}/target/",
        f"/collaboratives/{cast.maternity.pk}/measures/",
        f"/collaboratives/{cast.maternity.pk}/overdue/",
        f"/collaboratives/{cast.maternity.pk}/teams/new/",
        f"/teams/{cast.delta.pk}/",
        f"/teams/{cast.gamma.pk}/people/new/",
        f"/series/{cast.delta_series.pk}/goal/",
    ):
        assert client.get(url).status_code == 404, url


def test_the_nhs_number_message_says_why(cast):
    assert "patient" in MESSAGE
