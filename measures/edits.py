"""Changes to what shapes a chart, other than its data points (see measures.writes).

Each function changes the rows, appends the change to history and marks the charts it
affects stale in the same transaction, so every change is followed by a recompute.
Callers check access first (governance.access); these functions do not.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from measures.models import (
    Annotation,
    ChartEdit,
    CollaborativeMeasure,
    Measure,
    MeasureSettingChange,
    Phase,
    PointMark,
    Series,
)
from measures.recompute import series_mark_stale


def _by(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _edit(series, kind, period, *, by, detail="", reason=""):
    ChartEdit.objects.create(
        series=series,
        kind=kind,
        period_start=period,
        detail=detail[:500],
        reason=reason[:500],
        changed_by=_by(by),
        changed_at=timezone.now(),
    )


@transaction.atomic
def phase_add(*, series: Series, start_period: dt.date, reason: str, by) -> Phase:
    phase = Phase.objects.create(series=series, start_period=start_period, reason=reason)
    _edit(series, ChartEdit.Kind.PHASE_ADDED, start_period, by=by, reason=reason)
    series_mark_stale(series_ids=[series.pk])
    return phase


@transaction.atomic
def phase_remove(*, phase: Phase, reason: str, by) -> None:
    series = phase.series
    _edit(
        series,
        ChartEdit.Kind.PHASE_REMOVED,
        phase.start_period,
        by=by,
        detail=phase.reason,
        reason=reason,
    )
    phase.delete()
    series_mark_stale(series_ids=[series.pk])


@transaction.atomic
def point_mark_add(*, series: Series, period_start: dt.date, kind: str, reason: str, by):
    mark = PointMark.objects.create(
        series=series, period_start=period_start, kind=kind, reason=reason
    )
    _edit(
        series,
        ChartEdit.Kind.MARK_ADDED,
        period_start,
        by=by,
        detail=mark.get_kind_display(),
        reason=reason,
    )
    series_mark_stale(series_ids=[series.pk])
    return mark


@transaction.atomic
def point_mark_remove(*, mark: PointMark, reason: str, by) -> None:
    series = mark.series
    _edit(
        series,
        ChartEdit.Kind.MARK_REMOVED,
        mark.period_start,
        by=by,
        detail=f"{mark.get_kind_display()}: {mark.reason}",
        reason=reason,
    )
    mark.delete()
    series_mark_stale(series_ids=[series.pk])


@transaction.atomic
def annotation_add(*, series: Series, date: dt.date, text: str, by) -> Annotation:
    note = Annotation.objects.create(series=series, date=date, text=text, created_by=_by(by))
    _edit(series, ChartEdit.Kind.ANNOTATION_ADDED, date, by=by, detail=text)
    series_mark_stale(series_ids=[series.pk])
    return note


@transaction.atomic
def annotation_remove(*, annotation: Annotation, series: Series, by) -> None:
    _edit(series, ChartEdit.Kind.ANNOTATION_REMOVED, annotation.date, by=by, detail=annotation.text)
    team_id = annotation.team_id
    annotation.delete()
    if team_id:
        series_mark_stale(
            series_ids=Series.objects.filter(team_id=team_id).values_list("pk", flat=True)
        )
    else:
        series_mark_stale(series_ids=[series.pk])


def _setting(measure, field, old, new, *, by, reason="", collaborative=None):
    MeasureSettingChange.objects.create(
        measure=measure,
        collaborative=collaborative,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        reason=reason[:500],
        changed_by=_by(by),
        changed_at=timezone.now(),
    )


def _series_of_measure(measure: Measure, collaborative=None):
    series = Series.objects.filter(measure=measure)
    if collaborative is not None:
        series = series.filter(team__collaborative=collaborative)
    return series.values_list("pk", flat=True)


@transaction.atomic
def measure_target_set(
    *, collaborative, measure: Measure, target: Decimal | None, by, reason: str = ""
) -> CollaborativeMeasure:
    """Set the collaborative's target for a measure (creating its measure-set row if needed)."""
    row, _ = CollaborativeMeasure.objects.select_for_update().get_or_create(
        collaborative=collaborative, measure=measure, defaults={"mandatory": False}
    )
    if row.target != target:
        _setting(
            measure, "target", row.target, target, by=by, reason=reason, collaborative=collaborative
        )
        row.target = target
        row.save(update_fields=["target"])
        series_mark_stale(series_ids=_series_of_measure(measure, collaborative))
    return row


@transaction.atomic
def measure_direction_set(
    *, collaborative, measure: Measure, direction: str, by, reason: str = ""
) -> CollaborativeMeasure:
    """Set the collaborative's own direction of improvement for a library measure: its
    series' charts are redone; the library measure, and every other collaborative's
    charts, are left as they are. The library's direction is stored as no override."""
    if direction not in Measure.Direction.values:
        raise ValueError(f"Unknown direction {direction!r}")
    row, _ = CollaborativeMeasure.objects.select_for_update().get_or_create(
        collaborative=collaborative, measure=measure, defaults={"mandatory": False}
    )
    new = "" if direction == measure.direction else direction
    if row.improvement_direction != direction or row.direction != new:
        _setting(
            measure,
            "direction",
            row.improvement_direction,
            direction,
            by=by,
            reason=reason,
            collaborative=collaborative,
        )
        row.direction = new
        row.save(update_fields=["direction"])
        series_mark_stale(series_ids=_series_of_measure(measure, collaborative))
    return row


@transaction.atomic
def measure_settings_set(*, measure: Measure, by, reason: str = "", **fields) -> Measure:
    """Change a measure's own direction or chart type; every chart of the measure is redone.
    For a team's custom measure, or a library measure's defaults (the Django admin); a
    collaborative sets its own direction with `measure_direction_set`."""
    allowed = {"direction", "chart_type"}
    if set(fields) - allowed:
        raise ValueError(f"Only {', '.join(sorted(allowed))} may be set here")
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    changed = [name for name, value in fields.items() if getattr(measure, name) != value]
    for name in changed:
        _setting(measure, name, getattr(measure, name), fields[name], by=by, reason=reason)
        setattr(measure, name, fields[name])
    if changed:
        measure.full_clean(validate_unique=False)
        measure.save(update_fields=changed)
        series_mark_stale(series_ids=_series_of_measure(measure))
    return measure


@transaction.atomic
def collaborative_rules_set(
    *, collaborative, by=None, **fields
):  # fields: rule_convention, shift_length, trend_length
    """Change a collaborative's rule convention or rule lengths; its charts are redone."""
    allowed = {"rule_convention", "shift_length", "trend_length"}
    if set(fields) - allowed:
        raise ValueError(f"Only {', '.join(sorted(allowed))} may be set here")
    changed = [name for name, value in fields.items() if getattr(collaborative, name) != value]
    for name in changed:
        setattr(collaborative, name, fields[name])
    if changed:
        collaborative.save(update_fields=changed)
        series_mark_stale(
            series_ids=Series.objects.filter(team__collaborative=collaborative).values_list(
                "pk", flat=True
            )
        )
    return collaborative
