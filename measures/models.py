"""Measures, their series of data points, and everything that changes how a chart is read.

Data points change only through `measures.writes.datapoints_write`, which keeps a
revision of every change. Only aggregated counts and rates are stored here, never
patient-identifiable data.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from collaboratives.models import VisibleQuerySet


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


class MeasureChartType(models.TextChoices):
    RUN = "run", "Run chart"
    XMR = "xmr", "I chart (XmR)"
    P = "p", "P chart (proportion)"
    PP = "pp", "P′ chart (Laney)"
    U = "u", "U chart (rate)"
    UP = "up", "U′ chart (Laney)"
    C = "c", "C chart (count)"
    G = "g", "G chart (opportunities or days between events)"
    T = "t", "T chart (time between events)"


class Measure(models.Model):
    """A measure in a topic's library (shared across collaboratives) or a team's own custom one."""

    Kind = MeasureKind
    Frequency = MeasureFrequency
    Direction = MeasureDirection
    ChartType = MeasureChartType

    EVENT_CHARTS = (ChartType.G, ChartType.T)
    PROPORTION_CHARTS = (ChartType.P, ChartType.PP)
    RATIO_CHARTS = (ChartType.P, ChartType.PP, ChartType.U, ChartType.UP)

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
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = VisibleQuerySet.as_manager()

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
                condition=Q(chart_type__in=["g", "t"], frequency="event")
                | Q(~Q(chart_type__in=["g", "t"]), ~Q(frequency="event")),
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
    def has_denominator(self) -> bool:
        return self.chart_type in self.RATIO_CHARTS

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

    objects = VisibleQuerySet.as_manager()

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
        ordering = ["series", "period_start"]
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


class RevisionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Data point revisions are never updated.")

    def delete(self):
        raise TypeError("Data point revisions are never deleted.")


class DataPointRevisionSource(models.TextChoices):
    GRID = "grid", "Data-entry grid"
    IMPORT = "import", "Spreadsheet import"
    API = "api", "API"
    ADMIN = "admin", "Admin"
    SEED = "seed", "Demo data"


class DataPointRevision(models.Model):
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

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["series", "period_start", "changed_at", "id"]
        indexes = [models.Index(fields=["series", "period_start"], name="revision_series_period")]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=DataPointRevisionSource.values), name="revision_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.period_start} by {self.changed_by} at {self.changed_at}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Data point revisions are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Data point revisions are never deleted.")


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
        ordering = ["series", "start_period"]
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
        ordering = ["series", "period_start"]
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
