"""bin/backup and bin/restore: a backup restored into a fresh database has every row.

Every table is compared between the backed-up database and the restored one: the row
count and a digest of all its rows, so a single changed or missing value fails; the
history tables (data point revisions and any other revision, history or audit table)
must be among them and not empty.
"""

import subprocess

import pytest

from tests.reliability import services

pytestmark = pytest.mark.faults

TABLES = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname"
)


def contents(pg, db) -> dict[str, tuple[int, str]]:
    """Each table's row count and the digest of its rows in a fixed order."""
    out = {}
    for (table,) in pg.query(db, TABLES):
        out[table] = pg.query(
            db,
            f"SELECT count(*), md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), '')) "
            f'FROM public."{table}" t',
        )[0]
    return out


def script(name: str, *args: str, url: str) -> subprocess.CompletedProcess:
    env = services.django_env(url)
    return subprocess.run(
        [str(services.ROOT / "bin" / name), *args],
        cwd=services.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_backup_restored_into_a_fresh_database_has_every_row_and_every_history_entry(
    cluster, tmp_path
):
    pg = cluster.pg
    source = cluster.database("faults_backup")
    # Changes on top of the seed, so the history has edits and not only first entries.
    services.action(services.django_env(source), "write", *map(str, cluster.series[:25]))
    target = pg.create_database("faults_restored")
    dump = tmp_path / "collab.dump"

    backup = script("backup", str(dump), url=source)
    assert backup.returncode == 0, backup.stderr
    assert dump.exists() and not dump.with_name("collab.dump.partial").exists()
    restore = script("restore", str(dump), url=target)
    assert restore.returncode == 0, restore.stderr

    before, after = contents(pg, "faults_backup"), contents(pg, "faults_restored")
    assert after == before
    history = {
        t: n
        for t, (n, _) in before.items()
        if any(w in t for w in ("revision", "history", "audit"))
    }
    assert history.get("measures_datapointrevision", 0) > 0, history
    assert before["measures_datapoint"][0] > 0 and before["measures_chartresult"][0] > 0
    # bin/restore reports each table's row count as it found it.
    reported = dict(
        line.rsplit(" ", 1) for line in restore.stdout.splitlines() if line.count(" ") == 1
    )
    assert {t: int(n) for t, n in reported.items()} == {t: n for t, (n, _) in before.items()}


def test_restore_refuses_a_database_that_already_has_tables(cluster, tmp_path):
    source = cluster.database("faults_backup_again")
    dump = tmp_path / "collab.dump"
    assert script("backup", str(dump), url=source).returncode == 0

    restore = script("restore", str(dump), url=source)

    assert restore.returncode == 1
    assert "already has" in restore.stderr and "empty one" in restore.stderr
