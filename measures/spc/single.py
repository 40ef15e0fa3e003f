"""One series at a time: ``chart`` and one function per chart type.

``run_chart``, ``i_chart``, ``p_chart``, ``pp_chart``, ``u_chart``, ``up_chart``, ``c_chart``,
``g_chart`` and ``t_chart`` take plain sequences and return a ``ChartResult``; ``chart`` takes
the chart type as an argument. Each is a batch of one through ``compute_batch``, so a series
computed alone and in a batch of thousands gives the same numbers.
"""

from .batch import compute_batch
from .charts import ChartResult
from .spec import SeriesSpec


def chart(chart_type: str, y, n=None, **options) -> ChartResult:
    """Compute one chart. ``options`` are ``SeriesSpec`` fields (freeze, breaks, exclude,
    astronomical, convention, rules, target, improvement, labels)."""
    return compute_batch([SeriesSpec(chart=chart_type, y=y, n=n, **options)]).result(0)


def run_chart(y, n=None, **options) -> ChartResult:
    """Run chart: median centre line; Anhoej's or the IHI run chart rules."""
    options.setdefault("convention", "ihi")
    return chart("run", y, n, **options)


def i_chart(y, **options) -> ChartResult:
    """I (XmR) chart: mean, limits from the screened average moving range."""
    return chart("i", y, None, **options)


def p_chart(y, n, **options) -> ChartResult:
    """P chart: proportions y / n, limits from each point's own denominator."""
    return chart("p", y, n, **options)


def pp_chart(y, n, **options) -> ChartResult:
    """Laney's P' chart: P chart limits widened by the moving range of z-scores."""
    return chart("pp", y, n, **options)


def u_chart(y, n, **options) -> ChartResult:
    """U chart: rates y / n per unit of exposure, limits from each point's exposure."""
    return chart("u", y, n, **options)


def up_chart(y, n, **options) -> ChartResult:
    """Laney's U' chart."""
    return chart("up", y, n, **options)


def c_chart(y, **options) -> ChartResult:
    """C chart: counts, limits mean +/- 3 sqrt(mean)."""
    return chart("c", y, None, **options)


def g_chart(y, **options) -> ChartResult:
    """G chart: opportunities (or days) between rare events; median centre, mean limits."""
    return chart("g", y, None, **options)


def t_chart(y, **options) -> ChartResult:
    """T chart: time between rare events, an I chart of y ** (1 / 3.6) transformed back."""
    return chart("t", y, None, **options)
