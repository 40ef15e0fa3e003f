"""How often the verdict says what (README.md of measures/spc, "The verdict"): a simulation,
not a test; nothing is asserted.

python bench/verdict_rates.py [--series 2000] [--seed 14]

For each chart type and convention below, simulates ``--series`` monthly series of a 12-month
baseline and 24 months after it (the verdict's baseline input set to 12):

- stable: the same process throughout; every status but no_change is a false signal;
- shift 1 sigma / 1.5 sigma: the process better by that much from the first month after the
  baseline to the end (a real, sustained gain); improved is the right answer.

Prints the share of series with each status, in percent. Seeded: the same figures every run.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measures.spc import SeriesSpec, compute_batch  # noqa: E402
from measures.spc.spec import STATUSES  # noqa: E402

BASELINE, AFTER = 12, 24
SHOWN = ("improved", "deteriorated", "not_sustained", "no_change")


def simulate(rng, chart: str, count: int, shift: float):
    """y and n of ``count`` series whose level moves up by ``shift`` sigma after the baseline."""
    size = (count, BASELINE + AFTER)
    k = np.zeros(size)
    k[:, BASELINE:] = shift
    if chart in ("i", "run"):
        return 50 + rng.standard_normal(size) + k, None
    if chart == "p":
        n, p0 = 200, 0.2
        p = p0 + k * np.sqrt(p0 * (1 - p0) / n)
        return rng.binomial(n, p).astype(float), np.full(size, float(n))
    if chart == "u":
        n, u0 = 100.0, 2.0
        return rng.poisson((u0 + k * np.sqrt(u0 / n)) * n).astype(float), np.full(size, n)
    if chart == "c":
        mean = 16.0
        return rng.poisson(mean + k * np.sqrt(mean)).astype(float), None
    raise ValueError(chart)


ROWS = [
    ("i", "mdc"),
    ("i", "anhoej"),
    ("i", "ihi"),
    ("p", "mdc"),
    ("u", "anhoej"),
    ("c", "ihi"),
    ("run", "ihi"),
    ("run", "anhoej"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    header = "| chart | process | " + " | ".join(SHOWN) + " |"
    print(header)
    print("|" + "---|" * (len(SHOWN) + 2))
    for chart, convention in ROWS:
        for label, shift in (("stable", 0.0), ("shift 1 sigma", 1.0), ("shift 1.5 sigma", 1.5)):
            y, n = simulate(rng, chart, args.series, shift)
            specs = [
                SeriesSpec(
                    chart=chart,
                    y=y[i],
                    n=None if n is None else n[i],
                    convention=convention,
                    improvement="up",
                    baseline=BASELINE,
                )
                for i in range(args.series)
            ]
            status = compute_batch(specs).status
            share = np.bincount(status, minlength=len(STATUSES)) / args.series * 100
            cells = " | ".join(f"{share[STATUSES.index(s)]:.1f}" for s in SHOWN)
            print(f"| {chart} ({convention}) | {label} | {cells} |")


if __name__ == "__main__":
    main()
