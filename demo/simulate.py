"""The numbers: one series' points from its measure, its team's trajectory and a stable key.

Pure numpy and datetime, no Django: the same key, measure and trajectory give the same
points in any process, so the national seed can write series in parallel workers and two
databases seeded with the same `--today` hold the same data.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np

from demo.content import MeasureSpec, Sim
from measures.periods import next_period_start, period_start_for

DAYS_PER_MONTH = 30.44
# How a one-off bad period (an IT outage, an outbreak) scales the value, by direction.
SPIKE = {"up": 0.5, "down": 2.2, "neither": 2.2}
# Outcome measures reach their new level this many days after the change is adopted.
OUTCOME_RAMP_DAYS = 45
# A fading gain is gone this many days after it starts to slip: the team is back at its
# baseline, which is what "not sustained" means to the verdict (measures/spc/README.md).
FADE_DAYS = 45
# How much worse a bad spell makes a measure: rates and counts of harm rise by this share
# (1.2: to 2.2 times the usual level; a share of good care falls to 1 / 2.2 of it), enough
# for the chart to signal concern within a few months.
WORSE_RISE = 1.2
# What is left of a balancing problem once the team has worked on it for five months: it
# is easing, but still worse than before the change that caused it.
BALANCING_LEFT = 0.5
BALANCING_EASE_DAYS = 150


def rng_for(*parts: str) -> np.random.Generator:
    """A generator seeded from stable strings (never from primary keys or hash())."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


@dataclass(frozen=True)
class Trajectory:
    """What happens to one team's measures over its data window.

    `ramp_start` is the first test of the idea the team adopts on `change`; process
    measures climb during the ramp, outcome measures move after adoption. `fade` starts
    the slide back to baseline. `missing_recent` periods at the end were never sent;
    the period containing `gap` is missing; the period containing `spike` is one-off bad.
    From `worse_from` to `worse_until` the team's measures (not its balancing ones) are
    worse, then back to usual (a deterioration that recovered). From `balancing_from` its
    balancing measures are worse (the change had a cost), easing from `balancing_eases`.
    """

    pattern: str
    first_day: dt.date
    last_day: dt.date
    ramp_start: dt.date | None = None
    change: dt.date | None = None
    fade: dt.date | None = None
    missing_recent: int = 0
    gap: dt.date | None = None
    spike: dt.date | None = None
    worse_from: dt.date | None = None
    worse_until: dt.date | None = None
    balancing_from: dt.date | None = None
    balancing_eases: dt.date | None = None


@dataclass(frozen=True)
class Params:
    """One team's level on one measure: baseline, level once improved, monthly denominator."""

    base: float
    better: float | None
    denominator: float


def params(key: str, sim: Sim) -> Params:
    rng = rng_for(key, "params")
    base = float(rng.uniform(*sim.base))
    better = float(rng.uniform(*sim.better)) if sim.better else None
    denominator = float(rng.uniform(*sim.denominator)) if sim.denominator[1] else 0.0
    return Params(base, better, denominator)


def expected_baseline(key: str, spec: MeasureSpec) -> float:
    """The team's baseline on the plotted scale (what a stretch target starts from)."""
    p = params(key, spec.sim)
    if spec.sim.model == "proportion":
        return p.base * spec.multiplier
    return p.base


def effect(days: np.ndarray, measure_kind: str, traj: Trajectory) -> np.ndarray:
    """How far (0 to 1) the team's change has moved this measure on each day (ordinals)."""
    if traj.change is None or traj.pattern not in ("I", "F", "L") or measure_kind == "balancing":
        return np.zeros(len(days))
    change = traj.change.toordinal()
    if measure_kind == "process":
        start = (traj.ramp_start or traj.change).toordinal()
        start = min(start, change - 1)
        f = np.interp(days, [start, change, change + 30], [0.0, 0.85, 1.0])
    else:
        f = np.interp(days, [change, change + OUTCOME_RAMP_DAYS], [0.0, 1.0])
    if traj.fade is not None:
        fade = traj.fade.toordinal()
        f = f * np.interp(days, [fade, fade + FADE_DAYS], [1.0, 0.0])
    return f


def harm(days: np.ndarray, measure_kind: str, traj: Trajectory) -> np.ndarray:
    """How far (0 to 1) a bad spell has made this measure worse on each day (ordinals): the
    team's measures between `worse_from` and `worse_until` (a month to set in, then back to
    usual at once), its balancing measures from `balancing_from` (easing to BALANCING_LEFT
    over BALANCING_EASE_DAYS from `balancing_eases`)."""
    if measure_kind == "balancing":
        if traj.balancing_from is None:
            return np.zeros(len(days))
        start = traj.balancing_from.toordinal()
        h = np.interp(days, [start, start + 45], [0.0, 1.0])
        if traj.balancing_eases is not None:
            ease = traj.balancing_eases.toordinal()
            h = h * np.interp(days, [ease, ease + BALANCING_EASE_DAYS], [1.0, BALANCING_LEFT])
        return h
    if traj.worse_from is None or traj.worse_until is None:
        return np.zeros(len(days))
    start, until = traj.worse_from.toordinal(), traj.worse_until.toordinal()
    return np.interp(days, [start, start + 30], [0.0, 1.0]) * (days < until)


def worse_scale(h: np.ndarray, direction: str) -> np.ndarray:
    """The factor a level is multiplied by when it is `h` of the way into a bad spell: up
    when lower is better (or no direction), down when higher is better."""
    rise = 1 + WORSE_RISE * h
    return 1 / rise if direction == "up" else rise


def period_list(frequency: str, traj: Trajectory) -> list[dt.date]:
    """Complete periods from the one containing `first_day` to the last one ended by `last_day`."""
    current = period_start_for(traj.first_day, frequency)
    starts = []
    while next_period_start(current, frequency) - dt.timedelta(days=1) <= traj.last_day:
        starts.append(current)
        current = next_period_start(current, frequency)
    return starts


def series_points(key: str, spec: MeasureSpec, traj: Trajectory) -> list[tuple]:
    """(period_start, numerator, denominator) for each point of one series."""
    sim = spec.sim
    p = params(key, sim)
    rng = rng_for(key, "data")
    if sim.model == "event":
        return _events(rng, p, spec, traj)

    starts = period_list(spec.frequency, traj)
    n = len(starts)
    if n == 0:
        return []
    half = 3 if spec.frequency == "weekly" else 15
    days = np.array([s.toordinal() + half for s in starts])
    f = effect(days, spec.kind, traj)
    bad = worse_scale(harm(days, spec.kind, traj), spec.direction)
    share = 7 / DAYS_PER_MONTH if spec.frequency == "weekly" else 1.0
    move = 1 + (p.better - 1) * f if p.better is not None else np.ones(n)
    move = move * bad
    spike = np.ones(n)
    if traj.spike is not None:
        spiked = period_start_for(traj.spike, spec.frequency)
        spike[[i for i, s in enumerate(starts) if s == spiked]] = SPIKE[spec.direction]

    if sim.model == "rate":
        den = np.maximum(1, np.round(p.denominator * share * rng.normal(1, 0.05, n)))
        rate = p.base / spec.multiplier * move * spike
        if sim.overdispersion:
            rate = rate * rng.lognormal(0, sim.overdispersion, n)
        num = rng.poisson(rate * den)
        rows = [(s, int(a), int(b)) for s, a, b in zip(starts, num, den, strict=True)]
    elif sim.model == "proportion":
        den = np.maximum(1, rng.poisson(p.denominator * share, n))
        prob = p.base + (p.better - p.base) * f if p.better is not None else np.full(n, p.base)
        prob = np.clip(prob * bad, 0.001, 0.98)
        if sim.overdispersion:
            logit = np.log(prob / (1 - prob)) + rng.normal(0, sim.overdispersion, n)
            prob = 1 / (1 + np.exp(-logit))
        prob = np.clip(prob * spike, 0, 1)
        num = rng.binomial(den.astype(np.int64), prob)
        rows = [(s, int(a), int(b)) for s, a, b in zip(starts, num, den, strict=True)]
    elif sim.model == "count":
        num = rng.poisson(p.base * share * move * spike)
        rows = [(s, int(a), None) for s, a in zip(starts, num, strict=True)]
    elif sim.model == "value":
        values = np.maximum(0, p.base * move * spike * rng.normal(1, sim.sd, n))
        rows = [(s, f"{v:.{sim.decimals}f}", None) for s, v in zip(starts, values, strict=True)]
    else:
        raise ValueError(f"Unknown model {sim.model!r}")

    if traj.gap is not None:
        gap = period_start_for(traj.gap, spec.frequency)
        rows = [row for row in rows if row[0] != gap]
    if traj.missing_recent:
        rows = rows[: -traj.missing_recent]
    return rows


def _events(rng: np.random.Generator, p: Params, spec: MeasureSpec, traj: Trajectory) -> list:
    """One row per day with events: Poisson counts at a daily rate of 1 / mean days between."""
    days = np.arange(traj.first_day.toordinal(), traj.last_day.toordinal() + 1)
    f = effect(days, spec.kind, traj)
    mean_gap = (
        p.base * (1 + (p.better - 1) * f) if p.better is not None else np.full(len(days), p.base)
    )
    # days between events: a bad spell shortens them (worse_scale is the rate's factor)
    mean_gap = mean_gap / worse_scale(harm(days, spec.kind, traj), "down")
    counts = rng.poisson(1 / mean_gap)
    last = traj.last_day.toordinal() - 14 * traj.missing_recent
    return [
        (dt.date.fromordinal(int(d)), int(c), None)
        for d, c in zip(days, counts, strict=True)
        if c > 0 and d <= last
    ]
