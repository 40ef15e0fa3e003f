"""collab.cache: Django's Redis cache with one redis.Redis per connection pool."""

import os
import threading
import uuid

import pytest

from collab.cache import RedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def store():
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"test-cache-{uuid.uuid4()}"})
    yield cache
    cache.delete_many(["a", "b", "n"])


def test_the_settings_use_this_backend_when_redis_is_configured():
    from collab import settings as module

    assert module.REDIS_URL  # the redis marker: REDIS_URL names a Redis that answers
    assert module.CACHES["default"]["BACKEND"] == "collab.cache.RedisCache"


def test_every_operation_reuses_one_client_on_one_pool(store):
    first = store._cache.get_client("a")
    assert store._cache.get_client("b", write=True) is first
    store.set("a", {"rows": [1, 2]}, 60)
    assert store.get("a") == {"rows": [1, 2]}
    assert store._cache.get_client("a") is first
    assert list(store._cache._pools) == [0]
    assert first.connection_pool is store._cache._pools[0]


def test_it_reads_writes_counts_and_deletes_as_djangos_backend(store):
    assert store.get("a", "missing") == "missing"
    assert store.add("a", "one", 60) is True
    assert store.add("a", "two", 60) is False
    store.set_many({"b": b"\x00bytes", "n": 5}, 60)
    assert store.get_many(["a", "b", "n"]) == {"a": "one", "b": b"\x00bytes", "n": 5}
    assert store.incr("n", 2) == 7
    store.delete("a")
    assert store.get("a") is None


def test_threads_share_the_client_and_each_sees_its_own_values(store):
    errors = []

    def work(i):
        try:
            for j in range(50):
                store.set(f"t{i}", j, 60)
                if store.get(f"t{i}") != j:
                    errors.append((i, j))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.delete_many([f"t{i}" for i in range(8)])
    assert errors == []
    assert len(store._cache._clients) == 1
