"""The analysts' command line: bad input exits non-zero with one clear line on stderr."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from measures.spc.__main__ import handle, parse
from measures.spc.cli import InputError

REPO = Path(__file__).resolve().parents[2]


def run(module: str, text: str):
    return subprocess.run(
        [sys.executable, "-m", module],
        input=text,
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )


BAD = [
    ({"chart": "xbar", "y": [1, 2]}, "unknown chart"),
    ({"chart": "i", "y": [1, 2], "convention": "westgard"}, "unknown convention"),
    ({"chart": "p", "y": [1, 2], "n": [3]}, "y has 2 values but n has 1"),
    ({"chart": "c", "y": [1, -2]}, "negative count"),
    ({"chart": "u", "y": [1, 2], "n": [3, -1]}, "negative denominator"),
    ({"chart": "p", "y": [1, 2], "n": [3, 0]}, "over a zero denominator"),
    ({"chart": "i", "y": [1, "two", 3]}, r"y\[1\] must be a number"),
    ({"chart": "run", "y": [1, 2], "convention": "mdc"}, "no run chart rules"),
    ({"chart": "p", "y": [1, 2]}, "needs denominators"),
    ({"chart": "i", "y": [1, 2], "breaks": [5]}, "outside the 2 points"),
    ({"chart": "i", "y": [1, 2], "rules": {"shift": 5}}, "must be 6 or 7"),
    ({"chart": "t", "y": [1, 0]}, "greater than zero"),
    ({"chart": "i", "y": [1, 2], "freez": 2}, "unknown field"),
    ({"chart": "i", "y": [1, 2], "baseline": 3}, "baseline must be between 1 and the 2 points"),
    ({"chart": "i", "y": [1, 2], "baseline": 1.5}, "baseline must be a whole number"),
]


@pytest.mark.parametrize(("doc", "message"), BAD)
def test_it_refuses_bad_input_with_a_clear_message(doc, message):
    with pytest.raises(InputError, match=message):
        parse(doc)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (json.dumps(BAD[0][0]), "unknown chart"),
        (json.dumps(BAD[2][0]), "y has 2 values but n has 1"),
        (json.dumps(BAD[6][0]), "must be a number"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "one JSON object"),
    ],
)
def test_its_process_exits_non_zero_with_one_line_on_stderr(text, message):
    proc = run("measures.spc", text)
    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr


def test_it_writes_the_documented_output_document():
    out = handle(
        {
            "chart": "i",
            "y": [3, 4, 5, 4, 3, 4, 5, 4, 3, 4, 5, 4, 9],
            "target": 1,
            "improvement": "down",
            "x": None,
        }
    )
    assert set(out) >= {
        "convention",
        "points",
        "phases",
        "variation",
        "assurance",
        "enough_data",
        "points_needed",
        "verdict",
        "summary",
    }
    assert set(out["points"][0]) == {
        "y",
        "cl",
        "lcl",
        "ucl",
        "lcl_2s",
        "ucl_2s",
        "mr",
        "special_cause",
        "point_type",
        "phase",
        "baseline",
    }
    assert set(out["phases"][0]) == {
        "start",
        "end",
        "cl",
        "mr_cl",
        "mr_ucl",
        "n_useful",
        "longest_run",
        "longest_run_max",
        "crossings",
        "crossings_min",
        "runs_signal",
        "longest_trend",
        "shift_signal",
        "trend_signal",
        "n_runs",
        "runs_min",
        "runs_max",
    }
    assert set(out["verdict"]) == {
        "status", "rule", "first_index", "last_signal_index", "history"
    }  # fmt: skip
    assert out["convention"] == "mdc"
    assert out["points"][0]["mr"] is None and out["points"][1]["mr"] == 1
    assert out["points"][-1]["special_cause"] and out["points"][-1]["point_type"] == "concern"
    assert out["variation"] == "concern_high"
    assert out["assurance"] == "fail"


def test_its_verdict_reads_the_baseline_input_through_the_command_line():
    """A faded improvement: twelve baseline months, ten clearly better, ten back at the
    baseline's level. Judged against the first twelve it is not sustained; with the whole
    series as its baseline there is nothing after it to judge."""
    base = [50.564, 49.436] * 6
    y = base + [52.5] * 10 + [50.3, 49.7] * 5
    doc = {"chart": "i", "y": y, "improvement": "up", "baseline": 12}
    proc = run("measures.spc", json.dumps(doc))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["baseline"] == 12
    assert out["verdict"]["status"] == "not_sustained"
    assert out["verdict"]["first_index"] == 12
    assert out["verdict"]["last_signal_index"] == 22  # the shift runs on to 50.3
    assert out["verdict"]["history"][0] == {
        "side": "improvement", "rule": out["verdict"]["rule"], "first_index": 12, "last_index": 22
    }  # fmt: skip
    whole = json.loads(run("measures.spc", json.dumps({**doc, "baseline": len(y)})).stdout)
    assert whole["verdict"] == {
        "status": "no_change", "rule": None, "first_index": None, "last_signal_index": None,
        "history": [],
    }  # fmt: skip
    # the baseline input moves no drawn limit
    assert [p["ucl"] for p in whole["points"]] == [p["ucl"] for p in out["points"]]
