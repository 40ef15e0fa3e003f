"""With the broker down, data entry still commits and answers; the job waits in PostgreSQL."""

import datetime as dt

import pytest

from measures.models import DataPoint, DataPointRevision, RecomputeJob
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast


@pytest.mark.django_db(transaction=True)
def test_a_write_commits_and_returns_when_the_broker_refuses_the_task(monkeypatch):
    from kombu.exceptions import OperationalError

    cast = build_cast()
    series = cast.alpha_series
    sent = []

    def broker_down(series_ids):
        sent.append(series_ids)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("measures.recompute.recompute_send", broker_down)

    result = datapoints_write(
        series=series,
        changes=[PointChange(dt.date(2024, 1, 1), 3, 250)],
        by=None,
        source=DataPointRevision.Source.IMPORT,
        today=dt.date(2025, 1, 1),
    )

    assert result.created == 1
    assert sent == [[series.pk]]
    assert DataPoint.objects.filter(series=series, period_start=dt.date(2024, 1, 1)).exists()
    # The sweeper finds it here and sends it again once the broker is back.
    assert RecomputeJob.objects.get(series=series).status == RecomputeJob.Status.PENDING


@pytest.mark.django_db
def test_the_api_answers_when_the_cache_holding_its_rate_limit_is_down(monkeypatch):
    from django.core.cache import cache
    from django.test import Client
    from redis.exceptions import ConnectionError as RedisConnectionError

    from measures.api import api_token_create

    cast = build_cast()
    _, key = api_token_create(team=cast.alpha_series.team, name="t", by=cast.users["lead"])

    def redis_down(*args, **kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(cache, "add", redis_down)
    monkeypatch.setattr(cache, "incr", redis_down)

    response = Client().get("/api/v1/series/", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 200
    assert cast.alpha_series.pk in [s["id"] for s in response.json()["series"]]
