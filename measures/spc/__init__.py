"""Statistical process control: run charts, control charts and funnel plots.

Pure functions on numpy arrays (scipy for distributions); no Django, no plotting, no I/O.
See README.md beside this file for the conventions, the command lines and the sources.
"""

from .batch import BatchResult, compute_batch
from .charts import ChartResult, Phase, Point, Signal, Verdict
from .kinds import CHARTS, ChartKind
from .single import (
    c_chart,
    chart,
    g_chart,
    i_chart,
    p_chart,
    pp_chart,
    run_chart,
    t_chart,
    u_chart,
    up_chart,
)
from .spec import CONVENTIONS, STATUSES, SeriesSpec

__all__ = [
    "CHARTS",
    "CONVENTIONS",
    "STATUSES",
    "BatchResult",
    "ChartKind",
    "ChartResult",
    "Phase",
    "Point",
    "SeriesSpec",
    "Signal",
    "Verdict",
    "c_chart",
    "chart",
    "compute_batch",
    "g_chart",
    "i_chart",
    "p_chart",
    "pp_chart",
    "run_chart",
    "t_chart",
    "u_chart",
    "up_chart",
]
