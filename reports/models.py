"""The contract-review report: an AHSN's yearly account, built from the work.

A director asks for a report on a period; a Celery task builds it (reports.build) into
`document` (plain JSON: every figure already through the small-number rules) and the
PDF, XLSX and HTML renderings of it. The director writes commentary per section, which
re-renders the files, then signs it off: from then on the row is frozen, the files
exactly as sent, with the period and the data versions they came from.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Waiting to be built"
    BUILDING = "building", "Building"
    READY = "ready", "Draft ready"
    SIGNED_OFF = "signed_off", "Signed off"
    FAILED = "failed", "Failed"


class ContractReview(models.Model):
    Status = ReviewStatus

    ahsn = models.ForeignKey(
        "collaboratives.AHSN", on_delete=models.PROTECT, related_name="contract_reviews"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent built.")
    progress_note = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)

    # The build's claim, so that a re-sent or redelivered task never builds twice at once.
    build_generation = models.PositiveIntegerField(default=0)
    claimed_by = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    built_at = models.DateTimeField(null=True, blank=True)

    document = models.JSONField(default=dict, blank=True)
    data_versions = models.JSONField(
        default=dict, blank=True, help_text="Each series' data version the report was built from."
    )
    commentary = models.JSONField(default=dict, blank=True, help_text="Section key: text.")
    # Claimed by each commentary save (collaboratives/versions.py).
    commentary_version = models.PositiveIntegerField(default=0)
    pdf = models.BinaryField(null=True, blank=True)
    xlsx = models.BinaryField(null=True, blank=True)
    html = models.TextField(blank=True)

    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_by_name = models.CharField(max_length=200, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="review_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values), name="review_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="signed_off")
                | Q(signed_off_at__isnull=False, signed_off_by_name__gt=""),
                name="review_signed_off_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"Contract review {self.ahsn}: {self.period_start} to {self.period_end}"

    @property
    def is_frozen(self) -> bool:
        return self.status == self.Status.SIGNED_OFF

    @property
    def is_draft_ready(self) -> bool:
        """A built draft: commentary can be added and it can be signed off."""
        return self.status == self.Status.READY and bool(self.document)

    @property
    def running(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.BUILDING)

    @property
    def filename_stem(self) -> str:
        return f"contract-review-{self.ahsn.code.lower()}-{self.period_start}-to-{self.period_end}"
