"""The data-entry grid: a team's page of cells, one cell's save, one cell's history."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance import access, disclosure
from measures.events import event_add, event_remove, events_list
from measures.forms import EventForm
from measures.grid import cell_for, grid_tables
from measures.models import DataPoint, DataPointRevision, Series
from measures.numbers import decimal_text
from measures.writes import DataPointConflict, DataPointInvalid, PointChange, datapoints_write

EVENTS_SHOWN = 24


def _period(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Http404("No such period") from None


def _int(value, default: int = 0) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default


def _value(point) -> str:
    if point is None:
        return "nothing"
    n = decimal_text(point[0]) if point[0] is not None else "nothing"
    if point[1] is None:
        return n
    return f"{n} / {decimal_text(point[1])}"


@login_required
def team_grid(request: HttpRequest, pk: int) -> HttpResponse:
    """A team's grid, or one series' grid beside its measure's operational definition."""
    team = access.team_for(request.user, pk)
    series_list = list(
        access.visible(Series.objects.filter(team=team), request.user)
        .filter(measure__archived_at__isnull=True)
        .select_related("measure", "team__collaborative")
        .order_by("measure__name")
    )
    may_edit = access.can(request.user, access.EDIT_DATA, team)
    tables = grid_tables(
        series_list,
        today=timezone.localdate(),
        editable=lambda s: may_edit,
        scope=disclosure.scope_for(request.user, team.collaborative),
    )
    return render(
        request,
        "measures/grid.html",
        {
            "team": team,
            "tables": tables,
            "event_series": [s for s in series_list if s.measure.is_event_dated],
            "may_edit": may_edit,
            "series": None,
            "may_manage": access.can(request.user, access.MANAGE_TEAM, team),
        },
    )


@login_required
def series_grid(request: HttpRequest, pk: int) -> HttpResponse:
    """One measure's row of the grid with its operational definition beside it."""
    series = access.series_for(request.user, pk)
    if series.measure.is_event_dated:
        return _events_page(request, series, form=None)
    may_edit = access.can(request.user, access.EDIT_DATA, series)
    tables = grid_tables(
        [series],
        today=timezone.localdate(),
        editable=lambda s: may_edit,
        scope=disclosure.scope_for(request.user, series.team.collaborative),
    )
    return render(
        request,
        "measures/grid.html",
        {"team": series.team, "tables": tables, "may_edit": may_edit, "series": series},
    )


@login_required
@require_POST
def cell_save(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    """Save one cell through the one write path, with the version the user saw.

    Invalid values come back in the cell with their reasons; a cell someone else changed
    since the page was opened comes back with their value and a conflict message, and the
    user's value is not written over theirs.
    """
    series = access.series_for(request.user, pk, access.EDIT_DATA)
    period_start = _period(period)
    numerator = request.POST.get("numerator", "").strip()
    denominator = request.POST.get("denominator", "").strip()
    expected = _int(request.POST.get("expected_version"))
    reason = request.POST.get("reason", "").strip()[:500]
    change = PointChange(
        period_start,
        numerator or None,
        (denominator or None) if series.measure.has_denominator else None,
    )
    try:
        datapoints_write(
            series=series,
            changes=[change],
            by=request.user,
            source=DataPointRevision.Source.GRID,
            reason=reason,
            expected_versions={period_start: expected},
        )
    except DataPointInvalid as e:
        cell = cell_for(series, period_start, editable=True)
        cell.version = expected
        cell.numerator, cell.denominator = numerator, denominator
        for error in e.errors:
            cell.errors.setdefault(error.field, []).append(f"The {error.field} {error.reason}")
        status = 200
    except DataPointConflict:
        cell = cell_for(series, period_start, editable=True)
        mine = f"{numerator or 'nothing'}" + (f" / {denominator}" if denominator else "")
        theirs = DataPoint.objects.filter(series=series, period_start=period_start).first()
        now = _value((theirs.numerator, theirs.denominator)) if theirs else "nothing"
        cell.conflict = (
            f"Someone else changed this since you opened the page: it is now {now}. "
            f"Your value ({mine}) was not saved; enter it again to replace theirs."
        )
        status = 409 if not request.htmx else 200
    else:
        cell = cell_for(series, period_start, editable=True)
        cell.saved = True
        status = 200
    cell.row_index = _int(request.POST.get("row"))
    cell.col_index = _int(request.POST.get("col"))
    if not request.htmx:
        problem = cell.conflict or "; ".join(m for ms in cell.errors.values() for m in ms)
        if problem:
            messages.error(request, f"{series.measure.name}, {period_start:%b %Y}: {problem}")
        else:
            messages.success(request, "Saved.")
        return redirect("measures:team_grid", pk=series.team_id)
    return render(request, "measures/grid.html#cell", {"cell": cell}, status=status)


@login_required
def cell_history(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    """Every change to one cell: who, when, old and new value, and why."""
    series = access.series_for(request.user, pk)
    period_start = _period(period)
    scope = disclosure.scope_for(request.user, series.team.collaborative)

    def shown(numerator, denominator) -> str:
        out = disclosure.disclose_for(series.measure, numerator, denominator, scope=scope)
        return out["numerator"] + (f" / {out['denominator']}" if out["denominator"] else "")

    # An event-dated measure's cell is a date: outside the collaborative, whether it has a
    # history would tell which days had an event, so no date's history is shown there.
    withheld = not disclosure.event_dates_shown(scope, series.measure)
    history = DataPointRevision.objects.filter(series=series, period_start=period_start)
    revisions = [
        {
            "revision": r,
            "old": shown(r.old_numerator, r.old_denominator)
            if r.old_numerator is not None
            else "nothing",
            "new": shown(r.new_numerator, r.new_denominator)
            if r.new_numerator is not None
            else "nothing (cleared)",
        }
        for r in (history.none() if withheld else history)
        .select_related("changed_by__person")
        .order_by("-changed_at", "-id")
    ]
    context = {
        "series": series,
        "period_start": period_start,
        "revisions": revisions,
        "withheld": withheld,
    }
    if request.htmx:
        return render(request, "measures/cell_history.html#history", context)
    return render(request, "measures/cell_history.html", context)


def _events_page(request: HttpRequest, series: Series, *, form, status: int = 200):
    """An event-dated measure's page: the events so far, and a form for the next one."""
    may_edit = access.can(request.user, access.EDIT_DATA, series)
    counts_cases = series.measure.chart_type == series.measure.ChartType.G
    if form is None and may_edit:
        form = EventForm(counts_cases=counts_cases, initial={"seen_version": series.data_version})
    # Each date is an event that happened to a patient: outside the collaborative the
    # list is not shown (the chart shows the days between); inside, the figures pass the
    # one disclosure gate like every other.
    scope = disclosure.scope_for(request.user, series.team.collaborative)
    events = events_list(series) if disclosure.event_dates_shown(scope, series.measure) else []
    shown = [
        (
            event,
            disclosure.disclose_for(series.measure, event.events, event.cases_between, scope=scope),
        )
        for event in events[:EVENTS_SHOWN]
    ]
    return render(
        request,
        "measures/events.html",
        {
            "series": series,
            "team": series.team,
            "form": form,
            "may_edit": may_edit,
            "counts_cases": counts_cases,
            "events": shown,
            "inside": scope.inside,
            "more_events": max(0, len(events) - EVENTS_SHOWN),
        },
        status=status,
    )


# What each field of the write path is called on the event form.
EVENT_FIELDS = {
    "period": ("day", "The date of the event"),
    "denominator": ("cases_between", "The cases since the previous event"),
    "numerator": ("day", "The number of events on this date"),
}


@login_required
@require_POST
def event_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Record one event through the one write path; errors come back in the form."""
    series = access.series_for(request.user, pk, access.EDIT_DATA)
    if not series.measure.is_event_dated:
        raise Http404("This measure is entered in the grid")
    counts_cases = series.measure.chart_type == series.measure.ChartType.G
    form = EventForm(request.POST, counts_cases=counts_cases)
    if not form.is_valid():
        return _events_page(request, series, form=form, status=400)
    day = form.cleaned_data["day"]
    try:
        event_add(
            series=series,
            day=day,
            cases_between=form.cleaned_data.get("cases_between"),
            by=request.user,
            seen_data_version=form.cleaned_data["seen_version"],
        )
    except DataPointInvalid as e:
        for error in e.errors:
            name, label = EVENT_FIELDS.get(error.field, ("day", f"The {error.field}"))
            if name not in form.fields:
                name, label = "day", f"The {error.field}"
            form.add_error(name, f"{label} {error.reason}")
        return _events_page(request, series, form=form, status=400)
    except DataPointConflict:
        series.refresh_from_db(fields=["data_version"])
        data = request.POST.copy()
        data["seen_version"] = str(series.data_version)
        form = EventForm(data, counts_cases=counts_cases)
        form.is_valid()
        form.add_error(
            "day",
            "Someone else changed this measure's events since you opened this page, and "
            f"{day:%-d %B %Y} already has one: check the list below, then save again if "
            "this event is still missing",
        )
        return _events_page(request, series, form=form, status=409)
    messages.success(request, f"{series.measure.name}: recorded the event on {day:%-d %B %Y}.")
    if request.POST.get("back") == "team":
        return redirect("measures:team_grid", pk=series.team_id)
    return redirect("measures:series_grid", pk=series.pk)


@login_required
@require_POST
def event_delete(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    """Remove the events of one date, if nobody changed them since the page was opened."""
    series = access.series_for(request.user, pk, access.EDIT_DATA)
    if not series.measure.is_event_dated:
        raise Http404("This measure is entered in the grid")
    day = _period(period)
    try:
        event_remove(
            series=series, day=day, version=_int(request.POST.get("version")), by=request.user
        )
    except DataPointConflict:
        messages.error(
            request,
            f"The events on {day:%-d %B %Y} changed since you opened this page: they were not "
            "removed. Check the list and try again.",
        )
    else:
        messages.success(request, f"Removed the events on {day:%-d %B %Y}; the history keeps them.")
    return redirect("measures:series_grid", pk=series.pk)
