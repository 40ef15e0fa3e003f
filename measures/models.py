"""Measures, their series of data points, and everything that changes how a chart is read.

Data points change only through `measures.writes.datapoints_write`, which keeps a
revision of every change. Only aggregated counts and rates are stored here, never
patient-identifiable data.
"""

import json

from django.conf import settings
from django.db import models
from django.db.models import Q

from collaboratives.models import VisibleQuerySet
from governance import scopes
from governance.history import AppendOnly, RecordedChange
from measures.spc.kinds import ChartKind


class MeasureKind(models.TextChoices):
    OUTCOME = "outcome", "Outcome"
    PROCESS = "process", "Process"
    BALANCING = "balancing", "Balancing"


class MeasureFrequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly (periods start on Monday)"
    MONTHLY = "monthly", "Monthly (periods start on the 1st)"
    EVENT = "event", "Event-dated (one row per event)"


class MeasureDirection(models.TextChoices):
    UP = "up", "Higher is better"
    DOWN = "down", "Lower is better"
    NEITHER = "neither", "Neither"


# The measure's chart choices, built from the core's one enum (measures.spc.kinds): a kind
# added there is offered here. Values are the stored codes (`ChartKind.code`: "xmr" for the I
# chart, the one code that differs from the core's), labels the enum's.
MeasureChartType = models.TextChoices(
    "MeasureChartType",
    [(kind.name, (kind.code, kind.label)) for kind in ChartKind],
    module=__name__,
)
EVENT_CHART_CODES = [kind.code for kind in ChartKind if kind.is_event]


class MeasureQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        return scopes.visible(self, user, scopes.measures_q)


class Measure(models.Model):
    """A measure in a topic's library (shared across collaboratives) or a team's own custom one."""

    Kind = MeasureKind
    Frequency = MeasureFrequency
    Direction = MeasureDirection
    ChartType = MeasureChartType

    topic = models.ForeignKey(
        "collaboratives.Topic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measures",
        help_text="Set for a library measure, shared by every collaborative on the topic.",
    )
    team = models.ForeignKey(
        "collaboratives.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="custom_measures",
        help_text="Set for a team's own custom measure.",
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    operational_definition = models.TextField()
    numerator_definition = models.TextField()
    denominator_definition = models.TextField(blank=True)
    unit = models.CharField(
        max_length=100, blank=True, help_text='For example "per 1,000 bed days".'
    )
    multiplier = models.PositiveIntegerField(
        default=1, help_text="Shown values are the rate times this, for example 1000."
    )
    frequency = models.CharField(max_length=8, choices=Frequency.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    chart_type = models.CharField(max_length=4, choices=ChartType.choices)
    counts_people = models.BooleanField(
        default=False, help_text="Whether the numerator counts people (small-number rules)."
    )
    counts_patient_events = models.BooleanField(
        default=False,
        help_text=(
            "Whether the numerator counts events that happen to patients, such as falls or "
            "harms (small-number rules)."
        ),
    )
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(topic__isnull=False, team__isnull=True)
                | Q(topic__isnull=True, team__isnull=False),
                name="measure_in_library_or_team",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MeasureKind.values), name="measure_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=MeasureFrequency.values),
                name="measure_frequency_valid",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=MeasureDirection.values),
                name="measure_direction_valid",
            ),
            models.CheckConstraint(
                condition=Q(chart_type__in=MeasureChartType.values),
                name="measure_chart_type_valid",
            ),
            # G and T charts read event-dated series; every other chart reads periods.
            models.CheckConstraint(
                condition=Q(chart_type__in=EVENT_CHART_CODES, frequency="event")
                | Q(~Q(chart_type__in=EVENT_CHART_CODES), ~Q(frequency="event")),
                name="measure_event_charts_on_event_series",
            ),
            models.CheckConstraint(
                condition=Q(multiplier__gte=1), name="measure_multiplier_positive"
            ),
            models.UniqueConstraint(
                fields=["topic", "name"],
                condition=Q(topic__isnull=False),
                name="measure_unique_in_library",
            ),
            models.UniqueConstraint(
                fields=["team", "name"],
                condition=Q(team__isnull=False),
                name="measure_unique_in_team",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def chart_kind(self) -> ChartKind:
        """The chart type as the core's enum (its stored code read once, here)."""
        return ChartKind(self.chart_type)

    @property
    def has_denominator(self) -> bool:
        return self.chart_kind.is_ratio

    @property
    def is_event_dated(self) -> bool:
        return self.frequency == self.Frequency.EVENT


class CollaborativeMeasure(models.Model):
    """A library measure in a collaborative's measure set."""

    collaborative = models.ForeignKey(
        "collaboratives.Collaborative", on_delete=models.CASCADE, related_name="measure_set"
    )
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="in_collaboratives")
    mandatory = models.BooleanField(default=True)
    target = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, help_text="On the plotted scale."
    )
    direction = models.CharField(
        max_length=8,
        choices=MeasureDirection.choices,
        blank=True,
        help_text="This collaborative's direction of improvement; empty for the library's.",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["collaborative", "position", "measure__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["collaborative", "measure"], name="collaborative_measure_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} in {self.collaborative}"

    @property
    def improvement_direction(self) -> str:
        """The direction this collaborative's charts read the measure in: its faculty's
        choice, or the library measure's default."""
        return self.direction or self.measure.direction


class SeriesQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        return scopes.visible(self, user, scopes.series_q)


class Series(models.Model):
    """One team's data for one measure. `data_version` rises with every write to its points."""

    team = models.ForeignKey("collaboratives.Team", on_delete=models.PROTECT, related_name="series")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="series")
    data_version = models.PositiveIntegerField(default=0)
    goal = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="The team's own goal line, beside the collaborative's target.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SeriesQuerySet.as_manager()

    class Meta:
        ordering = ["team", "measure__name"]
        verbose_name_plural = "series"
        constraints = [
            models.UniqueConstraint(fields=["team", "measure"], name="series_unique_per_team"),
        ]

    def __str__(self) -> str:
        return f"{self.team} – {self.measure}"


class DataPoint(models.Model):
    """One period's value of a series, or one event of an event-dated series.

    For periodic series `period_start` is a Monday (weekly) or the 1st (monthly). For
    event-dated series (G and T charts) it is the event's date, `numerator` the events
    on that date and `denominator` the opportunities since the previous event, if counted.
    """

    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="points")
    period_start = models.DateField()
    numerator = models.DecimalField(max_digits=14, decimal_places=4)
    denominator = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["series_id", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "period_start"], name="datapoint_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(numerator__gte=0), name="datapoint_numerator_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gte=0),
                name="datapoint_denominator_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gt=0) | Q(numerator=0),
                name="datapoint_no_events_over_zero_denominator",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="datapoint_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.period_start}: {self.numerator}/{self.denominator}"


class DataPointRevisionSource(models.TextChoices):
    GRID = "grid", "Data-entry grid"
    IMPORT = "import", "Spreadsheet import"
    API = "api", "API"
    ADMIN = "admin", "Admin"
    SEED = "seed", "Demo data"


class DataPointRevision(AppendOnly):
    """One change to one data point: who, when, from what, to what, and why. Append-only."""

    Source = DataPointRevisionSource

    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="revisions")
    period_start = models.DateField()
    old_numerator = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    old_denominator = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    new_numerator = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    new_denominator = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    version = models.PositiveIntegerField(
        help_text="The point's version after this change; 0 once cleared."
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField()
    source = models.CharField(max_length=8, choices=Source.choices)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["series_id", "period_start", "changed_at", "id"]
        indexes = [models.Index(fields=["series", "period_start"], name="revision_series_period")]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=DataPointRevisionSource.values), name="revision_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.period_start} by {self.changed_by} at {self.changed_at}"


class Annotation(models.Model):
    """A note on a chart: on one series, or on every chart of a team."""

    series = models.ForeignKey(
        Series, on_delete=models.CASCADE, null=True, blank=True, related_name="annotations"
    )
    team = models.ForeignKey(
        "collaboratives.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="annotations",
    )
    date = models.DateField()
    text = models.CharField(max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(series__isnull=False, team__isnull=True)
                | Q(series__isnull=True, team__isnull=False),
                name="annotation_on_series_or_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.text}"


class Phase(models.Model):
    """A new phase of a series: limits are recalculated from `start_period` on."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="phases")
    start_period = models.DateField()
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["series_id", "start_period"]
        constraints = [
            models.UniqueConstraint(fields=["series", "start_period"], name="phase_unique_start"),
            models.CheckConstraint(condition=~Q(reason=""), name="phase_reason_given"),
        ]

    def __str__(self) -> str:
        return f"{self.series} from {self.start_period}"


class PointMarkKind(models.TextChoices):
    EXCLUDED = "excluded", "Excluded from calculations"
    ASTRONOMICAL = "astronomical", "Astronomical point"


class PointMark(models.Model):
    """A point excluded from the limits, or marked by the user as astronomical (IHI rules)."""

    Kind = PointMarkKind

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="marks")
    period_start = models.DateField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["series_id", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "period_start", "kind"], name="point_mark_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=PointMarkKind.values), name="point_mark_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="point_mark_reason_given"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.series} {self.period_start}"


# --- Chart recomputation ------------------------------------------------------------------


class RecomputeJobStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Being recomputed"
    DONE = "done", "Up to date"
    FAILED = "failed", "Failed"


class RecomputeJob(models.Model):
    """The one row of pending chart work for a series: PostgreSQL, not the broker, holds it.

    Whatever changes a chart's inputs sets the row to pending (and bumps `generation`) in
    the same transaction (`measures.recompute.series_mark_stale`); a task claims it with a
    conditional UPDATE, recomputes from the newest inputs and marks it done only if the
    generation it claimed is still the newest. The sweeper re-sends what is left pending
    or whose worker went silent, and stops after `MAX_ATTEMPTS`.
    """

    Status = RecomputeJobStatus

    series = models.OneToOneField(Series, on_delete=models.CASCADE, related_name="recompute_job")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    generation = models.PositiveIntegerField(default=1, help_text="Rises with every change.")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    requested_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    claimed_generation = models.PositiveIntegerField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "sent_at"], name="recompute_job_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RecomputeJobStatus.values), name="recompute_job_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series_id}: {self.status} (generation {self.generation})"


class JSONTextField(models.JSONField):
    """JSON kept as the text written (PostgreSQL's ``json``, not ``jsonb``), for a document
    that is only ever written and read whole, never queried inside: PostgreSQL neither parses
    it into jsonb on each write nor prints it back out on each read (a chart's stored figure,
    8 kB, cost the recompute about half as much more this way), and its keys keep their order,
    so a figure reads back as it was written. Written compact, without spaces."""

    def db_type(self, connection):
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        from psycopg.types.json import Json

        value = value if prepared else self.get_prep_value(value)
        return Json(value, dumps=lambda v: json.dumps(v, cls=self.encoder, separators=(",", ":")))

    def get_placeholder(self, value, compiler, connection):
        # Having one keeps a bulk insert on PostgreSQL to rows of VALUES rather than UNNEST
        # of arrays: psycopg escapes each quote of a JSON text put into an array with a
        # regular expression, which made storing a batch of charts with their figures
        # twice as slow (the recompute's upsert: 8.5 ms a chart with UNNEST, 5.7 without).
        return "%s"

    def from_db_value(self, value, expression, connection):
        # psycopg reads PostgreSQL's json itself (jsonb it leaves to Django, as text)
        if isinstance(value, dict | list):
            return value
        return super().from_db_value(value, expression, connection)


class ChartResultQuerySet(models.QuerySet):
    def latest_per_series(self):
        """The newest result of each series (what dashboards and reports read)."""
        newest = (
            ChartResult.objects.filter(series=models.OuterRef("series"))
            .order_by("-computed_at", "-id")
            .values("id")[:1]
        )
        return self.filter(id=models.Subquery(newest))


class ChartResult(models.Model):
    """A series' computed chart, keyed on (series, hash of every input) and upserted.

    The points are columnar, one JSON array per field as the statistics core returns them
    (`y`, `cl`, `lcl` ... on the core's scale: rates before the measure's multiplier); the
    summary columns are indexed for the dashboards and reports that filter on them.
    """

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="chart_results")
    inputs_hash = models.CharField(max_length=64)
    computed_at = models.DateTimeField()
    chart = models.CharField(max_length=4)
    convention = models.CharField(max_length=8, db_index=True)
    # Summary columns
    status = models.CharField(
        max_length=20,
        db_index=True,
        help_text="The verdict: improved, deteriorated, not_sustained, no_change or "
        "insufficient_data (measures/spc/README.md).",
    )
    variation = models.CharField(max_length=20, blank=True, db_index=True)
    assurance = models.CharField(max_length=20, blank=True, db_index=True)
    enough_data = models.BooleanField(db_index=True)
    last_period = models.DateField(null=True, blank=True, db_index=True)
    n_points = models.PositiveIntegerField()
    points_needed = models.PositiveIntegerField(default=0)
    periods_to_detect = models.PositiveIntegerField(null=True, blank=True)
    verdict_rule = models.CharField(max_length=20, blank=True)
    verdict_first_index = models.IntegerField(null=True, blank=True)
    verdict_last_signal_index = models.IntegerField(
        null=True, blank=True, help_text="The last point of the signal that decides the verdict."
    )
    verdict_history = models.JSONField(
        default=list,
        blank=True,
        help_text="One {side, rule, first_index, last_index} per stretch of signals.",
    )
    verdict_baseline = models.PositiveIntegerField(
        null=True, blank=True, help_text="Points in the verdict's baseline."
    )
    verdict_centre = models.FloatField(
        null=True,
        blank=True,
        help_text="The verdict's baseline centre line, carried forward (the core's scale).",
    )
    summary = models.TextField(blank=True)
    target = models.FloatField(null=True, blank=True, help_text="On the core's scale.")
    improvement = models.CharField(max_length=4, blank=True)
    # Columns, one value per point
    x = models.JSONField(default=list, help_text="ISO period starts (or event dates).")
    numerator = models.JSONField(default=list)
    denominator = models.JSONField(default=list)
    y = models.JSONField(default=list)
    cl = models.JSONField(default=list)
    lcl = models.JSONField(default=list)
    ucl = models.JSONField(default=list)
    lcl_2s = models.JSONField(default=list)
    ucl_2s = models.JSONField(default=list)
    mr = models.JSONField(default=list)
    special_cause = models.JSONField(default=list)
    point_type = models.JSONField(default=list)
    phase = models.JSONField(default=list)
    baseline = models.JSONField(default=list)
    rule = models.JSONField(default=list)
    excluded = models.JSONField(default=list, help_text="0-based indexes.")
    astronomical = models.JSONField(default=list, help_text="0-based indexes.")
    phases = models.JSONField(default=list, help_text="One object per phase, as the core's.")
    # Complete periods only (issue 14): the points above end at this period; those entered
    # after it are kept apart, drawn "in progress" and never judged.
    complete_through = models.DateField(
        null=True, blank=True, help_text="Start of the latest complete period counted."
    )
    in_progress = models.JSONField(
        default=list, help_text='Points after it: [{"x", "numerator", "denominator", "y"}].'
    )
    # What every viewer's figure shares (measures.figures.stored_figure), built when the
    # result is computed: no count of people and no typed text, which are added per viewer
    # when it is served (figures.served). Null, or of an older version: built on the fly.
    figure = JSONTextField(null=True, blank=True)

    objects = ChartResultQuerySet.as_manager()

    class Meta:
        ordering = ["series_id", "-computed_at"]
        indexes = [models.Index(fields=["series", "-computed_at"], name="chart_result_latest")]
        constraints = [
            models.UniqueConstraint(fields=["series", "inputs_hash"], name="chart_result_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.series_id} {self.inputs_hash[:8]}: {self.status}"


class MeasureSettingChange(RecordedChange):
    """One change to a measure's direction or a collaborative's target for it. Append-only."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="setting_changes")
    collaborative = models.ForeignKey(
        "collaboratives.Collaborative",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set for a target, which belongs to the collaborative's measure set.",
    )
    field = models.CharField(max_length=20)
    old_value = models.CharField(max_length=50, blank=True)
    new_value = models.CharField(max_length=50, blank=True)

    def __str__(self) -> str:
        return f"{self.measure} {self.field}: {self.old_value} -> {self.new_value}"


class ChartEditKind(models.TextChoices):
    PHASE_ADDED = "phase_added", "Phase added"
    PHASE_REMOVED = "phase_removed", "Phase removed"
    MARK_ADDED = "mark_added", "Point marked"
    MARK_REMOVED = "mark_removed", "Point mark removed"
    ANNOTATION_ADDED = "annotation_added", "Annotation added"
    ANNOTATION_REMOVED = "annotation_removed", "Annotation removed"


class ChartEdit(RecordedChange):
    """History of what shaped a chart: phases, point marks and annotations. Append-only."""

    Kind = ChartEditKind

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="chart_edits")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    period_start = models.DateField()
    detail = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.series_id} {self.period_start}"


# --- Spreadsheet imports ------------------------------------------------------------------


class ImportBatchStatus(models.TextChoices):
    REJECTED = "rejected", "Rejected: the file could not be read"
    PREVIEW = "preview", "Waiting for confirmation"
    IMPORTING = "importing", "Being imported"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed: nothing was written"


class ImportBatch(models.Model):
    """One uploaded file: what parsing found, and how far its import has gone.

    Kept in the database so that web and worker processes share it and nothing lives in
    memory between the preview and the confirmation. The uploaded bytes are never kept
    (they could hold anything); `findings` holds the parsed rows instead: rows to add, rows
    to change (old and new), unchanged rows, and errors naming the row, the column and the
    reason, which quote a cell only once it has passed the NHS-number check.
    """

    Status = ImportBatchStatus

    collaborative = models.ForeignKey(
        "collaboratives.Collaborative", on_delete=models.CASCADE, related_name="import_batches"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    content_sha256 = models.CharField(max_length=64)
    file_type = models.CharField(max_length=8, blank=True, help_text="Found from the content.")
    status = models.CharField(max_length=10, choices=Status.choices)
    file_error = models.TextField(blank=True, help_text="A message about the file as a whole.")
    findings = models.JSONField(default=dict)
    total = models.PositiveIntegerField(default=0)
    progress = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportBatchStatus.values), name="import_batch_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def error_count(self) -> int:
        """Every error found, listed or not (measures/imports.py lists the first rows')."""
        return self.findings.get("error_count", len(self.findings.get("errors", [])))


class DataReminder(models.Model):
    """A reminder sent to a team lead about one late period of one measure: sent once."""

    team = models.ForeignKey(
        "collaboratives.Team", on_delete=models.CASCADE, related_name="data_reminders"
    )
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    sent_to = models.EmailField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["team_id", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "measure", "period_start"], name="data_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.measure_id} {self.period_start} to {self.sent_to}"


class ApiToken(models.Model):
    """A key a trust's own systems use to push one team's data and read its charts.

    Only a hash of the key is stored; the key is shown once, when it is made.
    """

    team = models.ForeignKey("collaboratives.Team", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100, help_text="Which system uses it.")
    prefix = models.CharField(max_length=12, help_text="The key's start, to tell keys apart.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["team_id", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
