"""The demo seed: deterministic, complete, written through the one write path, safe to rerun."""

import datetime as dt
import logging
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models

from collaboratives.models import (
    AHSN,
    Attendance,
    Collaborative,
    LearningEvent,
    StretchTarget,
    Team,
)
from demo.builder import DEMO_PASSWORD, DEMO_USERS
from demo.management.commands.seed_demo import QUIET_LOGGERS
from governance.models import Person, Role, RoleAssignment
from measures.models import (
    Annotation,
    ChartResult,
    DataPoint,
    DataPointRevision,
    Measure,
    Series,
)

TODAY = "2025-06-30"
# Set by the database or the clock, not by the seed: left out of the canonical dump.
UNSTABLE_FIELDS = {
    "id",
    "created_at",
    "updated_at",
    "granted_at",
    "changed_at",
    "password",
    "last_login",
    "date_joined",
    "moved_at",
    # Chart recomputation's bookkeeping (runs after commit, when the seed is done).
    "requested_at",
    "sent_at",
    "claimed_by",
    "heartbeat_at",
    "finished_at",
    "computed_at",
    # A chart result's key hashes its inputs, annotation ids among them.
    "inputs_hash",
    # When a sustain alert was raised, emailed or cleared: the clock's, after the seed.
    "raised_at",
    "emailed_at",
    "cleared_at",
}
# What the seed promises to fill (other models are empty or derived, like chart results).
SEEDED = (
    "auth.User",
    "collaboratives.AHSN",
    "collaboratives.Organisation",
    "collaboratives.Topic",
    "collaboratives.Collaborative",
    "collaboratives.Collaborative_partner_ahsns",
    "collaboratives.StretchTarget",
    "collaboratives.PhaseChange",
    "collaboratives.Team",
    "collaboratives.TeamMembership",
    "collaboratives.LearningEvent",
    "collaboratives.Attendance",
    "collaboratives.DriverNode",
    "collaboratives.PDSACycle",
    "collaboratives.PDSACycle_measures",
    "collaboratives.TeamAssessment",
    "collaboratives.DesignRecord",
    "collaboratives.DesignRecordEntry",
    "governance.Person",
    "governance.RoleAssignment",
    "measures.Measure",
    "measures.CollaborativeMeasure",
    "measures.Series",
    "measures.DataPoint",
    "measures.DataPointRevision",
    "measures.Annotation",
    "measures.Phase",
    "measures.PointMark",
)


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--scale", "tiny", "--today", TODAY, *args, stdout=out)
    return out.getvalue()


def dumped_models() -> list[type[models.Model]]:
    """Every model of our apps (with many-to-many tables) and the users."""
    found = [User]
    for label in ("collaboratives", "measures", "governance"):
        found += apps.get_app_config(label).get_models(include_auto_created=True)
    return found


def canonical_dump() -> dict[str, list[tuple[str, ...]]]:
    """Each model's rows as sorted tuples of field values, with primary keys and timestamps
    left out and each foreign key replaced by the canonical form of the row it points to
    (recursively), so that two databases with the same content dump the same."""
    rows = {model: {row["id"]: row for row in model.objects.values()} for model in dumped_models()}
    memo: dict[tuple[type, int], str] = {}

    def fields(model):
        return [
            f
            for f in model._meta.concrete_fields
            if f.name not in UNSTABLE_FIELDS and not f.primary_key
        ]

    def canonical(model, pk) -> str:
        if pk is None:
            return "None"
        if (model, pk) not in memo:
            row = rows[model][pk]
            values = []
            for f in fields(model):
                value = row[f.attname]
                if f.is_relation:
                    values.append(canonical(f.related_model, value))
                else:
                    values.append(repr(value))
            memo[(model, pk)] = repr(tuple(values))
        return memo[(model, pk)]

    dump = {}
    for model, by_pk in rows.items():
        dump[model._meta.label] = sorted(canonical(model, pk) for pk in by_pk)
    return dump


@pytest.mark.django_db(transaction=True)
def test_it_gives_the_same_rows_twice_for_the_same_today():
    seed()
    first = canonical_dump()
    call_command("flush", interactive=False, verbosity=0)
    assert not AHSN.objects.exists()
    seed()
    second = canonical_dump()
    assert first.keys() == second.keys()
    for label in first:
        assert first[label] == second[label], f"{label} differs between two seeds"


@pytest.mark.django_db
def test_it_fills_every_model():
    seed()
    empty = [label for label in SEEDED if not apps.get_model(label).objects.exists()]
    assert empty == []
    assert AHSN.objects.count() == 15
    assert {c.phase for c in Collaborative.objects.all()} >= {"active", "sustain", "closed"}
    assert Collaborative.objects.filter(partner_ahsns__isnull=False).exists()
    assert {m.chart_type for m in Measure.objects.filter(series__isnull=False)} >= {
        "u",
        "p",
        "c",
        "xmr",
        "run",
        "g",
        "t",
    }
    assert Measure.objects.filter(team__isnull=False).exists()
    assert Team.objects.filter(status=Team.Status.WITHDRAWN).exists()
    assert Person.objects.filter(teams_sponsored__isnull=False, user__isnull=True).exists()


@pytest.mark.django_db
def test_it_moves_a_stretch_target_with_its_reason_and_keeps_the_first():
    seed()
    moved = [
        c
        for c in Collaborative.objects.all()
        if StretchTarget.objects.filter(collaborative=c).count() > 1
    ]
    assert moved
    settings = list(moved[0].stretch_targets.order_by("set_at"))
    assert settings[-1] == moved[0].current_stretch_target()
    assert settings[-1].target_date > settings[0].target_date
    assert "Moved" in settings[-1].reason


@pytest.mark.django_db
def test_it_makes_a_user_per_role_who_can_log_in(client):
    output = seed()
    expected = {
        "national": Role.NATIONAL_VIEWER,
        "director": Role.AHSN_DIRECTOR,
        "manager": Role.IMPROVEMENT_MANAGER,
        "faculty": Role.CLINICAL_LEAD,
        "lead": Role.TRUST_LEAD,
        "member": Role.TEAM_MEMBER,
    }
    for username, role in expected.items():
        assert RoleAssignment.objects.filter(person__user__username=username, role=role).exists()
    assert User.objects.get(username="admin").is_superuser
    for demo in DEMO_USERS:
        assert client.login(username=demo.username, password=DEMO_PASSWORD), demo.username
        assert demo.username in output
        client.logout()
    lead_team = RoleAssignment.objects.get(person__user__username="lead").team
    member_team = RoleAssignment.objects.get(person__user__username="member").team
    assert lead_team == member_team
    assert lead_team.collaborative.role_assignments.filter(
        person__user__username="faculty"
    ).exists()
    assert "http://127.0.0.1:8000/" in output


@pytest.mark.django_db
def test_it_refuses_production_without_force(settings):
    settings.COLLAB_ENV = "production"
    with pytest.raises(CommandError, match="production"):
        seed()
    assert not AHSN.objects.exists()


@pytest.mark.django_db
def test_with_force_in_production_the_demo_users_have_no_password(settings, client):
    settings.COLLAB_ENV = "production"
    output = seed("--force")
    assert AHSN.objects.exists()
    assert not any(u.has_usable_password() for u in User.objects.all())
    assert not client.login(username="lead", password=DEMO_PASSWORD)
    assert DEMO_PASSWORD not in output


@pytest.mark.django_db
def test_if_empty_leaves_a_seeded_database_alone():
    seed()
    before = {m._meta.label: m.objects.count() for m in dumped_models()}
    output = seed("--if-empty")
    after = {m._meta.label: m.objects.count() for m in dumped_models()}
    assert after == before
    assert "left it as it is" in output
    assert "director" in output


@pytest.mark.django_db
def test_without_if_empty_it_refuses_a_database_with_data():
    seed()
    with pytest.raises(CommandError, match="already has data"):
        seed()


@pytest.mark.django_db
def test_every_data_point_has_a_seed_revision():
    seed()
    points = set(DataPoint.objects.values_list("series_id", "period_start", "numerator"))
    revisions = set(
        DataPointRevision.objects.filter(source=DataPointRevision.Source.SEED).values_list(
            "series_id", "period_start", "new_numerator"
        )
    )
    assert points
    assert points == revisions
    assert not DataPointRevision.objects.exclude(source=DataPointRevision.Source.SEED).exists()
    assert set(Series.objects.values_list("data_version", flat=True)) == {1}


def first_and_last_means(series: Series) -> tuple[float, float]:
    points = list(series.points.order_by("period_start"))
    if series.measure.has_denominator:

        def level(chunk):
            return sum(p.numerator for p in chunk) / sum(p.denominator for p in chunk)
    else:

        def level(chunk):
            return sum(p.numerator for p in chunk) / len(chunk)

    return float(level(points[:6])), float(level(points[-6:]))


@pytest.mark.django_db
def test_some_teams_improve_and_others_do_not():
    seed()
    improved, not_improved = [], []
    outcome_series = Series.objects.filter(
        measure__kind=Measure.Kind.OUTCOME,
        measure__direction__in=[Measure.Direction.UP, Measure.Direction.DOWN],
        measure__chart_type__in=["u", "p", "c", "xmr"],
    ).select_related("measure", "team")
    for series in outcome_series:
        first, last = first_and_last_means(series)
        if first == 0:
            continue
        change = (last - first) / first
        better = -change if series.measure.direction == Measure.Direction.DOWN else change
        if better >= 0.25:
            improved.append(series)
        elif better < 0.05:
            not_improved.append(series)
    assert improved, "no team's outcome improved by a quarter"
    assert not_improved, "every team's outcome improved"
    assert {s.team_id for s in not_improved} - {s.team_id for s in improved}


@pytest.mark.django_db
def test_data_ends_before_today_and_cycles_match_the_data():
    seed()
    today = dt.date.fromisoformat(TODAY)
    assert DataPoint.objects.filter(period_start__gte=today).count() == 0
    # The showcase team adopted its change, and its primary outcome moved after that date.
    lead_team = RoleAssignment.objects.get(person__user__username="lead").team
    adopted = lead_team.cycles.filter(act_decision="adopt").order_by("completed_on").first()
    assert adopted is not None
    rate = lead_team.series.get(measure__name__startswith="Inpatient falls per")
    points = list(rate.points.all())
    before = [p for p in points if p.period_start < adopted.completed_on]
    after = [p for p in points if p.period_start > adopted.completed_on + dt.timedelta(days=60)]

    def level(chunk):
        return sum(p.numerator for p in chunk) / sum(p.denominator for p in chunk)

    assert level(after) < level(before) * Decimal("0.8")


@pytest.mark.django_db
def test_it_dates_seeded_history_when_it_happened_not_today():
    seed()
    revisions = list(DataPointRevision.objects.select_related("series__measure"))
    assert revisions
    today = dt.date.fromisoformat(TODAY)
    for r in revisions:
        entered = r.changed_at.date()
        # Entered after the period began, within weeks of it, and never after the seed's today
        # (a period is entered once it is over; an event on or after its day).
        assert r.period_start <= entered <= today + dt.timedelta(days=12), r
        assert entered - r.period_start < dt.timedelta(days=60), r
    assert len({r.changed_at.date() for r in revisions}) > 12
    notes = list(Annotation.objects.all())
    assert notes
    assert all(n.created_at.date() == n.date for n in notes)


@pytest.mark.django_db
def test_senior_sponsors_attend_some_learning_events():
    seed()
    sponsors = set(Team.objects.values_list("senior_sponsor_id", flat=True)) - {None}
    attended = Attendance.objects.filter(person_id__in=sponsors)
    assert attended.exists()
    assert set(attended.values_list("event__kind", flat=True)) == {
        LearningEvent.Kind.LEARNING_SESSION
    }
    # Some, not all: the engagement figure has something to tell.
    assert 0 < attended.values("person_id").distinct().count() < len(sponsors)


# Transactional: the alerts are mailed after commit, as in `make run`.
@pytest.mark.django_db(transaction=True)
def test_it_sends_no_mail_while_seeding_and_leaves_the_backend_as_it_was(settings, mailoutbox):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = seed()
    assert mailoutbox == []
    assert "Subject:" not in out
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


# Transactional: the chart tasks are sent after commit, as in `make run`.
@pytest.mark.django_db(transaction=True)
def test_it_logs_no_task_lines_among_its_progress_and_restores_the_loggers(caplog):
    caplog.set_level(logging.INFO)  # as `make run` logs: LOG_LEVEL defaults to INFO
    before = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    seed()
    noisy = [r.getMessage() for r in caplog.records if r.name in QUIET_LOGGERS]
    assert noisy == []
    assert {name: logging.getLogger(name).level for name in QUIET_LOGGERS} == before
    # The tasks did run in the seed's process: their lines were what `make run` printed.
    assert ChartResult.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgres_it_leaves_the_planner_statistics_of_what_it_loaded():
    assert connection.vendor == "postgresql"
    out = seed()
    assert "Planner statistics: ANALYZE in" in out
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stats WHERE tablename = %s", [DataPoint._meta.db_table]
        )
        assert cursor.fetchone()[0] > 0


@pytest.mark.django_db
def test_on_sqlite_it_analyses_nothing():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite side of the planner statistics")
    assert "Planner statistics" not in seed()
