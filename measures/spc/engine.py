"""The array engine: every series of one chart type and convention at once.

All points of all series are laid end to end in flat arrays; each phase of each series is a
segment with its own id. Centre lines, limits and rules are computed with array operations
over all segments together (no Python loop per point or per series, apart from laying the
input out). ``charts.py`` and ``batch.py`` are the front doors.
"""

from dataclasses import dataclass

import numpy as np

from . import constants as K
from . import limits as L
from . import rules as R
from .spec import RATIO_CHARTS, RULES, SeriesSpec

RULE = {name: i for i, name in enumerate(RULES)}
# point types, as indexes into spec.POINT_TYPES
COMMON, IMPROVEMENT, CONCERN, NEUTRAL_HIGH, NEUTRAL_LOW = range(5)


@dataclass
class Layout:
    """Where each series and phase lives in the flat arrays."""

    offsets: np.ndarray  # series i is rows offsets[i]:offsets[i + 1]
    sid: np.ndarray  # series of each row
    pos: np.ndarray  # index of the row within its series
    seg: np.ndarray  # global phase id of each row
    seg_start: np.ndarray  # first row of each phase
    seg_end: np.ndarray  # last row of each phase (inclusive)
    seg_sid: np.ndarray  # series of each phase
    phase: np.ndarray  # phase number of each row within its series


def layout(specs: list[SeriesSpec], phases: bool = True) -> Layout:
    """Where each series and phase lives; with ``phases`` false every series is one phase."""
    lengths = np.fromiter((s.y.shape[0] for s in specs), dtype=np.int64, count=len(specs))
    offsets = np.zeros(len(specs) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    total = int(offsets[-1])
    sid = np.repeat(np.arange(len(specs)), lengths)
    pos = np.arange(total) - offsets[sid]
    start = np.zeros(total, dtype=bool)
    start[offsets[:-1][lengths > 0]] = True
    brk = [
        offsets[i] + np.asarray(s.breaks, dtype=np.int64)
        for i, s in enumerate(specs)
        if s.breaks and phases
    ]
    if brk:
        start[np.concatenate(brk)] = True
    seg = np.cumsum(start) - 1
    seg_start = np.flatnonzero(start)
    seg_end = np.concatenate((seg_start[1:], [total])) - 1 if seg_start.size else seg_start
    seg_sid = sid[seg_start]
    first_seg = np.zeros(len(specs), dtype=np.int64)
    has = lengths > 0
    first_seg[has] = seg[offsets[:-1][has]]
    phase = seg - first_seg[sid]
    return Layout(offsets, sid, pos, seg, seg_start, seg_end, seg_sid, phase)


def _one_phase(lay: Layout) -> Layout:
    """The same series as ``lay``, each in one phase."""
    offsets, sid = lay.offsets, lay.sid
    has = np.diff(offsets) > 0
    seg_start = offsets[:-1][has]
    seg_sid = np.flatnonzero(has)
    seg_of_series = np.cumsum(has) - 1
    seg = seg_of_series[sid]
    seg_end = offsets[1:][has] - 1
    return Layout(offsets, sid, lay.pos, seg, seg_start, seg_end, seg_sid, np.zeros_like(sid))


def _flat(specs, attr, lay, fill=np.nan):
    parts = []
    for s in specs:
        v = getattr(s, attr)
        parts.append(v if v is not None else np.full(s.y.shape[0], fill))
    return np.concatenate(parts) if parts else np.zeros(0)


def _mark(specs, attr, lay) -> np.ndarray:
    mask = np.zeros(lay.sid.shape[0], dtype=bool)
    idx = [
        lay.offsets[i] + np.asarray([j for j in getattr(s, attr) if j < s.y.shape[0]], dtype=int)
        for i, s in enumerate(specs)
        if getattr(s, attr)
    ]
    if idx:
        mask[np.concatenate(idx)] = True
    return mask


def compute(
    specs: list[SeriesSpec], reference: bool = False, drawn: dict | None = None, baselines=None
) -> dict:
    """Compute one group (same chart and convention). Returns flat arrays (see ``cols``).

    ``reference``: the verdict's reference chart; run charts then get a sigma too (the
    screened average moving range of the baseline / d2, as an I chart's), which the verdict
    needs to judge points flagged only by a trend rule, and the inner-third rule (which has
    no direction) is skipped. ``drawn`` and ``baselines``: the reference chart of the same
    specs as the drawn result ``drawn``, in one phase with limits from the first
    ``baselines[i]`` points of series i (the drawn result's values are reused).
    """
    chart, conv = specs[0].chart, specs[0].convention
    lay = layout(specs) if drawn is None else _one_phase(drawn["layout"])
    seg, G, P = lay.seg, lay.seg_start.shape[0], lay.seg.shape[0]
    if drawn is None:
        y = _flat(specs, "y", lay)
        n = _flat(specs, "n", lay)
        per_series = np.array([s.freeze if s.freeze is not None else 1 << 40 for s in specs])
        include = ~_mark(specs, "exclude", lay)
    else:
        y, n, include = drawn["y"], drawn["n"], drawn["include"]
        per_series = np.asarray(baselines)
    posin = np.arange(P) - lay.seg_start[seg] if P else np.zeros(0, dtype=np.int64)
    baseline = posin < per_series[lay.sid]

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if chart in RATIO_CHARTS:
            v = y / n
            valid = np.isfinite(v) & (n > 0) & (y >= 0)
        elif chart == "run":
            v = np.where(np.isnan(n), y, y / n)
            valid = np.isfinite(v)
        elif chart == "t":
            v = y.copy()
            valid = np.isfinite(v) & (v > 0)
        else:
            v = y.copy()
            valid = np.isfinite(v)
        if chart in ("c", "g"):
            valid &= v >= 0
    v = np.where(valid, v, np.nan)
    base = baseline & include  # qicharts2's rows for moving ranges (missing ones included)
    basev = base & valid

    sigma = np.full(P, np.nan)  # one sigma (plotted scale except T: transformed scale)
    mr_cl = np.full(G, np.nan)
    zone_c = None  # centre of the limits where it differs from the plotted one
    if chart == "run":
        cl_seg = L.seg_median(v, basev, seg, G)
        if reference and conv == "ihi":  # only the IHI run chart rules have a trend
            amr, _ = L.screened_amr(np.where(valid, v, np.nan), base, seg, G)
            sigma = (amr / K.D2)[seg]
    elif chart in ("i", "t"):
        w = v ** (1.0 / K.T_EXPONENT) if chart == "t" else v
        clw = L.seg_mean(w, basev, seg, G)
        amr, _ = L.screened_amr(np.where(valid, w, np.nan), base, seg, G)
        factor = (K.XMR_LIMIT_FACTOR / K.SIGMA_LIMIT) if conv in ("mdc", "ihi") else 1.0 / K.D2
        sigma = (amr * factor)[seg]
        if chart == "i":
            cl_seg = clw
            mr_cl = amr
        else:
            cl_seg = clw**K.T_EXPONENT
            zone_c = clw[seg]
    elif chart in RATIO_CHARTS:
        sy = np.bincount(seg[basev], weights=y[basev], minlength=G)
        sn = np.bincount(seg[basev], weights=n[basev], minlength=G)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            cl_seg = np.where(sn > 0, sy / sn, np.nan)
            c = cl_seg[seg]
            s_i = np.sqrt(c * (1 - c) / n) if chart in ("p", "pp") else np.sqrt(c / n)
            s_i = np.where(valid, s_i, np.nan)
            if chart in ("pp", "up"):
                # Laney 2002: z-scores, then the screened average moving range of z
                z = (v - c) / s_i
                z = np.where(np.isfinite(z), z, np.nan)
                amr, _ = L.screened_amr(z, base, seg, G)
                s_i = s_i * (amr / K.D2)[seg]
        sigma = s_i
    elif chart == "c":
        cl_seg = L.seg_mean(v, basev, seg, G)
        sigma = np.sqrt(cl_seg)[seg]
    elif chart == "g":
        m = L.seg_mean(v, basev, seg, G)
        sigma = np.sqrt(m * (m + 1))[seg]
        zone_c = m[seg]
        # qicharts2 plots the G chart around its median (of every point of the part); we
        # take the median of the same points as the mean, so a frozen centre stays frozen.
        cl_seg = L.seg_median(v, basev, seg, G)
    cl = cl_seg[seg] if P else np.zeros(0)
    if zone_c is None:
        zone_c = cl

    def line(k):
        with np.errstate(invalid="ignore", over="ignore"):
            if chart == "t":
                out = (zone_c + k * sigma) ** K.T_EXPONENT
                if k < 0:
                    out = np.where(np.isnan(out) | (out < 0), 0.0, out)
            else:
                out = zone_c + k * sigma
            if chart in ("p", "pp"):
                out = np.where(np.isfinite(out) & (out > 1), 1.0, out)
            if chart in ("p", "pp", "u", "up", "c", "g") and k < 0:
                out = np.where(np.isfinite(out) & (out < 0), 0.0, out)
        return np.where(np.isfinite(out), out, np.nan)

    if chart == "run":
        lcl = ucl = lcl2 = ucl2 = lcl1 = ucl1 = np.full(P, np.nan)
    else:
        if chart == "t":
            sigma = np.where(np.isfinite(cl), sigma, np.nan)
        lcl, ucl = line(-K.SIGMA_LIMIT), line(K.SIGMA_LIMIT)
        lcl2 = ucl2 = lcl1 = ucl1 = np.full(P, np.nan)
        if not (reference and conv == "anhoej"):  # the reference chart of anhoej needs none
            lcl2, ucl2 = line(-K.SIGMA_2), line(K.SIGMA_2)
        if conv == "ihi" and not reference:  # only the inner-third rule reads them
            lcl1, ucl1 = line(-1.0), line(1.0)
        if chart == "t":
            nolim = ~np.isfinite(sigma)
            for arr in (lcl, ucl, lcl2, ucl2, lcl1, ucl1):
                arr[nolim] = np.nan

    # moving ranges shown on I charts: between consecutive rows of a phase
    mr = np.full(P, np.nan)
    if chart == "i" and P > 1 and not reference:
        same = seg[1:] == seg[:-1]
        mr[1:] = np.where(same, np.abs(v[1:] - v[:-1]), np.nan)

    # ---- rules -----------------------------------------------------------------------------
    outside = R.outside_limits(v, lcl, ucl)
    rule = np.zeros(P, dtype=np.int8)
    vrule = np.zeros(P, dtype=np.int8)  # what the verdict reads (adds Anhoej's long runs)
    side = np.zeros(P, dtype=np.int8)  # +1 high, -1 low: the direction of each signal
    with np.errstate(invalid="ignore"):
        above = np.sign(np.nan_to_num(v - cl)).astype(np.int8)

    ri = np.flatnonzero(valid & include)  # the points the sequence rules look at
    rv, rs, rc = v[ri], seg[ri], cl[ri]
    with np.errstate(invalid="ignore"):
        gap = rv - rc
    # a phase without a centre line (no usable baseline point) has no side
    rside = (gap > 0).astype(np.int8) - (gap < 0)  # NaN compares False: no side
    nan_g = np.full(G, np.nan)
    ph = {
        k: nan_g.copy()
        for k in (
            "n_useful",
            "longest_run",
            "longest_run_max",
            "crossings",
            "crossings_min",
            "runs_signal",
            "longest_trend",
            "shift_signal",
            "trend_signal",
            "n_runs",
            "runs_min",
            "runs_max",
        )
    }
    seq = {}  # rule name -> flags on the sequence
    if drawn is None:
        shift_s = np.array([s.shift_length for s in specs], dtype=np.int64)
        trend_s = np.array([s.trend_length for s in specs], dtype=np.int64)
    else:
        shift_s, trend_s = drawn["shift_length"], drawn["trend_length"]
    shift_k = shift_s[lay.seg_sid] if G else np.zeros(0)
    trend_k = trend_s[lay.seg_sid] if G else np.zeros(0)

    if conv == "anhoej" and reference:
        # the verdict's chart needs only the points of a run longer than the limit
        _, lens, useful = R.shift(rside, rs, 1, on_line_breaks=False)
        n_useful = R.seg_count(useful, rs, G)
        lmax = R.anhoej_longest_run_max(n_useful)
        seq["runs"] = useful & (lens > lmax[rs]) & (n_useful > 0)[rs]
    elif conv == "anhoej" or (conv == "ihi" and chart == "run"):
        flags, lens, useful = R.shift(rside, rs, 1, on_line_breaks=False)
        n_useful = R.seg_count(useful, rs, G)
        longest = R.seg_max(lens, rs, G)
        us, uk = rs[useful], rside[useful]
        starts = R._starts(us, uk[1:] != uk[:-1])
        n_runs = np.bincount(us[starts], minlength=G)
        has = n_useful > 0
        ph["n_useful"] = n_useful.astype(float)
        if conv == "anhoej":
            lmax = R.anhoej_longest_run_max(n_useful)
            cmin = R.anhoej_crossings_min(n_useful)
            cross = np.maximum(n_runs - 1, 0)
            sig = (longest > lmax) | (cross < cmin)
            ph["longest_run"] = np.where(has, longest, np.nan)
            ph["longest_run_max"] = np.where(has, lmax, np.nan)
            ph["crossings"] = np.where(has, cross, np.nan)
            ph["crossings_min"] = np.where(has, cmin, np.nan)
            ph["runs_signal"] = (sig & has).astype(float)
        else:  # IHI run chart rules
            k_shift = shift_k
            sflags = useful & (lens >= k_shift[rs])
            tflags, tdir, tlen = R.trend(rv, rs, K.IHI_RUN_TREND, ties_break=False)
            ltrend = R.seg_max(tlen, rs, G)
            rmin, rmax = R.ihi_runs_limits(n_useful)
            few = np.isfinite(rmin) & (n_runs < rmin)
            many = np.isfinite(rmax) & (n_runs > rmax)
            ph["longest_run"] = longest.astype(float)
            ph["longest_run_max"] = (k_shift - 1).astype(float)
            ph["crossings"] = np.maximum(n_runs - 1, 0).astype(float)
            ph["n_runs"] = n_runs.astype(float)
            ph["runs_min"], ph["runs_max"] = rmin, rmax
            ph["runs_signal"] = (few | many).astype(float)
            ph["longest_trend"] = ltrend.astype(float)
            ph["shift_signal"] = (longest >= k_shift).astype(float)
            ph["trend_signal"] = (ltrend >= K.IHI_RUN_TREND).astype(float)
            seq["trend"], seq["shift"] = tflags, sflags
            seq["_trend_dir"] = tdir
    else:  # control chart rules of mdc or ihi
        on_line_breaks = conv == "mdc"
        _, lens, useful = R.shift(rside, rs, 1, on_line_breaks=on_line_breaks)
        sflags = useful & (lens >= shift_k[rs])
        tflags, tdir, tlen = R.trend(rv, rs, trend_k[rs], ties_break=on_line_breaks)
        if not reference:  # per-phase figures of the drawn chart
            longest = R.seg_max(lens, rs, G)
            ltrend = R.seg_max(tlen, rs, G)
            ph["n_useful"] = R.seg_count(useful, rs, G).astype(float)
            ph["longest_run"] = longest.astype(float)
            ph["longest_run_max"] = (shift_k - 1).astype(float)
            ph["longest_trend"] = ltrend.astype(float)
            ph["shift_signal"] = (longest >= shift_k).astype(float)
            ph["trend_signal"] = (ltrend >= trend_k).astype(float)
        seq["trend"], seq["shift"], seq["_trend_dir"] = tflags, sflags, tdir
        with np.errstate(invalid="ignore"):
            hi2, lo2 = rv > ucl2[ri], rv < lcl2[ri]
            if conv == "mdc":
                close = ~outside[ri] & (hi2 | lo2)
                seq["two_of_three"] = R.two_of_three_mdc(rside, close, rs)
            else:
                seq["two_of_three"] = R.two_of_three_zone(hi2, lo2, rs)
                if not reference:
                    inner = (rv > lcl1[ri]) & (rv < ucl1[ri])
                    seq["inner_third"] = R.inner_third(inner, rs)

    # ---- labels by priority (the first rule that applies names the point) ------------------
    if conv != "anhoej":
        order = ["inner_third", "shift", "two_of_three", "trend"]  # lowest priority first
        for name in order:
            if name in seq:
                f = seq[name]
                rule[ri[f]] = RULE[name]
                if name == "trend":
                    side[ri[f]] = seq["_trend_dir"][f]
                else:
                    side[ri[f]] = np.where(rside[f] >= 0, 1, -1)
    if conv == "ihi" and chart == "run":
        astro = _mark(specs, "astronomical", lay) & valid
        rule[astro] = RULE["astronomical"]
        side[astro] = np.where(above[astro] >= 0, 1, -1)
    rule[outside] = RULE["outside_limits"]
    side[outside] = np.where(v[outside] > ucl[outside], 1, -1)
    special = rule > 0
    # points flagged by a trend rule and by no other rule (the verdict reads them apart)
    trend_only = np.zeros(P, dtype=bool)
    if "trend" in seq and reference:
        only = seq["trend"].copy()
        for name in ("shift", "two_of_three"):
            if name in seq:
                only &= ~seq[name]
        trend_only[ri[only]] = True
        trend_only &= rule == RULE["trend"]
    vrule[:] = rule
    if conv == "anhoej" and "runs" in seq:
        f = seq["runs"] & (vrule[ri] == 0)
        vrule[ri[f]] = RULE["runs"]
        side[ri[f]] = rside[f]

    # ---- point types, phases ---------------------------------------------------------------
    if drawn is None:
        d = np.array([{"up": 1, "down": -1}.get(s.improvement, 0) for s in specs], dtype=np.int8)
    else:
        d = drawn["direction"]
    ptype = np.full(P, COMMON, dtype=np.int8)
    if not reference:  # the verdict reads signals, not the drawn point types
        ds = d[lay.sid]
        sp = special & (side != 0)
        neutral = ds == 0
        ptype[sp & neutral & (side > 0)] = NEUTRAL_HIGH
        ptype[sp & neutral & (side < 0)] = NEUTRAL_LOW
        ptype[sp & ~neutral & (side == ds)] = IMPROVEMENT
        ptype[sp & ~neutral & (side != ds)] = CONCERN
        inner_pts = rule == RULE["inner_third"]
        ptype[inner_pts] = np.where(above[inner_pts] >= 0, NEUTRAL_HIGH, NEUTRAL_LOW)

    mr_ucl = mr_cl * K.MR_SCREEN
    return {
        "layout": lay,
        "specs": specs,
        "y": y,
        "n": n,
        "chart": chart,
        "convention": conv,
        "value": v,
        "cl": np.where(np.isfinite(cl), cl, np.nan),
        "lcl": lcl,
        "ucl": ucl,
        "lcl_2s": lcl2,
        "ucl_2s": ucl2,
        "mr": mr,
        "special": special,
        "rule": rule,
        "trend_only": trend_only,
        "vrule": vrule,
        "side": side,
        "point_type": ptype,
        "baseline": baseline,
        "valid": valid,
        "include": include,
        "above": above,
        "sigma": sigma,
        "phase_cl": cl_seg,
        "phase_mr_cl": mr_cl,
        "phase_mr_ucl": mr_ucl,
        "phase": ph,
        "direction": d,
        "shift_length": shift_s,
        "trend_length": trend_s,
    }
