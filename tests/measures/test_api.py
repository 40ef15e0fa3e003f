"""The token API: push points with the grid's validation and history, read charts, tokens."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from measures.api import api_token_create
from measures.models import ApiToken, DataPoint, DataPointRevision
from tests.cast import build_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return build_cast()


@pytest.fixture
def key(cast):
    _, key = api_token_create(team=cast.alpha, name="Warehouse", by=cast.users["lead"])
    return key


def call(client, method, name, key, body=None, **kwargs):
    url = reverse(f"measures:{name}", kwargs=kwargs)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    if method == "post":
        return client.post(url, json.dumps(body), content_type="application/json", **headers)
    return client.get(url, **headers)


def push(client, key, series, points, **extra):
    return call(client, "post", "api_points", key, {"points": points, **extra}, pk=series.pk)


def test_it_pushes_points_with_history_and_reads_them_back(client, cast, key):
    response = push(
        client,
        key,
        cast.alpha_series,
        [{"period_start": "2024-01-01", "numerator": 3, "denominator": 250}],
        reason="Nightly load",
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    revision = DataPointRevision.objects.get()
    assert revision.source == "api" and revision.reason == "Nightly load"
    assert revision.changed_by == cast.users["lead"]  # who made the token
    points = call(client, "get", "api_points", key, pk=cast.alpha_series.pk).json()["points"]
    assert points == [
        {"period_start": "2024-01-01", "numerator": "3", "denominator": "250", "version": 1}
    ]
    listing = call(client, "get", "api_series", key).json()
    assert {s["id"] for s in listing["series"]} == {
        cast.alpha_series.pk,
        cast.alpha_custom_series.pk,
    }
    chart = call(client, "get", "api_chart", key, pk=cast.alpha_series.pk)
    assert chart.status_code == 200 and "chart" in chart.json()


def test_it_validates_like_the_grid_and_reports_conflicts(client, cast, key):
    bad = push(
        client,
        key,
        cast.alpha_series,
        [{"period_start": "2024-01-01", "numerator": 5, "denominator": 0}],
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == [
        {
            "period_start": "2024-01-01",
            "field": "denominator",
            "reason": "is zero while the numerator is above zero",
        }
    ]
    assert push(client, key, cast.alpha_series, [{"period": "x"}]).status_code == 400
    ok = [{"period_start": "2024-01-01", "numerator": 2, "denominator": 100}]
    assert push(client, key, cast.alpha_series, ok).status_code == 200
    stale = push(client, key, cast.alpha_series, ok, expected_versions={"2024-01-01": 0})
    assert stale.status_code == 409 and stale.json()["periods"] == ["2024-01-01"]
    assert DataPoint.objects.get().version == 1


def test_a_wrong_or_revoked_token_is_refused(client, cast, key):
    point = [{"period_start": "2024-01-01", "numerator": 2, "denominator": 100}]
    assert push(client, None, cast.alpha_series, point).status_code == 401
    assert push(client, key + "x", cast.alpha_series, point).status_code == 401
    assert push(client, "collab_guess", cast.alpha_series, point).status_code == 401
    ApiToken.objects.update(revoked_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    response = push(client, key, cast.alpha_series, point)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert not DataPoint.objects.exists()


def test_a_token_reaches_only_its_own_teams_series(client, cast, key):
    point = [{"period_start": "2024-01-01", "numerator": 2, "denominator": 100}]
    assert push(client, key, cast.beta_series, point).status_code == 404
    assert call(client, "get", "api_chart", key, pk=cast.delta_series.pk).status_code == 404
    assert not DataPoint.objects.exists()


def test_it_is_rate_limited_per_token(client, cast, key, monkeypatch):
    monkeypatch.setattr("measures.api.RATE_LIMIT", 3)
    # The limit counts per clock minute: held still, so that the four requests fall in one
    # minute even when a busy machine takes them across a minute's end.
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    codes = [call(client, "get", "api_series", key).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # The next minute counts afresh.
    monkeypatch.setattr(timezone, "now", lambda: now + dt.timedelta(minutes=1))
    assert call(client, "get", "api_series", key).status_code == 200


def test_the_openapi_description_names_every_path(client):
    doc = client.get(reverse("measures:api_openapi")).json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {
        "/api/v1/series/",
        "/api/v1/series/{id}/points/",
        "/api/v1/series/{id}/chart/",
    }


def test_a_trust_lead_makes_and_revokes_tokens(client, cast):
    url = reverse("measures:api_tokens", kwargs={"pk": cast.alpha.pk})
    client.force_login(cast.users["member"])
    assert client.get(url).status_code == 403
    client.force_login(cast.users["beta_lead"])
    assert client.get(url).status_code == 404
    client.force_login(cast.users["lead"])
    html = client.post(url, {"name": "Warehouse"}).content.decode()
    token = ApiToken.objects.get()
    assert "it will not be shown again" in html and token.prefix in html
    assert token.key_hash not in html
    revoke = reverse(
        "measures:api_token_revoke", kwargs={"pk": cast.alpha.pk, "token_pk": token.pk}
    )
    client.post(revoke)
    token.refresh_from_db()
    assert token.revoked_at is not None
