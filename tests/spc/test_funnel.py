"""Funnel plots against Spiegelhalter's formulas, computed here unit by unit with the math
module (and scipy's gamma quantiles for the exact Poisson limits): an independent scalar
computation, not the array code under test."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from scipy.stats import gamma, norm

from measures.spc.funnel import funnel, rate_expected

REPO = Path(__file__).resolve().parents[2]
# 12 teams: numerator, denominator
PR_DATA = [(12, 80), (30, 150), (7, 60), (41, 200), (25, 90), (9, 120), (55, 240), (18, 75),
           (33, 130), (4, 40), (60, 210), (21, 160)]  # fmt: skip
SR_DATA = [(40, 35.5), (22, 30.1), (61, 48.0), (15, 20.2), (90, 70.3), (33, 41.7), (12, 18.9),
           (70, 52.4), (28, 31.0), (45, 50.5)]  # fmt: skip


def r_quantile(xs, q):
    """Type-7 quantile, spelled out (Hyndman & Fan 1996, definition 7)."""
    xs = sorted(xs)
    h = (len(xs) - 1) * q
    lo = math.floor(h)
    return xs[lo] + (h - lo) * (xs[min(lo + 1, len(xs) - 1)] - xs[lo])


def by_hand_pr(data, trim=0.1):
    p0 = sum(o for o, _ in data) / sum(n for _, n in data)
    zs = [
        (math.asin(math.sqrt(o / n)) - math.asin(math.sqrt(p0))) * 2 * math.sqrt(n) for o, n in data
    ]
    lo, hi = r_quantile(zs, trim), r_quantile(zs, 1 - trim)
    phi = sum(min(max(z, lo), hi) ** 2 for z in zs) / len(zs)
    w = [4 * n for _, n in data]  # 1 / s^2
    tau2 = max(0.0, (len(data) * phi - (len(data) - 1)) / (sum(w) - sum(x * x for x in w) / sum(w)))
    return p0, phi, tau2


def test_it_computes_proportion_funnels_as_spiegelhalter_2005():
    o, n = zip(*PR_DATA, strict=True)
    res = funnel(o, n, data_type="PR", adjust="always")
    p0, phi, tau2 = by_hand_pr(PR_DATA)
    assert res.target == pytest.approx(p0, rel=1e-12)
    assert res.phi == pytest.approx(phi, rel=1e-12)
    assert res.tau2 == pytest.approx(tau2, rel=1e-12)
    assert res.adjusted
    z95 = norm.ppf(0.975)
    for (oi, ni), u in zip(PR_DATA, res.units, strict=True):
        s2 = 1 / (4 * ni)
        base = math.asin(math.sqrt(p0))
        assert u.ucl95 == pytest.approx(math.sin(base + z95 * math.sqrt(s2 + tau2)) ** 2, rel=1e-9)
        assert u.lcl95 == pytest.approx(math.sin(base - z95 * math.sqrt(s2 + tau2)) ** 2, rel=1e-9)
        assert u.unadjusted.ucl95 == pytest.approx(
            math.sin(base + z95 * math.sqrt(s2)) ** 2, rel=1e-9
        )
        assert u.value == pytest.approx(oi / ni)
        assert u.outlier95 == (not u.lcl95 <= oi / ni <= u.ucl95)


def test_it_computes_ratio_funnels_with_exact_poisson_limits():
    o, e = zip(*SR_DATA, strict=True)
    res = funnel(o, e, data_type="SR", adjust="never", multiplier=100)
    assert res.target == 100 and not res.adjusted
    for (oi, ei), u in zip(SR_DATA, res.units, strict=True):
        # exact Poisson limits for an observed count when E are expected, as a ratio:
        # the chi-square form qchisq(p, 2E) / 2 is the gamma(E) quantile
        assert u.lcl95 == pytest.approx(100 * gamma.ppf(0.025, ei) / ei, rel=1e-9)
        assert u.ucl95 == pytest.approx(100 * gamma.ppf(0.975, ei + 1) / ei, rel=1e-9)
        assert u.lcl998 == pytest.approx(100 * gamma.ppf(0.001, ei) / ei, rel=1e-9)
        assert u.ucl998 == pytest.approx(100 * gamma.ppf(0.999, ei + 1) / ei, rel=1e-9)
        assert u.value == pytest.approx(100 * oi / ei)


def test_it_truncates_ratio_z_scores_shmi_style_and_estimates_tau2():
    o, e = zip(*SR_DATA, strict=True)
    res = funnel(o, e, data_type="SR", adjust="always")
    zs = [math.sqrt(ei) * math.log(oi / ei) for oi, ei in SR_DATA]
    # with 10 units: groups floor(rank * 10 / 11); the lowest and highest rank drop out
    order = sorted(range(len(zs)), key=zs.__getitem__)
    kept = order[1:-1]
    assert [u.trimmed for u in res.units] == [i not in kept for i in range(len(zs))]
    phi = sum(zs[i] ** 2 for i in kept) / len(kept)
    w = [SR_DATA[i][1] for i in kept]
    tau2 = max(0.0, (len(kept) * phi - (len(kept) - 1)) / (sum(w) - sum(x * x for x in w) / sum(w)))
    assert res.n_used == len(kept)
    assert res.phi == pytest.approx(phi, rel=1e-12)
    assert res.tau2 == pytest.approx(tau2, rel=1e-12)
    z998 = norm.ppf(0.999)
    for (_, ei), u in zip(SR_DATA, res.units, strict=True):
        assert u.ucl998 == pytest.approx(math.exp(z998 * math.sqrt(1 / ei + tau2)), rel=1e-9)


def test_z_is_the_unadjusted_z_score_and_z_adjusted_is_against_the_drawn_limits():
    """FunnelPlotR's Uzscore (and published SHMI tables) report the unadjusted z-score."""
    o, n = zip(*PR_DATA, strict=True)
    res = funnel(o, n, data_type="PR", adjust="always")
    p0, _, tau2 = by_hand_pr(PR_DATA)
    z998 = norm.ppf(0.999)
    for (oi, ni), u in zip(PR_DATA, res.units, strict=True):
        gap = math.asin(math.sqrt(oi / ni)) - math.asin(math.sqrt(p0))
        assert u.z == pytest.approx(gap * 2 * math.sqrt(ni), rel=1e-9)
        assert u.z_adjusted == pytest.approx(gap / math.sqrt(1 / (4 * ni) + tau2), rel=1e-9)
        assert u.outlier998 == (abs(u.z_adjusted) > z998)
    assert tau2 > 0 and any(abs(u.z) > abs(u.z_adjusted) for u in res.units)
    plain = funnel(o, n, data_type="PR", adjust="never")
    assert all(u.z == u.z_adjusted for u in plain.units)
    sr = funnel(*zip(*SR_DATA, strict=True), data_type="SR", adjust="always")
    for (oi, ei), u in zip(SR_DATA, sr.units, strict=True):
        assert u.z == pytest.approx(math.sqrt(ei) * math.log(oi / ei), rel=1e-9)


def test_a_zero_event_unit_ranks_lowest_and_is_trimmed_under_shmi_truncation():
    data = SR_DATA + [(0, 25.0)]
    o, e = zip(*data, strict=True)
    res = funnel(o, e, data_type="SR", adjust="always")
    zero = res.units[-1]
    assert zero.trimmed and zero.z is None and zero.value == 0
    # eleven units: groups floor(rank * 10 / 12); the zero unit (rank 1) and the highest drop
    zs = [math.sqrt(ei) * math.log(oi / ei) for oi, ei in SR_DATA]
    highest = max(range(len(zs)), key=zs.__getitem__)
    assert [u.trimmed for u in res.units[:-1]] == [i == highest for i in range(len(zs))]
    kept = [z for i, z in enumerate(zs) if i != highest]
    assert res.n_used == len(kept)
    assert res.phi == pytest.approx(sum(z * z for z in kept) / len(kept), rel=1e-12)


def test_it_adjusts_automatically_only_when_phi_exceeds_one():
    calm = [(20, 100), (21, 100), (19, 100), (20, 100), (22, 100), (18, 100)]
    o, n = zip(*calm, strict=True)
    res = funnel(o, n, data_type="PR")
    assert res.phi < 1 and not res.adjusted
    assert all(u.lcl95 == u.unadjusted.lcl95 for u in res.units)
    o, n = zip(*PR_DATA, strict=True)
    res = funnel(o, n, data_type="PR")
    assert res.phi > 1 and res.adjusted
    assert not funnel(o, n, data_type="PR", adjust="never").adjusted


def test_it_treats_rates_as_ratios_to_the_pooled_rate():
    events, bed_days = [5, 9, 2], [1000.0, 1500.0, 700.0]
    expected = rate_expected(events, bed_days)
    assert sum(expected) == pytest.approx(sum(events))
    assert expected[0] == pytest.approx(16 / 3200 * 1000)


def test_its_command_line_reads_and_writes_the_documented_documents():
    doc = {
        "data_type": "PR",
        "units": [
            {"id": f"t{i}", "numerator": o, "denominator": n} for i, (o, n) in enumerate(PR_DATA)
        ],
        "trim_by": 0.1,
        "multiplier": 100,
        "adjust": "auto",
    }
    proc = subprocess.run([sys.executable, "-m", "measures.spc.funnel"], input=json.dumps(doc),
                          capture_output=True, text=True, cwd=REPO, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"target", "phi", "tau2", "n_used", "adjusted", "units"}
    assert set(out["units"][0]) == {
        "id", "value", "z", "z_adjusted", "trimmed", "lcl95", "ucl95", "lcl998", "ucl998",
        "unadjusted", "outlier95", "outlier998",
    }  # fmt: skip
    assert out["units"][0]["id"] == "t0"
    assert out["target"] == pytest.approx(
        100 * sum(o for o, _ in PR_DATA) / sum(n for _, n in PR_DATA)
    )


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"data_type": "XX", "units": [{"numerator": 1, "denominator": 2}]}, "unknown data_type"),
        ({"data_type": "PR", "units": [{"numerator": -1, "denominator": 2}]}, "negative count"),
        ({"data_type": "SR", "units": [{"numerator": 3, "denominator": 0}]}, "zero denominator"),
        ({"data_type": "PR", "units": [{"numerator": "x", "denominator": 2}]}, "must be a number"),
    ],
)
def test_its_command_line_refuses_bad_input(doc, message):
    proc = subprocess.run([sys.executable, "-m", "measures.spc.funnel"], input=json.dumps(doc),
                          capture_output=True, text=True, cwd=REPO, check=False)  # fmt: skip
    assert proc.returncode != 0 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
