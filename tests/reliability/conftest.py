"""Fixtures of the fault tests (marker ``faults``): private PostgreSQL and Redis.

The fault tests run after the main suite, one at a time (``make test`` runs
``pytest -m faults -p no:xdist`` second). Without PostgreSQL's server binaries or
redis-server they are skipped, with the reason; with COLLAB_REQUIRE_SERVICES=1 (CI) they
fail instead, like the other service markers.
"""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES
from tests.reliability import services

# The seeded data's last day, so that two runs build the same rows.
TODAY = "2025-06-30"
BASE_DB = "faults_base"
GROWN_SERIES = 200


def _refuse(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"COLLAB_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(f"needs the fault-test tools: {reason}")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.get_closest_marker("faults") is None:
        return
    if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
        _refuse("fault tests run one at a time: pytest -m faults -p no:xdist")
    reason = services.tools_missing()
    if reason is not None:
        _refuse(reason)


@dataclass
class Cluster:
    pg: services.PrivatePostgres
    base: Path
    series: list[int]

    def database(self, name: str) -> str:
        """A fresh copy of the seeded database; its URL."""
        return self.pg.create_database(name, template=BASE_DB)

    def jobs(self, dbname: str) -> dict[str, int]:
        """How many of the grown series' recompute jobs are in each state."""
        rows = self.pg.query(
            dbname,
            "SELECT status, count(*) FROM measures_recomputejob WHERE series_id = ANY(%s) "
            "GROUP BY status",
            (self.series,),
        )
        return dict(rows)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    """One private PostgreSQL for the session with a seeded template database: the demo's
    tiny data plus GROWN_SERIES more series with two years of data each."""
    base = tmp_path_factory.mktemp("faults")
    # Not under pytest's own temporary folder: the postgres user cannot enter that one.
    pg = services.PrivatePostgres(Path(tempfile.mkdtemp(prefix="collab-faults-pg-")))
    pg.init()
    try:
        env = services.django_env(pg.create_database(BASE_DB))
        for command in (
            ["migrate", "--noinput"],
            ["seed_demo", "--scale", "tiny", "--today", TODAY],
        ):
            subprocess.run(
                [sys.executable, "manage.py", *command, "-v", "0"],
                cwd=services.ROOT,
                env=env,
                check=True,
                capture_output=True,
                timeout=300,
            )
        grown = services.action(env, "grow", str(GROWN_SERIES), TODAY)["series"]
        yield Cluster(pg=pg, base=base, series=grown)
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            pg.stop("immediate")
        shutil.rmtree(pg.base, ignore_errors=True)


@pytest.fixture
def redis(cluster, request):
    r = services.PrivateRedis(cluster.base / f"redis-{request.node.name[:40]}")
    r.start()
    yield r
    r.kill()
