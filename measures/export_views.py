"""Downloads of measure data: a series, a team or a collaborative, as CSV or XLSX."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from governance import access
from measures.completeness import completeness_matrix
from measures.exporters import MeasureDataExporter
from measures.models import Series


def _download(request: HttpRequest, exporter: MeasureDataExporter, fmt: str) -> HttpResponse:
    if fmt not in exporter.formats:
        raise Http404("No such format")
    sheet = "definitions" if request.GET.get("sheet") == "definitions" else "data"
    filename, content_type, content = exporter.render(fmt, sheet=sheet)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def series_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    series = access.series_for(request.user, pk)
    qs = Series.objects.filter(pk=series.pk)
    name = f"{series.team} {series.measure.name}"
    exporter = MeasureDataExporter(qs, name=name, today=timezone.localdate(), viewer=request.user)
    return _download(request, exporter, fmt)


@login_required
def team_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    team = access.team_for(request.user, pk)
    qs = access.visible(Series.objects.filter(team=team), request.user)
    exporter = MeasureDataExporter(
        qs, name=str(team), today=timezone.localdate(), viewer=request.user
    )
    return _download(request, exporter, fmt)


@login_required
def collaborative_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    collaborative = access.collaborative_for(request.user, pk, access.EXPORT)
    qs = access.visible(Series.objects.filter(team__collaborative=collaborative), request.user)
    exporter = MeasureDataExporter(
        qs, name=collaborative.name, today=timezone.localdate(), viewer=request.user
    )
    return _download(request, exporter, fmt)


@login_required
def completeness(request: HttpRequest, pk: int) -> HttpResponse:
    """Teams by month, coloured by complete, partial and missing data."""
    collaborative = access.collaborative_for(request.user, pk, access.MONITOR)
    months, rows = completeness_matrix(collaborative, today=timezone.localdate())
    return render(
        request,
        "measures/completeness.html",
        {"collaborative": collaborative, "months": months, "rows": rows},
    )
