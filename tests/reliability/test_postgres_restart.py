"""PostgreSQL restarted under load: requests fail cleanly while it is down, then recover.

Four clients keep browsing through gunicorn while PostgreSQL is stopped (fast shutdown:
every connection is cut) for a moment drawn from a seeded generator, then started again.
While it is down each request gets the 503 "try again" page, never a traceback or a
dropped connection; once it is back the same gunicorn, not restarted, answers every
request again (Django checks its persistent connections before using them).
"""

import random
import threading
import time

import pytest

from tests.reliability import services
from tests.reliability.test_redis_loss import pages

pytestmark = pytest.mark.faults

CLIENTS = 4


def test_requests_fail_cleanly_while_postgres_restarts_and_the_site_recovers_by_itself(
    cluster, tmp_path
):
    rng = random.Random(services.SEED + 3)
    db = "faults_pg_restart"
    env = services.django_env(cluster.database(db))
    web = services.Web(env, tmp_path / "web.log").start()
    master = web.process.pid
    answers: list[tuple[float, str, services.Answer]] = []
    stop = threading.Event()
    try:
        cookie = services.action(env, "session", "national")
        paths = pages(cluster, db, cluster.series)

        def browse(n):
            i = n
            while not stop.is_set():
                path = paths[i % len(paths)]
                answers.append((time.monotonic(), path, services.get(web.url + path, cookie)))
                i += 1

        clients = [threading.Thread(target=browse, args=(n,)) for n in range(CLIENTS)]
        for client in clients:
            client.start()
        time.sleep(rng.uniform(1, 2))
        down_at = time.monotonic()
        cluster.pg.stop("fast")
        try:
            time.sleep(rng.uniform(1, 3))
        finally:
            cluster.pg.start()
        up_at = time.monotonic()
        services.wait_for(
            lambda: any(t > up_at and a.status == 200 for t, _, a in answers[-50:]),
            30,
            "a page served after PostgreSQL came back",
        )
        recovered_at = min(t for t, _, a in answers if t > up_at and a.status == 200)
        time.sleep(2)
        stop.set()
        for client in clients:
            client.join(timeout=30)
        # The same gunicorn: nobody restarted the site.
        still_running = web.process.poll() is None and web.process.pid == master
    finally:
        stop.set()
        web.stop()

    log = web.log.read_text()[-3000:]
    statuses = {a.status for _, _, a in answers}
    unclean = [
        (p, a.status, a.error or a.body[:200]) for _, p, a in answers if a.status not in (200, 503)
    ]
    assert unclean == [], f"{unclean[:5]}\n{log}"
    during = [a for t, _, a in answers if down_at < t < up_at]
    assert any(a.status == 503 for a in during), f"no request met the outage: {statuses}"
    for a in (a for _, _, a in answers if a.status == 503):
        assert "Sorry, the service is unavailable" in a.body
        assert "Traceback" not in a.body
    after = [(p, a.status) for t, p, a in answers if t > recovered_at]
    assert after and all(status == 200 for _, status in after), after[:10]
    assert still_running
