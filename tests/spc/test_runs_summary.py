"""``rules.runs_summary`` counts runs as ``rules.shift`` does, without per-point arrays."""

import numpy as np
import pytest

from measures.spc import rules as R


def from_shift(side, seg, n_seg):
    _, lens, useful = R.shift(side, seg, 1, on_line_breaks=False)
    us, uk = seg[useful], side[useful]
    starts = R._starts(us, uk[1:] != uk[:-1])
    return (
        R.seg_count(useful, seg, n_seg),
        R.seg_max(lens, seg, n_seg),
        np.bincount(us[starts], minlength=n_seg),
    )


@pytest.mark.parametrize("seed", range(20))
def test_it_agrees_with_shift(seed):
    rng = np.random.default_rng(seed)
    n_seg = int(rng.integers(1, 12))
    # phases of 0 to 30 points, some with every point on the line
    sizes = rng.integers(0, 31, size=n_seg)
    seg = np.repeat(np.arange(n_seg), sizes)
    side = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=seg.shape[0], p=[0.4, 0.2, 0.4])
    side[seg == rng.integers(0, n_seg)] = 0
    got = R.runs_summary(side, seg, n_seg)
    want = from_shift(side, seg, n_seg)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)


def test_no_points():
    empty = np.zeros(0, dtype=np.int64)
    got = R.runs_summary(np.zeros(0, dtype=np.int8), empty, 3)
    for g in got:
        np.testing.assert_array_equal(g, np.zeros(3, dtype=np.int64))
