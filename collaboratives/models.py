"""AHSNs, member organisations, topics, collaboratives and the improvement work in them.

Ordinary users archive rather than delete: rows that others point at are protected
(`on_delete=PROTECT`), and the `archived_at` columns hide them from everyday lists.
Who may see which rows is written once, as Q-builders in `governance/scopes.py`; each
QuerySet's `visible_to(user)` here applies its model's builder. What a user may do to one
object is `governance/access.py`'s, which sits above these models.
"""

import random
import string
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from collaboratives.scopes import of_ahsns_q
from governance import scopes
from governance.history import AppendOnly


class VisibleQuerySet(models.QuerySet):
    """The QuerySets of the models the access rules guard: each subclass's `visible_to(user)`
    keeps the rows the user may read, by its model's Q-builder in governance.scopes."""

    def visible_to(self, user):
        raise TypeError(f"The access module has no rule for {self.model.__name__}")


class AHSN(models.Model):
    """An academic health science network (a health innovation network since 2023).

    `name` is the name it was founded under and stays its key; every page, report and file
    shows `current_name`, so one network is never called by two names.
    """

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=200, unique=True)
    later_name = models.CharField(max_length=200, blank=True)
    nhs_region = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = "AHSN"
        verbose_name_plural = "AHSNs"

    def __str__(self) -> str:
        return self.current_name

    @property
    def current_name(self) -> str:
        """The name it goes by now: its health innovation network name where it has one."""
        return self.later_name or self.name


class OrganisationKind(models.TextChoices):
    ACUTE = "acute", "Acute trust"
    MENTAL_HEALTH = "mental_health", "Mental health trust"
    COMMUNITY = "community", "Community trust"
    AMBULANCE = "ambulance", "Ambulance trust"
    PRIMARY_CARE = "primary_care", "Primary care"
    CARE_HOME = "care_home", "Care home"
    ICS = "ics", "Integrated care system"
    OTHER = "other", "Other"


class Organisation(models.Model):
    Kind = OrganisationKind

    ods_code = models.CharField("ODS code", max_length=10, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ahsn = models.ForeignKey(
        AHSN,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        help_text="The network whose region the organisation is in.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OrganisationKind.values), name="organisation_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(ods_code=""), name="organisation_ods_code_set"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"


class TopicKind(models.TextChoices):
    NATIONAL = "national", "National programme"
    LOCAL = "local", "Local priority"


class Topic(models.Model):
    Kind = TopicKind

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LOCAL)
    evidence_summary = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TopicKind.values), name="topic_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class RuleConvention(models.TextChoices):
    MDC = "mdc", "NHS England Making Data Count"
    ANHOEJ = "anhoej", "Anhøj rules (qicharts2)"
    IHI = "ihi", "IHI run chart rules (Perla, Provost & Murray)"


class CollaborativePhase(models.TextChoices):
    PREPARATION = "preparation", "Preparation"
    ACTIVE = "active", "Active"
    SUSTAIN = "sustain", "Sustain and spread"
    CLOSED = "closed", "Closed"


class CollaborativeQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        return scopes.visible(self, user, scopes.collaboratives_q)

    def of_ahsn(self, ahsn):
        """The AHSN's collaboratives: those it leads or partners in (`scopes.of_ahsns_q`)."""
        return self.filter(of_ahsns_q([ahsn])).distinct()


class Collaborative(models.Model):
    Phase = CollaborativePhase

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    lead_ahsn = models.ForeignKey(AHSN, on_delete=models.PROTECT, related_name="collaboratives")
    partner_ahsns = models.ManyToManyField(AHSN, blank=True, related_name="partner_collaboratives")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="collaboratives")
    aim_statement = models.TextField(help_text="What, how much, by when.")
    phase = models.CharField(max_length=12, choices=Phase.choices, default=Phase.PREPARATION)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    rule_convention = models.CharField(
        max_length=8, choices=RuleConvention.choices, default=RuleConvention.MDC
    )
    # Making Data Count lets a collaborative choose 6 instead of 7 points for shift and trend.
    shift_length = models.PositiveSmallIntegerField(
        default=7, choices=[(6, "6 points"), (7, "7 points")], help_text="mdc convention only."
    )
    trend_length = models.PositiveSmallIntegerField(
        default=7, choices=[(6, "6 points"), (7, "7 points")], help_text="mdc convention only."
    )
    members_named_by_default = models.BooleanField(
        default=False,
        help_text="Whether member organisations are named to each other unless they decline.",
    )
    data_due_days = models.PositiveSmallIntegerField(
        "data due after",
        default=10,
        help_text="Days after a reporting period ends that its data is due.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CollaborativeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(phase__in=CollaborativePhase.values), name="collaborative_phase_valid"
            ),
            models.CheckConstraint(
                condition=Q(rule_convention__in=RuleConvention.values),
                name="collaborative_rule_convention_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="collaborative_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(shift_length__in=[6, 7], trend_length__in=[6, 7]),
                name="collaborative_rule_lengths_6_or_7",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_read_only(self) -> bool:
        return self.phase == self.Phase.CLOSED

    def current_stretch_target(self):
        return self.stretch_targets.order_by("-set_at", "-id").first()


class StretchTarget(AppendOnly):
    """One setting of a collaborative's stretch target; the newest row is in force.

    Rows are never edited: a change adds a row with its reason, so anyone can see
    whether the target was set early or moved later.
    """

    collaborative = models.ForeignKey(
        Collaborative, on_delete=models.CASCADE, related_name="stretch_targets"
    )
    measure = models.ForeignKey(
        "measures.Measure", on_delete=models.PROTECT, related_name="stretch_targets"
    )
    baseline_value = models.DecimalField(max_digits=14, decimal_places=4)
    baseline_period_start = models.DateField()
    baseline_period_end = models.DateField()
    target_value = models.DecimalField(max_digits=14, decimal_places=4)
    target_date = models.DateField()
    reason = models.TextField()
    set_at = models.DateTimeField()
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["collaborative", "-set_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline_period_end__gte=F("baseline_period_start")),
                name="stretch_target_baseline_period_ordered",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="stretch_target_reason_given"),
        ]

    def __str__(self) -> str:
        return f"{self.collaborative}: {self.measure} to {self.target_value} by {self.target_date}"


class PhaseChange(AppendOnly):
    """One move of a collaborative from one phase to another, on a date. Append-only."""

    collaborative = models.ForeignKey(
        Collaborative, on_delete=models.CASCADE, related_name="phase_changes"
    )
    from_phase = models.CharField(max_length=12, choices=CollaborativePhase.choices)
    to_phase = models.CharField(max_length=12, choices=CollaborativePhase.choices)
    moved_on = models.DateField()
    moved_at = models.DateTimeField(auto_now_add=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["collaborative", "moved_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_phase__in=CollaborativePhase.values)
                & Q(to_phase__in=CollaborativePhase.values),
                name="phase_change_phases_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.collaborative}: {self.from_phase} to {self.to_phase} on {self.moved_on}"


def pseudonym_labels(seed: str):
    """The labels a collaborative's teams are known by to their peers ("Team C"), in the
    order `Team.save` hands them out: the 26 letters shuffled by `seed` (the collaborative's
    slug), then AA, AB and so on. Whoever creates teams in bulk (the demo seed, where
    `save` does not run) gives the n-th team the n-th label, so its teams carry the same
    pseudonyms as teams added one by one."""
    letters = list(string.ascii_uppercase)
    random.Random(seed).shuffle(letters)
    yield from letters
    for first in string.ascii_uppercase:
        for second in string.ascii_uppercase:
            yield first + second


class TeamQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        return scopes.visible(self, user, scopes.teams_q)

    def active(self):
        return self.filter(status=Team.Status.ACTIVE)


class TeamStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Team(models.Model):
    """One organisation's (or one unit's) participation in a collaborative."""

    Status = TeamStatus

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="teams")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    unit = models.CharField(max_length=200, blank=True, help_text="A ward or service, if any.")
    lead = models.ForeignKey(
        "governance.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams_led",
    )
    senior_sponsor = models.ForeignKey(
        "governance.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams_sponsored",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    consents_to_be_named = models.BooleanField(
        null=True,
        blank=True,
        help_text="Empty: the collaborative's default applies.",
    )
    pseudonym = models.CharField(max_length=20, help_text='How peers see the team: "Team C".')
    joined_on = models.DateField()
    withdrawn_on = models.DateField(null=True, blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["collaborative", "organisation__name", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["collaborative", "organisation", "unit"],
                name="team_unique_in_collaborative",
            ),
            models.UniqueConstraint(
                fields=["collaborative", "pseudonym"], name="team_pseudonym_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=TeamStatus.values), name="team_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="withdrawn", withdrawn_on__isnull=False)
                | Q(status="active", withdrawn_on__isnull=True),
                name="team_withdrawn_has_date",
            ),
        ]

    # Set by governance.access on a team fetched for someone who may not see its name:
    # then the team prints as its pseudonym wherever that viewer's page or export shows it.
    shown_as: str | None = None

    def __str__(self) -> str:
        return self.shown_as or self.full_name

    def save(self, *args, **kwargs):
        if not self.pseudonym:
            self.pseudonym = self._next_pseudonym()
        super().save(*args, **kwargs)

    def _next_pseudonym(self) -> str:
        taken = set(
            Team.objects.filter(collaborative_id=self.collaborative_id).values_list(
                "pseudonym", flat=True
            )
        )
        for label in pseudonym_labels(self.collaborative.slug):
            if f"Team {label}" not in taken:
                return f"Team {label}"
        raise ValueError("No pseudonym left")  # 702 labels: unreachable in practice

    @property
    def full_name(self) -> str:
        return f"{self.organisation.name}{' – ' + self.unit if self.unit else ''}"

    @property
    def named_to_peers(self) -> bool:
        if self.consents_to_be_named is None:
            return self.collaborative.members_named_by_default
        return self.consents_to_be_named

    def name_for_peers(self) -> str:
        return self.full_name if self.named_to_peers else self.pseudonym


class TeamMembershipRole(models.TextChoices):
    LEAD = "lead", "Team lead"
    SPONSOR = "sponsor", "Senior sponsor"
    CLINICAL = "clinical", "Clinical champion"
    DATA = "data", "Data lead"
    MEMBER = "member", "Member"


class TeamMembership(models.Model):
    Role = TeamMembershipRole

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(
        "governance.Person", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["team_id", "joined_on", "person__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=TeamMembershipRole.values), name="membership_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="membership_leaves_after_joining",
            ),
            models.UniqueConstraint(
                fields=["team", "person", "joined_on"], name="membership_unique_spell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.team} ({self.get_role_display()})"


class LearningEventKind(models.TextChoices):
    LEARNING_SESSION = "learning_session", "Learning session"
    ACTION_PERIOD = "action_period", "Action period"
    WEBINAR = "webinar", "Webinar"


class LearningEvent(models.Model):
    Kind = LearningEventKind

    collaborative = models.ForeignKey(
        Collaborative, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField()
    attendees = models.ManyToManyField(
        "governance.Person", through="Attendance", related_name="events_attended", blank=True
    )

    class Meta:
        ordering = ["collaborative", "starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=LearningEventKind.values), name="event_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="event_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_on})"


class Attendance(models.Model):
    event = models.ForeignKey(LearningEvent, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(
        "governance.Person", on_delete=models.PROTECT, related_name="attendance"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="attendance"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="attendance_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} at {self.event}"


class DriverNodeQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        return scopes.visible(self, user, scopes.driver_nodes_q)


class DriverNodeKind(models.TextChoices):
    AIM = "aim", "Aim"
    PRIMARY = "primary", "Primary driver"
    SECONDARY = "secondary", "Secondary driver"
    CHANGE_IDEA = "change_idea", "Change idea"


class DriverNode(models.Model):
    """One node of a collaborative's driver diagram: aim, primary or secondary driver, change idea.

    The tree is aim -> primary -> secondary -> change idea. A team may add a local change
    idea under the collaborative's secondary drivers; it belongs to that team.
    """

    Kind = DriverNodeKind

    collaborative = models.ForeignKey(
        Collaborative, on_delete=models.CASCADE, related_name="driver_nodes"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="local_change_ideas",
        help_text="Set for a team's own local change idea.",
    )
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = DriverNodeQuerySet.as_manager()

    class Meta:
        ordering = ["collaborative", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DriverNodeKind.values), name="driver_node_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="aim", parent__isnull=True)
                | Q(~Q(kind="aim"), parent__isnull=False),
                name="driver_node_only_aim_is_root",
            ),
            models.CheckConstraint(
                condition=Q(team__isnull=True) | Q(kind="change_idea"),
                name="driver_node_team_only_on_change_idea",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PDSACycleQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        return scopes.visible(self, user, scopes.cycles_q)

    def current(self):
        return self.filter(archived_at__isnull=True)

    @staticmethod
    def overdue_condition(today) -> Q:
        """The one rule for an overdue cycle, as SQL: not archived, past its planned end,
        and without both a study (text that is not only whitespace) and an act decision.
        `PDSACycle.is_overdue` is the same rule for one loaded row."""
        studied_and_decided = Q(study_result__regex=r"\S") & ~Q(act_decision="")
        return Q(archived_at__isnull=True, planned_end__lt=today) & ~studied_and_decided

    def overdue(self, today):
        """Cycles overdue on `today` (see `overdue_condition`)."""
        return self.filter(self.overdue_condition(today))

    def with_overdue(self, today):
        """Annotate `overdue` (a boolean) for counting many cycles in one query."""
        return self.annotate(
            overdue=models.ExpressionWrapper(
                self.overdue_condition(today), output_field=models.BooleanField()
            )
        )

    def with_fidelity(self):
        """Annotate what `PDSACycle.fidelity()` needs, so a list asks once, not per row."""
        return self.annotate(
            measure_count=models.Count("measures", distinct=True),
            follow_count=models.Count(
                "next_cycles", filter=Q(next_cycles__archived_at__isnull=True), distinct=True
            ),
        )


class PDSACycleStatus(models.TextChoices):
    PLANNING = "planning", "Planning"
    DOING = "doing", "Doing"
    STUDYING = "studying", "Studying"
    DONE = "done", "Done"


class PDSACycleDecision(models.TextChoices):
    ADOPT = "adopt", "Adopt"
    ADAPT = "adapt", "Adapt"
    ABANDON = "abandon", "Abandon"


class PDSACycle(models.Model):
    """A test of one change idea by one team. Cycles chain into ramps through `parent`."""

    Status = PDSACycleStatus
    Decision = PDSACycleDecision

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cycles")
    change_idea = models.ForeignKey(
        DriverNode,
        on_delete=models.PROTECT,
        related_name="cycles",
        limit_choices_to={"kind": DriverNode.Kind.CHANGE_IDEA},
    )
    measures = models.ManyToManyField("measures.Measure", blank=True, related_name="cycles")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_cycles",
        help_text="The cycle this one builds on, for ramps.",
    )
    title = models.CharField(max_length=200)
    # Plan
    question = models.TextField(blank=True)
    prediction = models.TextField(blank=True)
    plan_who = models.TextField("who", blank=True)
    plan_what = models.TextField("what", blank=True)
    plan_when = models.TextField("when", blank=True)
    plan_where = models.TextField("where", blank=True)
    data_to_collect = models.TextField(blank=True)
    scale = models.CharField(
        max_length=200, blank=True, help_text="How small the test is: one patient, one shift..."
    )
    # Do, study, act
    do_notes = models.TextField("what happened", blank=True)
    study_result = models.TextField("result against prediction", blank=True)
    act_decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    act_notes = models.TextField(blank=True)
    # Each step's version, claimed by a save (collaboratives/versions.py), so a stale page
    # cannot overwrite what someone else saved to the same step.
    plan_version = models.PositiveIntegerField(default=0)
    do_version = models.PositiveIntegerField(default=0)
    study_version = models.PositiveIntegerField(default=0)
    act_version = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNING)
    planned_start = models.DateField()
    planned_end = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = PDSACycleQuerySet.as_manager()

    class Meta:
        ordering = ["team_id", "planned_start", "id"]
        verbose_name = "PDSA cycle"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PDSACycleStatus.values), name="cycle_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(act_decision__in=["", *PDSACycleDecision.values]),
                name="cycle_decision_valid",
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=F("planned_start")), name="cycle_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(act_decision=""),
                name="cycle_done_has_decision",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("id")), name="cycle_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_study(self) -> bool:
        return bool(self.study_result.strip())

    def is_overdue(self, today) -> bool:
        """Past its planned end without a study or an act, and not archived: the rule of
        `PDSACycle.objects.overdue(today)`, for one loaded row."""
        return (
            self.archived_at is None
            and self.planned_end < today
            and not (self.has_study and self.act_decision)
        )

    def steps_recorded(self) -> dict[str, bool]:
        """Which of the four steps have been written down, not only planned."""
        return {
            "plan": bool(self.question.strip() or self.prediction.strip()),
            "do": bool(self.do_notes.strip()),
            "study": self.has_study,
            "act": bool(self.act_decision),
        }

    def fidelity(self, *, iterated: bool | None = None, measured: bool | None = None):
        """Which of the four features of a well-documented cycle it has (Taylor et al. 2014):
        a prediction, a small scale, iteration (it follows or is followed by a cycle), and
        data over time (it names a measure whose chart shows it).

        A feature counts only once the step that shows it has been filled in, so a cycle
        that is only a plan scores nothing: a prediction is tested when the study compares
        the result with it; a small scale when the test was done at that scale; data over
        time when the study read the measures; iteration when the cycle was done after the
        one it builds on, or its decision was recorded before a follow-on.
        """
        if iterated is None:
            follows = getattr(self, "follow_count", None)
            if follows is None:
                follows = self.next_cycles.filter(archived_at__isnull=True).count()
        if measured is None:
            count = getattr(self, "measure_count", None)
            measured = (self.measures.count() if count is None else count) > 0
        steps = self.steps_recorded()
        if iterated is None:
            iterated = (self.parent_id is not None and steps["do"]) or (
                follows > 0 and steps["act"]
            )
        return {
            "prediction": bool(self.prediction.strip()) and steps["study"],
            "small scale": bool(self.scale.strip()) and steps["do"],
            "iteration": iterated,
            "data over time": measured and steps["study"],
        }

    def fidelity_count(self) -> int:
        """How many of the four features of a well-documented cycle it has."""
        return sum(self.fidelity().values())


# The IHI assessment scale for collaboratives: 0.5 to 5.0 in half steps (qi-reference.md).
ASSESSMENT_SCORES = [Decimal(n) / 2 for n in range(1, 11)]
ASSESSMENT_LEVELS = {
    Decimal("0.5"): ("Intent to participate", "Signed up, no team yet"),
    Decimal("1.0"): ("Forming team", "Team formed, aim not yet agreed"),
    Decimal("1.5"): ("Planning has begun", "Aim, measures and plan being set"),
    Decimal("2.0"): ("Activity, but no changes", "Measures collected, no tests yet"),
    Decimal("2.5"): ("Changes tested, no improvement", "PDSA cycles run; measures not moving"),
    Decimal("3.0"): ("Modest improvement", "Some process measures improving"),
    Decimal("3.5"): ("Improvement", "Several measures improving, outcome moving"),
    Decimal("4.0"): ("Significant improvement", "Most measures improved, outcome near the goal"),
    Decimal("4.5"): ("Sustainable improvement", "Goals met and held, spread begun"),
    Decimal("5.0"): ("Outstanding sustainable results", "All goals met and held, spread done"),
}
ASSESSMENT_CHOICES = [
    (score, f"{score} – {ASSESSMENT_LEVELS[score][0]}") for score in ASSESSMENT_SCORES
]


class TeamAssessment(models.Model):
    """A team's monthly score on the IHI scale: its own rating and the faculty's."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="assessments")
    month = models.DateField(help_text="The first day of the month rated.")
    self_rating = models.DecimalField(
        max_digits=2, decimal_places=1, null=True, blank=True, choices=ASSESSMENT_CHOICES
    )
    faculty_rating = models.DecimalField(
        max_digits=2, decimal_places=1, null=True, blank=True, choices=ASSESSMENT_CHOICES
    )
    faculty_note = models.TextField(blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["team_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["team", "month"], name="assessment_one_per_month"),
            models.CheckConstraint(
                condition=Q(self_rating__isnull=True) | Q(self_rating__in=ASSESSMENT_SCORES),
                name="assessment_self_rating_on_scale",
            ),
            models.CheckConstraint(
                condition=Q(faculty_rating__isnull=True) | Q(faculty_rating__in=ASSESSMENT_SCORES),
                name="assessment_faculty_rating_on_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.month:%b %Y}"


class DesignRecord(models.Model):
    """How a collaborative was designed, how it changed, and what its people think made it work."""

    collaborative = models.OneToOneField(
        Collaborative, on_delete=models.CASCADE, related_name="design_record"
    )
    summary = models.TextField(blank=True)
    # Claimed by each save of the start checklist or the close (collaboratives/versions.py).
    version = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Design record: {self.collaborative}"


class DesignRecordEntryKind(models.TextChoices):
    INITIAL_DESIGN = "initial", "Initial design"
    CHANGE = "change", "Change to the design"
    SUCCESS_FACTOR = "success_factor", "What made the difference"
    LESSON = "lesson", "Lesson for spread"


class DesignFeature(models.TextChoices):
    """The features of successful collaboratives that a design record checks (issue 6)."""

    TOPIC = "topic", "Topic matched to local priorities"
    EVIDENCE = "evidence", "Evidence appraised"
    AIM = "aim", "Aim and stretch target set early"
    MEASURES = "measures", "Measures defined before launch"
    LEADERS = "leaders", "Senior leaders engaged"
    FACULTY = "faculty", "Faculty with improvement expertise"
    TEAMS = "teams", "Team composition and protected time"
    SESSIONS = "sessions", "Preparation of learning sessions"


CONTRIBUTION_CHOICES = [
    (0, "Did not contribute"),
    (1, "Contributed a little"),
    (2, "Contributed"),
    (3, "Contributed most"),
]


class DesignRecordEntry(models.Model):
    """One line of a design record.

    At the start, one `initial` entry per feature: whether it is in place, with a note.
    During the collaborative, dated `change` entries. At the close, one `success_factor`
    entry per feature with how much it contributed, and `lesson` entries.
    """

    Kind = DesignRecordEntryKind
    Feature = DesignFeature

    record = models.ForeignKey(DesignRecord, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    feature = models.CharField(max_length=12, choices=Feature.choices, blank=True)
    in_place = models.BooleanField(null=True, blank=True)
    contribution = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=CONTRIBUTION_CHOICES
    )
    entered_on = models.DateField()
    text = models.TextField(blank=True)
    author = models.ForeignKey(
        "governance.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["record", "entered_on", "id"]
        verbose_name_plural = "design record entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DesignRecordEntryKind.values), name="design_entry_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(feature__in=["", *DesignFeature.values]),
                name="design_entry_feature_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.entered_on})"
