"""A query planned once per database connection, not at every request.

Django sends every query with its parameters written into the text (psycopg's client-side
binding), so PostgreSQL plans each one anew. A few queries run on nearly every page and
cost more to plan than to run: the fragment cache's versions query
(`dashboards.fragments.collaborative_versions`) takes about 4 ms to plan and 1 ms to run on
the national data. `fetchone` sends such a query with server-side binding and
`prepare=True`: psycopg prepares it on the connection's first use and PostgreSQL reuses the
plan while the connection lives (`CONN_MAX_AGE`). It goes through Django's cursor wrapper
and query log, so it is counted like any other query. On SQLite, or with
`COLLAB_PREPARED_QUERIES=0` (a pooler in transaction mode that does not keep prepared
statements: PgBouncer before 1.21, or without `max_prepared_statements`), it is an
ordinary query.

Django turns psycopg's prepared statements off for the connection (`prepare_threshold`
None); settings.py sets a threshold when this is on. Django's own cursors bind on the client
and never prepare, so only the queries sent here are prepared.
"""

import time

from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor


class _Preparing(ServerBindingCursor):
    """psycopg's server-binding cursor, preparing what it executes."""

    def execute(self, query, params=None, **kwargs):
        return super().execute(query, params, prepare=True)


def fetchone(sql: str, params: list) -> tuple:
    """The one row of `sql` (with `%s` placeholders), prepared where it can be."""
    if connection.vendor != "postgresql" or not settings.COLLAB_PREPARED_QUERIES:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    connection.ensure_connection()
    started = time.monotonic()
    # In Django's wrapper (its execute wrappers apply), as connection.cursor() wraps its own.
    with connection.make_cursor(_Preparing(connection.connection)) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if connection.queries_logged:
        # Logged as Django's debug cursor logs a query (which cannot read a prepared one's
        # text back from psycopg), so that query counts and the debug toolbar see it.
        connection.queries_log.append(
            {
                "sql": connection.ops.compose_sql(sql, params),
                "time": f"{time.monotonic() - started:.3f}",
            }
        )
    return row
