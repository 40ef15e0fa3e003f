"""`manage.py recompute_charts`: every chart (or one collaborative's) through the batch task."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from measures.data import series_inputs
from measures.models import ChartResult, DataPointRevision, RecomputeJob
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_recomputes_every_chart_or_one_collaboratives():
    cast = build_cast()
    for series in (cast.alpha_series, cast.delta_series):
        datapoints_write(
            series=series,
            changes=[PointChange(dt.date(2024, m, 1), m % 4 + 1, 500) for m in range(1, 13)],
            by=None,
            source=DataPointRevision.Source.IMPORT,
            today=dt.date(2025, 1, 1),
        )
    ChartResult.objects.all().delete()

    out = StringIO()
    call_command("recompute_charts", "--collaborative", str(cast.falls.pk), stdout=out)
    assert "Recomputed 3 charts" in out.getvalue() and "[####" in out.getvalue()
    falls_series = {cast.alpha_series.pk, cast.beta_series.pk, cast.alpha_custom_series.pk}
    assert set(ChartResult.objects.values_list("series_id", flat=True)) == falls_series
    empty = ChartResult.objects.get(series=cast.beta_series)  # no data yet: says so
    assert (empty.n_points, empty.status) == (0, "insufficient_data")
    call_command("recompute_charts", "--chunk", "2", stdout=StringIO())
    for series in (cast.alpha_series, cast.delta_series):
        wanted = series_inputs([series.pk])[series.pk].inputs_hash
        assert ChartResult.objects.filter(series=series, inputs_hash=wanted).exists()
    assert not RecomputeJob.objects.exclude(status="done").exists()
