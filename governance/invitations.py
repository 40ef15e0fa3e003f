"""Invitations: who may invite whom is in governance/access.py; this sends and accepts them.

The emailed link carries a random token; the database keeps only its SHA-256, so the
link works once and a copy of the database accepts nothing. Links expire after
`EXPIRES_AFTER`.

Inviting an email that already has an account adds a role to that account: the email
says so, and its link asks the person to log in and accept (`invitation_add_role`). The
inviter is told the same either way, so the form does not reveal who has an account.
"""

import datetime as dt
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from governance import audit
from governance.models import Invitation, Person, RoleAssignment

EXPIRES_AFTER = dt.timedelta(days=7)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(*, option, email: str, name: str, invited_by, request) -> Invitation:
    """Store the invitation and email its link. `option` comes from access.invitation_options."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email.lower(),
        name=name,
        role=option.role,
        token_hash=_hash(token),
        invited_by=invited_by,
        expires_at=timezone.now() + EXPIRES_AFTER,
        **option.scope,
    )
    link = request.build_absolute_uri(reverse("invitation_accept", args=[token]))
    inviter = getattr(getattr(invited_by, "person", None), "name", "") or invited_by.get_username()
    context = {
        "invitation": invitation,
        "link": link,
        "inviter": inviter,
        "existing": account_for(invitation.email) is not None,
    }
    send_mail(
        subject=f"{inviter} invited you to Collab",
        message=render_to_string("governance/invitation_email.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
    return invitation


def invitation_find(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("team__organisation", "collaborative", "ahsn")
        .filter(token_hash=_hash(token))
        .first()
    )


def is_usable(invitation: Invitation, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        invitation.accepted_at is None
        and invitation.revoked_at is None
        and invitation.expires_at > now
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by) -> bool:
    """Withdraw a pending invitation so its link no longer works; False if it was already
    accepted, revoked or expired (nothing to withdraw). Who may: access.can_manage_invitation."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not is_usable(locked):
        return False
    locked.revoked_at = timezone.now()
    locked.revoked_by = by
    locked.save(update_fields=["revoked_at", "revoked_by"])
    invitation.revoked_at, invitation.revoked_by = locked.revoked_at, by
    return True


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user):
    """Create the (unsaved, password set) `user`, their Person and the invited role.

    A Person already recorded with this email and no login (a team member, say) gets the
    login, so that they are not listed twice.
    """
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not is_usable(locked):
        raise ValueError("This invitation has been used or has expired")
    user.username = user.email = invitation.email
    # The new user acts for themself: the audit trail names them as taking the role.
    with audit.acting_as(user):
        user.save()
        _accept(locked, invitation, user)
    return user


@transaction.atomic
def invitation_add_role(*, invitation: Invitation, user) -> None:
    """Give the existing account `user` (the invited email's, signed in) the invited role."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not is_usable(locked):
        raise ValueError("This invitation has been used or has expired")
    if account_for(invitation.email) != user:
        raise ValueError("This invitation is for another account")
    with audit.acting_as(user):
        _accept(locked, invitation, user)


def _accept(locked: Invitation, invitation: Invitation, user) -> None:
    person = Person.objects.filter(user=user).first() or (
        Person.objects.filter(email__iexact=invitation.email, user__isnull=True).first()
    )
    if person is None:
        organisation = invitation.team.organisation if invitation.team else None
        person = Person(name=invitation.name, email=invitation.email, organisation=organisation)
    person.user = user
    person.save()
    RoleAssignment.objects.get_or_create(
        person=person,
        role=invitation.role,
        ahsn=invitation.ahsn,
        collaborative=invitation.collaborative,
        team=invitation.team,
    )
    locked.accepted_at = timezone.now()
    locked.accepted_by = user
    locked.save(update_fields=["accepted_at", "accepted_by"])


def account_for(email: str):
    """The account whose username or email is `email`, or None: the one an invitation to
    `email` adds its role to."""
    return (
        get_user_model()
        .objects.filter(Q(username__iexact=email) | Q(email__iexact=email))
        .order_by("pk")
        .first()
    )
