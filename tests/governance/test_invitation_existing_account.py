"""Adding a role to an existing user: an invitation to an email that has an account asks
its owner to log in and accept; a second pending invitation to a new email works too."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from governance.models import Invitation, RoleAssignment
from tests.cast import PASSWORD, build_cast, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return build_cast()


def invite(cast, email, role_scope):
    client = client_for(cast.users["falls_manager"])
    response = client.post(
        "/invitations/new/", {"name": "Tara Lead", "email": email, "role_scope": role_scope}
    )
    assert response.status_code == 302, response.content.decode()
    return re.search(r"https?://\S+(/invitations/\S+/)", mail.outbox[-1].body).group(1)


def test_an_existing_user_is_emailed_and_adds_the_role_after_logging_in(cast):
    beta_lead = cast.users["beta_lead"]
    beta_lead.email = "beta.lead@nhs.net"
    beta_lead.save()

    link = invite(cast, "Beta.Lead@nhs.net", f"team_member:team:{cast.alpha.pk}")

    assert "You already have a Collab account" in mail.outbox[-1].body
    anonymous = Client().get(link)
    assert anonymous.status_code == 200
    assert "Log in to accept" in anonymous.content.decode()
    assert f"/login/?next={link}" in anonymous.content.decode()
    someone_else = client_for(cast.users["member"])
    assert someone_else.post(link).status_code == 200  # shown the page, nothing added
    assert not RoleAssignment.objects.filter(team=cast.alpha, person__user=beta_lead).exists()

    client = Client()
    assert client.login(username="beta_lead", password=PASSWORD)
    assert "Add the role to my account" in client.get(link).content.decode()
    response = client.post(link)

    assert response.status_code == 302
    roles = RoleAssignment.objects.filter(person__user=beta_lead)
    assert {(r.role, r.team_id) for r in roles} == {
        ("trust_lead", cast.beta.pk),
        ("team_member", cast.alpha.pk),
    }
    assert Invitation.objects.get().accepted_by == beta_lead
    assert client.post(link).status_code == 410  # once only


def test_accepting_a_second_pending_invitation_for_the_same_email_adds_its_role(cast):
    first = invite(cast, "new@nhs.net", f"trust_lead:team:{cast.alpha.pk}")
    second = invite(cast, "new@nhs.net", f"clinical_lead:collaborative:{cast.falls.pk}")
    passwords = {"new_password1": "a-good-long-pass", "new_password2": "a-good-long-pass"}
    assert Client().post(first, passwords).status_code == 302

    anonymous = Client().post(second, passwords)  # the account exists now: no 500

    assert anonymous.status_code == 200
    assert "Log in to accept" in anonymous.content.decode()
    assert User.objects.filter(username="new@nhs.net").count() == 1
    client = Client()
    assert client.login(username="new@nhs.net", password="a-good-long-pass")
    assert client.post(second).status_code == 302
    roles = RoleAssignment.objects.filter(person__user__username="new@nhs.net")
    assert {r.role for r in roles} == {"trust_lead", "clinical_lead"}
