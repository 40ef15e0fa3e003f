"""People and the roles they hold.

A Person is anyone the product names: a team's lead, a senior sponsor who never logs in,
a member who attended a learning session. Those who log in have a Django user too.
What each role may do is decided in `governance/access.py`, never here.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Person(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(
        "collaboratives.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        help_text="Only for people who log in; most senior sponsors never do.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    NATIONAL_VIEWER = "national_viewer", "National viewer"
    AHSN_DIRECTOR = "ahsn_director", "AHSN director"
    IMPROVEMENT_MANAGER = "improvement_manager", "Improvement manager"
    CLINICAL_LEAD = "clinical_lead", "Clinical lead (faculty)"
    TRUST_LEAD = "trust_lead", "Trust lead"
    TEAM_MEMBER = "team_member", "Team member"


def _scope(*, ahsn: bool, collaborative: bool, team: bool) -> Q:
    return Q(
        ahsn__isnull=not ahsn,
        collaborative__isnull=not collaborative,
        team__isnull=not team,
    )


# Which scope each role is held in (DESIGN.md and issue 2's role table).
ROLE_SCOPES = Q(role=Role.NATIONAL_VIEWER) & _scope(ahsn=False, collaborative=False, team=False)
ROLE_SCOPES |= Q(role=Role.AHSN_DIRECTOR) & _scope(ahsn=True, collaborative=False, team=False)
ROLE_SCOPES |= Q(role=Role.IMPROVEMENT_MANAGER) & (
    _scope(ahsn=True, collaborative=False, team=False)
    | _scope(ahsn=False, collaborative=True, team=False)
)
ROLE_SCOPES |= Q(role=Role.CLINICAL_LEAD) & _scope(ahsn=False, collaborative=True, team=False)
ROLE_SCOPES |= Q(role__in=[Role.TRUST_LEAD, Role.TEAM_MEMBER]) & _scope(
    ahsn=False, collaborative=False, team=True
)


class RoleAssignment(models.Model):
    """One role held by one person in one scope: none, an AHSN, a collaborative or a team."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=32, choices=Role.choices)
    ahsn = models.ForeignKey(
        "collaboratives.AHSN", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    collaborative = models.ForeignKey(
        "collaboratives.Collaborative",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
    )
    team = models.ForeignKey(
        "collaboratives.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person__name", "role"]
        constraints = [
            models.CheckConstraint(condition=ROLE_SCOPES, name="role_assignment_scope_fits_role"),
            models.UniqueConstraint(
                fields=["person", "role"],
                condition=Q(ahsn__isnull=True, collaborative__isnull=True, team__isnull=True),
                name="role_assignment_unique_national",
            ),
            models.UniqueConstraint(
                fields=["person", "role", "ahsn"],
                condition=Q(ahsn__isnull=False),
                name="role_assignment_unique_ahsn",
            ),
            models.UniqueConstraint(
                fields=["person", "role", "collaborative"],
                condition=Q(collaborative__isnull=False),
                name="role_assignment_unique_collaborative",
            ),
            models.UniqueConstraint(
                fields=["person", "role", "team"],
                condition=Q(team__isnull=False),
                name="role_assignment_unique_team",
            ),
        ]

    def __str__(self) -> str:
        scope = self.ahsn or self.collaborative or self.team or "England"
        return f"{self.person}: {self.get_role_display()} ({scope})"


class Invitation(models.Model):
    """An emailed invitation to take one role in one scope.

    The link carries a random token; only its SHA-256 is stored, so a copy of the
    database cannot be used to accept anyone's invitation. Accepting creates the user,
    their Person and the RoleAssignment (`governance.invitations.invitation_accept`).
    """

    email = models.EmailField()
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=32, choices=Role.choices)
    ahsn = models.ForeignKey(
        "collaboratives.AHSN", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    collaborative = models.ForeignKey(
        "collaboratives.Collaborative",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
    )
    team = models.ForeignKey(
        "collaboratives.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=ROLE_SCOPES, name="invitation_scope_fits_role"),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_role_display()} ({self.scope})"

    @property
    def scope(self):
        return self.ahsn or self.collaborative or self.team or "England"
