"""Centre lines and sigma for each chart type, for many phases at once.

The formulas are qicharts2 0.8.1's (``qic.run``, ``qic.i``, ``qic.p``, ``qic.pp``, ``qic.u``,
``qic.up``, ``qic.c``, ``qic.g``, ``qic.t`` in ``R/helper.functions.R``), which cite
Montgomery, Introduction to Statistical Quality Control: I chart 6.33, P chart 7.8, C chart
7.17, U chart 7.19, G chart p. 319; Laney 2002 (Quality Engineering 14:531-537) for P' and U'.
Every function takes flat arrays (one entry per point) and the phase id of each point.
"""

import numpy as np

from . import constants as K


def sorted_counts(ids: np.ndarray, n: int) -> np.ndarray:
    """``np.bincount(ids, minlength=n)`` for ``ids`` in [0, n) and non-decreasing (points
    laid end to end by phase or series), by binary search instead of a pass over every id."""
    return np.diff(np.searchsorted(ids, np.arange(n + 1)))


def seg_sum(values: np.ndarray, seg: np.ndarray, n_seg: int) -> np.ndarray:
    return np.bincount(seg, weights=values, minlength=n_seg)


def seg_mean(values, mask, seg, n_seg):
    """Mean of ``values[mask]`` per phase (``seg`` non-decreasing); NaN for a phase with no
    such point.

    Two passes, as R's ``mean`` (summary.c): the mean of the residuals is added back, so
    that the mean of a constant series is that constant and no point sits a rounding error
    above or below its own centre line.
    """
    return _mean_of(values[mask], seg[mask], n_seg)


def _mean_of(x, s_, n_seg):
    """``seg_mean`` of the points already picked: ``x`` in phases ``s_`` (non-decreasing,
    so each phase's points are together: counted by binary search, means spread back by
    ``repeat``; the sums stay ``bincount``'s, in order)."""
    c = sorted_counts(s_, n_seg)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.maximum(c, 1)
        m = np.bincount(s_, weights=x, minlength=n_seg) / d
        m = m + np.bincount(s_, weights=x - np.repeat(m, c), minlength=n_seg) / d
    return np.where(c > 0, m, np.nan)


def seg_median(values, mask, seg, n_seg):
    """Median of ``values[mask]`` per phase (``seg`` non-decreasing; R's ``median``: mean of
    the two middle values)."""
    v, s = values[mask], seg[mask]
    c = sorted_counts(s, n_seg)
    start = np.concatenate(([0], np.cumsum(c)[:-1]))
    out = np.full(n_seg, np.nan)
    has = c > 0
    width = int(c.max()) if c.size else 0
    if n_seg * width <= 4 * v.shape[0] + 1024:
        # phases of similar length: sort each row of a padded table (NaN sorts last); the
        # j-th value of phase g goes to table[g, j], flat index g * width + j
        table = np.full((n_seg, width), np.nan)
        flat = np.arange(v.shape[0]) + np.repeat(np.arange(n_seg) * width - start, c)
        table.reshape(-1)[flat] = v
        table.sort(axis=1)
        rows = np.flatnonzero(has)
        lo = table[rows, (c[has] - 1) // 2]
        hi = table[rows, c[has] // 2]
    else:
        v = v[np.lexsort((v, s))]
        lo = v[start[has] + (c[has] - 1) // 2]
        hi = v[start[has] + c[has] // 2]
    out[has] = (lo + hi) / 2.0
    return out


def screened_amr(values, rows, seg, n_seg):
    """Average moving range of ``values`` over the ``rows`` of each phase's baseline, screened.

    qicharts2 ``qic.i``: moving ranges between consecutive baseline rows (a missing value
    makes both of its moving ranges missing: no bridging over gaps; excluded points are
    left out before the differences are taken); then, with screening on (qicharts2 attached,
    NHSRplotthedots default), "remove moving ranges greater than ulmr and recalculate amr,
    Nelson 1982": ranges of 3.267 x AMR or more are dropped (strict ``<`` keeps).
    Returns (amr per phase, amr before screening per phase).
    """
    w = values[rows]
    s = seg[rows]
    if w.shape[0] < 2:
        nan = np.full(n_seg, np.nan)
        return nan, nan.copy()
    mr = np.abs(w[1:] - w[:-1])
    ok = (s[1:] == s[:-1]) & np.isfinite(mr)
    mr, ms = mr[ok], s[1:][ok]  # the moving ranges that count, picked once
    amr0 = _mean_of(mr, ms, n_seg)
    with np.errstate(invalid="ignore", over="ignore"):
        keep = mr < K.MR_SCREEN * amr0[ms]
    return _mean_of(mr[keep], ms[keep], n_seg), amr0
