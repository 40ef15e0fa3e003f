"""Prepared queries (collab.settings.postgres_options): on PostgreSQL a query a connection
runs again is one prepared statement, whatever its values, and still counted as a query;
the versions query on nearly every page is planned once; generic plans are PostgreSQL's
choice, not forced; turned off, nothing is prepared."""

import os
import subprocess
import sys
from pathlib import Path

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
    """With the collaborative's id as a parameter PostgreSQL planned the versions query
    anew at each use, a custom plan always looking cheaper than the generic one (5 ms a
    request instead of 0.8 on the national data). Written into the text, it is a statement
    without parameters for each collaborative, planned once when prepared."""
    cast = build_cast()
    for collaborative in [cast.falls, cast.sepsis] * RUNS:
        fragments.collaborative_versions(collaborative)
    with connection.cursor() as cursor:
        plans = _plans(cursor, "%measures_chartresult%")
    assert len(plans) == 2, plans  # one statement per collaborative
    for generic, custom in plans:
        assert custom == 0 and generic >= 1, plans


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


@pytest.mark.postgres
@pytest.mark.django_db
def test_generic_plans_are_not_forced_on_skewed_columns():
    """Forcing generic plans applies to every query with parameters, prepared or not: the
    jobs sweep's `status = $1` over a table of done jobs would lose its index."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "auto"


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


@pytest.mark.postgres
def test_the_setting_reaches_the_connection_options():
    """COLLAB_PREPARED_QUERIES=0 in the environment turns server-side binding off in the
    settings Django reads (a fresh process: settings are read once)."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'collab.settings'; "
        "django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS'].get('server_side_binding'))"
    )
    root = Path(__file__).resolve().parent.parent
    answers = {}
    for value in ("0", "1"):
        env = {**os.environ, "COLLAB_PREPARED_QUERIES": value}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        answers[value] = done.stdout.strip().splitlines()[-1]
    assert answers == {"0": "None", "1": "True"}
