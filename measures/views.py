"""The chart page of a series, its htmx panel, and the edits that reshape the chart."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from collaboratives.models import PDSACycle
from governance import access, disclosure
from measures import edits, figures
from measures.data import series_inputs
from measures.forms import (
    AnnotationForm,
    MeasureSettingsForm,
    PhaseForm,
    PointMarkForm,
    RemovalForm,
)
from measures.models import Annotation, ChartResult, CollaborativeMeasure, RecomputeJob
from measures.recompute import series_mark_stale

POLL_SECONDS = 2
STOP_POLLING = 286  # htmx stops polling on this status and swaps the content in


def chart_panel(series, *, heal: bool = True, scope=disclosure.INSIDE) -> dict:
    """What the panel shows: the fresh result, or the last one while the chart catches up.

    A result is fresh when it was computed from today's inputs (its hash matches). When
    none is and no job is pending (say the code that computes charts changed), the
    series is marked stale here, so the page never waits for work nobody will do.
    A viewer outside the collaborative (`scope`) of a measure that follows the
    small-number rules sees the chart of the published figures instead, drawn now.
    """
    inp = series_inputs([series.pk]).get(series.pk)
    has_data = bool(inp.x or inp.in_progress)  # a first value may be in progress only
    published = disclosure.publisher(scope, series.measure) is not None
    if published:
        result = disclosure.published_charts([series]).get(series.pk)
        job, fresh = None, True
        has_data = has_data and result is not None  # every period may be suppressed
    else:
        result = ChartResult.objects.filter(series=series, inputs_hash=inp.inputs_hash).first()
        job = RecomputeJob.objects.filter(series=series).first()
        fresh = result is not None
    if not fresh:
        result = ChartResult.objects.filter(series=series).order_by("-computed_at").first()
        if heal and has_data and (job is None or job.status == RecomputeJob.Status.DONE):
            series_mark_stale(series_ids=[series.pk])
            job = RecomputeJob.objects.filter(series=series).first()
    failed = not fresh and job is not None and job.status == RecomputeJob.Status.FAILED
    panel = {
        "series": series,
        "measure": series.measure,
        "result": result,
        "fresh": fresh,
        "failed": failed,
        "job": job,
        "empty": not has_data,
        "poll": not fresh and not failed and has_data,
        "poll_seconds": POLL_SECONDS,
    }
    if result is not None:
        notes = [figures.Marker(a["date_obj"], a["text"]) for a in _annotation_dates(inp)]
        cycles = [
            figures.Marker(
                c.planned_start,
                f"{c.title} (tests {series.measure.name}; {c.get_status_display()})",
            )
            for c in PDSACycle.objects.filter(team=series.team, measures=series.measure)
            .filter(archived_at__isnull=True)
            .order_by("planned_start")
        ]
        panel["figure"] = figures.served(
            result,
            disclosure.chart_view_for(scope, series.measure),
            title=series.measure.name,
            unit=series.measure.unit,
            multiplier=inp.multiplier,
            annotations=notes,
            cycles=cycles,
        )
        panel["rows"] = figures.point_rows(result, multiplier=inp.multiplier, annotations=notes)
        panel["in_progress_rows"] = figures.in_progress_rows(result, multiplier=inp.multiplier)
        panel["target_shown"] = None if result.target is None else result.target * inp.multiplier
        panel["cycles"] = cycles
        panel["words"] = figures.words(result)
        panel["baseline_words"] = figures.baseline_words(result, joined_on=series.team.joined_on)
        panel["figure_id"] = f"chart-figure-{series.pk}"
        first = result.verdict_first_index
        panel["verdict_from"] = (
            dt.date.fromisoformat(result.x[first]) if first is not None else None
        )
    return panel


def _annotation_dates(inp):
    return [{**a, "date_obj": dt.date.fromisoformat(a["date"])} for a in inp.annotations]


def _direction(series) -> str:
    """The direction the series' charts are read in: the collaborative's own for a library
    measure, or the measure's."""
    row = CollaborativeMeasure.objects.filter(
        collaborative=series.team.collaborative, measure=series.measure
    ).first()
    return row.improvement_direction if row is not None else series.measure.direction


def _forms(series, panel, user, data=None, which=None):
    """The edit forms the user may use; `which` names the one bound to `data`."""
    result = panel["result"]
    out = {}
    if result is None or series.team.collaborative.is_read_only:
        return out
    if access.can(user, access.EDIT_DATA, series):
        phases = series.phases.all()
        marks = series.marks.all()

        def bound(name):
            return data if which == name else None

        out["phase_form"] = PhaseForm(
            bound("phase"),
            result=result,
            existing=[p.start_period for p in phases],
            prefix="phase",
        )
        out["mark_form"] = PointMarkForm(
            bound("mark"),
            result=result,
            existing=[(m.period_start, m.kind) for m in marks],
            prefix="mark",
        )
        out["annotation_form"] = AnnotationForm(bound("annotation"), prefix="annotation")
        out["phases"] = phases
        out["marks"] = marks
        out["annotations"] = Annotation.objects.filter(series=series)
    if access.can_set_measure(user, series):
        target = (
            CollaborativeMeasure.objects.filter(
                collaborative=series.team.collaborative, measure=series.measure
            )
            .values_list("target", flat=True)
            .first()
        )
        out["settings_form"] = MeasureSettingsForm(
            data if which == "settings" else None,
            initial={"target": target, "direction": _direction(series)},
            prefix="settings",
        )
    return out


@login_required
def series_chart(request: HttpRequest, pk: int) -> HttpResponse:
    """The chart page of one series; with htmx, just its panel (the polling target)."""
    series = access.series_for(request.user, pk)
    panel = chart_panel(series, scope=disclosure.scope_for(request.user, series.team.collaborative))
    if request.htmx:
        response = render(request, "measures/series_chart.html#panel", panel)
        if not panel["poll"]:
            response.status_code = STOP_POLLING
        return response
    return _page(request, series, panel)


def _page(request, series, panel, *, which=None, status=200):
    context = {
        **panel,
        **_forms(series, panel, request.user, request.POST if which else None, which),
        "history": series.chart_edits.select_related("changed_by")[:20],
        "which": which,
        "form_errors": which is not None,
    }
    return render(request, "measures/series_chart.html", context, status=status)


def _edit(request, pk, which, form_key, act):
    series = access.series_for(request.user, pk, access.EDIT_DATA)
    panel = chart_panel(series)
    forms = _forms(series, panel, request.user, request.POST, which)
    form = forms.get(form_key)
    if form is None:
        raise Http404("Nothing to edit on this chart yet")
    if not form.is_valid():
        return _page(request, series, panel, which=which, status=400)
    message = act(series, form.cleaned_data)
    messages.success(request, f"{message} The chart is being recomputed.")
    return redirect("measures:series_chart", pk=series.pk)


@login_required
@require_POST
def phase_add(request: HttpRequest, pk: int) -> HttpResponse:
    def act(series, data):
        edits.phase_add(
            series=series, start_period=data["start_period"], reason=data["reason"], by=request.user
        )
        return f"New phase from {data['start_period']:%d %b %Y} added."

    return _edit(request, pk, "phase", "phase_form", act)


@login_required
@require_POST
def mark_add(request: HttpRequest, pk: int) -> HttpResponse:
    def act(series, data):
        edits.point_mark_add(
            series=series,
            period_start=data["period_start"],
            kind=data["kind"],
            reason=data["reason"],
            by=request.user,
        )
        return f"The point of {data['period_start']:%d %b %Y} is marked."

    return _edit(request, pk, "mark", "mark_form", act)


@login_required
@require_POST
def annotation_add(request: HttpRequest, pk: int) -> HttpResponse:
    def act(series, data):
        edits.annotation_add(series=series, date=data["date"], text=data["text"], by=request.user)
        return "Annotation added."

    return _edit(request, pk, "annotation", "annotation_form", act)


@login_required
@require_POST
def settings_set(request: HttpRequest, pk: int) -> HttpResponse:
    series = access.series_for(request.user, pk)
    if not access.can_set_measure(request.user, series):
        raise access.PermissionDenied
    panel = chart_panel(series)
    form = _forms(series, panel, request.user, request.POST, "settings").get("settings_form")
    if form is None:
        raise Http404("Nothing to edit on this chart yet")
    if not form.is_valid():
        return _page(request, series, panel, which="settings", status=400)
    data = form.cleaned_data
    edits.measure_target_set(
        collaborative=series.team.collaborative,
        measure=series.measure,
        target=data["target"],
        by=request.user,
        reason=data["reason"],
    )
    if series.measure.team_id is not None:  # a team's own measure: its own direction
        edits.measure_settings_set(
            measure=series.measure,
            direction=data["direction"],
            by=request.user,
            reason=data["reason"],
        )
    else:  # a library measure: this collaborative's direction, no one else's
        edits.measure_direction_set(
            collaborative=series.team.collaborative,
            measure=series.measure,
            direction=data["direction"],
            by=request.user,
            reason=data["reason"],
        )
    messages.success(request, "Target and direction saved. The chart is being recomputed.")
    return redirect("measures:series_chart", pk=series.pk)


def _remove(request, pk, item_pk, *, items: str, noun: str, remove):
    """Remove a phase or a point mark from a chart, with the reason given (the chart edits
    keep it) or, when none is, that it was removed from the chart page."""
    series = access.series_for(request.user, pk, access.EDIT_DATA)
    item = getattr(series, items).filter(pk=item_pk).first()
    if item is None:
        raise Http404(f"No such {noun} on this chart")
    form = RemovalForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else "Removed from the chart page"
    remove(item, reason=reason, by=request.user)
    messages.success(request, f"{noun.capitalize()} removed. The chart is being recomputed.")
    return redirect("measures:series_chart", pk=series.pk)


@login_required
@require_POST
def phase_remove(request: HttpRequest, pk: int, phase_pk: int) -> HttpResponse:
    def remove(phase, **kw):
        edits.phase_remove(phase=phase, **kw)

    return _remove(request, pk, phase_pk, items="phases", noun="phase", remove=remove)


@login_required
@require_POST
def mark_remove(request: HttpRequest, pk: int, mark_pk: int) -> HttpResponse:
    def remove(mark, **kw):
        edits.point_mark_remove(mark=mark, **kw)

    return _remove(request, pk, mark_pk, items="marks", noun="mark", remove=remove)
