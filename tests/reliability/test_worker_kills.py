"""Killing Celery workers at random moments loses no chart and computes none twice.

200 recompute jobs go through a private Redis to prefork workers; ten times, at moments
drawn from a seeded generator, a worker is SIGKILLed: sometimes one pool child in the
middle of its task (the main process replaces it and the message is redelivered),
sometimes the main process with all its children (its reserved messages stay
unacknowledged in Redis). Then a fresh worker starts and the sweeper runs as it would
once the dead worker's jobs have been silent long enough: every job ends done, and
every series has exactly one chart, of its current inputs.
"""

import random

import pytest

from tests.reliability import services

pytestmark = pytest.mark.faults

KILLS = 10


def test_ten_worker_kills_lose_no_chart_and_compute_none_twice(cluster, redis, tmp_path):
    rng = random.Random(services.SEED)
    env = services.django_env(cluster.database("faults_kills"), redis.url)
    ids = [str(i) for i in cluster.series]
    services.action(env, "charts_reset", *ids)
    before = services.action(env, "state", *ids)
    assert before["jobs"] == {"pending": 200} and before["without_current_chart"] == [
        int(i) for i in ids
    ]

    services.action(env, "send", *ids)
    assert redis.queued() == 200

    worker = services.Worker(env, tmp_path / "worker.log").start()
    kills = []
    try:
        for _n in range(KILLS):
            worker.wait_ready()
            moment = rng.uniform(0.05, 0.8)
            services.time.sleep(moment)
            if rng.random() < 0.5:
                pid = worker.kill_child(rng.randrange(8))
                kills.append(("child", pid, round(moment, 2), cluster.jobs("faults_kills")))
            else:
                worker.kill_all()
                kills.append(
                    ("all", worker.process.pid, round(moment, 2), cluster.jobs("faults_kills"))
                )
                worker = services.Worker(env, worker.log, started=worker.started).start()
        worker.wait_ready()
        # The jobs the dead workers held stay running until they have been silent for
        # longer than a task may run; the sweeper, run as it would be then, sends them again.
        services.wait_for(lambda: redis.queued() == 0, 120, "the queue drained")
        swept = services.action(env, "sweep", "later")

        services.wait_for(lambda: cluster.jobs("faults_kills") == {"done": 200}, 120, "jobs done")
        after = services.action(env, "state", *ids)
        again = services.action(env, "sweep", "later")
    finally:
        worker.stop()

    print(context := f"seed {services.SEED}, kills {kills}, first sweep {swept}")
    context = f"seed {services.SEED}, kills {kills}, first sweep {swept}"
    assert len(kills) == KILLS
    assert after["jobs"] == {"done": 200}, context
    assert after["without_current_chart"] == [], context
    assert set(after["charts"].values()) == {1}, context
    assert set(after["of_current"].values()) == {1}, context
    assert again == {"resent": 0, "failed": 0}, context


def review_state(cluster, db, review):
    return cluster.pg.query(
        db,
        "SELECT status, progress, attempts, build_generation, pdf IS NOT NULL "
        "FROM reports_contractreview WHERE id = %s",
        (review,),
    )[0]


def test_a_worker_killed_mid_way_through_a_contract_review_leaves_it_to_be_built_once(
    cluster, redis, tmp_path
):
    rng = random.Random(services.SEED + 1)
    db = "faults_review_kill"
    env = services.django_env(cluster.database(db), redis.url)
    review = services.action(env, "review_request", "director", "2024-07-01", "2025-06-30")[
        "review"
    ]
    assert redis.queued() == 1

    worker = services.Worker(env, tmp_path / "worker.log", concurrency=1).start()
    try:
        # A moment in the build: once its progress has passed a point drawn at random.
        point = rng.randint(2, 60)

        def under_way():
            state = review_state(cluster, db, review)
            if (
                state[0] == "building"
                and state[1] >= point
                or state[0] not in ("draft", "building")
            ):
                return state
            return None

        seen = services.wait_for(under_way, 120, "the build under way", every=0.02)
        worker.kill_all()
        killed = review_state(cluster, db, review)
        print(f"seed {services.SEED + 1}: killed at {seen}, left {killed}")
        assert killed[0] == "building", f"the build was not under way when killed: {killed}"

        worker = services.Worker(env, worker.log, concurrency=1, started=worker.started).start()
        worker.wait_ready()
        swept = services.action(env, "reviews_sweep", "later")
        services.wait_for(
            lambda: review_state(cluster, db, review)[0] not in ("draft", "building"),
            180,
            "the review built",
            every=0.5,
        )
        status, progress, attempts, generation, has_pdf = review_state(cluster, db, review)
        again = services.action(env, "reviews_sweep", "later")
    finally:
        worker.stop()

    assert swept["resent"] == 1
    assert (status, progress, has_pdf) == ("ready", 100, True)
    assert (attempts, generation) == (2, 2)
    assert again == {"resent": 0, "failed": 0}
