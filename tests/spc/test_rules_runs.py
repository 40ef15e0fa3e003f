"""``rules.shift_runs`` and ``rules.trend`` with ``n_seg`` judge each run once and give the
same flags and per-phase figures as the per-point forms (``rules.shift``, ``seg_max``)."""

import numpy as np
import pytest

from measures.spc import rules as R


def phases(rng):
    n_seg = int(rng.integers(1, 12))
    sizes = rng.integers(0, 31, size=n_seg)  # phases of 0 to 30 points
    return np.repeat(np.arange(n_seg), sizes), n_seg


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("on_line_breaks", [True, False])
def test_shift_runs_agrees_with_shift(seed, on_line_breaks):
    rng = np.random.default_rng(seed)
    seg, n_seg = phases(rng)
    side = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=seg.shape[0], p=[0.4, 0.2, 0.4])
    side[seg == rng.integers(0, n_seg)] = 0  # a phase with every point on the line
    per_phase = rng.choice([6, 7], size=n_seg)
    for length in (1, 3, 6, per_phase[seg]):
        flags, lens, useful = R.shift(side, seg, length, on_line_breaks=on_line_breaks)
        got, got_useful, longest = R.shift_runs(side, seg, length, on_line_breaks, n_seg)
        np.testing.assert_array_equal(got, flags)
        np.testing.assert_array_equal(got_useful, useful)
        want = R.seg_max(lens, seg, n_seg)
        assert longest.dtype == want.dtype
        np.testing.assert_array_equal(longest, want)


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("ties_break", [True, False])
def test_trend_per_phase_agrees_with_per_point(seed, ties_break):
    rng = np.random.default_rng(seed)
    seg, n_seg = phases(rng)
    values = rng.integers(0, 4, size=seg.shape[0]).astype(float)  # ties and long trends
    per_phase = rng.choice([6, 7], size=n_seg)
    for length in (3, 6, per_phase[seg]):
        flags, direction, per_point = R.trend(values, seg, length, ties_break)
        f2, d2, longest = R.trend(values, seg, length, ties_break, n_seg=n_seg)
        f3, d3, none = R.trend(values, seg, length, ties_break, longest=False)
        for f, d in ((f2, d2), (f3, d3)):
            np.testing.assert_array_equal(f, flags)
            np.testing.assert_array_equal(d, direction)
            assert d.dtype == direction.dtype
        assert none is None
        want = R.seg_max(per_point, seg, n_seg)
        assert longest.dtype == want.dtype
        np.testing.assert_array_equal(longest, want)


def test_no_points():
    empty = np.zeros(0, dtype=np.int64)
    flags, useful, longest = R.shift_runs(np.zeros(0, dtype=np.int8), empty, 7, True, 3)
    assert flags.size == useful.size == 0
    np.testing.assert_array_equal(longest, np.zeros(3, dtype=np.int64))
    _, _, longest = R.trend(np.zeros(0), empty, 7, True, n_seg=3)
    np.testing.assert_array_equal(longest, np.zeros(3, dtype=np.int64))
