"""The verdict: has the series improved, and does the gain still hold?

Defined once here, as the table in README.md ("The verdict") states it:

1. The points after the baseline are judged against a *reference chart*: the series with the
   baseline's centre line and limits carried forward (one phase, limits frozen on the
   baseline), whatever phases the drawn chart has.
2. ``z`` = (value - centre) / sigma on the reference chart's own scale (P, P', U, U' with each
   point's own sigma; T after its transform), signed so that positive is better.
3. Signals are the reference chart's rules after the baseline; a point flagged only by a
   trend rule counts on the side of the centre line where it lies, and only when at least
   ``TREND_MIN_Z`` sigma from it.
4. "The gain holds" over the latest ``VERDICT_WINDOW`` valid, included points: median z at
   least ``HOLD_Z``, and once held it keeps holding until the median falls below ``KEEP_Z``.
   Run and G charts: at least ``HOLD_POINTS`` of the latest six useful points on the better
   side of the baseline median, kept while at least ``KEEP_POINTS``. "The worse level holds"
   is the mirror image.
5. Statuses in this order: insufficient_data, improved, deteriorated, not_sustained,
   no_change.

Everything is computed on flat arrays for all series of one engine result at once.
"""

import numpy as np

from . import constants as K
from . import engine as E
from .limits import sorted_counts
from .spec import SIDES, STATUSES, SeriesSpec

STATUS = {name: i for i, name in enumerate(STATUSES)}
SIDE = {name: i for i, name in enumerate(SIDES)}
W = K.VERDICT_WINDOW


def reference_spec(spec: SeriesSpec, baseline: int) -> SeriesSpec:
    """The verdict's chart: one phase, limits frozen on the baseline. Built without going
    through validation again (the spec was validated when it was made)."""
    ref = object.__new__(SeriesSpec)
    fields = {f: getattr(spec, f) for f in spec.__dataclass_fields__}
    fields.update(breaks=(), freeze=baseline, labels=None)
    for name, value in fields.items():
        object.__setattr__(ref, name, value)
    return ref


def run_like(chart: str, convention: str) -> bool:
    """Charts whose "enough data" counts useful points (off the centre line)."""
    return chart == "run" or convention == "anhoej"


def minimum_points(chart: str, convention: str) -> int:
    return K.MIN_USEFUL_RUN if run_like(chart, convention) else K.MIN_POINTS_CONTROL


def _series_starts(sid: np.ndarray, S: int) -> np.ndarray:
    """For each entry of a sequence grouped by series, the index of its series' first entry."""
    counts = sorted_counts(sid, S)
    return np.repeat(np.cumsum(counts) - counts, counts)  # (...)[sid], as sid is sorted


#: A sorting network for six values (Knuth, TAOCP vol. 3, 5.3.4: 12 comparators), so that
#: the median of every window of six is a few elementwise min/max over whole arrays.
SORT6 = ((0, 5), (1, 3), (2, 4), (1, 2), (3, 4), (0, 3), (2, 5), (0, 1), (2, 3), (4, 5), (1, 2),
         (3, 4))  # fmt: skip


def _window_medians(x: np.ndarray) -> np.ndarray:
    """Median of every run of six consecutive values; entry i is the window ending at i + 5."""
    n = x.shape[0] - (W - 1)
    cols = [x[k : k + n].copy() for k in range(W)]
    spare = np.empty(n)
    for i, j in SORT6:
        np.minimum(cols[i], cols[j], out=spare)
        np.maximum(cols[i], cols[j], out=cols[j])
        cols[i], spare = spare, cols[i]
    with np.errstate(invalid="ignore", over="ignore"):
        return (cols[W // 2 - 1] + cols[W // 2]) / 2.0


def _holding(on, keep, wsid, wrow, wfirst, wstart, lw, S):
    """Hysteresis over the windows of each series: a window holds when ``on``, or when the
    previous window held and this one ``keep``s. ``wstart``: each window's series' first
    window; ``lw``: the last window of each series that has one. Per series: whether the
    last window holds, the end row of the last window that held, and the end and first rows
    of the first window of the current holding spell (-1 where none)."""
    nW = on.shape[0]
    now = np.zeros(S, dtype=bool)
    last_row = np.full(S, -1, dtype=np.int64)
    spell_end = np.full(S, -1, dtype=np.int64)
    spell_first = np.full(S, -1, dtype=np.int64)
    if nW == 0:
        return now, last_row, spell_end, spell_first
    ar = np.arange(nW)
    last_on = np.maximum.accumulate(np.where(on, ar, -1))
    last_off = np.maximum.accumulate(np.where(keep, -1, ar))
    holds = (last_on >= wstart) & (last_on > last_off)
    np.maximum.at(last_row, wsid[holds], wrow[holds])
    now[wsid[lw]] = holds[lw]
    hs = lw[holds[lw]]
    if hs.size:
        next_on = np.minimum.accumulate(np.where(on, ar, nW)[::-1])[::-1]
        spell = next_on[np.maximum(last_off[hs] + 1, wstart[hs])]
        spell_end[wsid[hs]] = wrow[spell]
        spell_first[wsid[hs]] = wfirst[spell]
    return now, last_row, spell_end, spell_first


def _windows(rows, gid, S):
    """The windows of ``W`` consecutive entries of each series' sequence: (index of each
    window's last entry, its first entry)."""
    if rows.size == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e
    rank = np.arange(rows.shape[0]) - _series_starts(gid, S)
    ends = np.flatnonzero(rank >= W - 1)
    return ends, ends - (W - 1)


def judge(ref: E.Chart, blen: np.ndarray) -> dict:
    """The verdict of each series of one reference-chart engine result.

    ``blen``: points in each series' baseline. Returns per-series arrays (status, rule,
    first_index and last_index of the deciding history entry, enough, needed) and the history
    entries as flat arrays sorted by series then position (``h_sid``, ``h_side``, ``h_rule``,
    ``h_first``, ``h_last``; indexes within the series).
    """
    lay = ref.layout
    S = lay.offsets.shape[0] - 1
    sid, pos = lay.sid, lay.pos
    start = lay.offsets[:-1]
    chart, conv = ref.chart, ref.convention
    valid, include = ref.valid, ref.include
    after = pos >= lay.by_series(blen)

    counted = ~after & valid & include
    if run_like(chart, conv):
        counted &= ref.above != 0
    have = sorted_counts(sid[counted], S)
    needed = np.maximum(minimum_points(chart, conv) - have, 0)
    enough = needed == 0

    v, cl = ref.value, ref.cl
    if chart == "t":
        with np.errstate(invalid="ignore"):
            v, cl = v ** (1.0 / K.T_EXPONENT), cl ** (1.0 / K.T_EXPONENT)
    with np.errstate(invalid="ignore", divide="ignore"):
        dev = v - cl
        zr = dev / ref.sigma
        zr[dev == 0] = 0.0
    d = ref.direction
    sign = np.where(d != 0, d, 1).astype(np.int8)
    dsign = lay.by_series(sign)
    lie = (dev > 0).astype(np.int8) - (dev < 0)  # NaN compares False: 0

    # ---- signals, on the side where they count --------------------------------------------
    judged = after & valid & include
    vrule, side = ref.vrule, ref.side
    is_trend = vrule == E.RULE["trend"]
    sside = np.where(is_trend, lie, side)
    with np.errstate(invalid="ignore"):
        weak = ref.trend_only & ~(np.abs(zr) >= K.TREND_MIN_Z)
    sig = judged & (vrule > 0) & (vrule != E.RULE["inner_third"]) & ~weak & (sside != 0)
    s = np.where(sig, sside * dsign, 0).astype(np.int8)  # +1 better (high), -1 worse (low)

    # ---- history: maximal stretches of signalled points on one side -----------------------
    J = np.flatnonzero(judged)
    sj, gj = s[judged], sid[judged]  # as s[J], sid[J]: picks by mask cost less
    if J.size:
        diff = (sj[1:] != sj[:-1]) | (gj[1:] != gj[:-1])
        begins = (sj != 0) & np.concatenate(([True], diff))
        ends = (sj != 0) & np.concatenate((diff, [True]))
        e_first, e_last = J[begins], J[ends]
    else:
        e_first = e_last = np.zeros(0, dtype=np.int64)
    e_sid = sid[e_first]
    e_dir = s[e_first]
    e_good = e_dir > 0
    e_ord = np.arange(e_first.shape[0])

    # ---- windows of the latest six, and whether the gain (or the worse level) holds -------
    # only series with a signal can be improved, not sustained or deteriorated by its level
    active = np.zeros(S, dtype=bool)
    active[e_sid] = True
    active &= d != 0
    if chart in ("run", "g"):
        useful = np.flatnonzero(judged & (lie != 0) & lay.by_series(active))
        rows, gid = useful, sid[useful]
        better = (lie[useful] * dsign[useful] > 0).astype(np.int64)
        ends, firsts = _windows(rows, gid, S)
        csum = np.concatenate(([0], np.cumsum(better)))
        count = csum[ends + 1] - csum[ends + 1 - W]
        on, keep = count >= K.HOLD_POINTS, count >= K.KEEP_POINTS
        won, wkeep = W - count >= K.HOLD_POINTS, W - count >= K.KEEP_POINTS
    else:
        rows = J[active[gj]]
        gid = sid[rows]
        zj = np.nan_to_num(zr[rows] * dsign[rows], nan=0.0)
        ends, firsts = _windows(rows, gid, S)
        med = np.zeros(0)
        if zj.shape[0] >= W:
            med = np.nan_to_num(_window_medians(zj)[ends - (W - 1)], nan=0.0)
        on, keep = med >= K.HOLD_Z, med >= K.KEEP_Z
        won, wkeep = med <= -K.HOLD_Z, med <= -K.KEEP_Z
    wsid, wrow, wfirst = gid[ends], rows[ends], rows[firsts]
    wstart = _series_starts(wsid, S)
    lw = np.flatnonzero(np.concatenate((wsid[1:] != wsid[:-1], [True]))) if wsid.size else wsid
    hold_now, last_hold, gain_end, _ = _holding(on, keep, wsid, wrow, wfirst, wstart, lw, S)
    worse_now, _, _, _ = _holding(won, wkeep, wsid, wrow, wfirst, wstart, lw, S)

    # ---- the status -----------------------------------------------------------------------
    big = np.iinfo(np.int64).max
    first_good = np.full(S, big, dtype=np.int64)
    np.minimum.at(first_good, e_sid[e_good], e_first[e_good])
    has_good = first_good < big
    last_in_series = np.full(S, -1, dtype=np.int64)
    if J.size:
        np.maximum.at(last_in_series, gj, np.arange(J.shape[0]))
    recent = (last_in_series[gj] - np.arange(J.shape[0])) < W
    concern_recent = np.zeros(S, dtype=bool)
    concern_recent[gj[recent & (sj < 0)]] = True

    directed = d != 0
    improved = directed & has_good & hold_now
    has_bad = np.zeros(S, dtype=bool)
    has_bad[e_sid[e_dir < 0]] = True
    deteriorated = directed & ~improved & (concern_recent | (has_bad & worse_now))
    not_sustained = (
        directed & ~improved & ~deteriorated & has_good & (last_hold >= first_good) & ~hold_now
    )
    status = np.full(S, STATUS["no_change"], dtype=np.int8)
    status[improved] = STATUS["improved"]
    status[deteriorated] = STATUS["deteriorated"]
    status[not_sustained] = STATUS["not_sustained"]
    status[~enough] = STATUS["insufficient_data"]

    # ---- the history entry that decides it ------------------------------------------------
    def last_entry(mask):
        out = np.full(S, -1, dtype=np.int64)
        np.maximum.at(out, e_sid[mask], e_ord[mask])
        return out

    def first_entry(mask):
        out = np.full(S, big, dtype=np.int64)
        np.minimum.at(out, e_sid[mask], e_ord[mask])
        return np.where(out < big, out, -1)

    by_gain = last_entry(e_good & (e_first <= gain_end[e_sid]))
    by_gain = np.where(by_gain >= 0, by_gain, first_entry(e_good & (e_first > gain_end[e_sid])))
    by_fade = last_entry(e_good & (e_first <= last_hold[e_sid]))
    by_worse = last_entry(e_dir < 0)
    entry = np.full(S, -1, dtype=np.int64)
    st = status
    entry[st == STATUS["improved"]] = by_gain[st == STATUS["improved"]]
    entry[st == STATUS["not_sustained"]] = by_fade[st == STATUS["not_sustained"]]
    entry[st == STATUS["deteriorated"]] = by_worse[st == STATUS["deteriorated"]]
    has = entry >= 0
    rule = np.zeros(S, dtype=np.int8)
    rule[has] = vrule[e_first[entry[has]]]
    first_index = np.full(S, -1, dtype=np.int64)
    last_index = np.full(S, -1, dtype=np.int64)
    first_index[has] = e_first[entry[has]] - start[has]
    last_index[has] = e_last[entry[has]] - start[has]

    sides = np.where(
        directed[e_sid],
        np.where(e_good, SIDE["improvement"], SIDE["concern"]),
        np.where(e_good, SIDE["high"], SIDE["low"]),
    ).astype(np.int8)
    centre = np.full(S, np.nan)
    filled = np.diff(lay.offsets) > 0
    centre[filled] = ref.cl[start[filled]]
    return {
        "centre": centre,
        "status": status,
        "rule": rule,
        "first_index": first_index,
        "last_index": last_index,
        "enough": enough,
        "needed": needed,
        "h_sid": e_sid,
        "h_side": sides,
        "h_rule": vrule[e_first].astype(np.int8),
        "h_first": e_first - start[e_sid],
        "h_last": e_last - start[e_sid],
    }


def default_baselines(res: E.Chart, explicit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first guess at each series' baseline length, and which series take the default.

    ``explicit``: each series' ``baseline_length()`` (-1 where None). A series without one
    takes the fewest first points that make ``enough_data`` true: the first guess is the
    points up to the minimum-th valid, included point (the whole series if it has fewer).
    """
    lay = res.layout
    lengths = np.diff(lay.offsets)
    counted = res.valid & res.include
    minimum = minimum_points(res.chart, res.convention)
    rows = np.flatnonzero(counted)
    have = sorted_counts(lay.sid[counted], lengths.shape[0])
    reach = have >= minimum  # the series' minimum-th counted point is rows[first + minimum - 1]
    at = rows[(np.cumsum(have) - have)[reach] + minimum - 1]
    guess = lengths.copy()
    guess[reach] = lay.pos[at] + 1
    default = explicit < 0
    return np.where(default, guess, explicit), default


def extend_baselines(res: E.Chart, blen: np.ndarray, needed: np.ndarray) -> np.ndarray:
    """Run-like charts: a default baseline that is short of useful points (some sit on its
    median) grows to take ``needed`` more valid, included points (the whole series at most)."""
    lay = res.layout
    lengths = np.diff(lay.offsets)
    who = np.flatnonzero(needed > 0)  # few: read only their rows
    count = lengths[who]
    first = np.cumsum(count) - count
    rows = np.repeat(lay.offsets[:-1][who] - first, count) + np.arange(int(count.sum()))
    rows = rows[res.valid[rows] & res.include[rows]]
    gs = lay.sid[rows]
    rank = np.arange(rows.shape[0]) - _series_starts(gs, lengths.shape[0])
    inside = sorted_counts(gs[lay.pos[rows] < blen[gs]], lengths.shape[0])
    want = inside + needed
    hit = rank == want[gs] - 1
    out = lengths.copy()
    out[gs[hit]] = lay.pos[rows[hit]] + 1
    return out
