"""Reporting summaries: what the portfolio and national pages read instead of aggregating.

One row per (level, object, month). The current month's row is overwritten each time the
summaries are computed (when their inputs change, and nightly); once the month is over
its row is no longer touched and stays as that month's snapshot, so "what changed since
last month" compares this month's row with the one before. Computed by
`dashboards.summaries` in Celery, never inside a request.
"""

from django.db import models
from django.db.models import OuterRef, Q, Subquery


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
