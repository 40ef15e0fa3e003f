"""Redis restarted with its queue lost while the site is in use: nothing is lost.

Pages and the API read stored chart results, not the broker, so they keep working while
Redis is down and after it comes back empty. Data entered before and during the outage is
committed; its recompute messages are gone with the queue, but the pending jobs are
rows in PostgreSQL, and the sweeper sends them again: every chart catches up.
"""

import pytest

from tests.reliability import services

pytestmark = pytest.mark.faults

BEFORE, DURING = 30, 10


def pages(cluster, db, series_ids):
    team, collaborative = cluster.pg.query(
        db,
        "SELECT t.id, t.collaborative_id FROM measures_series s "
        "JOIN collaboratives_team t ON t.id = s.team_id WHERE s.id = %s",
        (series_ids[0],),
    )[0]
    return [
        "/",
        f"/collaboratives/{collaborative}/",
        f"/teams/{team}/",
        *(f"/series/{i}/chart/" for i in series_ids[:3]),
    ]


def test_losing_redis_and_its_queue_keeps_pages_working_and_loses_no_job(cluster, redis, tmp_path):
    db = "faults_redis"
    env = services.django_env(cluster.database(db), redis.url)
    ids = cluster.series
    web = services.Web(env, tmp_path / "web.log").start()
    worker = services.Worker(env, tmp_path / "worker.log")
    try:
        cookie = services.action(env, "session", "national")
        paths = pages(cluster, db, ids)

        key = services.action(env, "api_token", str(ids[0]))["key"]
        api = f"/api/v1/series/{ids[0]}/chart/"

        def browse(when):
            answers = {p: services.get(web.url + p, cookie) for p in paths}
            # The API too: its rate limit counts in Redis, and must not need it.
            answers[api] = services.get(web.url + api, Authorization=f"Bearer {key}")
            broken = {
                p: (a.status, a.error or a.body[:300])
                for p, a in answers.items()
                if a.status != 200
            }
            assert broken == {}, f"{when}: {broken}\n{web.log.read_text()[-3000:]}"

        browse("before")
        # Data entered while no worker runs: the messages wait in Redis.
        services.action(env, "write", *map(str, ids[:BEFORE]))
        assert redis.queued() == BEFORE

        redis.kill()
        browse("while Redis is down")
        # Data entered while the broker is down is committed all the same.
        services.action(env, "write", *map(str, ids[BEFORE : BEFORE + DURING]))
        browse("while Redis is down, after new data")

        redis.start()
        assert redis.queued() == 0, "the restarted Redis kept its queue: nothing was lost"
        written = [str(i) for i in ids[: BEFORE + DURING]]
        assert cluster.jobs(db) == {"pending": BEFORE + DURING, "done": 200 - BEFORE - DURING}
        browse("after Redis came back empty")

        worker.start().wait_ready()
        swept = services.action(env, "sweep", "later")
        services.wait_for(lambda: cluster.jobs(db) == {"done": 200}, 120, "every job done")
        after = services.action(env, "state", *written)
        browse("at the end")
    finally:
        worker.stop()
        web.stop()

    assert swept["resent"] == BEFORE + DURING
    assert after["without_current_chart"] == [], after
    assert set(after["of_current"].values()) == {1}
