"""The dashboards' own rows: reporting summaries, variation notes and sustain alerts.

Reporting summaries are what the portfolio and national pages read instead of aggregating.
One row per (level, object, month). The current month's row is overwritten each time the
summaries are computed (when their inputs change, and nightly); once the month is over
its row is no longer touched and stays as that month's snapshot, so "what changed since
last month" compares this month's row with the one before. Computed by
`dashboards.summaries` in Celery, never inside a request.

Variation notes say why a team sits outside a funnel's limits (dashboards.aggregate, the
collaborative's dashboard); sustain alerts are raised by dashboards.sustain. Both lived in
measures until issue 16; their tables were renamed, their rows kept (migrations 0002).
"""

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery

from governance.history import AppendOnly


class SummaryLevel(models.TextChoices):
    TEAM = "team", "Team"
    COLLABORATIVE = "collaborative", "Collaborative"
    AHSN = "ahsn", "AHSN"
    PROGRAMME = "programme", "Programme (a topic across AHSNs)"


class ReportingSummaryQuerySet(models.QuerySet):
    def latest_per_object(self):
        """The newest month's row of each (level, object) in the QuerySet."""
        newest = (
            ReportingSummary.objects.filter(
                level=OuterRef("level"), object_id=OuterRef("object_id")
            )
            .order_by("-month")
            .values("month")[:1]
        )
        return self.filter(month=Subquery(newest))


class ReportingSummary(models.Model):
    """One object's summary for one month: signals, completeness, PDSA activity, scores.

    `object_id` is a team, collaborative, AHSN or topic id as `level` says. `data_version`
    is the sum of the data versions of the series it was computed from (it rises with
    every data write); `inputs_key` also covers the chart results and cycles, and is what
    the change check compares.
    """

    Level = SummaryLevel

    level = models.CharField(max_length=16, choices=Level.choices)
    object_id = models.PositiveBigIntegerField()
    month = models.DateField(help_text="The first day of the month this row is the snapshot of.")
    data_version = models.PositiveBigIntegerField(default=0)
    inputs_key = models.CharField(max_length=64, blank=True)
    computed_at = models.DateTimeField()
    payload = models.JSONField(default=dict)

    objects = ReportingSummaryQuerySet.as_manager()

    class Meta:
        ordering = ["level", "object_id", "-month"]
        indexes = [
            models.Index(fields=["level", "object_id", "-month"], name="summary_latest"),
            # The summaries' version (dashboards.fragments.summary_versions): the newest
            # computation, read from the index's end on every portfolio and national page.
            models.Index(fields=["computed_at"], name="summary_computed_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "object_id", "month"], name="summary_one_per_month"
            ),
            models.CheckConstraint(
                condition=Q(level__in=SummaryLevel.values), name="summary_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.object_id} {self.month:%b %Y}"


# --- Cross-site variation and sustain alerts ----------------------------------------------


class VariationNoteKind(models.TextChoices):
    REASON = "reason", "The team's reason"
    JUDGEMENT = "judgement", "Faculty's judgement"


class VariationReason(models.TextChoices):
    CASE_MIX = "case_mix", "Case mix (the patients are different)"
    SIZE = "size", "Size (few patients, or a very large unit)"
    LOCAL_CAUSE = "local_cause", "A known local cause"
    OTHER = "other", "Something else"


class VariationJudgement(models.TextChoices):
    WARRANTED = "warranted", "Warranted variation"
    UNWARRANTED = "unwarranted", "Unwarranted variation"


class VariationNote(AppendOnly):
    """Why a team sits outside the funnel limits of a measure, and whether faculty judge the
    variation warranted. Append-only: a new note is added, the newest of each kind is in
    force, and the history stays to be read."""

    Kind = VariationNoteKind
    Reason = VariationReason
    Judgement = VariationJudgement

    collaborative_measure = models.ForeignKey(
        "measures.CollaborativeMeasure", on_delete=models.CASCADE, related_name="variation_notes"
    )
    team = models.ForeignKey(
        "collaboratives.Team", on_delete=models.CASCADE, related_name="variation_notes"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=12, choices=Reason.choices, blank=True)
    judgement = models.CharField(max_length=12, choices=Judgement.choices, blank=True)
    text = models.TextField()
    window_start = models.DateField(null=True, blank=True, help_text="The funnel's window.")
    window_end = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["collaborative_measure_id", "team_id", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["collaborative_measure", "team"], name="variation_note_team"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="reason", judgement="", reason__in=VariationReason.values)
                | Q(kind="judgement", reason="", judgement__in=VariationJudgement.values),
                name="variation_note_kind_fields",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="variation_note_text_given"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.team_id} on {self.collaborative_measure_id}"


class SustainAlert(models.Model):
    """A gain fading in the sustain phase: a series that had improved now shows a signal in
    the direction of concern. Raised once per signal (series and first concerning period);
    the team lead is emailed once."""

    series = models.ForeignKey(
        "measures.Series", on_delete=models.CASCADE, related_name="sustain_alerts"
    )
    team = models.ForeignKey(
        "collaboratives.Team", on_delete=models.CASCADE, related_name="sustain_alerts"
    )
    period_start = models.DateField(help_text="The first period of the concerning signal.")
    rule = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20, blank=True, help_text="The chart's verdict then.")
    message = models.CharField(max_length=500)
    raised_at = models.DateTimeField()
    emailed_to = models.EmailField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the chart no longer shows the signal."
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["team", "cleared_at"], name="sustain_alert_team_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "period_start"], name="sustain_alert_once_per_signal"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series_id} from {self.period_start}: {self.message}"
