"""Many series at once: ``compute_batch(specs)``.

Series are grouped by chart type and convention (one engine pass per group, array-wide,
a large group in parts of about ``CHUNK_POINTS`` points);
the verdict's reference chart (the baseline's limits carried over the whole series) is a
second pass (``verdict.py``). Results stay in flat arrays until a caller
asks for one series with ``BatchResult.result(i)``.
"""

from dataclasses import dataclass
from operator import attrgetter

import numpy as np

from . import engine as E
from . import verdict as V
from .charts import materialise
from .spec import ASSURANCES, VARIATIONS, SeriesSpec

VARIATION = {name: i for i, name in enumerate(VARIATIONS)}
ASSURANCE = {name: i for i, name in enumerate(ASSURANCES)}


def _icons(res: E.Chart) -> tuple[np.ndarray, np.ndarray]:
    """Making Data Count's variation icon (of the last point) and assurance icon.

    As NHSRplotthedots 0.2.2 ``ptd_get_icons`` / ``ptd_calculate_assurance_type``: the
    variation icon is the point type of the last point; assurance compares the target with
    the last point's limits: improvement up, target above the upper limit = fail, below the
    lower limit = pass (the reverse for down), otherwise (or without limits) hit or miss.
    """
    lay = res.layout
    S = lay.offsets.shape[0] - 1
    lengths = np.diff(lay.offsets)
    last = lay.offsets[1:] - 1
    ok = lengths > 0
    d = res.direction.astype(int)
    var = np.full(S, -1, dtype=np.int8)
    pt = res.point_type[last[ok]]
    dk = d[ok]
    v = np.full(pt.shape[0], VARIATION["common_cause"], dtype=np.int8)
    v[pt == E.IMPROVEMENT] = np.where(
        dk[pt == E.IMPROVEMENT] > 0, VARIATION["improvement_high"], VARIATION["improvement_low"]
    )
    v[pt == E.CONCERN] = np.where(
        dk[pt == E.CONCERN] > 0, VARIATION["concern_low"], VARIATION["concern_high"]
    )
    v[pt == E.NEUTRAL_HIGH] = VARIATION["neutral_high"]
    v[pt == E.NEUTRAL_LOW] = VARIATION["neutral_low"]
    var[ok] = v

    target = np.array([np.nan if s.target is None else s.target for s in res.specs])
    ass = np.zeros(S, dtype=np.int8)
    if res.chart != "run":
        lcl = np.full(S, np.nan)
        ucl = np.full(S, np.nan)
        lcl[ok], ucl[ok] = res.lcl[last[ok]], res.ucl[last[ok]]
        asked = np.isfinite(target) & (d != 0) & ok
        with np.errstate(invalid="ignore"):
            hi, lo = target > ucl, target < lcl
        ass[asked] = ASSURANCE["hit_or_miss"]
        ass[asked & (((d > 0) & hi) | ((d < 0) & lo))] = ASSURANCE["fail"]
        ass[asked & (((d > 0) & lo) | ((d < 0) & hi))] = ASSURANCE["pass"]
    return var, ass


@dataclass
class BatchResult:
    """The results of ``compute_batch``: per group engine arrays, per series summaries."""

    specs: list
    groups: list  # (engine.Chart, series indexes in the input order)
    where: np.ndarray  # series -> (group number, index within group)
    status: np.ndarray
    rule: np.ndarray
    first_index: np.ndarray
    last_signal_index: np.ndarray
    baseline: np.ndarray  # points in the verdict's baseline
    reference_cl: np.ndarray  # the baseline's centre line, carried forward (NaN: none)
    history: dict  # flat arrays sorted by series ("series", "side", "rule", "first", "last")
    history_offsets: np.ndarray  # series i's entries are history rows [o[i], o[i + 1])
    enough_data: np.ndarray
    points_needed: np.ndarray
    variation: np.ndarray
    assurance: np.ndarray

    def __len__(self):
        return len(self.specs)

    def result(self, i: int, *, columnar: bool = False):
        """The full result of series ``i`` (see ``charts.ChartResult``). ``columnar``: its
        points as columns (``charts.PointColumns``), for a caller that stores columns."""
        return materialise(self, i, columnar=columnar)


def _group_verdicts(res: E.Chart, specs: list[SeriesSpec]) -> tuple[dict, np.ndarray, dict]:
    """The verdicts of one group and each series' baseline length.

    Series without a baseline of their own take the fewest first points that make enough
    data; on run-like charts a point on the baseline's median is not useful, so a guess that
    falls short grows and the short series are judged again (a few, rarely more than once).
    """
    S = len(specs)
    explicit = np.array(  # -1: none (most series: no baseline, freeze or phases to read)
        [
            -1
            if s.baseline is None and s.freeze is None and not s.breaks
            else (-1 if (b := s.baseline_length()) is None else b)
            for s in specs
        ],
        dtype=np.int64,
    )
    guess, default = V.default_baselines(res, explicit)
    lengths = np.diff(res.layout.offsets)
    preferred = np.array([s.preferred_baseline or 0 for s in specs], dtype=np.int64)
    trial = default & (preferred > 0)  # tried first, kept only if it is enough data
    blen = np.where(trial, preferred, guess)
    grows = default & ~trial
    run_like = V.run_like(res.chart, res.convention)
    todo = np.arange(S)
    parts = []
    while todo.size:
        if todo.size == S:  # the first round: every series, on the drawn chart's arrays
            ref = E.compute(specs, reference=True, drawn=res, baselines=blen)
        else:
            ref = E.compute([V.reference_spec(specs[j], int(blen[j])) for j in todo], True)
        got = V.judge(ref, blen[todo])
        failed = trial[todo] & ~got["enough"]
        short = np.zeros(todo.shape[0], dtype=bool)
        if run_like:
            short = ~got["enough"] & grows[todo] & (blen[todo] < lengths[todo])
        again = failed | short
        parts.append((todo, got, ~again))
        if not again.any():
            break
        needed = np.zeros(S, dtype=np.int64)
        needed[todo[short]] = got["needed"][short]
        grown = V.extend_baselines(res, blen, needed)
        retry, back = todo[short], todo[failed]
        blen[retry] = grown[retry]
        blen[back] = guess[back]  # the preferred baseline was not enough: the default
        trial[back] = False
        grows[back] = True
        todo = todo[again]
    out = {
        key: np.zeros(S, dtype=dt)
        for key, dt in (
            ("status", np.int8),
            ("rule", np.int8),
            ("first_index", np.int64),
            ("last_index", np.int64),
            ("enough", bool),
            ("needed", np.int64),
            ("centre", float),
        )
    }
    hist = {k: [] for k in ("series", "side", "rule", "first", "last")}
    for judged, got, keep in parts:
        for key in out:
            out[key][judged[keep]] = got[key][keep]
        kept = keep[got["h_sid"]]
        # h_sid indexes the judged subset; map it back to the group's series
        hist["series"].append(judged[got["h_sid"][kept]])
        for key in ("side", "rule", "first", "last"):
            hist[key].append(got["h_" + key][kept])
    return out, blen, hist


#: points per engine pass: a group larger than this is computed in consecutive parts of
#: about this many points (0.5 MB per float64 array), whose arrays stay closer to the CPU
#: between the hundred or so array operations of a pass (XmR/MDC 1.12x at 3,000 series,
#: bench/README.md, issue 18). Every figure is per series or per phase, so the parts give
#: the same results to the bit as one pass.
CHUNK_POINTS = 1 << 16


def _chunks(members, specs: list[SeriesSpec]) -> list:
    """``members`` (series indexes of one group) cut into consecutive parts of about
    ``CHUNK_POINTS`` points."""
    if len(members) < 2:
        return [members]
    ends = np.cumsum([specs[i].y.shape[0] for i in members])
    if ends[-1] <= CHUNK_POINTS:
        return [members]
    part = ends // CHUNK_POINTS  # non-decreasing: each part ends where it changes
    cut = (np.flatnonzero(part[1:] != part[:-1]) + 1).tolist()
    return [members[a:b] for a, b in zip([0, *cut], [*cut, len(members)], strict=True)]


def compute_batch(specs: list[SeriesSpec]) -> BatchResult:
    """Compute many series of any chart types and conventions in one call."""
    specs = list(specs)
    S = len(specs)
    kinds = list(map(attrgetter("chart", "convention"), specs))
    if len(set(kinds)) == 1:  # the usual case: one group, in input order
        keys = {kinds[0]: range(S)}
    else:
        keys = {}
        for i, kind in enumerate(kinds):
            keys.setdefault(kind, []).append(i)
    parts = [part for members in keys.values() for part in _chunks(members, specs)]
    out = {
        "status": np.zeros(S, dtype=np.int8),
        "rule": np.zeros(S, dtype=np.int8),
        "first_index": np.full(S, -1, dtype=np.int64),
        "last_signal_index": np.full(S, -1, dtype=np.int64),
        "baseline": np.zeros(S, dtype=np.int64),
        "reference_cl": np.full(S, np.nan),
        "enough_data": np.zeros(S, dtype=bool),
        "points_needed": np.zeros(S, dtype=np.int64),
        "variation": np.full(S, -1, dtype=np.int8),
        "assurance": np.zeros(S, dtype=np.int8),
    }
    hist = {k: [np.zeros(0, dtype=np.int64)] for k in ("series", "side", "rule", "first", "last")}
    where = np.zeros((S, 2), dtype=np.int64)
    groups = []
    for g, members in enumerate(parts):
        group_specs = specs if len(members) == S else [specs[i] for i in members]
        members = np.asarray(members)
        res = E.compute(group_specs)
        groups.append((res, members))
        where[members, 0] = g
        where[members, 1] = np.arange(members.shape[0])
        var, ass = _icons(res)
        out["variation"][members] = var
        out["assurance"][members] = ass
        verdict, blen, h = _group_verdicts(res, group_specs)
        out["status"][members] = verdict["status"]
        out["rule"][members] = verdict["rule"]
        out["first_index"][members] = verdict["first_index"]
        out["last_signal_index"][members] = verdict["last_index"]
        out["baseline"][members] = blen
        out["reference_cl"][members] = verdict["centre"]
        out["enough_data"][members] = verdict["enough"]
        out["points_needed"][members] = verdict["needed"]
        hist["series"].extend(members[part] for part in h.pop("series"))
        for key, parts in h.items():
            hist[key].extend(parts)
    history = {k: np.concatenate(v) for k, v in hist.items()}
    order = np.lexsort((history["first"], history["series"]))
    history = {k: v[order] for k, v in history.items()}
    offsets = np.zeros(S + 1, dtype=np.int64)
    np.cumsum(np.bincount(history["series"], minlength=S), out=offsets[1:])
    return BatchResult(
        specs=specs, groups=groups, where=where, history=history, history_offsets=offsets, **out
    )
