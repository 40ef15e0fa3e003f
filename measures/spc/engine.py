"""The array engine: every series of one chart type and convention at once.

All points of all series are laid end to end in flat arrays; each phase of each series is a
segment with its own id. Centre lines, limits and rules are computed with array operations
over all segments together (no Python loop per point or per series, apart from laying the
input out). ``compute`` reads, in order: the layout and values; the chart type's centre line
and sigma (``SCALES``, one function per chart type); the lines (``_lines``); the
convention's rules (``_anhoej_reference_rules``, ``_runs_rules``, ``_control_rules``); the
labels (``_labels``) and point types; and returns a ``Chart`` of flat arrays.
``charts.py`` and ``batch.py`` are the front doors.
"""

from dataclasses import dataclass
from operator import attrgetter

import numpy as np

from . import constants as K
from . import limits as L
from . import rules as R
from .kinds import RATIO
from .spec import RULES, SeriesSpec

RULE = {name: i for i, name in enumerate(RULES)}
DIRECTION = {"up": 1, "down": -1}  # improvement -> +1 / -1 (None: 0)
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
    lengths: np.ndarray  # rows of each series
    seg_len: np.ndarray  # rows of each phase
    # a row's phase number within its series is seg[row] - seg[first row of the series]

    # Rows lie series by series and phase by phase, so a per-series or per-phase figure is
    # spread over the rows by repeating it (a few instructions a row), which gives what
    # ``per_series[sid]`` and ``per_phase[seg]`` would, at a third of their cost.
    def by_series(self, per_series: np.ndarray) -> np.ndarray:
        """Each row's entry of ``per_series`` (``per_series[sid]``)."""
        return np.repeat(per_series, self.lengths)

    def by_phase(self, per_phase: np.ndarray) -> np.ndarray:
        """Each row's entry of ``per_phase`` (``per_phase[seg]``)."""
        return np.repeat(per_phase, self.seg_len)


def layout(specs: list[SeriesSpec], phases: bool = True) -> Layout:
    """Where each series and phase lives; with ``phases`` false every series is one phase."""
    lengths = np.array([s.y.shape[0] for s in specs], dtype=np.int64)
    offsets = np.zeros(len(specs) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    total = int(offsets[-1])
    sid = np.repeat(np.arange(len(specs)), lengths)
    pos = np.arange(total)
    pos -= np.repeat(offsets[:-1], lengths)
    start = np.zeros(total, dtype=bool)
    start[offsets[:-1][lengths > 0]] = True
    if phases:
        at = offsets.tolist()
        brk = [at[i] + b for i, s in enumerate(specs) if s.breaks for b in s.breaks]
        if brk:
            start[brk] = True
    seg_start = np.flatnonzero(start)
    seg_end = np.concatenate((seg_start[1:], [total])) - 1 if seg_start.size else seg_start
    seg_len = seg_end - seg_start + 1
    seg = np.repeat(np.arange(seg_start.shape[0]), seg_len)
    return Layout(offsets, sid, pos, seg, seg_start, seg_end, sid[seg_start], lengths, seg_len)


def _one_phase(lay: Layout) -> Layout:
    """The same series as ``lay``, each in one phase."""
    offsets, sid, lengths = lay.offsets, lay.sid, lay.lengths
    has = lengths > 0
    seg_start = offsets[:-1][has]
    seg_sid = np.flatnonzero(has)
    seg_of_series = np.cumsum(has) - 1
    seg = np.repeat(seg_of_series, lengths)
    seg_end = offsets[1:][has] - 1
    return Layout(offsets, sid, lay.pos, seg, seg_start, seg_end, seg_sid, lengths, lengths[has])


def _flat(specs, attr, lay, fill=np.nan):
    parts = list(map(attrgetter(attr), specs))
    if all(v is None for v in parts):
        return np.full(lay.sid.shape[0], fill)
    for k, v in enumerate(parts):
        if v is None:
            parts[k] = np.full(specs[k].y.shape[0], fill)
    return np.concatenate(parts)


def _mark(specs, attr, lay) -> np.ndarray:
    mask = np.zeros(lay.sid.shape[0], dtype=bool)
    values = list(map(attrgetter(attr), specs))
    if not any(values):  # the usual case: no series marks a point
        return mask
    idx = [
        lay.offsets[i] + np.asarray([j for j in v if j < specs[i].y.shape[0]], dtype=int)
        for i, v in enumerate(values)
        if v
    ]
    if idx:
        mask[np.concatenate(idx)] = True
    return mask


def _run_rule_lengths(specs) -> tuple[np.ndarray, np.ndarray]:
    """Each series' shift and trend rule lengths (the same for a whole group unless Making
    Data Count series choose their own)."""
    S = len(specs)
    if S == 0 or not any(map(attrgetter("rules"), specs)):  # rules: None or a non-empty dict
        first = specs[0] if S else None
        return (
            np.full(S, first.shift_length if S else 0, dtype=np.int64),
            np.full(S, first.trend_length if S else 0, dtype=np.int64),
        )
    return (
        np.array([s.shift_length for s in specs], dtype=np.int64),
        np.array([s.trend_length for s in specs], dtype=np.int64),
    )


def _values(chart, y, n):
    """The plotted value of each point (NaN where missing or unusable), and which are valid."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if chart in RATIO:
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
    v[~valid] = np.nan  # v is a fresh array
    return v, valid


PHASE_FIGURES = (
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


@dataclass
class Chart:
    """The engine's result for one group: flat arrays, one entry per point unless noted."""

    layout: Layout
    specs: list
    chart: str
    convention: str
    y: np.ndarray
    n: np.ndarray  # NaN where the chart has no denominator
    value: np.ndarray  # the plotted value (NaN where missing or unusable)
    valid: np.ndarray
    include: np.ndarray  # False where excluded
    baseline: np.ndarray  # the point is in its phase's baseline (frozen points)
    above: np.ndarray  # +1 above the centre line, -1 below, 0 on it or without one
    sigma: np.ndarray  # one sigma (the plotted scale, except T: the transformed scale)
    cl: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    lcl_2s: np.ndarray
    ucl_2s: np.ndarray
    mr: np.ndarray  # moving range (I charts, drawn)
    special: np.ndarray
    rule: np.ndarray  # index into spec.RULES of the rule that names the point
    trend_only: np.ndarray  # flagged by a trend rule and no other (reference charts)
    vrule: np.ndarray  # what the verdict reads: ``rule`` plus Anhoej's long runs
    side: np.ndarray  # +1 high, -1 low: the direction of each signal
    point_type: np.ndarray  # COMMON ... NEUTRAL_LOW (drawn charts)
    phase_cl: np.ndarray  # per phase
    phase_mr_cl: np.ndarray  # per phase
    phase_mr_ucl: np.ndarray  # per phase
    phase: dict  # per phase: PHASE_FIGURES -> floats, NaN where they do not apply
    direction: np.ndarray  # per series: +1 up, -1 down, 0 none
    shift_length: np.ndarray  # per series
    trend_length: np.ndarray  # per series
    seq_rows: np.ndarray  # the rows the sequence rules look at (valid and included)
    seq_values: np.ndarray  # their values
    # the trend rule's flags and directions on the sequence (control charts of Making Data
    # Count and IHI), which the reference chart reuses for series drawn in one phase
    seq_trend: tuple | None = None


@dataclass
class _Points:
    """What the per-chart formulas read: one group's points and their baseline."""

    chart: str
    convention: str
    reference: bool
    y: np.ndarray
    n: np.ndarray
    v: np.ndarray
    valid: np.ndarray
    base: np.ndarray  # baseline rows, missing ones included (qicharts2's moving ranges)
    basev: np.ndarray  # baseline rows with a valid value
    seg: np.ndarray
    G: int
    P: int
    lay: Layout


@dataclass
class _Scale:
    """A chart type's centre line and sigma."""

    cl_seg: np.ndarray  # centre line per phase
    sigma: np.ndarray  # per point
    zone_c: np.ndarray | None = None  # centre of the limits, where not the plotted one
    mr_cl: np.ndarray | None = None  # screened average moving range per phase (I charts)
    # sigma per phase, where every point of a phase has the same and the limits centre on
    # the centre line (I and C charts): the lines are then worked out per phase
    sigma_seg: np.ndarray | None = None


# ---- centre lines and sigma, one function per chart type (qicharts2's formulas) -----------


def _run_scale(pt: _Points) -> _Scale:
    """Run chart: the median; on the IHI reference chart also a sigma (the screened AMR of
    the baseline / d2), which the verdict needs to judge points flagged only by a trend."""
    sigma = np.full(pt.P, np.nan)
    cl_seg = L.seg_median(pt.v, pt.basev, pt.seg, pt.G)
    if pt.reference and pt.convention == "ihi":  # only the IHI run chart rules have a trend
        amr, _ = L.screened_amr(pt.v, pt.base, pt.seg, pt.G)  # v is NaN where not valid
        sigma = pt.lay.by_phase(amr / K.D2)
    return _Scale(cl_seg, sigma)


def _xmr_scale(pt: _Points) -> _Scale:
    """I chart, and T chart (an I chart of y^(1/3.6), Nelson 1994)."""
    w = pt.v ** (1.0 / K.T_EXPONENT) if pt.chart == "t" else pt.v
    clw = L.seg_mean(w, pt.basev, pt.seg, pt.G)
    amr, _ = L.screened_amr(w, pt.base, pt.seg, pt.G)  # w is NaN where v is, not valid
    mdc_like = pt.convention in ("mdc", "ihi")
    factor = (K.XMR_LIMIT_FACTOR / K.SIGMA_LIMIT) if mdc_like else 1.0 / K.D2
    sigma_seg = amr * factor
    sigma = pt.lay.by_phase(sigma_seg)
    if pt.chart == "i":
        return _Scale(clw, sigma, mr_cl=amr, sigma_seg=sigma_seg)
    return _Scale(clw**K.T_EXPONENT, sigma, zone_c=pt.lay.by_phase(clw))


def _ratio_scale(pt: _Points) -> _Scale:
    """P, P', U, U': the pooled ratio of the baseline; each point's own sigma (Laney 2002
    for the primes: times the screened average moving range of the z-scores / d2)."""
    seg, G, basev, y, n = pt.seg, pt.G, pt.basev, pt.y, pt.n
    sb = seg[basev]
    sy = np.bincount(sb, weights=y[basev], minlength=G)
    sn = np.bincount(sb, weights=n[basev], minlength=G)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        cl_seg = np.where(sn > 0, sy / sn, np.nan)
        c = pt.lay.by_phase(cl_seg)
        s_i = np.sqrt(c * (1 - c) / n) if pt.chart in ("p", "pp") else np.sqrt(c / n)
        s_i = np.where(pt.valid, s_i, np.nan)
        if pt.chart in ("pp", "up"):
            z = (pt.v - c) / s_i
            z = np.where(np.isfinite(z), z, np.nan)
            amr, _ = L.screened_amr(z, pt.base, seg, G)
            s_i = s_i * pt.lay.by_phase(amr / K.D2)
    return _Scale(cl_seg, s_i)


def _c_scale(pt: _Points) -> _Scale:
    cl_seg = L.seg_mean(pt.v, pt.basev, pt.seg, pt.G)
    sigma_seg = np.sqrt(cl_seg)
    return _Scale(cl_seg, pt.lay.by_phase(sigma_seg), sigma_seg=sigma_seg)


def _g_scale(pt: _Points) -> _Scale:
    """G chart: limits around the mean; qicharts2 plots it around its median (of every point
    of the part); we take the median of the same points as the mean, so a frozen centre
    stays frozen."""
    m = L.seg_mean(pt.v, pt.basev, pt.seg, pt.G)
    sigma = pt.lay.by_phase(np.sqrt(m * (m + 1)))
    return _Scale(L.seg_median(pt.v, pt.basev, pt.seg, pt.G), sigma, zone_c=pt.lay.by_phase(m))


SCALES = {
    "run": _run_scale,
    "i": _xmr_scale,
    "t": _xmr_scale,
    "p": _ratio_scale,
    "pp": _ratio_scale,
    "u": _ratio_scale,
    "up": _ratio_scale,
    "c": _c_scale,
    "g": _g_scale,
}


def _line(chart: str, zone_c, sigma, k: float) -> np.ndarray:
    """The line k sigma from the centre, on the plotted scale, clipped to what the chart can
    show (proportions within [0, 1], counts and rates at least 0); NaN where none."""
    with np.errstate(invalid="ignore", over="ignore"):
        if chart == "t":
            out = (zone_c + k * sigma) ** K.T_EXPONENT
            if k < 0:
                out = np.where(np.isnan(out) | (out < 0), 0.0, out)
        else:
            out = sigma * k  # one fresh array, not two: each costs page faults
            out += zone_c
        finite = np.isfinite(out)
        if chart in ("p", "pp"):
            np.copyto(out, 1.0, where=finite & (out > 1))
        if chart in ("p", "pp", "u", "up", "c", "g") and k < 0:
            np.copyto(out, 0.0, where=finite & (out < 0))
    out[~finite] = np.nan
    return out


def _lines(pt: _Points, sc: _Scale, cl: np.ndarray) -> tuple:
    """lcl, ucl, the two-sigma lines and (IHI drawn charts) the one-sigma lines: only those
    the convention's rules or the drawn chart read; NaN arrays for the rest."""
    chart, conv, reference, P = pt.chart, pt.convention, pt.reference, pt.P
    if chart == "run":
        nan = np.full(P, np.nan)
        return nan, nan, nan, nan, nan, nan
    zone_c = cl if sc.zone_c is None else sc.zone_c
    if chart == "t":
        sc.sigma = np.where(np.isfinite(cl), sc.sigma, np.nan)
    sigma = sc.sigma

    def line(k):
        if sc.sigma_seg is not None:  # the same figures per phase, then one gather
            return pt.lay.by_phase(_line(chart, sc.cl_seg, sc.sigma_seg, k))
        return _line(chart, zone_c, sigma, k)

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
    return lcl, ucl, lcl2, ucl2, lcl1, ucl1


# ---- the rules of each convention ---------------------------------------------------------


def _per_point(per_phase: np.ndarray, seg: np.ndarray):
    """A per-phase rule length for each point, or one number when every phase has the same
    (the usual case: only Making Data Count series may choose 6 instead of 7)."""
    if per_phase.size and (per_phase == per_phase[0]).all():
        return per_phase[0]
    return per_phase[seg]


@dataclass
class _Sequence:
    """The points the sequence rules look at (valid and included), in order."""

    ri: np.ndarray  # their rows
    v: np.ndarray
    seg: np.ndarray
    side: np.ndarray  # +1 above the centre line, -1 below, 0 on it
    G: int


def _anhoej_reference_rules(sq: _Sequence) -> dict:
    """The verdict's chart under Anhoej needs only the points of a run longer than the limit:
    each run (of useful points, those on the line skipped, as ``R.shift``) is judged once,
    then its points flagged."""
    useful = sq.side != 0
    us, uk = sq.seg[useful], sq.side[useful]
    first = np.flatnonzero(R._starts(us, uk[1:] != uk[:-1]))
    lens = np.diff(first, append=us.shape[0])
    lmax = R.anhoej_longest_run_max(L.sorted_counts(us, sq.G))
    flags = np.zeros(sq.side.shape[0], dtype=bool)
    flags[useful] = np.repeat(lens > lmax[us[first]], lens)
    return {"runs": flags}


def _runs_rules(sq: _Sequence, conv: str, shift_k, ph: dict) -> dict:
    """Anhoej's runs analysis (any chart), or the IHI run chart rules; fills ``ph``."""
    rs, rside, G = sq.seg, sq.side, sq.G
    n_useful, longest, n_runs = R.runs_summary(rside, rs, G)
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
        return {}
    # IHI run chart rules
    sflags, _, _ = R.shift_runs(rside, rs, _per_point(shift_k, rs), False)
    tflags, tdir, ltrend = R.trend(sq.v, rs, K.IHI_RUN_TREND, ties_break=False, n_seg=G)
    rmin, rmax = R.ihi_runs_limits(n_useful)
    few = np.isfinite(rmin) & (n_runs < rmin)
    many = np.isfinite(rmax) & (n_runs > rmax)
    ph["longest_run"] = longest.astype(float)
    ph["longest_run_max"] = (shift_k - 1).astype(float)
    ph["crossings"] = np.maximum(n_runs - 1, 0).astype(float)
    ph["n_runs"] = n_runs.astype(float)
    ph["runs_min"], ph["runs_max"] = rmin, rmax
    ph["runs_signal"] = (few | many).astype(float)
    ph["longest_trend"] = ltrend.astype(float)
    ph["shift_signal"] = (longest >= shift_k).astype(float)
    ph["trend_signal"] = (ltrend >= K.IHI_RUN_TREND).astype(float)
    return {"trend": tflags, "shift": sflags, "_trend_dir": tdir}


def _control_rules(
    sq: _Sequence, pt: _Points, lines, outside, shift_k, trend_k, ph, reuse=None
) -> dict:
    """Making Data Count's or the IHI control chart rules; fills ``ph`` on drawn charts.
    ``reuse``: on the reference chart, (the drawn chart's trend flags and directions, which
    sequence rows belong to a series drawn in more than one phase)."""
    rs, rside, rv, ri, G, conv = sq.seg, sq.side, sq.v, sq.ri, sq.G, pt.convention
    _, _, lcl2, ucl2, lcl1, ucl1 = lines
    on_line_breaks = conv == "mdc"
    drawn = not pt.reference  # the drawn chart also fills the per-phase figures
    n_seg = G if drawn else None
    sflags, useful, longest = R.shift_runs(
        rside, rs, _per_point(shift_k, rs), on_line_breaks, n_seg
    )
    if reuse is None:
        tflags, tdir, ltrend = R.trend(
            rv, rs, _per_point(trend_k, rs), ties_break=on_line_breaks, longest=drawn, n_seg=n_seg
        )
    else:  # the trend reads only the values and where each phase ends: a series drawn in
        # one phase has the same trends on its reference chart; the others are judged again
        (tflags, tdir), multi = reuse
        if multi.any():
            sub = np.flatnonzero(multi)
            need = _per_point(trend_k, rs)
            need = need if np.isscalar(need) else need[sub]
            f, dr, _ = R.trend(rv[sub], rs[sub], need, ties_break=on_line_breaks, longest=False)
            tflags, tdir = tflags.copy(), tdir.copy()
            tflags[sub], tdir[sub] = f, dr
    if drawn:
        ph["n_useful"] = R.seg_count(useful, rs, G).astype(float)
        ph["longest_run"] = longest.astype(float)
        ph["longest_run_max"] = (shift_k - 1).astype(float)
        ph["longest_trend"] = ltrend.astype(float)
        ph["shift_signal"] = (longest >= shift_k).astype(float)
        ph["trend_signal"] = (ltrend >= trend_k).astype(float)
    seq = {"trend": tflags, "shift": sflags, "_trend_dir": tdir}
    with np.errstate(invalid="ignore"):
        hi2, lo2 = rv > ucl2[ri], rv < lcl2[ri]
        if conv == "mdc":
            close = ~outside[ri] & (hi2 | lo2)
            seq["two_of_three"] = R.two_of_three_mdc(rside, close, rs)
        else:
            seq["two_of_three"] = R.two_of_three_zone(hi2, lo2, rs)
            if not pt.reference:
                inner = (rv > lcl1[ri]) & (rv < ucl1[ri])
                seq["inner_third"] = R.inner_third(inner, rs)
    return seq


def _point_types(rule, side, special, above, direction, lay) -> np.ndarray:
    """Making Data Count's point types, from each signal's side and the direction."""
    ptype = np.full(rule.shape[0], COMMON, dtype=np.int8)
    ds = lay.by_series(direction)
    sp = special & (side != 0)
    neutral = ds == 0
    ptype[sp & neutral & (side > 0)] = NEUTRAL_HIGH
    ptype[sp & neutral & (side < 0)] = NEUTRAL_LOW
    ptype[sp & ~neutral & (side == ds)] = IMPROVEMENT
    ptype[sp & ~neutral & (side != ds)] = CONCERN
    inner_pts = rule == RULE["inner_third"]
    ptype[inner_pts] = np.where(above[inner_pts] >= 0, NEUTRAL_HIGH, NEUTRAL_LOW)
    return ptype


def _labels(sq: _Sequence, seq: dict, pt: _Points, outside, ucl, above, lay, specs) -> tuple:
    """Each point's rule by priority (the first rule that applies names the point) and its
    side; which points are special causes, flagged only by a trend (reference charts), and
    what the verdict reads (``vrule``: Anhoej's long runs added)."""
    P, v, ri, chart, conv, reference = pt.P, pt.v, sq.ri, pt.chart, pt.convention, pt.reference
    rule = np.zeros(P, dtype=np.int8)
    side = np.zeros(P, dtype=np.int8)  # +1 high, -1 low: the direction of each signal
    if conv != "anhoej":
        for name in ("inner_third", "shift", "two_of_three", "trend"):  # lowest first
            if name in seq:
                f = seq[name]
                rule[ri[f]] = RULE[name]
                if name == "trend":
                    side[ri[f]] = seq["_trend_dir"][f]
                else:
                    side[ri[f]] = np.where(sq.side[f] >= 0, 1, -1)
    if conv == "ihi" and chart == "run":
        astro = _mark(specs, "astronomical", lay) & pt.valid
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
    vrule = rule.copy()  # what the verdict reads (adds Anhoej's long runs)
    if conv == "anhoej" and "runs" in seq:
        f = seq["runs"] & (vrule[ri] == 0)
        vrule[ri[f]] = RULE["runs"]
        side[ri[f]] = sq.side[f]

    return rule, side, special, trend_only, vrule


def compute(
    specs: list[SeriesSpec], reference: bool = False, drawn: Chart | None = None, baselines=None
) -> Chart:
    """Compute one group (same chart and convention): the drawn chart, or the verdict's.

    ``reference``: the verdict's reference chart; run charts then get a sigma too (the
    screened average moving range of the baseline / d2, as an I chart's), which the verdict
    needs to judge points flagged only by a trend rule, and the inner-third rule (which has
    no direction) is skipped. ``drawn`` and ``baselines``: the reference chart of the same
    specs as the drawn result ``drawn``, in one phase with limits from the first
    ``baselines[i]`` points of series i (the drawn result's values are reused).
    """
    chart, conv = specs[0].chart, specs[0].convention
    lay = layout(specs) if drawn is None else _one_phase(drawn.layout)
    seg, G, P = lay.seg, lay.seg_start.shape[0], lay.seg.shape[0]
    if drawn is None:
        y = _flat(specs, "y", lay)
        n = _flat(specs, "n", lay)
        per_series = np.array([s.freeze if s.freeze is not None else 1 << 40 for s in specs])
        include = ~_mark(specs, "exclude", lay)
        v, valid = _values(chart, y, n)
        shift_s, trend_s = _run_rule_lengths(specs)
        d = np.array([DIRECTION.get(s.improvement, 0) for s in specs], dtype=np.int8)
    else:  # the same points as the drawn chart
        y, n, include, v, valid = drawn.y, drawn.n, drawn.include, drawn.value, drawn.valid
        per_series = np.asarray(baselines)
        shift_s, trend_s, d = drawn.shift_length, drawn.trend_length, drawn.direction
    if drawn is not None:  # one phase per series: the position in the phase is in the series
        posin = lay.pos
    else:
        posin = np.arange(P) - lay.by_phase(lay.seg_start) if P else np.zeros(0, dtype=np.int64)
    baseline = posin < lay.by_series(per_series)
    base = baseline & include
    pt = _Points(chart, conv, reference, y, n, v, valid, base, base & valid, seg, G, P, lay)

    sc = SCALES[chart](pt)
    cl = lay.by_phase(sc.cl_seg) if P else np.zeros(0)
    lines = _lines(pt, sc, cl)
    lcl, ucl, lcl2, ucl2 = lines[:4]

    # moving ranges shown on I charts: between consecutive rows of a phase
    mr = np.full(P, np.nan)
    if chart == "i" and P > 1 and not reference:
        same = seg[1:] == seg[:-1]
        mr[1:] = np.where(same, np.abs(v[1:] - v[:-1]), np.nan)

    # ---- rules -----------------------------------------------------------------------------
    outside = R.outside_limits(v, lcl, ucl)
    with np.errstate(invalid="ignore"):
        gap = v - cl
    # a phase without a centre line (no usable baseline point) has no side
    above = (gap > 0).astype(np.int8) - (gap < 0)  # NaN compares False: no side
    if drawn is None:
        seen = valid & include
        ri = np.flatnonzero(seen)
        rv = v[seen]  # picks by mask cost less than by index
    else:  # the same points as the drawn chart's
        ri, rv = drawn.seq_rows, drawn.seq_values
        seen = drawn.valid & drawn.include
    sq = _Sequence(ri, rv, seg[seen], above[seen], G)
    ph = {k: np.full(G, np.nan) for k in PHASE_FIGURES}
    shift_k = shift_s[lay.seg_sid] if G else np.zeros(0)
    trend_k = trend_s[lay.seg_sid] if G else np.zeros(0)
    if conv == "anhoej" and reference:
        seq = _anhoej_reference_rules(sq)
    elif conv == "anhoej" or (conv == "ihi" and chart == "run"):
        seq = _runs_rules(sq, conv, shift_k, ph)
    else:
        reuse = None
        if drawn is not None and drawn.seq_trend is not None:
            phases = L.sorted_counts(drawn.layout.seg_sid, drawn.layout.offsets.shape[0] - 1)
            reuse = drawn.seq_trend, (phases > 1)[lay.sid[ri]]
        seq = _control_rules(sq, pt, lines, outside, shift_k, trend_k, ph, reuse)

    rule, side, special, trend_only, vrule = _labels(sq, seq, pt, outside, ucl, above, lay, specs)

    if reference:  # the verdict reads signals, not the drawn point types
        ptype = np.full(P, COMMON, dtype=np.int8)
    else:
        ptype = _point_types(rule, side, special, above, d, lay)
    mr_cl = np.full(G, np.nan) if sc.mr_cl is None else sc.mr_cl
    cl_seg = sc.cl_seg
    if P and not np.isfinite(cl_seg).all():  # infinite (and NaN) centres shown as NaN
        cl = lay.by_phase(np.where(np.isfinite(cl_seg), cl_seg, np.nan))
    trend = None
    if not reference and "trend" in seq and conv != "anhoej" and chart != "run":
        trend = (seq["trend"], seq["_trend_dir"])
    return Chart(
        layout=lay,
        specs=specs,
        chart=chart,
        convention=conv,
        y=y,
        n=n,
        value=v,
        valid=valid,
        include=include,
        baseline=baseline,
        above=above,
        sigma=sc.sigma,
        cl=cl,
        lcl=lcl,
        ucl=ucl,
        lcl_2s=lcl2,
        ucl_2s=ucl2,
        mr=mr,
        special=special,
        rule=rule,
        trend_only=trend_only,
        vrule=vrule,
        side=side,
        point_type=ptype,
        phase_cl=cl_seg,
        phase_mr_cl=mr_cl,
        phase_mr_ucl=mr_cl * K.MR_SCREEN,
        phase=ph,
        direction=d,
        shift_length=shift_s,
        trend_length=trend_s,
        seq_rows=ri,
        seq_values=rv,
        seq_trend=trend,
    )
