"""The import template: a collaborative's teams, measures and periods laid out for values."""

import datetime as dt

from django.db.models import QuerySet
from django.utils.text import slugify

from measures.exporters.data import CONTENT_TYPES
from measures.exporters.formats import render_csv, render_xlsx
from measures.models import Measure, Series
from measures.periods import last_periods

HEADER = ["team", "measure", "period", "numerator", "denominator"]


class ImportTemplateExporter:
    """One row per team, measure and recent period, values blank; uploads back as it is."""

    identifier = "import_template"
    verbose_name = "Import template"
    formats = tuple(CONTENT_TYPES)

    def __init__(self, series: QuerySet[Series], *, name: str, today: dt.date):
        self.series = series
        self.name = name
        self.today = today

    def rows(self):
        yield HEADER
        series = self.series.select_related("team__organisation", "measure").order_by(
            "team__organisation__name", "team__unit", "measure__name"
        )
        for s in series:
            if s.measure.frequency == Measure.Frequency.EVENT:
                continue
            for period in last_periods(s.measure.frequency, self.today):
                yield [str(s.team), s.measure.name, period.isoformat(), None, None]

    def render(self, fmt: str) -> tuple[str, str, bytes]:
        base = f"{slugify(self.name) or 'collaborative'}-import-template"
        if fmt == "csv":
            return f"{base}.csv", CONTENT_TYPES["csv"], render_csv(self.rows())
        if fmt == "xlsx":
            return f"{base}.xlsx", CONTENT_TYPES["xlsx"], render_xlsx([("Data", self.rows())])
        raise ValueError(f"Unknown format {fmt!r}")
