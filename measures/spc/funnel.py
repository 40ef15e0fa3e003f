"""Funnel plots for comparing teams: proportions (``PR``) and indirectly standardised ratios
(``SR``), as FunnelPlotR 0.6 computes them.

Sources: Spiegelhalter D. (2005) Funnel plots for comparing institutional performance, Stat
Med 24:1185-1202; Spiegelhalter et al. (2012) Statistical methods for healthcare regulation,
JRSS A 175:1-47; DerSimonian & Laird (1986) Control Clin Trials 7:177-188; FunnelPlotR 0.6
(``transformed_zscore``, ``winsorisation``, ``truncation``, ``phi_func``, ``tau_func``,
``calculate_limits``).

- ``PR``: y = asin(sqrt(p)), s = 1 / (2 sqrt(n)), target = sum(numerator) / sum(n); z-scores
  winsorised at ``trim_by`` at each end (R's type-7 quantiles).
- ``SR``: y = log(O / E), s = 1 / sqrt(E), target 1; z = sqrt(E) log(O / E); the units whose
  z rank in the bottom or top ``trim_by`` are left out (SHMI-style truncation). A unit with no
  events (z = -infinity) ranks lowest, as in FunnelPlotR, and is never used in phi.
- phi = mean of the (winsorised / kept) z squared; tau2 = max(0, (n phi - (n - 1)) /
  (sum w - sum w^2 / sum w)), w = 1 / s^2 (DerSimonian-Laird, as Spiegelhalter 2005).
- Adjusted limits: the normal approximation on the transformed scale with variance s^2 +
  tau2 (drawn when phi > 1 under ``adjust="auto"``). Unadjusted limits: exact Poisson for
  ratios (chi-square form), the arcsine normal approximation for proportions.

Run ``python -m measures.spc.funnel`` for the command line (README.md has the contract).
"""

import sys
from dataclasses import asdict, dataclass

import numpy as np

from . import constants as K

ADJUST = ("auto", "always", "never")


@dataclass(frozen=True)
class Limits:
    lcl95: float | None
    ucl95: float | None
    lcl998: float | None
    ucl998: float | None


@dataclass(frozen=True)
class FunnelUnit:
    id: object
    value: float | None
    z: float | None  # unadjusted, on the transformed scale (FunnelPlotR ``Uzscore``)
    z_adjusted: float | None  # against the limits drawn (= z when they are not adjusted)
    trimmed: bool  # winsorised (PR), or truncated or left out (SR), in the phi estimate
    lcl95: float | None
    ucl95: float | None
    lcl998: float | None
    ucl998: float | None
    unadjusted: Limits
    outlier95: bool
    outlier998: bool


@dataclass(frozen=True)
class FunnelResult:
    target: float
    phi: float
    tau2: float
    n_used: int
    adjusted: bool
    units: tuple[FunnelUnit, ...]

    def to_dict(self) -> dict:
        return asdict(self)


def _z_quantiles():
    from scipy.stats import norm

    return [float(norm.ppf(1 - (1 - level) / 2)) for level in K.FUNNEL_LEVELS]


def _r_quantile(x: np.ndarray, q: float) -> float:
    """R's default (type 7) quantile, which numpy's 'linear' method is."""
    return float(np.quantile(x, q, method="linear"))


def _rank_average(x: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(x, method="average")


def winsorise(z: np.ndarray, trim_by: float):
    """FunnelPlotR ``winsorisation``: clamp to the trim_by and 1 - trim_by quantiles; a
    unit is marked unless strictly between them."""
    lo, hi = _r_quantile(z, trim_by), _r_quantile(z, 1 - trim_by)
    return np.clip(z, lo, hi), ~((z > lo) & (z < hi))


def truncate(z: np.ndarray, trim_by: float):
    """FunnelPlotR ``truncation`` (SHMI): rank the z-scores, split them into 1 / trim_by
    groups by floor(rank k / (N + 1)), and drop the lowest and the highest group."""
    k = 1 / trim_by
    sp = np.floor(_rank_average(z) * k / (z.shape[0] + 1))
    dropped = ~((sp > 0) & (sp < k - 1))
    return dropped


def dispersion(z: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    """phi and tau2 from the z-scores used (Spiegelhalter 2005, section 3.3; FunnelPlotR
    ``phi_func`` / ``tau_func``)."""
    n = z.shape[0]
    if n == 0:
        return 0.0, 0.0
    phi = float(np.sum(z**2) / n)
    if n * phi < n - 1:
        return phi, 0.0
    w = 1 / s**2
    denom = np.sum(w) - np.sum(w**2) / np.sum(w)
    if not denom > 0:
        return phi, 0.0
    return phi, max(0.0, float((n * phi - (n - 1)) / denom))


def funnel(
    numerator,
    denominator,
    ids=None,
    data_type: str = "PR",
    trim_by: float = K.FUNNEL_TRIM,
    multiplier: float = 1.0,
    adjust: str = "auto",
) -> FunnelResult:
    """Funnel plot limits and outliers for each unit (team)."""
    if data_type not in ("PR", "SR"):
        raise ValueError(f"data_type must be PR or SR, not {data_type!r}")
    if adjust not in ADJUST:
        raise ValueError(f"adjust must be one of {', '.join(ADJUST)}, not {adjust!r}")
    if not 0 <= trim_by < 0.5:
        raise ValueError("trim_by must be at least 0 and below 0.5")
    o = np.asarray(numerator, dtype=float)
    e = np.asarray(denominator, dtype=float)
    if o.shape != e.shape:
        raise ValueError("numerator and denominator must have the same length")
    ids = list(ids) if ids is not None else list(range(o.shape[0]))
    ok = np.isfinite(o) & np.isfinite(e) & (e > 0) & (o >= 0)
    if data_type == "PR":
        ok &= o <= e
    z95, z998 = _z_quantiles()

    value = np.full(o.shape, np.nan)
    value[ok] = o[ok] / e[ok]
    s = np.full(o.shape, np.nan)
    with np.errstate(divide="ignore"):
        if data_type == "PR":
            target = float(o[ok].sum() / e[ok].sum()) if ok.any() else float("nan")
            centre = np.arcsin(np.sqrt(target))
            s[ok] = 1 / (2 * np.sqrt(e[ok]))
            y = np.arcsin(np.sqrt(value))
        else:
            target = 1.0
            centre = 0.0
            s[ok] = 1 / np.sqrt(e[ok])
            y = np.log(value)
    with np.errstate(invalid="ignore"):
        z = (y - centre) / s  # FunnelPlotR's Uzscore
    # SR: a unit with no events has z = -inf; it takes part in the ranking (the lowest rank,
    # as R's rank of -Inf) but never in phi
    used = ok & ~np.isnan(z) if data_type == "SR" else ok & np.isfinite(z)
    trimmed = np.zeros(o.shape, dtype=bool)
    if used.any():
        zu = z[used]
        if data_type == "PR":
            wz, marked = winsorise(zu, trim_by)
            trimmed[used] = marked
            phi, tau2 = dispersion(wz, s[used])
            n_used = int(zu.shape[0])
        else:
            dropped = truncate(zu, trim_by) if trim_by > 0 else np.zeros(zu.shape, dtype=bool)
            dropped |= ~np.isfinite(zu)
            trimmed[used] = dropped
            phi, tau2 = dispersion(zu[~dropped], s[used][~dropped])
            n_used = int((~dropped).sum())
    else:
        phi, tau2, n_used = 0.0, 0.0, 0
    adjusted = adjust == "always" or (adjust == "auto" and phi > 1)

    def normal_limits(t2):
        sd = np.sqrt(s**2 + t2)
        out = []
        for zq in (z95, z998):
            for sign in (-1, 1):
                if data_type == "PR":
                    # clipped to [0, pi/2] so that a limit never wraps back past 0 or 1
                    a = np.clip(centre + sign * zq * sd, 0, np.pi / 2)
                    out.append(np.sin(a) ** 2)
                else:
                    out.append(np.exp(sign * zq * sd))
        return out  # lcl95, ucl95, lcl998, ucl998

    if data_type == "SR":
        from scipy.stats import chi2

        with np.errstate(divide="ignore", invalid="ignore"):
            unadj = [
                chi2.ppf(0.025, 2 * e) / 2 / e,
                chi2.ppf(0.975, 2 * (e + 1)) / 2 / e,
                chi2.ppf(0.001, 2 * e) / 2 / e,
                chi2.ppf(0.999, 2 * (e + 1)) / 2 / e,
            ]
    else:
        unadj = normal_limits(0.0)
    drawn = normal_limits(tau2) if adjusted else unadj
    with np.errstate(invalid="ignore"):
        z_drawn = (y - centre) / np.sqrt(s**2 + (tau2 if adjusted else 0.0))

    def num(x):
        return float(x) * multiplier if np.isfinite(x) else None

    units = []
    for i in range(o.shape[0]):
        lim = [num(a[i]) if ok[i] else None for a in drawn]
        un = [num(a[i]) if ok[i] else None for a in unadj]
        val = num(value[i]) if ok[i] else None

        def out(lo, hi, val=val):
            return val is not None and lo is not None and hi is not None and not lo <= val <= hi

        units.append(
            FunnelUnit(
                id=ids[i],
                value=val,
                z=float(z[i]) if ok[i] and np.isfinite(z[i]) else None,
                z_adjusted=float(z_drawn[i]) if ok[i] and np.isfinite(z_drawn[i]) else None,
                trimmed=bool(trimmed[i]),
                lcl95=lim[0],
                ucl95=lim[1],
                lcl998=lim[2],
                ucl998=lim[3],
                unadjusted=Limits(*un),
                outlier95=out(lim[0], lim[1]),
                outlier998=out(lim[2], lim[3]),
            )
        )
    return FunnelResult(
        target=target * multiplier,
        phi=phi,
        tau2=tau2,
        n_used=n_used,
        adjusted=bool(adjusted),
        units=tuple(units),
    )


def rate_expected(events, exposure) -> np.ndarray:
    """Expected events for rates per exposure (falls per 1,000 bed days): the pooled rate
    times each unit's exposure, so that rates compare as ratios (``SR``) with a target of 1;
    multiply by the pooled rate (x 1,000) to show them as rates."""
    events = np.asarray(events, dtype=float)
    exposure = np.asarray(exposure, dtype=float)
    return events.sum() / exposure.sum() * exposure


# ---- command line ------------------------------------------------------------------------


def parse(doc: dict) -> dict:
    from .cli import InputError, number

    unknown = sorted(set(doc) - {"data_type", "units", "trim_by", "multiplier", "adjust"})
    if unknown:
        raise InputError(f"unknown field {unknown[0]!r}")
    data_type = doc.get("data_type")
    if data_type not in ("PR", "SR"):
        raise InputError(f"unknown data_type {data_type!r}: use PR or SR")
    units = doc.get("units")
    if not isinstance(units, list) or not units:
        raise InputError("units must be a non-empty list of {id, numerator, denominator}")
    ids, nums, dens = [], [], []
    for i, u in enumerate(units):
        if not isinstance(u, dict) or {"numerator", "denominator"} - set(u):
            raise InputError(f"units[{i}] must have a numerator and a denominator")
        a = number(u["numerator"], f"units[{i}].numerator", allow_null=False)
        b = number(u["denominator"], f"units[{i}].denominator", allow_null=False)
        if a < 0:
            raise InputError(f"units[{i}].numerator is a negative count ({a})")
        if b < 0:
            raise InputError(f"units[{i}].denominator is negative ({b})")
        if b == 0:
            raise InputError(f"units[{i}] has a zero denominator")
        if data_type == "PR" and a > b:
            raise InputError(f"units[{i}].numerator ({a}) is larger than its denominator ({b})")
        ids.append(u.get("id", i))
        nums.append(a)
        dens.append(b)
    trim_by = number(doc.get("trim_by", K.FUNNEL_TRIM), "trim_by")
    trim_by = K.FUNNEL_TRIM if trim_by is None else trim_by
    if not 0 <= trim_by < 0.5:
        raise InputError("trim_by must be at least 0 and below 0.5")
    multiplier = number(doc.get("multiplier", 1), "multiplier")
    multiplier = 1 if multiplier is None else multiplier
    if multiplier <= 0:
        raise InputError("multiplier must be positive")
    adjust = doc.get("adjust") or "auto"
    if adjust not in ADJUST:
        raise InputError(f"unknown adjust {adjust!r}: use auto, always or never")
    return dict(
        numerator=nums,
        denominator=dens,
        ids=ids,
        data_type=data_type,
        trim_by=trim_by,
        multiplier=multiplier,
        adjust=adjust,
    )


def handle(doc: dict) -> dict:
    return funnel(**parse(doc)).to_dict()


if __name__ == "__main__":
    from .cli import main

    sys.exit(main(handle))
