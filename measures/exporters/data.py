"""Measure data out: the points of some series, with their measures' definitions."""

import datetime as dt

from django.db.models import QuerySet
from django.utils.text import slugify

from governance import access, disclosure
from measures.exporters.formats import render_csv, render_xlsx
from measures.models import CollaborativeMeasure, DataPoint, Measure, Series

DATA_HEADER = [
    "team",
    "organisation_code",
    "measure",
    "period_start",
    "numerator",
    "denominator",
    "version",
]
DEFINITION_HEADER = [
    "measure",
    "kind",
    "frequency",
    "chart",
    "operational_definition",
    "numerator_definition",
    "denominator_definition",
    "unit",
    "multiplier",
    "direction",
]

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _cell(text: str):
    """A published figure as a spreadsheet cell: a whole number as a number, else the text
    ("*" for a suppressed count, "" for none)."""
    return int(text) if text.isdigit() else text


class MeasureDataExporter:
    """A series, a team or a collaborative's data: the caller picks which series (already
    filtered to what the user may see) and names the file."""

    identifier = "measure_data"
    verbose_name = "Measure data"
    formats = tuple(CONTENT_TYPES)

    def __init__(
        self,
        series: QuerySet[Series],
        *,
        name: str,
        today: dt.date | None = None,
        viewer=None,
    ):
        self.series = series
        self.name = name
        self.today = today or dt.date.today()
        # Who downloads it: teams are named, and figures shown, as they may see them
        # (governance.access.may_name, governance.disclosure); None for the raw data.
        self.viewer = viewer

    def rows(self):
        """The header, then one row per data point: team, measure, period and values. An
        event-dated series the viewer may not see the dates of gives one row per month
        instead (governance.disclosure.event_months), with no version."""
        yield DATA_HEADER
        points = (
            DataPoint.objects.filter(series__in=self.series)
            .select_related(
                "series__team__organisation", "series__team__collaborative", "series__measure"
            )
            .order_by("series__team_id", "series__measure__name", "series_id", "period_start")
        )
        teams, scopes = {}, {}
        withheld = []  # the points of the event-dated series being read, to roll up
        for p in points.iterator(chunk_size=2000):
            if withheld and withheld[0].series_id != p.series_id:
                yield from self._event_month_rows(withheld, teams, scopes)
                withheld = []
            team = p.series.team
            if self.viewer is None:
                yield [str(team), team.organisation.ods_code, p.series.measure.name,
                       p.period_start, p.numerator, p.denominator, p.version]  # fmt: skip
                continue
            if team.pk not in teams:
                named = access.may_name(self.viewer, team)
                teams[team.pk] = (
                    (team.full_name, team.organisation.ods_code) if named else (team.pseudonym, "")
                )
                if team.collaborative_id not in scopes:
                    scopes[team.collaborative_id] = disclosure.scope_for(
                        self.viewer, team.collaborative
                    )
            label, code = teams[team.pk]
            scope = scopes[team.collaborative_id]
            if not disclosure.event_dates_shown(scope, p.series.measure):
                withheld.append(p)
                continue
            if scope.inside:
                numerator, denominator = p.numerator, p.denominator
            else:
                shown = disclosure.disclose_for(
                    p.series.measure, p.numerator, p.denominator, scope=scope
                )
                numerator, denominator = map(_cell, (shown["numerator"], shown["denominator"]))
            yield [label, code, p.series.measure.name, p.period_start, numerator, denominator,
                   p.version]  # fmt: skip
        if withheld:
            yield from self._event_month_rows(withheld, teams, scopes)

    @staticmethod
    def _event_month_rows(points, teams, scopes):
        """One event-dated series' events summed per month, as its viewer may see them."""
        series = points[0].series
        label, code = teams[series.team_id]
        months = disclosure.event_months(
            series.measure,
            [(p.period_start, p.numerator, p.denominator) for p in points],
            scope=scopes[series.team.collaborative_id],
        )
        for month, numerator, denominator in months:
            yield [label, code, series.measure.name, month, _cell(numerator), _cell(denominator),
                   ""]  # fmt: skip

    def definition_rows(self):
        """The header, then one row per measure in the export."""
        yield DEFINITION_HEADER
        measures = Measure.objects.filter(series__in=self.series).distinct().order_by("name")
        # The direction the charts read: a collaborative's own, when the export is of one.
        collaboratives = set(self.series.values_list("team__collaborative_id", flat=True))
        own = (
            dict(
                CollaborativeMeasure.objects.filter(
                    collaborative_id__in=collaboratives, measure__in=measures
                )
                .exclude(direction="")
                .values_list("measure_id", "direction")
            )
            if len(collaboratives) == 1
            else {}
        )
        for m in measures:
            yield [
                m.name,
                m.get_kind_display(),
                m.get_frequency_display(),
                m.get_chart_type_display(),
                m.operational_definition,
                m.numerator_definition,
                m.denominator_definition,
                m.unit,
                m.multiplier,
                Measure.Direction(own[m.pk]).label if m.pk in own else m.get_direction_display(),
            ]

    def render(self, fmt: str, *, sheet: str = "data") -> tuple[str, str, bytes]:
        """(filename, content type, bytes). CSV has one sheet: `sheet` picks data or definitions."""
        base = f"{slugify(self.name) or 'export'}-{self.today:%Y-%m-%d}"
        if fmt == "csv":
            if sheet == "definitions":
                return (
                    f"{base}-definitions.csv",
                    CONTENT_TYPES["csv"],
                    render_csv(self.definition_rows()),
                )
            return f"{base}.csv", CONTENT_TYPES["csv"], render_csv(self.rows())
        if fmt == "xlsx":
            content = render_xlsx(
                [("Data", self.rows()), ("Measure definitions", self.definition_rows())]
            )
            return f"{base}.xlsx", CONTENT_TYPES["xlsx"], content
        raise ValueError(f"Unknown format {fmt!r}")
