"""bench/load_dashboards.py's last line, from hand-built response times (no timed run)."""

import importlib
import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

LINE = re.compile(
    r"dashboards: worst page p95 \d+ ms, overall p95 \d+ ms, throughput \d+\.\d req/s, "
    r"floor p50 \d+ ms, ratio \d+\.\d\d"
)


@pytest.fixture(scope="module")
def load_dashboards():
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("load_dashboards")
    finally:
        sys.path.remove(str(BENCH))


def test_the_last_line_compares_the_pages_with_the_floor(load_dashboards):
    timings = {
        "director: portfolio": [100.0] * 18 + [400.0] * 2,  # p50 100, p95 400
        "manager: funnel (htmx)": [200.0] * 20,  # the slowest p50: 200
        "floor": [50.0] * 10 + [5000.0],  # p50 50; never the worst page, never counted
    }
    line = load_dashboards.summary_line(timings, elapsed=10.0)
    assert LINE.fullmatch(line), line
    assert line == (
        "dashboards: worst page p95 400 ms, overall p95 200 ms, throughput 4.0 req/s, "
        "floor p50 50 ms, ratio 0.25"
    )


def test_the_ratio_is_the_floor_over_the_slowest_page_not_the_worst_p95(load_dashboards):
    timings = {
        "a": [10.0] * 18 + [900.0, 900.0],  # worst p95 (900), p50 only 10
        "b": [80.0] * 20,  # slowest p50
        "floor": [40.0] * 3,
    }
    line = load_dashboards.summary_line(timings, elapsed=4.0)
    assert LINE.fullmatch(line), line
    assert "worst page p95 900 ms" in line
    assert line.endswith("floor p50 40 ms, ratio 0.50")
