"""The verdict (README.md, "The verdict"; issue 14), on hand-built series.

Each scenario is written in sigma units of its reference chart ("z", positive = better) and
laid onto every chart type by ``values``: an I chart at 50 + z, a P chart at 0.3 + z sigma
with n = 400, a T chart whose transformed value is 3 + 0.2 z, and so on. The baseline is
twelve points alternating +/-0.564 sigma: their moving ranges average 1.128 sigma, so every
chart's sigma estimate (including Laney's P'/U' factor) is the designed one, and their
centre is the designed centre. Lower-is-better series are the same scenarios mirrored.
"""

import math

import pytest

import measures.spc as spc

BASE = [0.564, -0.564] * 6
CALM = [0.3, -0.3]  # points close to the baseline's centre, crossing it every time


def calm(k: int) -> list[float]:
    return (CALM * k)[:k]


def values(chart: str, z: list) -> tuple[list, list | None]:
    """y (and n) whose z on the reference chart is ``z`` (None = a missing point)."""
    if chart in ("p", "pp"):
        n, p0 = 400.0, 0.3
        s = math.sqrt(p0 * (1 - p0) / n)
        return [None if v is None else n * (p0 + s * v) for v in z], [n] * len(z)
    if chart in ("u", "up"):
        n, u0 = 100.0, 2.0
        s = math.sqrt(u0 / n)
        return [None if v is None else n * (u0 + s * v) for v in z], [n] * len(z)
    scale = {
        "i": lambda v: 50 + v,
        "run": lambda v: 50 + v,
        "c": lambda v: 100 + 10 * v,
        # G: sigma sqrt(m (m + 1)) around the mean m = 20; the lower limit is 0, so nothing
        # below the centre can be more than 0.97 sigma away
        "g": lambda v: 20 + math.sqrt(420) * max(v, -0.9),
        "t": lambda v: (3 + 0.2 * v) ** 3.6,
    }[chart]
    return [None if v is None else scale(v) for v in z], None


PAIRS = [(c, v) for c in spc.CHARTS for v in spc.CONVENTIONS if not (c == "run" and v == "mdc")]


def judge(chart, convention, z, improvement="up", astronomical=(), **options):
    """The verdict of the scenario ``z`` (written for higher is better)."""
    if improvement == "down":
        z = [None if v is None else -v for v in z]
    y, n = values(chart, z)
    return spc.chart(
        chart,
        y,
        n,
        convention=convention,
        improvement=improvement,
        baseline=options.pop("baseline", len(BASE)),
        astronomical=list(astronomical),
        **options,
    )


def possible(chart, convention, improvement, needs_single_point_on) -> bool:
    """Whether a single point can be a signal on that side ("good" or "bad"): run charts have
    no single-point rule (IHI marks astronomical points by hand), and a G chart's lower limit
    is 0, so nothing below its centre is a single-point signal."""
    if chart == "run":
        return convention == "ihi"
    if chart == "g":
        low_side = "bad" if improvement == "up" else "good"
        return needs_single_point_on != low_side
    return True


CASES = [(c, v, d) for c, v in PAIRS for d in ("up", "down")]
IDS = [f"{c}-{v}-{d}" for c, v, d in CASES]


def spike(chart, index):
    """Run charts (IHI) take a single-point signal as an astronomical point marked by hand."""
    return [index] if chart == "run" else []


@pytest.mark.parametrize(("chart", "convention", "improvement"), CASES, ids=IDS)
def test_it_calls_a_faded_improvement_not_sustained(chart, convention, improvement):
    r = judge(chart, convention, BASE + [2.5] * 10 + calm(10), improvement)
    assert r.verdict.status == "not_sustained"
    assert r.verdict.first_index == 12
    assert r.verdict.history[0].side == "improvement"


@pytest.mark.parametrize("side", ["good", "bad"])
@pytest.mark.parametrize(("chart", "convention", "improvement"), CASES, ids=IDS)
def test_it_lets_an_old_single_point_signal_expire(chart, convention, improvement, side):
    if not possible(chart, convention, improvement, side):
        pytest.skip("a single point cannot be a signal on this side of this chart")
    z = BASE + [4.0 if side == "good" else -4.0] + calm(15)
    r = judge(chart, convention, z, improvement, astronomical=spike(chart, 12))
    assert r.verdict.status == "no_change"
    assert r.verdict.first_index is None and r.verdict.last_signal_index is None
    assert [(e.side, e.first_index) for e in r.verdict.history] == [
        ("improvement" if side == "good" else "concern", 12)
    ]


@pytest.mark.parametrize(("chart", "convention", "improvement"), CASES, ids=IDS)
def test_it_calls_a_single_good_spike_that_never_held_no_change(chart, convention, improvement):
    if not possible(chart, convention, improvement, "good"):
        pytest.skip("a single point cannot be a signal on this side of this chart")
    z = BASE + calm(10) + [4.0] + calm(3)
    r = judge(chart, convention, z, improvement, astronomical=spike(chart, 22))
    assert r.verdict.status == "no_change"
    assert [e.first_index for e in r.verdict.history] == [22]


@pytest.mark.parametrize(("chart", "convention", "improvement"), CASES, ids=IDS)
def test_it_calls_a_recovered_deterioration_no_change(chart, convention, improvement):
    r = judge(chart, convention, BASE + [-2.5] * 10 + calm(10), improvement)
    assert r.verdict.status == "no_change"
    assert r.verdict.history[0].side == "concern"


@pytest.mark.parametrize(("chart", "convention", "improvement"), CASES, ids=IDS)
def test_it_calls_a_recent_shift_improved(chart, convention, improvement):
    r = judge(chart, convention, BASE + calm(6) + [2.0] * 10, improvement)
    assert r.verdict.status == "improved"
    assert r.verdict.history[-1].side == "improvement"
    assert r.verdict.last_signal_index == 27


@pytest.mark.parametrize(("chart", "convention", "improvement"), CASES, ids=IDS)
def test_a_concern_month_does_not_overturn_a_gain_that_holds(chart, convention, improvement):
    if not possible(chart, convention, improvement, "bad"):
        pytest.skip("a single point cannot be a signal on this side of this chart")
    z = BASE + [2.5] * 10 + [-4.0] + [2.5] * 3
    x = [f"{2024 + i // 12}-{i % 12 + 1:02d}-01" for i in range(len(z))]
    r = judge(chart, convention, z, improvement, astronomical=spike(chart, 22), labels=x)
    assert r.verdict.status == "improved"
    assert ("concern", 22, 22) in [(e.side, e.first_index, e.last_index) for e in r.verdict.history]
    assert r.summary.startswith("Improved:")
    assert "A signal of concern in November 2025 does not overturn it" in r.summary


@pytest.mark.parametrize(("chart", "convention", "improvement"), CASES, ids=IDS)
def test_it_calls_a_worsening_beyond_the_baseline_after_a_gain_deteriorated(
    chart, convention, improvement
):
    r = judge(chart, convention, BASE + [2.5] * 10 + [-2.5] * 10, improvement)
    assert r.verdict.status == "deteriorated"
    assert [e.side for e in r.verdict.history] == ["improvement", "concern"]
    assert r.verdict.first_index == r.verdict.history[-1].first_index


@pytest.mark.parametrize(("chart", "convention", "improvement"), CASES, ids=IDS)
def test_a_gain_fading_back_as_a_trend_is_not_sustained_not_deteriorated(
    chart, convention, improvement
):
    fade = [2.2, 1.8, 1.4, 1.1, 0.6, 0.2, -0.2]  # a falling trend from the gain to the centre
    r = judge(chart, convention, BASE + [2.5] * 8 + fade + calm(8), improvement)
    assert r.verdict.status == "not_sustained"
    assert "concern" not in [e.side for e in r.verdict.history]


# ---- fewer than six points, the baseline, the history, no direction -----------------------


@pytest.mark.parametrize(("chart", "convention"), [("i", "mdc"), ("p", "anhoej"), ("c", "ihi")])
def test_fewer_than_six_points_after_the_baseline_can_be_neither_improved_nor_not_sustained(
    chart, convention
):
    good = judge(chart, convention, BASE + [4.0] * 5)
    assert good.verdict.status == "no_change"
    assert good.verdict.history[0].side == "improvement"
    bad = judge(chart, convention, BASE + [0.3, -4.0])
    assert bad.verdict.status == "deteriorated"
    assert (bad.verdict.first_index, bad.verdict.last_signal_index) == (13, 13)


def test_the_baseline_input_changes_the_verdict_but_no_drawn_limit():
    y, _ = values("i", BASE + [2.0] * 10)
    judged = spc.i_chart(y, improvement="up", baseline=12)
    whole = spc.i_chart(y, improvement="up")
    assert [p.ucl for p in judged.points] == [p.ucl for p in whole.points]
    assert [p.cl for p in judged.points] == [p.cl for p in whole.points]
    assert judged.baseline == 12 and judged.verdict.status == "improved"


def test_without_a_baseline_it_takes_the_fewest_first_points_that_are_enough_data():
    y, _ = values("i", BASE + [2.0] * 10)
    # control charts under mdc: 12 valid points; a missing one makes the baseline longer
    assert spc.i_chart(y, improvement="up").baseline == 12
    gap = y[:3] + [None] + y[3:]
    assert spc.i_chart(gap, improvement="up").baseline == 13
    # run charts: 10 useful points (off the baseline's median)
    run = [5, 7, 4, 8, 3, 9, 2, 10, 1, 11] + [20] * 8
    assert spc.run_chart(run, convention="anhoej", improvement="up").baseline == 10
    # the first ten have two points on their median (6): two more points make ten useful
    on_median = [6, 6, 1, 11, 1, 11, 1, 11, 1, 11, 1, 11] + [20] * 8
    assert spc.run_chart(on_median, convention="anhoej", improvement="up").baseline == 12
    # nine points on a median of 6 among them: 10 useful points take 19
    ties = [6, 6, 6, 6, 6, 6, 6, 6, 6, 1, 11, 1, 11, 1, 11, 1, 11, 1, 11] + [20] * 8
    assert spc.run_chart(ties, convention="anhoej", improvement="up").baseline == 19


def test_the_baseline_is_phase_zero_or_its_frozen_points_when_there_are_phases():
    y, _ = values("i", BASE + [2.0] * 10)
    assert spc.i_chart(y, breaks=[12], improvement="up").baseline == 12
    assert spc.i_chart(y, breaks=[14], freeze=12, improvement="up").baseline == 12
    assert spc.i_chart(y, freeze=12, improvement="up").baseline == 12


def test_it_needs_enough_data_in_the_baseline():
    y, _ = values("i", BASE + [2.0] * 10)
    r = spc.i_chart(y, improvement="up", baseline=8)
    assert r.verdict.status == "insufficient_data" and r.points_needed == 4
    assert r.verdict.first_index is None and r.verdict.last_signal_index is None


def test_history_has_one_entry_per_stretch_and_a_gap_neither_ends_nor_extends_one():
    z = BASE + [4.0, 0.3, 4.0, None, 4.0, -4.0, -4.0, 0.3] + calm(6)
    r = judge("i", "mdc", z)
    assert [(e.side, e.rule, e.first_index, e.last_index) for e in r.verdict.history] == [
        ("improvement", "outside_limits", 12, 12),
        ("improvement", "outside_limits", 14, 16),  # 15 is missing
        ("concern", "outside_limits", 17, 18),
    ]


def test_a_stretch_is_named_by_its_first_points_rule():
    # two 2-of-3 points, then a shift that carries on from them (to the first calm point)
    z = BASE + [2.5, 2.5] + [0.8] * 6 + calm(8)
    r = judge("i", "mdc", z)
    assert [(e.rule, e.first_index, e.last_index) for e in r.verdict.history] == [
        ("two_of_three", 12, 20)
    ]


def test_trend_points_count_on_their_side_and_only_beyond_one_sigma():
    # a rising trend from below the centre: only the point above one sigma is a signal, and it
    # counts as an improvement although the trend started low
    z = BASE + [-0.9, -0.7, -0.2, 0.1, 0.4, 0.7, 1.3] + calm(6)
    r = judge("i", "mdc", z)
    assert [(e.side, e.rule, e.first_index) for e in r.verdict.history] == [
        ("improvement", "trend", 18)
    ]


def test_without_a_direction_it_says_no_change_with_high_and_low_history():
    z = BASE + [2.5] * 10 + [-2.5] * 10
    r = judge("i", "mdc", z, improvement=None)
    assert r.verdict.status == "no_change"
    assert [e.side for e in r.verdict.history] == ["high", "low"]
    assert r.verdict.first_index is None


def test_a_gain_keeps_holding_until_the_median_falls_below_half_a_sigma():
    # held at 2 sigma, then six points whose median is 0.7: still improved
    z = BASE + [2.0] * 10 + [0.7, 0.6, 0.8, 0.7, 0.6, 0.8]
    assert judge("i", "mdc", z).verdict.status == "improved"
    # the same six points never reach 1 sigma on their own: not a gain (no hysteresis yet)
    z = BASE + calm(10) + [4.0] + [0.7, 0.6, 0.8, 0.7, 0.6]
    assert judge("i", "mdc", z).verdict.status == "no_change"
    # below 0.5: not sustained any longer
    z = BASE + [2.0] * 10 + [0.4, 0.3, 0.5, 0.4, 0.3, 0.5]
    assert judge("i", "mdc", z).verdict.status == "not_sustained"


def test_the_worse_level_holding_is_deteriorated_without_a_recent_signal():
    # a concern shift, then six points still about 1.5 sigma worse but none flagged
    z = BASE + [-2.5] * 8 + [-1.5, 0.1, -1.6, -1.4, 0.2, -1.5]
    r = judge("i", "mdc", z)
    assert r.verdict.status == "deteriorated"


def test_a_preferred_baseline_is_taken_only_when_it_is_enough_data():
    y, _ = values("i", BASE + [0.564, -0.564] + [2.0] * 10)
    assert spc.i_chart(y, improvement="up", preferred_baseline=14).baseline == 14
    assert spc.i_chart(y, improvement="up", preferred_baseline=8).baseline == 12  # the default
    # an explicit phase wins over the preferred baseline
    assert spc.i_chart(y, improvement="up", breaks=[13], preferred_baseline=14).baseline == 13
    run = [5, 7, 4, 8, 3, 9, 2, 10, 1, 11] + [20] * 8
    short = spc.run_chart(run, convention="anhoej", improvement="up", preferred_baseline=5)
    assert short.baseline == 10


def test_it_gives_the_baselines_centre_line_carried_forward():
    y = [10.0, 12.0] * 6 + [30.0] * 8
    r = spc.i_chart(y, improvement="up", baseline=12)
    assert r.reference_cl == pytest.approx(11.0)
    assert r.points[-1].cl == pytest.approx(sum(y) / len(y))  # the drawn chart: every point
    t = spc.t_chart([8.0, 27.0] * 6 + [64.0] * 8, improvement="up", baseline=12)
    mean = (8 ** (1 / 3.6) + 27 ** (1 / 3.6)) / 2
    assert t.reference_cl == pytest.approx(mean**3.6)
