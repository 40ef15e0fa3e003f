"""Caching headers on pages, partials, the API and exports, and the DEBUG default."""

import json

import pytest
from django.urls import reverse

from measures.api import api_token_create
from tests.cast import build_cast
from tests.test_settings import manage

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return build_cast()


def vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",")}


@pytest.mark.parametrize(
    "name, htmx",
    [("team_grid", False), ("team_grid", True), ("team", False)],
)
def test_data_pages_may_not_be_kept_by_a_shared_cache(client, cast, name, htmx):
    client.force_login(cast.users["lead"])
    url = reverse(f"measures:{name}" if name == "team_grid" else name, args=[cast.alpha.pk])

    response = client.get(url, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"
    assert "cookie" in vary(response)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_are_stored_nowhere(client, cast, fmt):
    client.force_login(cast.users["lead"])

    response = client.get(reverse("measures:team_export", args=[cast.alpha.pk, fmt]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    assert "cookie" in vary(response)


def test_the_api_answers_privately_too(client, cast):
    _, key = api_token_create(team=cast.alpha, name="Warehouse", by=cast.users["lead"])

    response = client.get(reverse("measures:api_series"), HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 200 and json.loads(response.content)["series"]
    assert response["Cache-Control"] == "private, no-cache"


def test_a_login_redirect_and_the_login_page_are_not_shared_either(client, cast):
    response = client.get(reverse("team", args=[cast.alpha.pk]))

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize("value, expected", [(None, "False"), ("1", "True"), ("0", "False")])
def test_debug_is_off_unless_asked_for(value, expected):
    env = {} if value is None else {"DEBUG": value}
    code = "from django.conf import settings; print(settings.DEBUG)"

    result = manage("shell", "--no-imports", "-c", code, **env)

    assert result.stdout.split() == [expected], result.stderr
