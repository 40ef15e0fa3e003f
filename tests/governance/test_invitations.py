"""Invitations: nobody invites above their own scope; links expire and work once; accepting
creates the user, their person and the role. Also password reset and deactivation."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from collaboratives.models import Collaborative, Team
from governance import access
from governance.models import Invitation, Person, Role, RoleAssignment
from tests.cast import PASSWORD, build_cast, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return build_cast()


# (inviter, role, scope attribute of the cast or None): may they invite?
SCOPE_RULES = [
    ("falls_manager", Role.TRUST_LEAD, "alpha", True),
    ("falls_manager", Role.TEAM_MEMBER, "beta", True),
    ("falls_manager", Role.CLINICAL_LEAD, "falls", True),
    ("falls_manager", Role.TRUST_LEAD, "gamma", False),  # sepsis: not theirs
    ("falls_manager", Role.CLINICAL_LEAD, "sepsis", False),
    ("falls_manager", Role.IMPROVEMENT_MANAGER, "falls", False),  # their own level
    ("falls_manager", Role.IMPROVEMENT_MANAGER, "east", False),  # above them
    ("falls_manager", Role.AHSN_DIRECTOR, "east", False),
    ("manager", Role.TRUST_LEAD, "gamma", True),
    ("manager", Role.CLINICAL_LEAD, "sepsis", True),
    ("manager", Role.TRUST_LEAD, "delta", False),  # west's collaborative
    ("manager", Role.IMPROVEMENT_MANAGER, "east", False),
    ("manager", Role.AHSN_DIRECTOR, "east", False),
    ("manager", Role.NATIONAL_VIEWER, None, False),
    ("director", Role.IMPROVEMENT_MANAGER, "east", True),
    ("director", Role.IMPROVEMENT_MANAGER, "falls", True),
    ("director", Role.CLINICAL_LEAD, "falls", True),
    ("director", Role.TRUST_LEAD, "alpha", True),
    ("director", Role.IMPROVEMENT_MANAGER, "west", False),
    ("director", Role.AHSN_DIRECTOR, "east", False),
    ("director", Role.NATIONAL_VIEWER, None, False),
    ("faculty", Role.TRUST_LEAD, "alpha", False),
    ("faculty", Role.CLINICAL_LEAD, "falls", False),
    ("lead", Role.TEAM_MEMBER, "alpha", True),
    ("lead", Role.TRUST_LEAD, "alpha", False),
    ("lead", Role.TEAM_MEMBER, "beta", False),
    ("member", Role.TEAM_MEMBER, "alpha", False),
    ("national", Role.TRUST_LEAD, "alpha", False),
    ("national", Role.NATIONAL_VIEWER, None, False),
    ("outsider", Role.TEAM_MEMBER, "alpha", False),
]


def _scope(cast, name):
    if name is None:
        return {}
    obj = getattr(cast, name)
    kind = {"east": "ahsn", "west": "ahsn"}.get(name) or (
        "team" if isinstance(obj, Team) else "collaborative"
    )
    return {kind: obj}


@pytest.mark.parametrize(("inviter", "role", "scope", "allowed"), SCOPE_RULES)
def test_nobody_invites_above_their_own_scope(cast, inviter, role, scope, allowed):
    assert access.can_invite(cast.users[inviter], role, **_scope(cast, scope)) is allowed


def test_the_form_offers_exactly_the_roles_the_rules_allow(cast):
    options = access.invitation_options(cast.users["falls_manager"])

    assert sorted(o.label for o in options) == [
        "Clinical lead (faculty), Falls",
        "Team member, Alpha Hospitals (Falls)",
        "Team member, Beta Hospitals (Falls)",
        "Trust lead, Alpha Hospitals (Falls)",
        "Trust lead, Beta Hospitals (Falls)",
    ]


def test_nothing_is_invited_into_a_closed_collaborative_or_a_withdrawn_team(cast):
    Team.objects.filter(pk=cast.beta.pk).update(status="withdrawn", withdrawn_on=dt.date.today())
    beta = Team.objects.get(pk=cast.beta.pk)
    assert not access.can_invite(cast.users["manager"], Role.TRUST_LEAD, team=beta)
    Collaborative.objects.filter(pk=cast.falls.pk).update(phase="closed")
    falls = Collaborative.objects.get(pk=cast.falls.pk)
    assert not access.can_invite(cast.users["manager"], Role.CLINICAL_LEAD, collaborative=falls)


def test_a_forged_choice_above_scope_is_refused(cast):
    client = client_for(cast.users["falls_manager"])
    response = client.post(
        "/invitations/new/",
        {"name": "Eve", "email": "eve@nhs.net", "role_scope": f"ahsn_director:ahsn:{cast.east.pk}"},
    )
    assert "Choose one of the roles you may invite to" in response.content.decode()
    assert not Invitation.objects.exists()
    assert client_for(cast.users["faculty"]).get("/invitations/new/").status_code == 403


def invite(cast, email="tara@nhs.net"):
    client = client_for(cast.users["falls_manager"])
    response = client.post(
        "/invitations/new/",
        {"name": "Tara Lead", "email": email, "role_scope": f"trust_lead:team:{cast.alpha.pk}"},
    )
    assert response.status_code == 302, response.content.decode()
    return re.search(r"https?://\S+/invitations/(\S+)/", mail.outbox[-1].body).group(0)


def test_accepting_sets_a_password_and_creates_user_person_and_role(cast):
    link = invite(cast)
    invitation = Invitation.objects.get()
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert mail.outbox[-1].to == ["tara@nhs.net"]
    assert token not in invitation.token_hash  # only the hash is kept
    client = Client()

    mismatch = client.post(
        link, {"new_password1": "a-good-long-pass", "new_password2": "another-one"}
    )
    assert "The two passwords do not match" in mismatch.content.decode()
    short = client.post(link, {"new_password1": "abc", "new_password2": "abc"})
    assert "This password is too short" in short.content.decode()
    done = client.post(
        link, {"new_password1": "a-good-long-pass", "new_password2": "a-good-long-pass"}
    )

    assert done.status_code == 302 and done["Location"] == "/login/"
    user = User.objects.get(username="tara@nhs.net")
    assert user.check_password("a-good-long-pass")
    person = Person.objects.get(user=user)
    assert (person.name, person.organisation) == ("Tara Lead", cast.alpha.organisation)
    assert RoleAssignment.objects.filter(person=person, role="trust_lead", team=cast.alpha).exists()
    assert Client().login(username="tara@nhs.net", password="a-good-long-pass")
    # The link works once.
    again = Client().get(link)
    assert again.status_code == 410
    assert "used already" in again.content.decode()


def test_an_expired_invitation_link_does_not_work(cast):
    link = invite(cast)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = Client().post(link, {"new_password1": "a-good-long-pass", "new_password2": "x"})

    assert response.status_code == 410
    assert "It expired on" in response.content.decode()
    assert not User.objects.filter(username="tara@nhs.net").exists()
    assert Client().get("/invitations/not-a-token/").status_code == 410


def test_inviting_an_email_that_has_an_account_answers_as_for_any_other(cast):
    # The form no longer says "already has an account" (that told any inviter who has
    # one): it answers the same, and the account's owner is asked to add the role.
    User.objects.create_user("taken@nhs.net", email="taken@nhs.net")
    client = client_for(cast.users["falls_manager"])
    answers = []
    for email in ("taken@nhs.net", "free@nhs.net"):
        response = client.post(
            "/invitations/new/",
            {"name": "T", "email": email, "role_scope": f"trust_lead:team:{cast.alpha.pk}"},
            follow=True,
        )
        html = response.content.decode().replace(email, "EMAIL")
        # Less what differs on every page: the CSP nonce and the masked CSRF token.
        answers.append(
            re.sub(r'(nonce=|CSRFToken": |csrfmiddlewaretoken" value=)"[^"]*"', "", html)
        )
    assert answers[0] == answers[1]
    assert "already has an account" not in answers[0]
    assert [m.to for m in mail.outbox] == [["taken@nhs.net"], ["free@nhs.net"]]


def test_a_password_reset_email_lets_the_user_choose_a_new_password(cast):
    user = cast.users["lead"]
    user.email = "lead@nhs.net"
    user.save()

    response = Client().post("/password-reset/", {"email": "lead@nhs.net"})

    assert response["Location"] == "/password-reset/sent/"
    link = re.search(r"https?://\S+/password-reset/\S+/\S+/", mail.outbox[-1].body).group(0)
    client = Client()
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-fresh-long-pass", "new_password2": "a-fresh-long-pass"},
    )
    assert done["Location"] == "/password-reset/done/"
    assert Client().login(username="lead", password="a-fresh-long-pass")


def test_a_manager_deactivates_a_trust_lead_but_not_above_their_scope(cast):
    manager = client_for(cast.users["falls_manager"])
    lead, director = cast.users["lead"], cast.users["director"]

    assert "Deactivate" in manager.get(f"/teams/{cast.alpha.pk}/").content.decode()
    assert manager.post(f"/users/{lead.pk}/deactivate/").status_code == 302
    assert manager.post(f"/users/{director.pk}/deactivate/").status_code == 404
    lead.refresh_from_db()
    director.refresh_from_db()
    assert (lead.is_active, director.is_active) == (False, True)
    assert not Client().login(username="lead", password=PASSWORD)
    # A trust lead may not deactivate a peer at their own level.
    beta_lead = client_for(cast.users["beta_lead"])
    assert beta_lead.post(f"/users/{cast.users['member'].pk}/deactivate/").status_code == 404


def test_the_footer_links_the_accessibility_statement_and_privacy_notice(cast):
    client = Client()
    for url, heading in (
        ("/accessibility/", "Accessibility statement for Collab"),
        ("/privacy/", "Privacy notice"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert heading in response.content.decode()
    login = client.get("/login/").content.decode()
    assert 'href="/accessibility/">Accessibility statement</a>' in login
    assert 'href="/privacy/">Privacy notice</a>' in login
    assert 'href="/password-reset/">Forgotten your password?</a>' in login


def test_those_who_may_invite_see_the_pending_invitations_they_may_manage(cast):
    invite(cast)  # the falls manager invites a trust lead for alpha
    mine = Invitation.objects.get()
    others = Invitation.objects.create(
        email="west@nhs.net",
        name="West Lead",
        role=Role.TRUST_LEAD,
        team=cast.delta,
        token_hash="1" * 64,
        expires_at=timezone.now() + dt.timedelta(days=3),
    )
    Invitation.objects.create(  # expired: nothing to manage
        email="late@nhs.net",
        name="Late Lead",
        role=Role.TRUST_LEAD,
        team=cast.alpha,
        token_hash="2" * 64,
        expires_at=timezone.now() - dt.timedelta(days=1),
    )

    for who, sees in [("falls_manager", [mine]), ("director", [mine]), ("lead", [])]:
        html = client_for(cast.users[who]).get("/invitations/").content.decode()
        assert ("tara@nhs.net" in html) == (mine in sees), who
        assert "west@nhs.net" not in html and "late@nhs.net" not in html, who
        assert access.invitations_to_manage(cast.users[who]) == sees
    assert client_for(cast.users["faculty"]).get("/invitations/").status_code == 403
    assert client_for(cast.users["lead"]).get(f"/invitations/{others.pk}/revoke/").status_code == (
        404
    )


def test_revoking_asks_to_confirm_then_the_link_says_it_is_no_longer_valid(cast):
    link = invite(cast)
    invitation = Invitation.objects.get()
    manager = client_for(cast.users["falls_manager"])
    url = f"/invitations/{invitation.pk}/revoke/"

    confirm = manager.get(url)
    assert confirm.status_code == 200
    assert "Revoke the invitation to tara@nhs.net?" in confirm.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None  # looking at the confirmation changes nothing

    done = manager.post(url)
    assert done.status_code == 302 and done["Location"] == "/invitations/"
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert invitation.revoked_by == cast.users["falls_manager"]
    listed = manager.get("/invitations/").content.decode()
    assert "revoked. Its link no longer works." in listed
    assert "No invitations are waiting" in listed

    gone = Client().post(link, {"new_password1": "a-good-long-pass", "new_password2": "x"})
    assert gone.status_code == 410
    assert "no longer valid" in gone.content.decode()
    assert not User.objects.filter(username="tara@nhs.net").exists()
    # Revoked, it is no longer there to revoke.
    assert manager.post(url).status_code == 404


def test_revoking_needs_a_csrf_token(cast):
    invite(cast)
    invitation = Invitation.objects.get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.users["falls_manager"])
    assert client.post(f"/invitations/{invitation.pk}/revoke/").status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_the_collaborative_page_links_its_inviters_to_the_pending_invitations(cast):
    page = f"/collaboratives/{cast.falls.pk}/"
    html = client_for(cast.users["falls_manager"]).get(page).content.decode()
    assert 'href="/invitations/"' in html
    faculty = client_for(cast.users["faculty"]).get(page).content.decode()
    assert 'href="/invitations/"' not in faculty
