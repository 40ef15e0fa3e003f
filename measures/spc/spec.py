"""What a chart is asked to compute: the input of one series, and the names of the codes
the engine uses in its arrays."""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import constants as K
from .kinds import CHARTS, ChartKind

CONVENTIONS = ("anhoej", "mdc", "ihi")
IMPROVEMENTS = ("up", "down", None)

RULES = (
    None,
    "outside_limits",
    "trend",
    "two_of_three",
    "shift",
    "inner_third",
    "astronomical",
    "runs",  # Anhoej's longest run, used only by the verdict (runs signals are per phase)
)
POINT_TYPES = ("common_cause", "improvement", "concern", "neutral_high", "neutral_low")
VARIATIONS = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
)
ASSURANCES = (None, "pass", "fail", "hit_or_miss")
#: The verdict's statuses, in the order they are decided (README.md, "The verdict").
STATUSES = ("improved", "deteriorated", "not_sustained", "no_change", "insufficient_data")
#: Sides of a verdict history entry: with a direction of improvement, and without one.
SIDES = ("improvement", "concern", "high", "low")


FLOAT64 = np.dtype(np.float64)  # numpy's one native float64 dtype: ``is`` finds it cheaply


def _floats(values, length=None) -> np.ndarray:
    if values is None:
        return np.full(length or 0, np.nan)
    # any other float64 dtype (one with metadata, say) takes the asarray path, same values
    if type(values) is np.ndarray and values.dtype is FLOAT64 and values.ndim == 1:
        return values  # asarray would give a view of the same memory
    # numpy turns None into NaN when asked for floats
    return np.asarray(values, dtype=float).reshape(-1)


def _indices(values) -> tuple[int, ...]:
    if type(values) in (tuple, list) and len(values) < 2:  # the usual cases: none, or one
        return (int(values[0]),) if values else ()
    return tuple(sorted({int(v) for v in values or ()}))


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    """One series to chart.

    ``y``: values, or numerators where there is a denominator ``n`` (None = missing).
    ``freeze``: limits from the first k points of each phase. ``breaks``: 0-based index of the
    first point of each new phase. ``exclude``: points kept on the chart but left out of
    the calculation. ``astronomical``: points the user marks as astronomical (IHI run charts).
    ``rules``: ``{"shift": 6|7, "trend": 6|7}`` for ``mdc``. ``improvement``: "up", "down" or
    None. ``labels``: x labels, used only in the plain-words summary. ``baseline``: the number
    of first points the verdict judges the rest against (None: the default of
    ``baseline_length``); it changes no drawn limit. ``preferred_baseline``: without
    ``baseline``, breaks or freeze, the first k points are the verdict's baseline when they
    make enough data, else the default (the app's periods before a team joined).
    """

    chart: ChartKind | str  # a kind, or its code ("p")
    y: Sequence
    n: Sequence | None = None
    freeze: int | None = None
    breaks: Sequence[int] = ()
    exclude: Sequence[int] = ()
    astronomical: Sequence[int] = ()
    convention: str = "mdc"
    rules: dict | None = None
    target: float | None = None
    improvement: str | None = None
    labels: Sequence | None = field(default=None, compare=False)
    baseline: int | None = None
    preferred_baseline: int | None = None

    def __post_init__(self):
        if self.chart not in CHARTS:
            raise ValueError(f"unknown chart {self.chart!r}: use one of {', '.join(CHARTS)}")
        if self.convention not in CONVENTIONS:
            raise ValueError(
                f"unknown convention {self.convention!r}: use one of {', '.join(CONVENTIONS)}"
            )
        if self.chart == "run" and self.convention == "mdc":
            raise ValueError(
                "Making Data Count has no run chart rules: chart a run chart with the ihi "
                "or anhoej convention"
            )
        if self.improvement not in IMPROVEMENTS:
            raise ValueError(f"improvement must be 'up', 'down' or null, not {self.improvement!r}")
        y = _floats(self.y)
        n = None if self.n is None else _floats(self.n)
        if n is not None and n.shape != y.shape:
            raise ValueError(f"y has {y.shape[0]} values but n has {n.shape[0]}")
        if y is not self.y:
            object.__setattr__(self, "y", y)
        if n is not self.n:
            object.__setattr__(self, "n", n)
        length = y.shape[0]
        breaks = _indices(self.breaks)
        if breaks and not (breaks[0] > 0 and breaks[-1] < length):  # sorted: ends suffice
            breaks = tuple(b for b in breaks if 0 < b < length)
        object.__setattr__(self, "breaks", breaks)
        for name in ("exclude", "astronomical"):
            value = getattr(self, name)
            if type(value) is not tuple or value:  # the default () is already as it should be
                object.__setattr__(self, name, _indices(value))
        if self.freeze is not None:
            object.__setattr__(self, "freeze", max(int(self.freeze), 1))
        if self.rules:
            rules = dict(self.rules)
            for key in ("shift", "trend"):
                value = rules.get(key)
                if value is not None and value not in K.MDC_ALLOWED_RUN_LENGTHS:
                    raise ValueError(f"rules.{key} must be 6 or 7, not {value!r}")
            object.__setattr__(self, "rules", rules)
        elif self.rules is not None:
            object.__setattr__(self, "rules", None)
        if self.target is not None:
            object.__setattr__(self, "target", float(self.target))
        if self.baseline is not None:
            if isinstance(self.baseline, bool) or int(self.baseline) != self.baseline:
                raise ValueError(f"baseline must be a whole number, not {self.baseline!r}")
            if self.baseline < 1:
                raise ValueError("baseline must be at least 1 point")
            object.__setattr__(self, "baseline", min(int(self.baseline), length))
        if self.preferred_baseline is not None:
            k = int(self.preferred_baseline)
            object.__setattr__(self, "preferred_baseline", min(k, length) if k >= 1 else None)

    @property
    def shift_length(self) -> int:
        if self.convention == "mdc":
            return int((self.rules or {}).get("shift") or K.MDC_SHIFT)
        if self.convention == "ihi":
            return K.IHI_RUN_SHIFT if self.chart == "run" else K.IHI_CONTROL_SHIFT
        return 0

    @property
    def trend_length(self) -> int:
        if self.convention == "mdc":
            return int((self.rules or {}).get("trend") or K.MDC_TREND)
        if self.convention == "ihi":
            return K.IHI_RUN_TREND if self.chart == "run" else K.IHI_CONTROL_TREND
        return 0

    def baseline_length(self) -> int | None:
        """Points of the verdict's baseline: the ``baseline`` input, else the frozen points,
        or phase 0 where there are phases (the frozen points of phase 0 if both); None when
        none is set (the verdict then takes the fewest first points that are enough data)."""
        if self.baseline is not None:
            return self.baseline
        if not self.breaks and self.freeze is None:
            return None
        end = self.breaks[0] if self.breaks else self.y.shape[0]
        return min(self.freeze, end) if self.freeze is not None else end
