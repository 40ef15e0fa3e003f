"""The audit trail: entries for each kind of change through the real paths, with the right
actor and the fields before and after; append-only; who may read it; filters; exports;
and the stretch target's history (set early, or moved).

Uses the cast of tests/cast.py: east leads falls (teams alpha, beta) and sepsis; west
leads maternity. `director` and `manager` are east's staff, `falls_manager` runs falls.
"""

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from celery import shared_task
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from collaboratives.models import PDSACycle, StretchTarget, Team
from governance import audit
from governance.models import AuditEntry
from measures.api import api_token_create
from measures.models import Annotation, CollaborativeMeasure, DataPointRevision
from measures.periods import last_periods
from measures.recompute import charts_recompute
from measures.writes import PointChange, datapoints_write
from reports.content import target_history as report_target_history
from tests.cast import build_cast, client_for
from tests.test_browser import problems  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def cast():
    return build_cast()


class Since:
    """The entries written after this point (the cast writes its own as it is built)."""

    def __init__(self):
        self.mark = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def entries(self, **lookup):
        return list(AuditEntry.objects.filter(id__gt=self.mark, **lookup).order_by("id"))


def trail_text(client, url, **params) -> str:
    """The page's results (not its filter form, whose choices name every team)."""
    response = client.get(url, params)
    assert response.status_code == 200
    html = response.content.decode()
    errors = html[: html.index("<h1")]
    return errors + html[html.index('id="audit-results"') :]


def with_data(series):
    """A year of monthly points and their chart, which a chart's edit forms need."""
    datapoints_write(
        series=series,
        changes=[PointChange(dt.date(2023, m, 1), 5 + m % 3, 1000) for m in range(1, 13)],
        by=None,
        source=DataPointRevision.Source.IMPORT,
    )
    charts_recompute(series_ids=[series.pk], worker="test")


def falls_trail(cast) -> str:
    return reverse("collaborative_audit", kwargs={"pk": cast.falls.pk})


# --- Entries through the real paths ---------------------------------------------------------


def test_a_cycle_planned_and_studied_in_the_app_is_recorded_with_its_author_and_values(cast):
    lead = client_for(cast.users["lead"])
    since = Since()
    data = {
        "change_idea": cast.alpha_cycle.change_idea_id,
        "parent": "",
        "title": "Night huddle",
        "question": "Does a huddle cut falls at night?",
        "prediction": "Two fewer falls in a week.",
        "scale": "One shift",
        "plan_who": "",
        "plan_what": "",
        "plan_when": "",
        "plan_where": "",
        "data_to_collect": "",
        "measures": [cast.falls_rate.pk],
        "planned_start": "2024-02-01",
        "planned_end": "2024-02-07",
    }
    assert lead.post(f"/teams/{cast.alpha.pk}/cycles/new/", data).status_code == 302
    cycle = PDSACycle.objects.get(title="Night huddle")
    lead.post(f"/cycles/{cycle.pk}/study/", {"study_result": "One fewer, not two"})

    created, measures, studied = since.entries(object_type="collaboratives.pdsacycle")
    assert (created.action, created.actor, created.source) == ("create", cast.users["lead"], "web")
    assert created.actor_name == "Lead"
    assert (created.collaborative_id, created.team_id, created.ahsn_id) == (
        cast.falls.pk,
        cast.alpha.pk,
        cast.east.pk,
    )
    assert created.changes["title"] == [None, "Night huddle"]
    assert created.changes["team_id"] == [None, f"{cast.alpha} (#{cast.alpha.pk})"]
    assert measures.changes == {"measures": [[], [cast.falls_rate.name]]}
    assert studied.action == "update"
    assert studied.changes["study_result"] == ["", "One fewer, not two"]
    assert studied.changes["status"] == ["planning", "studying"]


def test_set_up_changes_and_a_phase_move_are_each_recorded_once(cast):
    manager = client_for(cast.users["falls_manager"])
    since = Since()
    data = {
        "name": "Falls",
        "lead_ahsn": cast.east.pk,
        "topic": cast.falls.topic_id,
        "new_topic_name": "",
        "aim_statement": "Halve falls with harm by 2027.",
        "starts_on": "2024-01-01",
        "ends_on": "",
        "rule_convention": "mdc",
        "shift_length": "7",
        "trend_length": "7",
        "members_named_by_default": "False",
        "data_due_days": "10",
    }
    assert manager.post(f"/collaboratives/{cast.falls.pk}/edit/", data).status_code == 302
    manager.post(
        f"/collaboratives/{cast.falls.pk}/phase/", {"phase": "sustain", "moved_on": "2025-06-01"}
    )

    (edit,) = since.entries(object_type="collaboratives.collaborative")
    assert edit.actor == cast.users["falls_manager"]
    assert edit.changes["aim_statement"] == [
        "Improve falls by a half by 2026.",
        "Halve falls with harm by 2027.",
    ]
    # The phase move is in PhaseChange, so the collaborative's row adds no second entry...
    assert "phase" not in edit.changes
    # ...and the trail shows it once, from PhaseChange, with who moved it.
    html = trail_text(client_for(cast.users["director"]), falls_trail(cast), kind="phase")
    assert html.count("Collaborative phase: Falls") == 1
    assert "Sustain and spread" in html and "Falls_Manager" in html


def test_team_withdrawal_and_people_are_recorded(cast):
    manager = client_for(cast.users["manager"])
    lead = client_for(cast.users["lead"])
    since = Since()
    manager.post(f"/teams/{cast.beta.pk}/withdraw/", {"on": "2024-09-30"})
    lead.post(
        f"/teams/{cast.alpha.pk}/people/new/",
        {
            "name": "Nina Patel",
            "email": "",
            "job_title": "",
            "role": "data",
            "joined_on": "2024-02-01",
        },
    )

    (withdrawn,) = since.entries(object_type="collaboratives.team")
    assert withdrawn.actor == cast.users["manager"]
    assert withdrawn.changes == {
        "status": ["active", "withdrawn"],
        "withdrawn_on": [None, "2024-09-30"],
    }
    (joined,) = since.entries(object_type="collaboratives.teammembership")
    assert joined.actor == cast.users["lead"] and joined.team_id == cast.alpha.pk
    assert joined.changes["role"] == [None, "data"]
    html = trail_text(client_for(cast.users["director"]), falls_trail(cast), kind="team")
    assert "Withdrawn" in html and "Nina Patel" in html


def test_a_measure_target_set_in_the_app_is_recorded_once_with_its_reason(cast):
    CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=cast.falls_rate)
    with_data(cast.alpha_series)
    faculty = client_for(cast.users["faculty"])
    since = Since()
    response = faculty.post(
        reverse("measures:settings_set", kwargs={"pk": cast.alpha_series.pk}),
        {"settings-target": "5", "settings-direction": "down", "settings-reason": "Agreed aim"},
    )
    assert response.status_code == 302
    # MeasureSettingChange keeps it; the measure-set row adds no copy.
    assert since.entries(object_type="measures.collaborativemeasure") == []
    html = trail_text(client_for(cast.users["director"]), falls_trail(cast), kind="measure")
    assert "Measure: Inpatient falls per 1,000 bed days" in html
    assert "Agreed aim" in html and "Faculty" in html


def test_data_points_from_the_grid_the_api_and_an_import_are_on_the_trail_with_their_source(
    cast, client
):
    month = last_periods("monthly", timezone.localdate())[-2]
    lead = client_for(cast.users["lead"])
    lead.post(
        reverse("measures:cell_save", kwargs={"pk": cast.alpha_series.pk, "period": f"{month}"}),
        {"numerator": "3", "denominator": "900", "expected_version": 0},
        **HTMX,
    )
    _, key = api_token_create(team=cast.alpha, name="Warehouse", by=cast.users["lead"])
    client.post(
        reverse("measures:api_points", kwargs={"pk": cast.alpha_series.pk}),
        json.dumps(
            {"points": [{"period_start": "2024-03-01", "numerator": 2, "denominator": 800}]}
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    upload = reverse("measures:import_upload", kwargs={"pk": cast.falls.pk})
    content = (
        b"team,measure,period,numerator,denominator\n"
        b'Alpha Hospitals,"Inpatient falls per 1,000 bed days",2024-01-01,4,1000\n'
    )
    upload_file = io.BytesIO(content)
    upload_file.name = "data.csv"
    lead.post(upload, {"file": upload_file})
    lead.post(reverse("measures:import_confirm", kwargs={"pk": cast.falls.import_batches.get().pk}))

    sources = set(DataPointRevision.objects.values_list("source", flat=True))
    assert sources == {"grid", "api", "import"}
    rows = list(
        csv.reader(
            io.StringIO(
                client_for(cast.users["director"])
                .get(falls_trail(cast), {"kind": "data", "format": "csv"})
                .content.decode("utf-8-sig")
            )
        )
    )
    by_source = {row[2]: row for row in rows[1:] if row[8] == "Numerator"}
    assert set(by_source) == {"Data-entry grid", "API", "Spreadsheet import"}
    assert by_source["Data-entry grid"][1] == "Lead"
    assert by_source["Spreadsheet import"][10] == "4"
    assert by_source["Spreadsheet import"][11] == "Imported from data.csv"


def test_admin_changes_are_recorded_as_from_the_admin_with_the_admins_name(cast):
    admin = User.objects.create_superuser("admin", password="x")
    client = Client()
    client.force_login(admin)
    note = Annotation.objects.create(team=cast.alpha, date=dt.date(2024, 3, 1), text="Ward move")
    since = Since()
    url = reverse("admin:collaboratives_team_change", args=[cast.beta.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data.update(
        {
            "unit": "Ward 9",
            "joined_on": "2024-01-01",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        }
    )
    data = {k: v for k, v in data.items() if v is not None and k not in ("lead", "senior_sponsor")}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    client.post(reverse("admin:measures_annotation_delete", args=[note.pk]), {"post": "yes"})

    (changed,) = since.entries(object_type="collaboratives.team")
    assert (changed.source, changed.actor, changed.actor_name) == ("admin", admin, "admin")
    assert changed.changes["unit"] == ["", "Ward 9"]
    (deleted,) = since.entries(object_type="measures.annotation")
    assert deleted.action == "delete" and deleted.changes["text"] == ["Ward move", None]
    assert deleted.team_id == cast.alpha.pk


def test_chart_edits_in_the_app_come_from_chart_history_not_a_second_entry(cast):
    with_data(cast.alpha_series)
    lead = client_for(cast.users["lead"])
    since = Since()
    lead.post(
        reverse("measures:annotation_add", kwargs={"pk": cast.alpha_series.pk}),
        {"annotation-date": "2024-03-01", "annotation-text": "New matron started"},
    )
    assert Annotation.objects.filter(text="New matron started").exists()
    assert since.entries(object_type="measures.annotation") == []
    html = trail_text(client_for(cast.users["director"]), falls_trail(cast), kind="chart")
    assert "Annotation added" in html and "New matron started" in html


def test_an_invitation_and_its_acceptance_are_recorded_the_role_as_taken_by_the_new_user(cast):
    manager = client_for(cast.users["falls_manager"])
    since = Since()
    response = manager.post(
        "/invitations/new/",
        {
            "name": "Nina Patel",
            "email": "nina@nhs.net",
            "role_scope": f"team_member:team:{cast.alpha.pk}",
        },
    )
    assert response.status_code == 302
    link = re.search(r"https?://\S+/invitations/(\S+)/", mail.outbox[-1].body).group(0)
    password = "a-long-pass-phrase-42"
    response = Client().post(link, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302

    nina = User.objects.get(username="nina@nhs.net")
    invited, accepted = since.entries(object_type="governance.invitation")
    assert (invited.action, invited.actor) == ("create", cast.users["falls_manager"])
    assert "token_hash" not in invited.changes  # never a secret, not even its hash
    assert (accepted.action, accepted.actor) == ("update", nina)
    assert accepted.changes["accepted_by_id"] == [None, f"nina@nhs.net (#{nina.pk})"]
    (role,) = since.entries(object_type="governance.roleassignment")
    assert (role.action, role.actor, role.actor_name) == ("create", nina, "Nina Patel")
    assert role.team_id == cast.alpha.pk and role.changes["role"] == [None, "team_member"]
    html = trail_text(client_for(cast.users["director"]), falls_trail(cast), kind="role")
    assert "Role assignment: Nina Patel: Team member" in html


def test_a_deactivated_login_and_a_revoked_api_token_are_recorded(cast):
    since = Since()
    lead = cast.users["lead"]
    assert (
        client_for(cast.users["falls_manager"]).post(f"/users/{lead.pk}/deactivate/").status_code
        == 302
    )
    (deactivated,) = since.entries(object_type="auth.user")
    assert deactivated.actor == cast.users["falls_manager"]
    assert deactivated.changes == {"is_active": [True, False]}
    assert deactivated.team_id == cast.alpha.pk  # where the lead's role is

    token, _ = api_token_create(team=cast.beta, name="Warehouse", by=cast.users["beta_lead"])
    url = f"/teams/{cast.beta.pk}/api-tokens/{token.pk}/revoke/"
    assert client_for(cast.users["beta_lead"]).post(url).status_code == 302
    created, revoked = since.entries(object_type="measures.apitoken")
    assert created.action == "create" and "key_hash" not in created.changes
    assert (revoked.actor, revoked.changes["revoked_at"][0]) == (cast.users["beta_lead"], None)
    assert revoked.changes["revoked_at"][1].startswith(f"{timezone.now():%Y-%m-%d}")
    html = trail_text(client_for(cast.users["director"]), falls_trail(cast), kind="role")
    assert "User: lead" in html and "Active: Yes" in html


@shared_task
def _withdraw_in_a_worker(team_id: int) -> None:
    team = Team.objects.get(pk=team_id)
    team.status, team.withdrawn_on = Team.Status.WITHDRAWN, dt.date(2024, 9, 30)
    team.save()


def test_a_change_made_by_a_background_task_says_so(cast):
    since = Since()
    _withdraw_in_a_worker.apply(args=[cast.beta.pk])
    (entry,) = since.entries(object_type="collaboratives.team")
    assert (entry.source, entry.actor, entry.actor_name) == ("task", None, "")
    # Outside the task the context is the command line's again.
    with audit.acting_as(None):
        assert audit.current().source == "command"


def test_a_stretch_target_set_in_the_app_is_on_the_trail_with_its_reason(cast):
    CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=cast.falls_rate)
    manager = client_for(cast.users["falls_manager"])
    target = {
        "measure": cast.falls_rate.pk,
        "baseline_value": "8.2",
        "baseline_period_start": "2023-01-01",
        "baseline_period_end": "2023-12-31",
        "target_value": "6.0",
        "target_date": "2025-03-31",
        "reason": "A quarter fewer falls",
    }
    assert manager.post(f"/collaboratives/{cast.falls.pk}/target/", target).status_code == 302
    html = trail_text(client_for(cast.users["director"]), falls_trail(cast), kind="target")
    assert "Stretch target: Inpatient falls per 1,000 bed days" in html
    assert "A quarter fewer falls" in html and "Falls_Manager" in html


# --- Append-only ------------------------------------------------------------------------------


def test_entries_cannot_be_changed_or_deleted_through_the_app(cast):
    entry = AuditEntry.objects.filter(collaborative=cast.falls).first()
    entry.reason = "rewritten"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""


def test_the_admin_shows_entries_read_only(cast):
    admin = User.objects.create_superuser("admin", password="x")
    client = Client()
    client.force_login(admin)
    entry = AuditEntry.objects.filter(collaborative=cast.falls).first()
    assert client.get(reverse("admin:governance_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:governance_auditentry_add")).status_code == 403
    delete = reverse("admin:governance_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:governance_auditentry_change", args=[entry.pk])
    client.post(change, {"reason": "rewritten"})
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""


@pytest.mark.postgres
def test_postgresql_itself_refuses_to_change_an_entry(cast):
    from django.db import DatabaseError, transaction

    entry = AuditEntry.objects.filter(collaborative=cast.falls).first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE governance_auditentry SET reason = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM governance_auditentry WHERE id = %s", [entry.pk])


def test_rows_not_audited_keep_their_fast_bulk_deletes():
    """Any delete receiver for a model makes Django load each row before deleting it; the
    chart results (large JSON columns) are deleted in bulk, so the audit must not listen."""
    from django.db.models.signals import post_delete, pre_delete

    from collaboratives.models import Team
    from measures.models import ChartResult, RecomputeJob

    for model in (ChartResult, RecomputeJob):
        assert not pre_delete.has_listeners(model) and not post_delete.has_listeners(model)
    assert pre_delete.has_listeners(Team) and post_delete.has_listeners(Team)


# --- Who may read it -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "collaborative", "status"),
    [
        ("director", "falls", 200),
        ("manager", "sepsis", 200),
        ("falls_manager", "falls", 200),
        ("director", "maternity", 404),
        ("falls_manager", "sepsis", 404),
        ("outsider", "falls", 404),
        ("lead", "sepsis", 404),
        # They see the collaborative, but its trail (raw figures) is for the AHSN's staff.
        ("national", "maternity", 403),
        ("faculty", "falls", 403),
        ("lead", "falls", 403),
    ],
)
def test_only_the_lead_ahsns_staff_read_a_collaboratives_trail(cast, user, collaborative, status):
    pk = getattr(cast, collaborative).pk
    response = client_for(cast.users[user]).get(f"/collaboratives/{pk}/audit/")
    assert response.status_code == status


@pytest.mark.parametrize(
    ("user", "ahsn", "status"),
    [
        ("director", "east", 200),
        ("manager", "east", 200),
        ("national", "west", 404),
        ("director", "west", 404),
        ("falls_manager", "east", 404),
        ("faculty", "east", 404),
        ("lead", "east", 404),
        ("outsider", "east", 404),
    ],
)
def test_only_an_ahsns_director_and_managers_read_its_trail(cast, user, ahsn, status):
    pk = getattr(cast, ahsn).pk
    assert client_for(cast.users[user]).get(f"/ahsns/{pk}/audit/").status_code == status


def test_an_anonymous_visitor_is_sent_to_log_in(cast):
    for url in (falls_trail(cast), f"/ahsns/{cast.east.pk}/audit/", "/ahsns/999/audit/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_trail_shows_nothing_from_another_collaborative(cast):
    datapoints_write(
        series=cast.delta_series,
        changes=[PointChange(dt.date(2024, 1, 1), 7, 700)],
        by=None,
        source=DataPointRevision.Source.GRID,
        reason="Maternity only",
    )
    client_for(cast.users["manager"]).post(
        f"/teams/{cast.gamma.pk}/withdraw/", {"on": "2024-09-30"}
    )
    director = client_for(cast.users["director"])
    falls = trail_text(director, falls_trail(cast))
    assert "Gamma Hospitals" not in falls and "Maternity only" not in falls
    east = trail_text(director, f"/ahsns/{cast.east.pk}/audit/")
    assert "Gamma Hospitals" in east and "Maternity only" not in east


def test_a_library_measures_change_shows_in_each_collaborative_whose_set_uses_it(cast):
    CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=cast.falls_rate)
    admin = User.objects.create_superuser("admin", password="x")
    with audit.acting_as(admin, source="admin"):
        cast.falls_rate.operational_definition = "Falls per 1,000 occupied bed days, any harm."
        cast.falls_rate.save()
    director = client_for(cast.users["director"])
    assert "any harm" in trail_text(director, falls_trail(cast), kind="measure")
    # Sepsis does not use the measure; west's maternity does not either.
    sepsis = reverse("collaborative_audit", kwargs={"pk": cast.sepsis.pk})
    assert "any harm" not in trail_text(director, sepsis)
    maternity = reverse("collaborative_audit", kwargs={"pk": cast.maternity.pk})
    assert "any harm" not in trail_text(client_for(admin), maternity)


def test_the_collaborative_page_links_the_trail_only_for_those_who_may_read_it(cast):
    url = f"/collaboratives/{cast.falls.pk}/"
    link = falls_trail(cast)
    assert link in client_for(cast.users["director"]).get(url).content.decode()
    assert link not in client_for(cast.users["faculty"]).get(url).content.decode()
    # The AHSN-wide trail is linked for the AHSN's own staff, not a collaborative's manager.
    ahsn_link = f"/ahsns/{cast.east.pk}/audit/"
    assert ahsn_link in client_for(cast.users["director"]).get(link).content.decode()
    assert ahsn_link not in client_for(cast.users["falls_manager"]).get(link).content.decode()
    portfolio = f"/ahsns/{cast.east.pk}/portfolio/"
    assert ahsn_link in client_for(cast.users["director"]).get(portfolio).content.decode()


# --- Filters, pages and exports ----------------------------------------------------------------


def test_it_filters_by_who_kind_team_and_date(cast):
    lead, beta_lead = client_for(cast.users["lead"]), client_for(cast.users["beta_lead"])
    lead.post(f"/cycles/{cast.alpha_cycle.pk}/do/", {"do_notes": "Alpha did it"})
    beta_lead.post(f"/cycles/{cast.beta_cycle.pk}/do/", {"do_notes": "Beta did it"})
    datapoints_write(
        series=cast.alpha_series,
        changes=[PointChange(dt.date(2024, 1, 1), 3, 300)],
        by=cast.users["lead"],
        source=DataPointRevision.Source.GRID,
        reason="Alpha's January",
    )
    director = client_for(cast.users["director"])
    url = falls_trail(cast)

    by_lead = trail_text(director, url, who=cast.users["lead"].pk)
    assert "Alpha did it" in by_lead and "Alpha&#x27;s January" in by_lead
    assert "Beta did it" not in by_lead
    cycles_only = trail_text(director, url, kind="cycle")
    assert "Alpha did it" in cycles_only and "Alpha&#x27;s January" not in cycles_only
    beta_only = trail_text(director, url, team=cast.beta.pk)
    assert "Beta did it" in beta_only and "Alpha did it" not in beta_only
    today = timezone.localdate()
    assert "Alpha did it" in trail_text(director, url, since=today, until=today)
    tomorrow = today + dt.timedelta(days=1)
    future = trail_text(director, url, since=tomorrow)
    assert "No changes match" in future
    backwards = trail_text(director, url, since=today, until=today - dt.timedelta(days=1))
    assert "The end date must be on or after the start date" in backwards


def test_the_ahsn_trail_filters_by_collaborative(cast):
    manager = client_for(cast.users["manager"])
    manager.post(f"/teams/{cast.gamma.pk}/withdraw/", {"on": "2024-09-30"})
    manager.post(f"/teams/{cast.beta.pk}/withdraw/", {"on": "2024-09-30"})
    url = f"/ahsns/{cast.east.pk}/audit/"
    director = client_for(cast.users["director"])
    sepsis = trail_text(director, url, collaborative=cast.sepsis.pk, kind="team")
    assert "Gamma Hospitals" in sepsis and "Beta Hospitals" not in sepsis
    # A collaborative of another AHSN is not a choice.
    assert director.get(url, {"collaborative": cast.maternity.pk}).status_code == 200
    refused = trail_text(director, url, collaborative=cast.maternity.pk)
    assert "Select a valid choice" in refused


def test_htmx_gets_the_results_alone_and_pages_hold_fifty(cast):
    for n in range(60):
        datapoints_write(
            series=cast.alpha_series,
            changes=[PointChange(dt.date(2020 + n // 12, n % 12 + 1, 1), n, 1000)],
            by=cast.users["lead"],
            source=DataPointRevision.Source.GRID,
        )
    director = client_for(cast.users["director"])
    partial = director.get(falls_trail(cast), {"kind": "data"}, **HTMX).content.decode()
    assert partial.lstrip().startswith('<div id="audit-results"')
    assert "<h1" not in partial
    assert "60 changes, newest first: page 1 of 2" in partial
    second = trail_text(director, falls_trail(cast), kind="data", page=2)
    assert second.count('<tr class="nhsuk-table__row">') == 1 + 10  # header + 10 rows


def _trail_queries(client, url) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_asks_the_database_as_often_for_a_long_trail_as_a_short_one(cast):
    director = client_for(cast.users["director"])
    lead = client_for(cast.users["lead"])

    def activity(n):
        for i in range(n):
            lead.post(f"/cycles/{cast.alpha_cycle.pk}/do/", {"do_notes": f"Note {n}.{i}"})
            datapoints_write(
                series=cast.alpha_series,
                changes=[PointChange(dt.date(2020 + i // 12, i % 12 + 1, 1), n + i, 1000)],
                by=cast.users["lead"],
                source=DataPointRevision.Source.GRID,
            )

    activity(2)
    director.get(falls_trail(cast))  # the first request also loads the session
    few = _trail_queries(director, falls_trail(cast))
    activity(30)
    assert _trail_queries(director, falls_trail(cast)) == few


def test_the_csv_export_has_one_line_per_changed_field_with_before_and_after(cast):
    lead = client_for(cast.users["lead"])
    lead.post(f"/cycles/{cast.alpha_cycle.pk}/do/", {"do_notes": '=HYPERLINK("x")'})
    response = client_for(cast.users["director"]).get(
        falls_trail(cast), {"kind": "cycle", "format": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="audit-trail-falls-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "When",
        "Who",
        "From",
        "Kind",
        "Action",
        "What",
        "Collaborative",
        "Team",
        "Field",
        "Before",
        "After",
        "Reason",
        "Detail",
    ]
    lines = {row[8]: row for row in rows[1:] if row[1] == "Lead"}
    assert lines["What happened"][4:11] == [
        "Changed",
        f"PDSA cycle: {cast.alpha_cycle.title}",
        "Falls",
        "Alpha Hospitals",
        "What happened",
        "",
        '\'=HYPERLINK("x")',  # a formula made inert
    ]
    assert lines["Status"][9:11] == ["Planning", "Doing"]


def test_the_xlsx_export_holds_the_same_rows(cast):
    client_for(cast.users["lead"]).post(f"/cycles/{cast.alpha_cycle.pk}/do/", {"do_notes": "Ok"})
    response = client_for(cast.users["director"]).get(
        falls_trail(cast), {"kind": "cycle", "format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "When"
    assert ["Lead", "Web", "PDSA cycles", "Changed"] in [v[1:5] for v in values[1:]]
    assert (
        client_for(cast.users["director"]).get(falls_trail(cast), {"format": "pdf"}).status_code
        == 404
    )


# --- The stretch target's history ------------------------------------------------------------


def _target(cast, *, value, at, reason, date=dt.date(2025, 3, 31)):
    return StretchTarget.objects.create(
        collaborative=cast.falls,
        measure=cast.falls_rate,
        baseline_value=Decimal("8.2"),
        baseline_period_start=dt.date(2023, 1, 1),
        baseline_period_end=dt.date(2023, 12, 31),
        target_value=Decimal(value),
        target_date=date,
        reason=reason,
        set_at=at,
        set_by=cast.users["falls_manager"],
    )


def _data_entered_at(cast, when):
    datapoints_write(
        series=cast.alpha_series,
        changes=[PointChange(dt.date(2024, 1, 1), 3, 300)],
        by=cast.users["lead"],
        source=DataPointRevision.Source.GRID,
    )
    # Revisions are never updated through the app; back-date this one in SQL for the test.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE measures_datapointrevision SET changed_at = %s WHERE series_id = %s",
            [when, cast.alpha_series.pk],
        )


def test_target_history_says_a_target_set_before_the_data_and_later_moved(cast):
    tz = timezone.get_current_timezone()
    _target(cast, value="6.0", at=dt.datetime(2023, 12, 15, 9, tzinfo=tz), reason="Set at launch")
    _data_entered_at(cast, dt.datetime(2024, 2, 1, 9, tzinfo=tz))
    _target(
        cast,
        value="6.0",
        at=dt.datetime(2024, 3, 1, 9, tzinfo=tz),
        reason="Restated, nothing moved",
    )
    _target(cast, value="7.0", at=dt.datetime(2024, 6, 1, 9, tzinfo=tz), reason="Winter pressures")

    history = audit.target_history(cast.falls)

    first, restated, moved = history.settings
    assert first.first and first.before_start and first.before_first_data
    assert first.set_by == "Falls_Manager" and first.reason == "Set at launch"
    assert not restated.moved and restated.changes == []
    assert moved.moved and moved.changes == [("Target", "6", "7")]
    assert history.set_early and history.moved and history.times_moved == 1
    assert history.words() == (
        "Set on 15 December 2023 by Falls_Manager, before the collaborative started. "
        "Moved once: on 1 June 2024 (Target 6 to 7): Winter pressures."
    )
    # The contract review reads the same history (no second rule for early or moved).
    rows = report_target_history(cast.falls)
    assert [(r["early"], r["moved"], r["set_by"]) for r in rows] == [
        (True, False, "Falls_Manager"),
        (False, False, "Falls_Manager"),
        (False, True, "Falls_Manager"),
    ]


def test_target_history_says_a_target_set_after_the_first_data_was_not_set_early(cast):
    tz = timezone.get_current_timezone()
    _data_entered_at(cast, dt.datetime(2024, 2, 1, 9, tzinfo=tz))
    _target(cast, value="6.0", at=dt.datetime(2024, 5, 1, 9, tzinfo=tz), reason="After a look")

    history = audit.target_history(cast.falls)

    assert not history.set_early and not history.moved
    assert not history.settings[0].before_first_data
    assert [r["early"] for r in report_target_history(cast.falls)] == [False]
    assert history.words() == (
        "Set on 1 May 2024 by Falls_Manager, after the first data arrived (1 February 2024)."
        " Not moved since."
    )
    assert audit.target_history(cast.sepsis).words() == "No stretch target has been set."


def test_the_trail_marks_a_moved_target(cast):
    tz = timezone.get_current_timezone()
    _target(cast, value="6.0", at=dt.datetime(2023, 12, 15, 9, tzinfo=tz), reason="Set at launch")
    _target(cast, value="5.0", at=dt.datetime(2024, 6, 1, 9, tzinfo=tz), reason="Going faster")
    html = trail_text(client_for(cast.users["director"]), falls_trail(cast), kind="target")
    assert "<strong>Moved</strong>" in html and "<strong>Set</strong>" in html
    assert "Set before the collaborative started" in html
    assert "Going faster" in html


def test_rows_kept_as_history_elsewhere_are_not_copied_into_audit_entries(cast):
    since = Since()
    _target(cast, value="6.0", at=timezone.now(), reason="x")
    datapoints_write(
        series=cast.alpha_series,
        changes=[PointChange(dt.date(2024, 1, 1), 3, 300)],
        by=None,
        source=DataPointRevision.Source.GRID,
    )
    assert since.entries() == []


# --- In a browser ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_in_a_browser_a_filter_chosen_with_the_keyboard_updates_the_list_on_a_phone(
    page,
    log_in,
    problems,  # noqa: F811
):
    cast = build_cast()
    client_for(cast.users["manager"]).post(f"/teams/{cast.beta.pk}/withdraw/", {"on": "2024-09-30"})
    log_in(cast.users["director"])
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(falls_trail(cast))

    kind = page.get_by_label("What kind of change")
    kind.focus()
    page.keyboard.type("Teams")  # a closed select picks the option typed, and says so
    page.wait_for_url(re.compile(r"kind=team"))
    results = page.locator("#audit-results")
    results.get_by_text("Withdrawn on").wait_for()
    assert "Teams and their people" in results.inner_text()
    assert "Data points" not in results.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.get_by_role("link", name="CSV").focus()
    assert page.evaluate("document.activeElement.textContent") == "CSV"
    assert problems == [], "\n".join(problems)
