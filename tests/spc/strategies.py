"""Random series for the batch and property tests."""

import numpy as np

from measures.spc.spec import CHARTS, CONVENTIONS

PAIRS = [(c, v) for c in CHARTS for v in CONVENTIONS if not (c == "run" and v == "mdc")]


def random_options(rng: np.random.Generator, chart: str, convention: str, length: int) -> dict:
    """y, n and options for one series: gaps, zero denominators, phases, a baseline."""
    ratio = chart in ("p", "pp", "u", "up") or (chart == "run" and rng.random() < 0.3)
    n = rng.integers(0, 400, length).astype(float) if ratio else None
    if chart in ("p", "pp"):
        y = rng.binomial(n.astype(int), rng.uniform(0.05, 0.6)).astype(float)
    elif chart in ("u", "up", "c") or (chart == "run" and ratio):
        lam = rng.uniform(0.5, 20) * (n / 100 if n is not None else np.ones(length))
        y = rng.poisson(lam).astype(float)
    elif chart in ("g", "t"):
        y = rng.geometric(rng.uniform(0.02, 0.3), length).astype(float)
    else:
        y = np.round(rng.normal(50, 5, length) + np.where(np.arange(length) > length // 2, 4, 0), 1)
    y = y.tolist()
    if length:
        for i in rng.choice(length, size=rng.integers(0, length // 8 + 1), replace=False):
            y[i] = None
    breaks = sorted(set(rng.integers(1, length, rng.integers(0, 3)).tolist())) if length > 2 else []
    options = dict(
        n=None if n is None else n.tolist(),
        breaks=breaks,
        freeze=int(rng.integers(2, length + 3)) if rng.random() < 0.4 else None,
        exclude=sorted(set(rng.integers(0, max(length, 1), rng.integers(0, 2)).tolist())),
        convention=convention,
        target=float(rng.normal(50, 10)) if rng.random() < 0.5 else None,
        improvement=[None, "up", "down"][rng.integers(0, 3)],
    )
    if convention == "ihi" and chart == "run" and length and rng.random() < 0.3:
        options["astronomical"] = [int(rng.integers(0, length))]
    if length and rng.random() < 0.2:
        options["baseline"] = int(rng.integers(1, length + 1))
    elif length and rng.random() < 0.3:
        options["preferred_baseline"] = int(rng.integers(1, length + 1))
    if convention == "mdc" and rng.random() < 0.3:
        options["rules"] = {"shift": int(rng.integers(6, 8)), "trend": int(rng.integers(6, 8))}
    return {"y": y, **options}
