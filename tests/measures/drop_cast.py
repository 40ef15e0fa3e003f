"""The cast with two years of monthly points on two series (Alpha's and Delta's), with a clear
drop after the first year: an improvement where lower is better, a concern otherwise, and a
signal where a new phase is earned. Shared by the chart-page and the direction tests."""

import datetime as dt

from measures.models import DataPointRevision
from measures.periods import period_starts
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast

TODAY = dt.date(2025, 6, 30)
MONTHS = list(period_starts("monthly", dt.date(2023, 1, 1), dt.date(2024, 12, 1)))


def build_cast_with_drop():
    cast = build_cast()
    for series in (cast.alpha_series, cast.delta_series):
        datapoints_write(
            series=series,
            changes=[
                PointChange(m, (9 if i < 12 else 3) + i % 3, 1000 + 10 * (i % 4))
                for i, m in enumerate(MONTHS)
            ],
            by=None,
            source=DataPointRevision.Source.IMPORT,
            today=TODAY,
        )
    return cast
