"""The batch entry point gives exactly what the series-by-series path gives."""

import numpy as np

import measures.spc as spc
from measures.spc.charts import Point, PointColumns

from .strategies import PAIRS, random_options


def test_it_gives_exactly_the_single_series_results_on_a_random_mix():
    rng = np.random.default_rng(20240611)
    specs = []
    for k in range(600):
        chart, convention = PAIRS[k % len(PAIRS)]
        length = int(rng.integers(0, 60)) if k % 7 else int(rng.integers(0, 4))
        specs.append(spc.SeriesSpec(chart=chart, **random_options(rng, chart, convention, length)))
    order = rng.permutation(len(specs))  # mix chart types and conventions in the input
    shuffled = [specs[i] for i in order]
    batch = spc.compute_batch(shuffled)
    assert len(batch) == len(specs)
    for pos, i in enumerate(order):
        s = specs[i]
        alone = spc.chart(
            s.chart, s.y, s.n, freeze=s.freeze, breaks=s.breaks, exclude=s.exclude,
            astronomical=s.astronomical, convention=s.convention, rules=s.rules,
            target=s.target, improvement=s.improvement, baseline=s.baseline,
            preferred_baseline=s.preferred_baseline,
        )  # fmt: skip
        assert batch.result(pos) == alone, (s.chart, s.convention, pos)


def test_it_handles_an_empty_batch():
    assert len(spc.compute_batch([])) == 0


def test_groups_cut_into_parts_give_the_same_results(monkeypatch):
    """``compute_batch`` computes a large group in parts of about ``CHUNK_POINTS`` points:
    every figure is per series or per phase, so the parts change nothing."""
    from measures.spc import batch as B

    rng = np.random.default_rng(20261207)
    specs = []
    for k in range(400):
        chart, convention = PAIRS[k % len(PAIRS)]
        length = int(rng.integers(0, 80)) if k % 5 else int(rng.integers(0, 4))
        specs.append(spc.SeriesSpec(chart=chart, **random_options(rng, chart, convention, length)))
    specs = [specs[i] for i in rng.permutation(len(specs))]
    whole = spc.compute_batch(specs)
    monkeypatch.setattr(B, "CHUNK_POINTS", 100)
    parts = spc.compute_batch(specs)
    assert len(parts.groups) > 3 * len(whole.groups)
    for name in ("status", "rule", "first_index", "last_signal_index", "baseline",
                 "reference_cl", "enough_data", "points_needed", "variation", "assurance",
                 "history_offsets"):  # fmt: skip
        assert getattr(parts, name).tobytes() == getattr(whole, name).tobytes(), name
    for key, values in whole.history.items():
        assert parts.history[key].tobytes() == values.tobytes(), key
    for i in range(len(specs)):
        assert parts.result(i) == whole.result(i), i


def test_a_columnar_result_holds_the_same_points_and_everything_else():
    rng = np.random.default_rng(20261207)
    specs = []
    for k in range(300):
        chart, convention = PAIRS[k % len(PAIRS)]
        length = int(rng.integers(0, 60)) if k % 7 else int(rng.integers(0, 4))
        specs.append(spc.SeriesSpec(chart=chart, **random_options(rng, chart, convention, length)))
    batch = spc.compute_batch(specs)
    for i in range(len(specs)):
        points, columnar = batch.result(i), batch.result(i, columnar=True)
        assert isinstance(columnar.points, PointColumns)
        assert tuple(columnar.points) == points.points
        assert columnar.points[-3:] == points.points[-3:]
        for field in Point.__dataclass_fields__:
            assert columnar.points.columns[field] == [getattr(p, field) for p in points.points]
        assert columnar == points  # and the verdict, words and every other field
