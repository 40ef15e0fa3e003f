"""The site's URLs plus one page that prints a series' raw figures and its team's name,
unguarded: the disclosure matrix must notice both that it is unclassified and what it shows."""

from django.http import HttpResponse
from django.urls import include, path

from measures.models import DataPoint, Series


def leaky_series(request, pk):
    series = Series.objects.select_related("team__organisation").get(pk=pk)
    points = DataPoint.objects.filter(series=series)
    rows = [f"{p.numerator} / {p.denominator}" for p in points]
    return HttpResponse(f"{series.team.full_name}: " + "; ".join(rows))


urlpatterns = [
    path("", include("collab.urls")),
    path("leaky/series/<int:pk>/", leaky_series, name="leaky_series"),
]
