"""People and the roles they hold.

A Person is anyone the product names: a team's lead, a senior sponsor who never logs in,
a member who attended a learning session. Those who log in have a Django user too.
What each role may do is decided in `governance/access.py`, never here.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from governance.history import AppendOnly


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


def _scope_key(model: str, related_name: str):
    """The collaborative or team a role is held in (each model names its reverse accessor)."""
    return models.ForeignKey(
        model, on_delete=models.CASCADE, null=True, blank=True, related_name=related_name
    )


class RoleInScope(models.Model):
    """Abstract: a role and its scope, none (England), an AHSN, a collaborative or a team.

    Held by a `RoleAssignment`, offered by an `Invitation`; `ROLE_SCOPES` is the constraint
    each puts on its rows. The collaborative and the team are `_scope_key`s declared by
    each model, so that each keeps its reverse accessor (`team.role_assignments`,
    `team.invitations`)."""

    role = models.CharField(max_length=32, choices=Role.choices)
    ahsn = models.ForeignKey(
        "collaboratives.AHSN", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def scope(self):
        return self.ahsn or self.collaborative or self.team or "England"


class RoleAssignment(RoleInScope):
    """One role held by one person in one scope: none, an AHSN, a collaborative or a team."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    collaborative = _scope_key("collaboratives.Collaborative", "role_assignments")
    team = _scope_key("collaboratives.Team", "role_assignments")
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
        return f"{self.person}: {self.get_role_display()} ({self.scope})"


class InvitationQuerySet(models.QuerySet):
    def pending(self, now=None):
        """Sent and still usable: not accepted, not revoked, not expired."""
        return self.filter(
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now or timezone.now(),
        )


class Invitation(RoleInScope):
    """An emailed invitation to take one role in one scope.

    The link carries a random token; only its SHA-256 is stored, so a copy of the
    database cannot be used to accept anyone's invitation. Accepting creates the user,
    their Person and the RoleAssignment (`governance.invitations.invitation_accept`).
    """

    email = models.EmailField()
    name = models.CharField(max_length=200)
    collaborative = _scope_key("collaboratives.Collaborative", "invitations")
    team = _scope_key("collaboratives.Team", "invitations")
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
    # Withdrawn by someone who may manage it (governance.access.can_manage_invitation):
    # its link then says the invitation is no longer valid.
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=ROLE_SCOPES, name="invitation_scope_fits_role"),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_role_display()} ({self.scope})"


# --- The audit trail ----------------------------------------------------------------------


class AuditAction(models.TextChoices):
    CREATE = "create", "Added"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"


class AuditSource(models.TextChoices):
    WEB = "web", "Web"
    ADMIN = "admin", "Admin"
    API = "api", "API"
    IMPORT = "import", "Spreadsheet import"
    TASK = "task", "Background task"
    COMMAND = "command", "Command line"


def _kept(model: str):
    """A reference that outlives what it points at: the history keeps the id of a deleted
    collaborative or a removed user, and deleting them never touches the history."""
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )


class AuditEntry(AppendOnly):
    """One change to one row that matters: who, when, from where, what before and after.

    Append-only: written by `governance.audit` as rows are saved or deleted, never
    edited or deleted through the app (the model, its QuerySet and the admin refuse).
    `ahsn`, `collaborative` and `team` say whose trail the entry is in, as they were when
    it was written, so that the trail is read through the access rules.
    """

    Action = AuditAction
    Source = AuditSource

    at = models.DateTimeField()
    actor = _kept(settings.AUTH_USER_MODEL)
    actor_name = models.CharField(max_length=200, blank=True, help_text="As it was then.")
    action = models.CharField(max_length=8, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60, help_text="app_label.model")
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=300)
    ahsn = _kept("collaboratives.AHSN")
    collaborative = _kept("collaboratives.Collaborative")
    team = _kept("collaboratives.Team")
    changes = models.JSONField(
        default=dict, help_text='{"field": [before, after]}; null where there was none.'
    )
    reason = models.TextField(blank=True)
    source = models.CharField(max_length=8, choices=AuditSource.choices)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["collaborative", "-at"], name="audit_collaborative_at"),
            models.Index(fields=["ahsn", "-at"], name="audit_ahsn_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AuditAction.values), name="audit_action_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=AuditSource.values), name="audit_source_valid"
            ),
        ]

    def __str__(self) -> str:
        who = self.actor_name or "system"
        return f"{self.at:%Y-%m-%d %H:%M} {who}: {self.action} {self.object_repr}"
