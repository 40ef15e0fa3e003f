"""collab.prepared: the versions query on nearly every page is planned once per connection
on PostgreSQL, still counted as a query, and an ordinary query when turned off."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collab import prepared
from dashboards import fragments
from tests.cast import build_cast

SQL = "SELECT %s + 1, 'collab.prepared test'"


def _prepared_here() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_it_gives_the_row_and_is_counted_as_a_query():
    with CaptureQueriesContext(connection) as captured:
        assert prepared.fetchone(SQL, [41]) == (42, "collab.prepared test")
    assert [q["sql"] for q in captured.captured_queries if "collab.prepared" in q["sql"]]


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_keeps_the_plan_for_the_connection():
    assert not any("collab.prepared test" in s for s in _prepared_here())
    assert prepared.fetchone(SQL, [1]) == (2, "collab.prepared test")
    assert prepared.fetchone(SQL, [2]) == (3, "collab.prepared test")
    plans = [s for s in _prepared_here() if "collab.prepared test" in s]
    assert len(plans) == 1, plans  # one statement, reused with other parameters


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_versions_query_is_prepared():
    fragments.collaborative_versions(build_cast().falls)
    assert any("measures_chartresult" in s for s in _prepared_here())


@pytest.mark.postgres
@pytest.mark.django_db
def test_turned_off_it_is_an_ordinary_query(settings):
    settings.COLLAB_PREPARED_QUERIES = False
    assert prepared.fetchone(SQL, [1]) == (2, "collab.prepared test")
    assert not any("collab.prepared test" in s for s in _prepared_here())


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_versions_query_is_planned_once_not_at_every_use():
    """PostgreSQL plans a prepared statement anew at each use while a custom plan looks
    cheaper than the generic one, which for the versions query it always does (5 ms a
    request instead of 0.8 on the national data): the connection asks for the generic
    plan, so the statement is planned once, whatever its parameters."""
    cast = build_cast()
    for collaborative in [cast.falls, cast.sepsis] * 4:  # more than the 5 custom plans
        fragments.collaborative_versions(collaborative)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["%measures_chartresult%"],
        )
        assert cursor.fetchall() == [(8, 0)]
