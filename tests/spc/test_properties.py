"""Properties that hold for any data (hypothesis; profile ``ci`` by default, ``long`` with
HYPOTHESIS_PROFILE=long)."""

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import measures.spc as spc

from .strategies import PAIRS

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
maybe = st.one_of(st.none(), values)


@given(
    y=st.lists(st.floats(min_value=-1e3, max_value=1e3, allow_nan=False), min_size=2, max_size=40),
    shift=st.floats(min_value=-1e3, max_value=1e3, allow_nan=False),
    convention=st.sampled_from(["anhoej", "mdc", "ihi"]),
)
def test_adding_a_constant_to_an_i_chart_moves_its_centre_by_that_constant(y, shift, convention):
    a = spc.i_chart(y, convention=convention)
    b = spc.i_chart([v + shift for v in y], convention=convention)
    scale = max(1.0, max(abs(v) for v in y), abs(shift))
    for pa, pb in zip(a.points, b.points, strict=True):
        assert pb.cl == pytest.approx(pa.cl + shift, abs=1e-9 * scale)
        if pa.ucl is not None and pb.ucl is not None:
            assert pb.ucl - pb.cl == pytest.approx(pa.ucl - pa.cl, abs=1e-6 * scale)


phase_block = st.lists(st.one_of(st.none(), st.integers(0, 60)), min_size=1, max_size=15)


@given(
    blocks=st.lists(phase_block, min_size=2, max_size=4),
    pair=st.sampled_from(PAIRS),
    freeze=st.one_of(st.none(), st.integers(2, 8)),
    data=st.data(),
)
def test_reordering_phases_never_leaks_points_between_them(blocks, pair, freeze, data):
    chart, convention = pair
    order = data.draw(st.permutations(range(len(blocks))))

    def build(seq):
        y, n, breaks = [], [], []
        for b in seq:
            if y:
                breaks.append(len(y))
            y += blocks[b]
            n += [None if v is None else v + 5 for v in blocks[b]]
        return spc.chart(chart, y, n if chart in ("p", "pp", "u", "up") else None,
                         breaks=breaks, freeze=freeze, convention=convention)  # fmt: skip

    def per_phase(result):
        out = []
        for ph in result.phases:
            pts = [
                {k: v for k, v in p.__dict__.items() if k != "phase"}
                for p in result.points[ph.start : ph.end + 1]
            ]
            out.append((pts, {k: v for k, v in ph.__dict__.items() if k not in ("start", "end")}))
        return out

    straight = per_phase(build(range(len(blocks))))
    shuffled = per_phase(build(order))
    for new_pos, old in enumerate(order):
        assert shuffled[new_pos] == straight[old]


@given(
    pair=st.sampled_from(PAIRS),
    y=st.lists(maybe, max_size=30),
    n=st.one_of(st.none(), st.lists(maybe, max_size=30)),
    freeze=st.one_of(st.none(), st.integers(-3, 40)),
    breaks=st.lists(st.integers(-5, 40), max_size=4),
    exclude=st.lists(st.integers(0, 40), max_size=4),
    target=st.one_of(st.none(), values),
    improvement=st.sampled_from([None, "up", "down"]),
)
def test_no_input_crashes_the_core(pair, y, n, freeze, breaks, exclude, target, improvement):
    chart, convention = pair
    if n is not None:
        n = (n + [None] * len(y))[: len(y)]
    result = spc.chart(chart, y, n, freeze=freeze, breaks=breaks, exclude=exclude,
                       convention=convention, target=target, improvement=improvement)  # fmt: skip
    out = result.to_dict()
    json.dumps(out, allow_nan=False)  # no NaN or infinity escapes: nulls instead
    assert len(out["points"]) == len(y)
    assert out["verdict"]["status"] in (
        "improved", "deteriorated", "not_sustained", "no_change", "insufficient_data"
    )  # fmt: skip


@given(y=st.lists(st.floats(0.1, 1e4), min_size=1, max_size=30))
def test_a_constant_series_gives_null_limits_not_a_crash(y):
    result = spc.i_chart([y[0]] * len(y), convention="mdc")
    assert all(p.lcl is None and p.ucl is None for p in result.points)
    assert not any(p.special_cause for p in result.points)


def test_zero_and_missing_denominators_give_null_limits():
    result = spc.p_chart([1, 0, None, 3], [10, 0, 5, None], convention="anhoej")
    assert [p.ucl is None for p in result.points] == [False, True, True, True]
    assert np.isfinite(result.points[0].cl)
