"""The data-entry grid: a team's page of cells, one cell's save, one cell's history."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance import access, disclosure
from measures.grid import cell_for, grid_tables
from measures.models import DataPoint, DataPointRevision, Series
from measures.writes import DataPointConflict, DataPointInvalid, PointChange, datapoints_write


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
    n = f"{point[0].normalize():f}" if point[0] is not None else "nothing"
    if point[1] is None:
        return n
    return f"{n} / {point[1].normalize():f}"


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
            "may_edit": may_edit,
            "series": None,
            "may_manage": access.can(request.user, access.MANAGE_TEAM, team),
        },
    )


@login_required
def series_grid(request: HttpRequest, pk: int) -> HttpResponse:
    """One measure's row of the grid with its operational definition beside it."""
    series = access.series_for(request.user, pk)
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
        for r in DataPointRevision.objects.filter(series=series, period_start=period_start)
        .select_related("changed_by__person")
        .order_by("-changed_at", "-id")
    ]
    context = {"series": series, "period_start": period_start, "revisions": revisions}
    if request.htmx:
        return render(request, "measures/cell_history.html#history", context)
    return render(request, "measures/cell_history.html", context)
