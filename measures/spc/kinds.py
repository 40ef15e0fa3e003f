"""The chart kinds: one enum that the statistics core computes, the app stores and every page
names, with the one table of their words.

``ChartKind`` is a plain ``enum.StrEnum`` (no Django): a member *is* its code (``ChartKind.P
== "p"``), so it goes wherever a chart's code went. ``measures.models.MeasureChartType``
(the measure's choices) is built from it, so adding a kind here offers it in the measure
form; what it computes is its entry in ``engine.SCALES``.

The stored code of the I chart: the core says ``"i"``, ``Measure.chart_type`` holds
``"xmr"`` (its other name: individuals and moving range). The stored value is kept, not
migrated, because it is also in the append-only history of measure settings and in the
API's ``chart_type``; this module is the one place that maps the two: ``ChartKind("xmr")`` is
``ChartKind.I``, and ``ChartKind.I.code`` is ``"xmr"``. The core's own inputs
(``SeriesSpec.chart``, the command line) take the core's codes only.
"""

import enum


class ChartKind(enum.StrEnum):
    """A chart type. Each member carries its words: ``label`` (what the measure form offers and
    exports show), ``short_label`` (what a sentence calls it: "P chart of ...") and
    ``axis_title`` (the value axis's title when the measure names no unit)."""

    def __new__(cls, value: str, label: str, short_label: str, axis_title: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.short_label = short_label
        member.axis_title = axis_title
        return member

    # The one label table.
    # code  label (the measure form)                             sentence         axis, no unit
    RUN = "run", "Run chart", "Run chart", "Value"
    I = "i", "I chart (XmR)", "I chart (XmR)", "Value"  # noqa: E741 (the I chart's name)
    P = "p", "P chart (proportion)", "P chart", "Proportion"
    PP = "pp", "P′ chart (Laney)", "P′ chart (Laney)", "Proportion"
    U = "u", "U chart (rate)", "U chart", "Rate"
    UP = "up", "U′ chart (Laney)", "U′ chart (Laney)", "Rate"
    C = "c", "C chart (count)", "C chart", "Count"
    G = "g", "G chart (opportunities or days between events)", "G chart", "Cases between events"
    T = "t", "T chart (time between events)", "T chart", "Days between events"

    @classmethod
    def _missing_(cls, value):
        return _BY_STORED_CODE.get(value)

    @classmethod
    def of(cls, code) -> "ChartKind | None":
        """The kind of a core or stored code; None for None or a code that is no kind."""
        try:
            return cls(code)
        except ValueError:
            return None

    @property
    def code(self) -> str:
        """What ``Measure.chart_type`` stores for this kind (see the module docstring)."""
        return _STORED_CODE.get(self, self.value)

    @property
    def is_ratio(self) -> bool:
        """Points are y / n: the measure needs a denominator, and its shown values are the
        rate times the measure's multiplier (P, P', U, U')."""
        return self in RATIO

    @property
    def is_proportion(self) -> bool:
        """A ratio of part to whole, within 0 and 1, shown as a percentage (P, P')."""
        return self in PROPORTION

    @property
    def is_event(self) -> bool:
        """Charts of an event-dated series, one row per event (G, T); every other kind
        reads weekly or monthly periods."""
        return self in EVENT

    @property
    def is_count(self) -> bool:
        """The numerator counts something (people, events, cases), so it is a whole number
        and never negative, nor is anything the chart shows: every kind but the run and I
        charts, which may chart any measurement (minutes, scores, a change)."""
        return self in COUNT


# The stored code where it is not the core's (the module docstring says why).
_STORED_CODE = {ChartKind.I: "xmr"}
_BY_STORED_CODE = {code: kind for kind, code in _STORED_CODE.items()}

CHARTS = tuple(k.value for k in ChartKind)
RATIO = frozenset({ChartKind.P, ChartKind.PP, ChartKind.U, ChartKind.UP})
PROPORTION = frozenset({ChartKind.P, ChartKind.PP})
EVENT = frozenset({ChartKind.G, ChartKind.T})
COUNT = frozenset(ChartKind) - {ChartKind.RUN, ChartKind.I}
