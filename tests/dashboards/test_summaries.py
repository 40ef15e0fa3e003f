"""Reporting summaries: what each level holds, monthly snapshots, and the change check."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from collaboratives.models import Team
from dashboards import tasks
from dashboards.models import ReportingSummary
from dashboards.payloads import Score
from dashboards.summaries import (
    latest_rows,
    latest_summaries,
    summaries_compute,
    summaries_for_month,
    summaries_refresh_changed,
)
from measures.models import Series
from measures.recompute import charts_recompute
from tests.dashboards.portfolio_world import IMPROVING, MONTHS, TODAY, build_world, write

pytestmark = pytest.mark.django_db

Level = ReportingSummary.Level


@pytest.fixture
def world():
    cast = build_world()
    summaries_compute(today=TODAY)
    return cast


def test_it_reads_each_teams_signals_verdict_completeness_cycles_and_score(world):
    teams = latest_summaries(Level.TEAM, [world.alpha.pk, world.beta.pk])
    alpha, beta = teams[world.alpha.pk], teams[world.beta.pk]
    assert alpha.outcome == "improved"
    assert alpha.signals.improvement == 1
    assert alpha.signals.concern == 0
    assert alpha.completeness == 1.0
    assert alpha.cycles.adopt == 1 and alpha.cycles.active == 0
    assert beta.cycles.active == 1 and beta.cycles.overdue == 1
    # The faculty's rating wins over the team's own; the month before is kept for the trend.
    assert alpha.assessment == Score(
        score=3.5,
        month=dt.date(2025, 8, 1),
        by="faculty",
        previous=3.0,
    )
    assert beta.outcome == "no_change"
    assert beta.missing == 2
    assert beta.completeness == pytest.approx(3 / 5)  # April to August are due
    assert beta.assessment is None


def test_it_adds_up_a_collaborative_over_its_active_teams_only(world):
    falls = latest_summaries(Level.COLLABORATIVE, [world.falls.pk])[world.falls.pk]
    assert falls.teams == 2
    assert (falls.totals.outcome_improved, falls.totals.outcome_judged) == (1, 2)
    assert falls.improved_share == 0.5
    assert falls.completeness == pytest.approx(8 / 10)
    assert falls.assessment.mean == 3.5 and falls.assessment.rated == 1
    assert falls.outcome_measure.id == world.falls_rate.pk
    # The outcome rate pools the last three complete months, June to August (the current
    # month, September, is never complete); beta sent June only.
    assert falls.outcome_rate.numerator == 3 + 3 + 2 + 10
    assert falls.outcome_rate.denominator == 4000

    world.beta.status = Team.Status.WITHDRAWN
    world.beta.withdrawn_on = TODAY
    world.beta.save()
    summaries_compute(today=TODAY, collaborative_ids=[world.falls.pk])
    falls = latest_summaries(Level.COLLABORATIVE, [world.falls.pk])[world.falls.pk]
    assert falls.teams == 1 and falls.withdrawn == 1
    assert falls.improved_share == 1.0


def test_it_adds_up_an_ahsn_over_the_collaboratives_it_leads(world):
    summaries = latest_summaries(Level.AHSN, [world.east.pk, world.west.pk])
    east, west = summaries[world.east.pk], summaries[world.west.pk]
    assert east.collaboratives == 2 and east.phases == {"active": 2}
    assert east.teams == 3  # alpha and beta (falls), gamma (sepsis)
    assert (east.totals.outcome_improved, east.totals.outcome_judged) == (1, 2)
    assert west.teams == 1 and west.totals.outcome_deteriorated == 1


def test_it_compares_a_national_programme_region_by_region(world):
    topic = world.falls_rate.topic
    programme = latest_summaries(Level.PROGRAMME, [topic.pk])[topic.pk]
    assert set(programme.regions) == {world.east.pk, world.west.pk}
    assert programme.regions[world.west.pk].totals.outcome_deteriorated == 1
    assert list(programme.regions[world.east.pk].collaborative_ids) == sorted(
        [world.falls.pk, world.sepsis.pk]
    )
    assert programme.teams == 4 and programme.collaboratives == 3


def test_it_keeps_last_months_row_as_its_snapshot(world):
    september = dt.date(2025, 9, 1)
    before = summaries_for_month(Level.COLLABORATIVE, [world.falls.pk], september)
    summaries_compute(today=dt.date(2025, 10, 3))
    kept = summaries_for_month(Level.COLLABORATIVE, [world.falls.pk], september)
    assert kept == before
    row = latest_rows(Level.COLLABORATIVE, [world.falls.pk])[world.falls.pk]
    assert row.month == dt.date(2025, 10, 1)
    assert ReportingSummary.objects.filter(level=Level.COLLABORATIVE).count() == 6


def test_a_back_dated_snapshot_does_not_count_a_verdict_reached_later(world):
    summaries_compute(today=dt.date(2024, 12, 20))  # before alpha's change
    alpha = summaries_for_month(Level.TEAM, [world.alpha.pk], dt.date(2024, 12, 1))
    assert alpha[world.alpha.pk].outcome == "no_change"
    assert alpha[world.alpha.pk].signals.improvement == 0


def test_it_stores_the_data_version_it_came_from(world):
    row = latest_rows(Level.COLLABORATIVE, [world.falls.pk])[world.falls.pk]
    assert row.data_version == sum(
        Series.objects.filter(team__collaborative=world.falls).values_list(
            "data_version", flat=True
        )
    )
    assert row.data_version > 0


def test_the_change_check_recomputes_only_collaboratives_whose_inputs_moved(world):
    assert summaries_refresh_changed(today=TODAY) == {"changed": 0}
    sepsis_before = latest_rows(Level.COLLABORATIVE, [world.sepsis.pk])[world.sepsis.pk]

    write(world.beta_series, [30, 31], MONTHS[-2:])
    charts_recompute(series_ids=[world.beta_series.pk], worker="test")
    result = summaries_refresh_changed(today=TODAY)

    assert result["changed"] == 1 and result["collaborative"] == 1
    beta = latest_summaries(Level.TEAM, [world.beta.pk])[world.beta.pk]
    assert beta.completeness == 1.0
    sepsis_after = latest_rows(Level.COLLABORATIVE, [world.sepsis.pk])[world.sepsis.pk]
    assert sepsis_after.computed_at == sepsis_before.computed_at
    assert summaries_refresh_changed(today=TODAY) == {"changed": 0}


def test_a_new_month_counts_as_a_change(world):
    result = summaries_refresh_changed(today=dt.date(2025, 10, 1))
    assert result["changed"] == 3


def test_the_tasks_are_scheduled_changed_often_and_all_nightly(world):
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["dashboards.tasks.summaries_refresh_changed"] <= 5 * 60
    assert schedule["dashboards.tasks.summaries_compute_all"] <= 24 * 60 * 60
    counts = tasks.summaries_compute_for.delay([world.falls.pk]).get()
    assert counts["collaborative"] == 1 and counts["team"] == 2


def test_improving_data_is_what_makes_alpha_improved():
    # Guard for the world itself: the last eight months are below the first twelve.
    assert max(IMPROVING[12:]) < min(IMPROVING[:12])


def test_the_command_stores_this_month_and_last_months_snapshot_once(world):
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    from dashboards.summaries import month_of, previous_month

    ReportingSummary.objects.all().delete()
    out = StringIO()
    call_command("compute_summaries", with_last_month=True, stdout=out)
    this_month = month_of(timezone.localdate())
    months = set(ReportingSummary.objects.values_list("month", flat=True))
    assert months == {this_month, previous_month(this_month)}
    assert "Summaries as of" in out.getvalue()
    call_command("compute_summaries", with_last_month=True, stdout=(again := StringIO()))
    assert "Summaries as of" not in again.getvalue()  # last month's is there: kept as it was


def test_a_collaborative_still_in_preparation_is_summarised_from_now(world):
    world.sepsis.phase = "preparation"
    world.sepsis.starts_on = timezone.localdate() + dt.timedelta(days=60)
    world.sepsis.save()
    world.gamma.joined_on = world.sepsis.starts_on
    world.gamma.save()
    summaries_compute()  # now
    sepsis = latest_summaries(Level.COLLABORATIVE, [world.sepsis.pk])[world.sepsis.pk]
    assert sepsis.teams == 1 and sepsis.phase == "preparation"
