"""Prepared queries (collab.settings.postgres_options): on PostgreSQL a query a connection
runs again is planned once, with the generic plan, and still counted as a query; the
versions query on nearly every page is one of them; turned off, nothing is prepared."""

import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test.utils import CaptureQueriesContext

from collab.settings import postgres_options
from collaboratives.models import Team
from dashboards import fragments
from tests.cast import build_cast

RUNS = 8  # more than psycopg's threshold (5) and PostgreSQL's 5 custom plans


def _plans(cursor, like: str) -> list[tuple[int, int]]:
    cursor.execute(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
        [like],
    )
    return cursor.fetchall()


@pytest.mark.django_db
def test_the_versions_query_is_counted_as_a_query():
    cast = build_cast()
    with CaptureQueriesContext(connection) as captured:
        fragments.collaborative_versions(cast.falls)
    assert [q["sql"] for q in captured.captured_queries if "measures_chartresult" in q["sql"]]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_versions_query_is_planned_once_not_at_every_use():
    """PostgreSQL plans a prepared statement anew at each use while a custom plan looks
    cheaper than the generic one, which for the versions query it always does (5 ms a
    request instead of 0.8 on the national data): the connection asks for the generic
    plan, so the statement is planned once, whatever its parameters."""
    cast = build_cast()
    for collaborative in [cast.falls, cast.sepsis] * (RUNS // 2):
        fragments.collaborative_versions(collaborative)
    with connection.cursor() as cursor:
        plans = _plans(cursor, "%measures_chartresult%")
    assert len(plans) == 1, plans
    generic, custom = plans[0]
    assert generic >= 1 and custom == 0, plans


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_orm_query_run_again_with_other_values_is_one_prepared_statement():
    build_cast()
    teams = list(Team.objects.order_by("pk"))[:2]
    assert len(teams) == 2, "the cast has teams"
    for i in range(RUNS):
        assert Team.objects.filter(pk=teams[i % 2].pk, unit__isnull=False).count() == 1
    with connection.cursor() as cursor:
        plans = _plans(cursor, '%FROM "collaboratives_team"%"unit" IS NOT NULL%')
    assert len(plans) == 1, plans  # bound parameters: one statement for both teams
    assert plans[0][1] == 0, plans  # never a custom plan


@pytest.mark.postgres
@pytest.mark.django_db
def test_turned_off_nothing_is_prepared():
    """COLLAB_PREPARED_QUERIES=0 (a pooler in transaction mode that keeps no prepared
    statements): a connection with those options prepares nothing, however often a query
    runs."""
    settings_dict = {**connection.settings_dict}
    settings_dict["OPTIONS"] = postgres_options(
        {
            k: v
            for k, v in connection.settings_dict["OPTIONS"].items()
            if k not in ("server_side_binding", "prepare_threshold", "options")
        },
        prepared=False,
    )
    assert "server_side_binding" not in settings_dict["OPTIONS"]
    probe = DatabaseWrapper(settings_dict, alias="prepared-off-probe")
    try:
        with probe.cursor() as cursor:
            for value in range(RUNS):
                cursor.execute("SELECT %s + 1, 'prepared-off probe'", [value])
                assert cursor.fetchone()[0] == value + 1
            assert _plans(cursor, "%prepared-off probe%") == []
    finally:
        probe.close()
