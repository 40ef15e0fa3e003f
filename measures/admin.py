from django import forms
from django.contrib import admin, messages

from governance.admin import HistoryAdmin
from governance.forms import NHSNumberGuardMixin
from measures.models import (
    Annotation,
    CollaborativeMeasure,
    DataPoint,
    DataPointRevision,
    Measure,
    Phase,
    PointMark,
    Series,
)
from measures.recompute import series_mark_stale
from measures.writes import DataPointConflict, DataPointInvalid, PointChange, datapoints_write


class MarksChartsStale(admin.ModelAdmin):
    """Saving or deleting a row that shapes charts here marks those charts stale."""

    def affected_series(self, obj):
        if isinstance(obj, Measure):
            return Series.objects.filter(measure=obj).values_list("pk", flat=True)
        if isinstance(obj, CollaborativeMeasure):
            return Series.objects.filter(
                measure_id=obj.measure_id, team__collaborative_id=obj.collaborative_id
            ).values_list("pk", flat=True)
        if isinstance(obj, Annotation) and obj.team_id:
            return Series.objects.filter(team_id=obj.team_id).values_list("pk", flat=True)
        return [obj.series_id]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        series_mark_stale(series_ids=self.affected_series(obj))

    def delete_model(self, request, obj):
        series = list(self.affected_series(obj))
        super().delete_model(request, obj)
        series_mark_stale(series_ids=series)

    def delete_queryset(self, request, queryset):
        series = [s for obj in queryset for s in self.affected_series(obj)]
        super().delete_queryset(request, queryset)
        series_mark_stale(series_ids=series)


@admin.register(Measure)
class MeasureAdmin(MarksChartsStale):
    list_display = ["name", "kind", "topic", "team", "frequency", "chart_type", "direction"]
    list_filter = ["kind", "frequency", "chart_type", "topic"]
    search_fields = ["name", "operational_definition"]
    autocomplete_fields = ["team"]


@admin.register(CollaborativeMeasure)
class CollaborativeMeasureAdmin(MarksChartsStale):
    list_display = ["measure", "collaborative", "mandatory", "target", "position"]
    list_filter = ["mandatory", "collaborative"]
    autocomplete_fields = ["measure", "collaborative"]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["__str__", "data_version"]
    list_filter = ["team__collaborative"]
    search_fields = ["team__organisation__name", "measure__name"]
    autocomplete_fields = ["team", "measure"]
    readonly_fields = ["data_version"]


class DataPointForm(NHSNumberGuardMixin, forms.ModelForm):
    reason = forms.CharField(required=False, help_text="Why the value is changed, kept in history.")

    class Meta:
        model = DataPoint
        fields = ["series", "period_start", "numerator", "denominator"]


@admin.register(DataPoint)
class DataPointAdmin(admin.ModelAdmin):
    """Edits go through the one write path, so the admin keeps history like every other source."""

    form = DataPointForm
    list_display = ["series", "period_start", "numerator", "denominator", "version"]
    list_filter = ["series__team__collaborative"]
    autocomplete_fields = ["series"]
    date_hierarchy = "period_start"

    def get_readonly_fields(self, request, obj=None):
        return ["series", "period_start", "version"] if obj else ["version"]

    def save_model(self, request, obj, form, change):
        series = obj.series
        expected = {obj.period_start: obj.version if change else 0}
        try:
            datapoints_write(
                series=series,
                changes=[PointChange(obj.period_start, obj.numerator, obj.denominator)],
                by=request.user,
                source=DataPointRevision.Source.ADMIN,
                reason=form.cleaned_data.get("reason"),
                expected_versions=expected,
            )
        except (DataPointInvalid, DataPointConflict) as error:
            messages.error(request, str(error))

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DataPointRevision)
class DataPointRevisionAdmin(HistoryAdmin):
    """History is read-only everywhere, the admin included."""

    list_display = [
        "series",
        "period_start",
        "old_numerator",
        "new_numerator",
        "changed_by",
        "changed_at",
        "source",
    ]
    list_filter = ["source"]
    date_hierarchy = "changed_at"


@admin.register(Annotation)
class AnnotationAdmin(MarksChartsStale):
    list_display = ["date", "text", "series", "team"]
    autocomplete_fields = ["series", "team"]


@admin.register(Phase)
class PhaseAdmin(MarksChartsStale):
    list_display = ["series", "start_period", "reason"]
    autocomplete_fields = ["series"]


@admin.register(PointMark)
class PointMarkAdmin(MarksChartsStale):
    list_display = ["series", "period_start", "kind", "reason"]
    list_filter = ["kind"]
    autocomplete_fields = ["series"]
