"""Many series at once: ``compute_batch(specs)``.

Series are grouped by chart type and convention (one engine pass per group, array-wide);
the verdict's reference chart (the baseline's limits carried over the whole series) is a
second pass over the series that have a baseline. Results stay in flat arrays until a caller
asks for one series with ``BatchResult.result(i)``.
"""

from dataclasses import dataclass

import numpy as np

from . import constants as K
from . import engine as E
from .spec import ASSURANCES, STATUSES, VARIATIONS, SeriesSpec

STATUS = {name: i for i, name in enumerate(STATUSES)}
VARIATION = {name: i for i, name in enumerate(VARIATIONS)}
ASSURANCE = {name: i for i, name in enumerate(ASSURANCES)}


def _verdict(res: dict, blen: np.ndarray) -> dict:
    """The verdict of each series of one engine result.

    ``blen``: points of each series' baseline (0: no explicit baseline; the whole series
    is then both the baseline and the period judged). A rule of the convention that fired
    after the baseline gives the answer; the latest such signal decides between improved
    and deteriorated (so a later re-phasing does not undo an improvement), and
    ``first_index`` is the first signalled point on that side.
    """
    lay = res["layout"]
    S = lay.offsets.shape[0] - 1
    sid, pos = lay.sid, lay.pos
    lengths = np.diff(lay.offsets)
    region_end = np.where(blen > 0, blen, lengths)
    in_base = pos < region_end[sid]
    counted = in_base & res["valid"] & res["include"]
    run_like = res["chart"] == "run" or res["convention"] == "anhoej"
    if run_like:
        counted &= res["above"] != 0
        minimum = K.MIN_USEFUL_RUN
    else:
        minimum = K.MIN_POINTS_CONTROL
    have = np.bincount(sid[counted], minlength=S)
    needed = np.maximum(minimum - have, 0)
    enough = needed == 0

    side = res["side"]
    vrule = res["vrule"]
    considered = (
        (vrule > 0)
        & (vrule != E.RULE["inner_third"])
        & (side != 0)
        & ((blen[sid] == 0) | (pos >= blen[sid]))
    )
    rows = np.flatnonzero(considered)
    last = np.full(S, -1, dtype=np.int64)
    np.maximum.at(last, sid[rows], rows)
    has = last >= 0
    last_side = np.zeros(S, dtype=np.int8)
    last_side[has] = side[last[has]]
    on_side = rows[side[rows] == last_side[sid[rows]]]
    first = np.full(S, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, sid[on_side], on_side)
    d = res["direction"]
    status = np.full(S, STATUS["none"], dtype=np.int8)
    decided = has & (d != 0)
    status[decided & (last_side == d)] = STATUS["improved"]
    status[decided & (last_side != d)] = STATUS["deteriorated"]
    status[~enough] = STATUS["insufficient_data"]
    show = (status == STATUS["improved"]) | (status == STATUS["deteriorated"])
    first_index = np.where(show, first - lay.offsets[:-1], -1)
    rule = np.zeros(S, dtype=np.int8)
    rule[show] = vrule[first[show]]
    return {
        "status": status,
        "rule": rule,
        "first_index": first_index,
        "enough": enough,
        "needed": needed,
    }


def _icons(res: dict) -> tuple[np.ndarray, np.ndarray]:
    """Making Data Count's variation icon (of the last point) and assurance icon.

    As NHSRplotthedots 0.2.2 ``ptd_get_icons`` / ``ptd_calculate_assurance_type``: the
    variation icon is the point type of the last point; assurance compares the target with
    the last point's limits: improvement up, target above the upper limit = fail, below the
    lower limit = pass (the reverse for down), otherwise (or without limits) hit or miss.
    """
    lay = res["layout"]
    S = lay.offsets.shape[0] - 1
    lengths = np.diff(lay.offsets)
    last = lay.offsets[1:] - 1
    ok = lengths > 0
    d = res["direction"].astype(int)
    var = np.full(S, -1, dtype=np.int8)
    pt = res["point_type"][last[ok]]
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

    target = np.array([np.nan if s.target is None else s.target for s in res["specs"]])
    ass = np.zeros(S, dtype=np.int8)
    if res["chart"] != "run":
        lcl = np.full(S, np.nan)
        ucl = np.full(S, np.nan)
        lcl[ok], ucl[ok] = res["lcl"][last[ok]], res["ucl"][last[ok]]
        asked = np.isfinite(target) & (d != 0) & ok
        with np.errstate(invalid="ignore"):
            hi, lo = target > ucl, target < lcl
        ass[asked] = ASSURANCE["hit_or_miss"]
        ass[asked & (((d > 0) & hi) | ((d < 0) & lo))] = ASSURANCE["fail"]
        ass[asked & (((d > 0) & lo) | ((d < 0) & hi))] = ASSURANCE["pass"]
    return var, ass


def _reference(spec: SeriesSpec, baseline: int) -> SeriesSpec:
    """The verdict's chart: one phase, limits frozen on the baseline. Built without going
    through validation again (the spec was validated when it was made)."""
    ref = object.__new__(SeriesSpec)
    fields = {f: getattr(spec, f) for f in spec.__dataclass_fields__}
    fields.update(breaks=(), freeze=baseline, labels=None)
    for name, value in fields.items():
        object.__setattr__(ref, name, value)
    return ref


@dataclass
class BatchResult:
    """The results of ``compute_batch``: per group engine arrays, per series summaries."""

    specs: list
    groups: list  # (engine result, series indexes in the input order)
    where: np.ndarray  # series -> (group number, index within group)
    status: np.ndarray
    rule: np.ndarray
    first_index: np.ndarray
    enough_data: np.ndarray
    points_needed: np.ndarray
    variation: np.ndarray
    assurance: np.ndarray

    def __len__(self):
        return len(self.specs)

    def result(self, i: int):
        """The full result of series ``i`` (see ``charts.ChartResult``)."""
        from .charts import materialise

        return materialise(self, i)


def compute_batch(specs: list[SeriesSpec]) -> BatchResult:
    """Compute many series of any chart types and conventions in one call."""
    specs = list(specs)
    S = len(specs)
    keys = {}
    for i, s in enumerate(specs):
        keys.setdefault((s.chart, s.convention), []).append(i)
    out = {
        "status": np.zeros(S, dtype=np.int8),
        "rule": np.zeros(S, dtype=np.int8),
        "first_index": np.full(S, -1, dtype=np.int64),
        "enough_data": np.zeros(S, dtype=bool),
        "points_needed": np.zeros(S, dtype=np.int64),
        "variation": np.full(S, -1, dtype=np.int8),
        "assurance": np.zeros(S, dtype=np.int8),
    }
    where = np.zeros((S, 2), dtype=np.int64)
    groups = []
    for g, members in enumerate(keys.values()):
        members = np.asarray(members)
        group_specs = [specs[i] for i in members]
        res = E.compute(group_specs)
        groups.append((res, members))
        where[members, 0] = g
        where[members, 1] = np.arange(members.shape[0])
        var, ass = _icons(res)
        out["variation"][members] = var
        out["assurance"][members] = ass
        blen = np.array([s.baseline_length() or 0 for s in group_specs], dtype=np.int64)
        verdict = _verdict(res, np.zeros_like(blen))
        with_base = np.flatnonzero(blen > 0)
        if with_base.size:
            refs = [_reference(group_specs[j], int(blen[j])) for j in with_base]
            ref_verdict = _verdict(E.compute(refs), blen[with_base])
            for key, arr in verdict.items():
                arr[with_base] = ref_verdict[key]
        out["status"][members] = verdict["status"]
        out["rule"][members] = verdict["rule"]
        out["first_index"][members] = verdict["first_index"]
        out["enough_data"][members] = verdict["enough"]
        out["points_needed"][members] = verdict["needed"]
    return BatchResult(specs=specs, groups=groups, where=where, **out)
