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
    # (when the request was sent, when its answer came, path, answer)
    answers: list[tuple[float, float, str, services.Answer]] = []
    stop = threading.Event()
    try:
        cookie = services.action(env, "session", "national")
        paths = pages(cluster, db, cluster.series)

        def browse(n):
            i = n
            while not stop.is_set():
                path = paths[i % len(paths)]
                sent = time.monotonic()
                answer = services.get(web.url + path, cookie)
                answers.append((sent, time.monotonic(), path, answer))
                i += 1

        clients = [threading.Thread(target=browse, args=(n,)) for n in range(CLIENTS)]
        for client in clients:
            client.start()
        # Warm: every client has had pages, so requests are also sent while it is down.
        services.wait_for(
            lambda: sum(a.status == 200 for *_, a in answers) >= 2 * CLIENTS, 60, "warm clients"
        )
        time.sleep(rng.uniform(0.2, 1))
        down_at = time.monotonic()
        cluster.pg.stop("fast")
        try:
            time.sleep(rng.uniform(1, 3))
        finally:
            cluster.pg.start()
        up_at = time.monotonic()
        services.wait_for(
            lambda: any(t > up_at and a.status == 200 for t, _, _, a in answers[-50:]),
            30,
            "a page served after PostgreSQL came back",
        )
        # Sent after PostgreSQL was back, and answered: the site has recovered.
        recovered_at = min(t for t, _, _, a in answers if t > up_at and a.status == 200)
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
    t0 = answers[0][0]
    failed = [
        (round(s - t0, 2), round(e - t0, 2), a.status) for s, e, _, a in answers if a.status != 200
    ]
    timeline = (
        f"down at {down_at - t0:.2f} s, up at {up_at - t0:.2f} s, recovered at "
        f"{recovered_at - t0:.2f} s; {len(failed)} not 200 (sent, answered, status): "
        f"{failed[:3]} ... {failed[-3:]}"
    )
    unclean = [
        (p, a.status, a.error or a.body[:200]) for *_, p, a in answers if a.status not in (200, 503)
    ]
    assert unclean == [], f"{unclean[:5]}\n{log}"
    # Those in flight at any time while PostgreSQL was down.
    during = [a for sent, answered, _, a in answers if sent < up_at and answered > down_at]
    assert any(a.status == 503 for a in during), f"no request met the outage: {timeline}"
    for sent, _, _, a in answers:
        if a.status == 503:
            assert sent < up_at, f"a 503 for a request sent after PostgreSQL was back: {timeline}"
            assert "Sorry, the service is unavailable" in a.body
            assert "Traceback" not in a.body
    after = [(p, a.status) for sent, _, p, a in answers if sent > recovered_at]
    assert after and all(status == 200 for _, status in after), timeline
    assert still_running
