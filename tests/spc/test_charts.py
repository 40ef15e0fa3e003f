"""Behaviour the reference cases do not cover: the verdict, baselines with phases, too
little data, exclusions, T charts and the plain-words summary."""

import pytest

import measures.spc as spc

BASE = [50.1, 49.2, 50.8, 49.5, 50.3, 50.9, 49.1, 50.2, 49.8, 50.6, 49.4, 50.0]
BETTER = [47.1, 46.8, 47.5, 46.9, 47.3, 47.0, 46.6, 47.2]


def test_it_calls_a_sustained_fall_an_improvement_when_lower_is_better():
    result = spc.i_chart(BASE + BETTER, freeze=12, improvement="down", convention="mdc")
    assert result.verdict.status == "improved"
    assert result.verdict.first_index == 12
    assert result.verdict.rule in ("outside_limits", "shift")
    assert result.enough_data and result.points_needed == 0


def test_its_verdict_survives_a_new_phase_after_the_shift():
    # the team correctly starts a new phase at the shift: the new phase's own limits no
    # longer show a signal, but the verdict still compares with the baseline phase
    result = spc.i_chart(BASE + BETTER, breaks=[12], improvement="down", convention="mdc")
    assert not any(p.special_cause for p in result.points[12:])
    assert result.verdict.status == "improved"
    assert result.verdict.first_index == 12


def test_it_calls_the_same_fall_a_deterioration_when_higher_is_better():
    result = spc.i_chart(BASE + BETTER, freeze=12, improvement="up", convention="ihi")
    assert result.verdict.status == "deteriorated"


def test_it_says_no_change_without_a_signal_after_the_baseline():
    result = spc.i_chart(BASE + BASE, freeze=12, improvement="up", convention="anhoej")
    assert result.verdict.status == "no_change"
    assert result.verdict.rule is None and result.verdict.first_index is None


def test_it_says_how_many_more_points_are_needed():
    result = spc.i_chart(BASE[:8], improvement="up", convention="mdc")
    assert not result.enough_data
    assert result.points_needed == 4
    assert result.verdict.status == "insufficient_data"
    assert "4 more needed" in result.summary
    run = spc.run_chart([3, 5, 4, 6, 2, 7], convention="ihi")
    assert not run.enough_data and run.points_needed == 10 - run.phases[0].n_useful


def test_it_freezes_limits_within_each_phase_when_both_are_given():
    y = BASE + [60.0, 61.0, 59.5, 60.5, 61.5, 59.0, 70.0, 72.0]
    result = spc.i_chart(y, freeze=5, breaks=[12], convention="mdc")
    assert [p.baseline for p in result.points] == [True] * 5 + [False] * 7 + [True] * 5 + [
        False
    ] * 3
    phase1 = result.phases[1]
    assert phase1.cl == pytest.approx(sum(y[12:17]) / 5)
    assert all(p.cl == phase1.cl for p in result.points[12:])


def test_it_keeps_excluded_points_on_the_chart_but_out_of_the_calculation():
    y = [10, 11, 9, 10, 100, 11, 10, 9, 10, 11, 10, 9]
    result = spc.i_chart(y, exclude=[4], convention="anhoej")
    assert result.points[4].y == 100
    assert result.points[0].cl == pytest.approx((sum(y) - 100) / 11)
    assert result.points[4].special_cause  # still judged against the limits, as qicharts2


def test_it_refuses_a_run_chart_under_making_data_count():
    with pytest.raises(ValueError, match="no run chart rules"):
        spc.chart("run", [1, 2, 3], convention="mdc")


def test_it_draws_t_charts_on_the_transformed_scale():
    days = [12.0, 30.0, 7.0, 45.0, 22.0, 16.0, 38.0, 9.0, 27.0, 51.0, 14.0, 33.0]
    result = spc.t_chart(days, convention="anhoej")
    w = [d ** (1 / 3.6) for d in days]
    mean = sum(w) / len(w)
    amr = sum(abs(a - b) for a, b in zip(w[1:], w[:-1], strict=True)) / (len(w) - 1)
    assert result.points[0].cl == pytest.approx(mean**3.6)
    assert result.points[0].ucl == pytest.approx((mean + 3 * amr / 1.128) ** 3.6)
    assert result.points[0].lcl == pytest.approx(max(mean - 3 * amr / 1.128, 0) ** 3.6)


def test_it_flags_ihi_control_chart_rules():
    # fifteen points hugging the centre line inside wide limits: IHI rule 5
    y = [0.0, 10.0, -10.0, 10.0, -10.0, 5.0, -5.0, 8.0, -8.0, 3.0, -3.0, 0.0] + [0.1, -0.1] * 8
    result = spc.i_chart(y, freeze=12, convention="ihi", improvement="up")
    assert {p.rule for p in result.points[12:]} == {"inner_third"}
    assert result.verdict.status == "no_change"  # no direction in a run of small variation


def test_it_words_a_shift_against_the_baseline_after_a_new_phase():
    """A team that starts a new phase after its shift is still told how long the shift is."""
    x = [f"2024-{m:02d}-01" for m in range(1, 13)] + [f"2025-{m:02d}-01" for m in range(1, 9)]
    base = [50.1, 50.3, 50.2, 50.4, 50.0, 50.3, 50.1, 50.2, 50.4, 50.0, 50.3, 50.2]
    better = [49.9, 49.8, 49.95, 49.85, 49.9, 49.8, 49.9, 49.85]
    result = spc.i_chart(base + better, breaks=[12], improvement="down", labels=x)
    assert result.verdict.status == "improved" and result.verdict.rule == "shift"
    assert result.summary == "Improved: a shift from January 2025 that still holds."


def test_it_reads_the_result_in_plain_words():
    x = [f"2024-{m:02d}-01" for m in range(1, 13)] + [f"2025-{m:02d}-01" for m in range(1, 9)]
    result = spc.i_chart(BASE + BETTER, freeze=12, improvement="down", labels=x)
    assert result.summary == (
        "Improved: a signal of improvement from January 2025 (a point beyond the limits), "
        "and the gain still holds."
    )
    quiet = spc.i_chart(BASE, improvement="up", target=60)
    assert "No signal" in quiet.summary and "target" in quiet.summary
