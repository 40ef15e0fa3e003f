"""An API token works only while its maker is active and still holds the role that made it."""

import json

import pytest
from django.urls import reverse

from governance.models import RoleAssignment
from measures.api import api_token_create
from measures.models import DataPoint, DataPointRevision
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

POINT = {"period_start": "2024-01-01", "numerator": 3, "denominator": 250}


@pytest.fixture
def cast():
    return build_cast()


def push(client, key, series):
    return client.post(
        reverse("measures:api_points", kwargs={"pk": series.pk}),
        json.dumps({"points": [POINT]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def read(client, key):
    return client.get(reverse("measures:api_series"), HTTP_AUTHORIZATION=f"Bearer {key}")


def test_it_refuses_a_token_whose_maker_was_deactivated(client, cast):
    lead = cast.users["lead"]
    _, key = api_token_create(team=cast.alpha, name="Warehouse", by=lead)
    assert read(client, key).status_code == 200

    lead.is_active = False
    lead.save(update_fields=["is_active"])

    assert read(client, key).status_code == 401
    assert push(client, key, cast.alpha_series).status_code == 401
    assert not DataPoint.objects.exists() and not DataPointRevision.objects.exists()


def test_it_refuses_a_token_whose_maker_lost_the_teams_lead_role(client, cast):
    lead = cast.users["lead"]
    _, key = api_token_create(team=cast.alpha, name="Warehouse", by=lead)

    RoleAssignment.objects.filter(person__user=lead, team=cast.alpha).delete()

    assert read(client, key).status_code == 401
    assert push(client, key, cast.alpha_series).status_code == 401
    assert not DataPoint.objects.exists()


def test_a_lead_moved_to_another_team_no_longer_holds_the_old_teams_token(client, cast):
    lead = cast.users["lead"]
    _, key = api_token_create(team=cast.alpha, name="Warehouse", by=lead)

    RoleAssignment.objects.filter(person__user=lead).update(team=cast.beta)

    assert read(client, key).status_code == 401


def test_a_manager_made_token_works_while_they_run_the_collaborative(client, cast):
    manager = cast.users["falls_manager"]
    _, key = api_token_create(team=cast.alpha, name="Warehouse", by=manager)
    assert push(client, key, cast.alpha_series).status_code == 200
    assert DataPointRevision.objects.get().changed_by == manager

    RoleAssignment.objects.filter(person__user=manager).delete()

    assert read(client, key).status_code == 401


def test_the_tokens_page_says_which_tokens_stopped_with_their_maker(client, cast):
    api_token_create(team=cast.alpha, name="Warehouse", by=cast.users["lead"])
    manager = cast.users["falls_manager"]
    client.force_login(manager)
    page = reverse("measures:api_tokens", args=[cast.alpha.pk])
    assert "Stopped:" not in client.get(page).content.decode()

    cast.users["lead"].is_active = False
    cast.users["lead"].save()

    assert "Stopped: the person who made it no longer leads the team" in (
        client.get(page).content.decode()
    )
