"""The rules that find special causes, one function per rule.

Every function works on many phases at once: ``values`` is a flat array of the points the
rules look at (missing and excluded points already removed, so the rules join across them,
as qicharts2 and the IHI definitions do), and ``seg`` gives each point's phase as a
non-decreasing integer. A pattern never crosses from one phase into the next. Functions
return boolean flags (one per point: the point is part of the pattern) and, where useful, a
per-phase summary.
"""

from functools import lru_cache
from math import comb

import numpy as np

from . import constants as K
from .limits import sorted_counts


def _starts(seg: np.ndarray | None, brk: np.ndarray | None = None) -> np.ndarray:
    """True where a new stretch starts: a new phase, or where ``brk`` says so (``seg``
    None: one phase, of ``brk``'s length + 1)."""
    m = brk.shape[0] + 1 if seg is None else seg.shape[0]
    s = np.ones(m, dtype=bool)
    if m > 1:
        if seg is None:
            s[1:] = brk
        else:
            s[1:] = seg[1:] != seg[:-1]
            if brk is not None:
                s[1:] |= brk
    return s


def run_lengths(key: np.ndarray, seg: np.ndarray | None) -> np.ndarray:
    """Length of the stretch of equal ``key`` (within a phase; ``seg`` None: one phase) that
    each point belongs to."""
    m = key.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(_starts(seg, key[1:] != key[:-1]))
    lengths = np.diff(first, append=m)
    return np.repeat(lengths, lengths)


def seg_max(values: np.ndarray, seg: np.ndarray, n_seg: int, fill=0) -> np.ndarray:
    """Per-phase maximum of ``values`` (``fill`` for a phase without points)."""
    out = np.full(n_seg, fill, dtype=values.dtype if values.size else np.int64)
    if values.size:
        np.maximum.at(out, seg, values)
    return out


def seg_count(mask: np.ndarray, seg: np.ndarray, n_seg: int) -> np.ndarray:
    return sorted_counts(seg[mask], n_seg)  # seg is non-decreasing


def outside_limits(values, lcl, ucl) -> np.ndarray:
    """Rule 1 of every convention: "a single point outside the control limits".

    Shewhart (1931); qicharts2 ``sigma.signal <- y > ucl | y < lcl``; NHSRplotthedots
    ``outside_limits``; Provost & Murray 2011 rule 1. A point on a limit is inside. Missing
    limits (a zero denominator, a constant series) flag nothing.
    """
    with np.errstate(invalid="ignore"):
        return (values > ucl) | (values < lcl)


def shift(side: np.ndarray, seg: np.ndarray, length: int, on_line_breaks: bool):
    """Runs on one side of the centre line: points of runs of ``length`` or more.

    ``side`` is sign(value - centre). With ``on_line_breaks`` false (Anhoej, qicharts2
    ``runs.analysis``; IHI, Perla et al. 2011: "points on the median are skipped") points on
    the line are dropped first, so they neither break nor extend a run; with it true
    (Making Data Count, NHSRplotthedots ``ptd_seven_point_one_side_mean``) a point on the
    mean ends the run. Returns (flags, run length of each point, useful mask).
    """
    useful = side != 0
    lens = np.zeros(side.shape[0], dtype=np.int64)
    if on_line_breaks:
        lens = run_lengths(side, seg)
        lens[~useful] = 0
    else:
        idx = np.flatnonzero(useful)
        lens[idx] = run_lengths(side[idx], seg[idx])
    return (lens >= length) & useful, lens, useful


def shift_runs(side: np.ndarray, seg: np.ndarray, length, on_line_breaks: bool, n_seg=None):
    """``shift``'s flags and useful mask, judged once per run rather than from every point's
    run length; with ``n_seg``, also the longest run of each phase (``shift``'s run lengths'
    ``seg_max``), else None. ``length``: one number, or one per point (the same within a
    phase)."""
    useful = side != 0
    m = side.shape[0]
    if m == 0:
        none = np.zeros(0, dtype=bool)
        longest = None if n_seg is None else np.zeros(n_seg, dtype=np.int64)
        return none, useful, longest
    if on_line_breaks:
        idx = None
        us, uk = seg, side
    else:
        idx = np.flatnonzero(useful)
        us, uk = seg[idx], side[idx]
    first = np.flatnonzero(_starts(us, uk[1:] != uk[:-1]))
    lens = np.diff(first, append=us.shape[0])
    real = uk[first] != 0  # runs of points on the line count for nothing
    at = first if idx is None else idx[first]
    need = length if np.isscalar(length) else np.asarray(length)[at]
    hit = np.repeat((lens >= need) & real, lens)
    if idx is None:
        flags = hit
    else:
        flags = np.zeros(m, dtype=bool)
        flags[idx] = hit
    longest = None
    if n_seg is not None:
        longest = np.zeros(n_seg, dtype=np.int64)
        np.maximum.at(longest, us[first[real]], lens[real])
    return flags, useful, longest


def runs_summary(side: np.ndarray, seg: np.ndarray, n_seg: int):
    """Per phase: the useful points (off the centre line), the longest run and the number
    of runs, as ``shift`` with ``on_line_breaks`` false counts them (points on the line
    skipped), from the runs themselves: no array of every point's run length."""
    useful = side != 0
    us, uk = seg[useful], side[useful]
    n_useful = sorted_counts(us, n_seg)
    first = np.flatnonzero(_starts(us, uk[1:] != uk[:-1]))
    run_seg = us[first]
    longest = np.zeros(n_seg, dtype=np.int64)
    np.maximum.at(longest, run_seg, np.diff(first, append=us.shape[0]))
    return n_useful, longest, sorted_counts(run_seg, n_seg)


def trend(
    values: np.ndarray, seg: np.ndarray, length, ties_break: bool, longest: bool = True, n_seg=None
):
    """Points rising or falling in a row: points of trends of ``length`` points or more.

    Making Data Count (NHSRplotthedots ``ptd_seven_point_trend``): "seven points in a row
    all increasing or all decreasing", i.e. six strict rises or falls; equal neighbours
    break the trend (``ties_break``). IHI (Perla et al. 2011): "if the value of two or more
    successive points is the same, ignore the like points when counting"; a point equal to
    its predecessor neither makes nor breaks the trend. Returns (flags, per-point direction
    of the trend it belongs to (+1/-1/0), longest trend per point's stretch). The third is
    None without ``longest``; with ``n_seg`` it is the longest trend of each phase instead
    (``seg_max`` of the per-point figure, 0 for a phase without points).
    """
    m = values.shape[0]
    if m == 0:
        lengths = np.zeros(0 if n_seg is None else n_seg, dtype=np.int64)
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int8), lengths
    if ties_break:
        keep = None  # every point is kept: no gathers needed
        vk, sk = values, seg
    else:
        keep = _starts(seg)
        keep[1:] |= values[1:] != values[:-1]
        k = np.flatnonzero(keep)
        vk, sk = values[k], seg[k]
    # d[j]: direction of the step from kept point j to kept point j + 1 (0 across phases)
    d = np.zeros(sk.shape[0], dtype=np.int8)
    if sk.shape[0] > 1:
        a, b = vk[:-1], vk[1:]
        d[:-1] = ((b > a).astype(np.int8) - (b < a)) * (sk[1:] == sk[:-1])
    # stretches of equal step direction, judged once each: a stretch of rises or falls lies
    # within one phase (the step out of a phase's last point is 0), so its rule length is
    # that of its first point
    first = np.flatnonzero(_starts(None, d[1:] != d[:-1]))
    steps = np.diff(first, append=d.shape[0])
    moving = d[first] != 0
    if np.isscalar(length):
        need = length
    else:
        need = np.asarray(length)[first if keep is None else k[first]]
    in_trend = np.repeat((steps + 1 >= need) & moving, steps)
    # a kept point is in a trend if the step before or after it is
    pk = in_trend.copy()
    pk[1:] |= in_trend[:-1]
    dir_k = np.where(in_trend, d, 0).astype(np.int8)
    before = np.zeros_like(dir_k)
    before[1:] = dir_k[:-1]
    dir_k = np.where(dir_k != 0, dir_k, before)  # right side first, as NHSRplotthedots
    # dir_k is non-zero exactly where pk is true: it needs no mask
    if n_seg is not None:  # 1 for a phase with points, else its longest trend's steps + 1
        len_k = np.zeros(n_seg, dtype=np.int64)
        len_k[sk] = 1
        np.maximum.at(len_k, sk[first[moving]], steps[moving] + 1)
    elif longest:
        len_k = np.repeat(np.where(moving, steps, 0) + 1, steps)  # at least 1
        prev_len = np.zeros_like(len_k)
        prev_len[1:] = len_k[:-1] * (d[:-1] != 0)
        np.maximum(len_k, prev_len, out=len_k)
    else:
        len_k = None
    if keep is None:
        return pk, dir_k, len_k
    # points dropped as ties take the step that leaves their stretch of equal values
    rep = np.repeat(np.arange(k.shape[0]), np.diff(k, append=m))  # keep[0] is always True
    flags = pk[rep] & (keep | in_trend[rep])
    direction = np.where(flags, dir_k[rep], 0).astype(np.int8)
    if n_seg is None and len_k is not None:
        len_k = len_k[rep]
    return flags, direction, len_k


def two_of_three_mdc(side, close, seg):
    """Making Data Count: "two out of three consecutive points close to a process limit".

    As NHSRplotthedots ``ptd_two_in_three``: in a window of three consecutive points, at
    least two lie beyond the two-sigma line but inside the limits (``close``) and all three
    are on the same side of the mean; only the close points are flagged, not the third.
    """
    m = side.shape[0]
    flags = np.zeros(m, dtype=bool)
    if m < 3:
        return flags
    c = close.astype(np.int8)  # sums of three stay within int8
    s = side.astype(np.int8)
    same = (seg[2:] == seg[:-2]) & (seg[1:-1] == seg[:-2])
    ok = same & (c[:-2] + c[1:-1] + c[2:] >= 2) & (np.abs(s[:-2] + s[1:-1] + s[2:]) == 3)
    win = np.zeros(m, dtype=bool)  # point is in at least one qualifying window
    win[:-2] |= ok
    win[1:-1] |= ok
    win[2:] |= ok
    return win & close


def two_of_three_zone(hi, lo, seg):
    """IHI rule 4 (Provost & Murray 2011): "two out of three consecutive points near (in the
    outer one-third of) a control limit", on the same side. ``hi``/``lo``: beyond the
    two-sigma line above/below the centre (a point outside the limits counts, as in the
    Western Electric zone test). The points beyond two sigma are flagged."""
    m = hi.shape[0]
    flags = np.zeros(m, dtype=bool)
    if m < 3:
        return flags
    same = (seg[2:] == seg[:-2]) & (seg[1:-1] == seg[:-2])
    for zone in (hi, lo):
        z = zone.astype(np.int8)
        ok = same & (z[:-2] + z[1:-1] + z[2:] >= 2)
        win = np.zeros(m, dtype=bool)
        win[:-2] |= ok
        win[1:-1] |= ok
        win[2:] |= ok
        flags |= win & zone
    return flags


def inner_third(inner, seg, length=K.IHI_CONTROL_INNER):
    """IHI rule 5 (Provost & Murray 2011): "fifteen or more consecutive points close to the
    centre line (in the inner one-third of the chart)", on either side."""
    lens = run_lengths(inner, seg)
    return inner & (lens >= length)


# --- limits of the runs rules ---------------------------------------------------------------


def anhoej_longest_run_max(n_useful: np.ndarray) -> np.ndarray:
    """round(log2(n)) + 3 (Schilling 2012; qicharts2). log2 of an integer is never exactly
    k + 0.5, so R's round-half-even and numpy's rounding agree."""
    with np.errstate(divide="ignore"):
        return np.round(np.log2(np.maximum(n_useful, 1))) + K.ANHOEJ_RUN_OFFSET


@lru_cache(maxsize=4096)
def _crossings_min(n_useful: int) -> int:
    """R's qbinom(0.05, n - 1, 0.5): the smallest x with P(X <= x) >= 0.05, in exact integer
    arithmetic (P(X <= x) >= 1/20  <=>  20 * sum C(n, k) >= 2^n), so no rounding can move it.
    """
    n = max(n_useful - 1, 0)
    need = 2**n
    scale = round(1 / K.ANHOEJ_CROSSINGS_P)
    acc = 0
    for x in range(n + 1):
        acc += comb(n, x)
        if scale * acc >= need:
            return x
    return n


def anhoej_crossings_min(n_useful: np.ndarray) -> np.ndarray:
    """qbinom(0.05, n - 1, 0.5): fewer crossings than this is a signal (Chen 2010)."""
    uniq, inv = np.unique(n_useful, return_inverse=True)
    return np.array([_crossings_min(int(u)) for u in uniq], dtype=np.int64)[inv]


@lru_cache(maxsize=4096)
def _swed_eisenhart(m: int) -> tuple[int | None, int | None]:
    if m < 2:
        return None, None
    n1 = m // 2
    n2 = m - n1
    total = comb(m, n1)
    ways = {}  # number of arrangements with exactly r runs (Swed & Eisenhart 1943)
    for r in range(2, m + 1):
        if r % 2 == 0:
            k = r // 2
            ways[r] = 2 * comb(n1 - 1, k - 1) * comb(n2 - 1, k - 1)
        else:
            k = (r - 1) // 2
            ways[r] = comb(n1 - 1, k) * comb(n2 - 1, k - 1) + comb(n1 - 1, k - 1) * comb(n2 - 1, k)
    # P <= 2.5%  <=>  40 * ways <= total, in exact integers
    scale = round(1 / K.IHI_RUNS_TAIL)
    few = many = None
    acc = 0
    for r in range(2, m + 1):
        acc += ways[r]
        if scale * acc <= total:
            few = r
    acc = 0
    for r in range(m, 1, -1):
        acc += ways[r]
        if scale * acc <= total:
            many = r
    return few, many


def ihi_runs_limits(n_useful: np.ndarray):
    """Too few / too many runs (Perla et al. 2011, from the exact Swed-Eisenhart runs
    distribution with n1 = floor(m/2), n2 = ceil(m/2), 2.5% in each tail).

    Returns (runs_min, runs_max) as floats (NaN where no limit exists): fewer runs than
    ``runs_min`` or more than ``runs_max`` is a signal, as in Perla et al.'s table.
    """
    uniq, inv = np.unique(n_useful, return_inverse=True)
    lo = np.full(uniq.shape[0], np.nan)
    hi = np.full(uniq.shape[0], np.nan)
    for j, u in enumerate(uniq):
        few, many = _swed_eisenhart(int(u))
        if few is not None:
            lo[j] = few + 1
        if many is not None:
            hi[j] = many - 1
    return lo[inv], hi[inv]
