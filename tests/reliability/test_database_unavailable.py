"""When the database cannot be reached, a page says so with 503, never a traceback or a 500."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client

from tests.cast import build_cast


def _database_gone(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')


@pytest.mark.django_db
def test_a_page_answers_503_with_a_try_again_page_when_the_database_is_gone(monkeypatch):
    cast = build_cast()
    client = Client(raise_request_exception=False)
    client.force_login(cast.users["lead"])
    monkeypatch.setattr(SessionStore, "load", _database_gone)

    response = client.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Sorry, the service is unavailable" in body
    assert "Try again in a minute" in body
    assert "Traceback" not in body and "OperationalError" not in body


@pytest.mark.django_db
def test_the_api_answers_503_in_json_when_the_database_is_gone(monkeypatch):
    monkeypatch.setattr("governance.access.api_token_for", _database_gone)
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/series/", HTTP_AUTHORIZATION="Bearer collab_x")

    assert response.status_code == 503
    assert response.json() == {
        "error": "The service is briefly unavailable. Try again in a minute."
    }


@pytest.mark.django_db
def test_any_other_error_is_still_the_ordinary_500_page(monkeypatch):
    cast = build_cast()
    client = Client(raise_request_exception=False)
    client.force_login(cast.users["lead"])

    def broken(*args, **kwargs):
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(SessionStore, "load", broken)

    response = client.get("/")

    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
