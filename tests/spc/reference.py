"""The worked examples in tests/spc/reference/cases (copied from shared/data/spc-reference,
produced by qicharts2 0.8.1 and NHSRplotthedots 0.2.2; the ``ihi`` block from the
published rule definitions), and how each maps onto our input and output contract."""

import json
import math
from pathlib import Path

CASES_DIR = Path(__file__).parent / "reference" / "cases"
CASES = sorted(p.stem for p in CASES_DIR.glob("*.json"))
BLOCK_CONVENTION = {"qicharts2": "anhoej", "ptd": "mdc", "ihi": "ihi"}
IMPROVEMENT = {"increase": "up", "decrease": "down", "neutral": None, None: None}
PTD_POINT_TYPE = {
    "common_cause": "common_cause",
    "special_cause_improvement": "improvement",
    "special_cause_concern": "concern",
    "special_cause_neutral_high": "neutral_high",
    "special_cause_neutral_low": "neutral_low",
}
PTD_ASSURANCE = {
    "consistent_pass": "pass",
    "consistent_fail": "fail",
    "inconsistent": "hit_or_miss",
}


def ptd_rule(special_cause_type: str):
    if special_cause_type in ("Above UCL", "Below LCL"):
        return "outside_limits"
    if special_cause_type.startswith("7 Point Trend"):
        return "trend"
    if special_cause_type.startswith("2 in 3"):
        return "two_of_three"
    if special_cause_type.startswith("7 Points"):
        return "shift"
    return None


def load(case_id: str) -> dict:
    return json.loads((CASES_DIR / f"{case_id}.json").read_text())


def blocks():
    """(case id, block) for every expected block of every case."""
    return [(c, b) for c in CASES for b in load(c)["input"]["checks"]]


def request(case: dict, block: str) -> dict:
    """The command-line input document for one case and block."""
    inp = case["input"]
    return {
        "chart": inp["chart"],
        "y": inp["y"],
        "n": inp["n"],
        "x": inp["x"],
        "freeze": inp["freeze"],
        "breaks": list(inp["parts"] or []),  # parts are 1-based last points = 0-based firsts
        "exclude": [],
        "astronomical": [],
        "convention": BLOCK_CONVENTION[block],
        "rules": None,
        "target": inp["target"],
        "improvement": IMPROVEMENT[inp["improvement_direction"]],
    }


def close(actual, expected) -> bool:
    """Floats within 1e-6 relative (1e-9 absolute near 0); null only equals null."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool | str) or isinstance(actual, bool | str):
        return actual == expected and type(actual) is type(expected)
    return math.isclose(actual, expected, rel_tol=1e-6, abs_tol=1e-9)


def mismatches(out: dict, case: dict, block: str) -> list[str]:
    """Every difference between our output document and the expected block."""
    exp = case["expected"][block]
    bad = []

    def check(where, actual, expected):
        if not close(actual, expected):
            bad.append(f"{where}: got {actual!r}, expected {expected!r}")

    pts, phases = out["points"], out["phases"]
    if block == "qicharts2":
        e = exp["points"]
        for k, ours in (("y", "y"), ("cl", "cl"), ("lcl", "lcl"), ("ucl", "ucl")):
            for i, val in enumerate(e[k]):
                check(f"points[{i}].{ours}", pts[i][ours], val)
        for i, val in enumerate(e["sigma_signal"]):
            check(f"points[{i}].special_cause", pts[i]["special_cause"], val)
        for i, val in enumerate(e["part"]):
            check(f"points[{i}].phase", pts[i]["phase"], val - 1)
        for i, val in enumerate(e["baseline"]):
            check(f"points[{i}].baseline", pts[i]["baseline"], val)
        check("len(phases)", len(phases), len(exp["parts"]))
        for j, part in enumerate(exp["parts"]):
            ph = phases[j]
            check(f"phases[{j}].start", ph["start"], part["start"] - 1)
            check(f"phases[{j}].end", ph["end"], part["end"] - 1)
            for ours, theirs in (
                ("n_useful", "n_useful"),
                ("longest_run", "longest_run"),
                ("longest_run_max", "longest_run_max"),
                ("crossings", "n_crossings"),
                ("crossings_min", "n_crossings_min"),
                ("runs_signal", "runs_signal"),
            ):
                check(f"phases[{j}].{ours}", ph[ours], part[theirs])
    elif block == "ihi":
        check("len(phases)", len(phases), len(exp))
        for j, part in enumerate(exp):
            ph = phases[j]
            check(f"phases[{j}].cl", ph["cl"], part["median"])
            for ours, theirs in (
                ("n_useful", "n_useful"),
                ("longest_run", "longest_shift"),
                ("shift_signal", "shift_signal"),
                ("longest_trend", "longest_trend"),
                ("trend_signal", "trend_signal"),
                ("n_runs", "n_runs"),
            ):
                check(f"phases[{j}].{ours}", ph[ours], part[theirs])
            few, many = part["runs_too_few_max"], part["runs_too_many_min"]
            check(f"phases[{j}].runs_min", ph["runs_min"], None if few is None else few + 1)
            check(f"phases[{j}].runs_max", ph["runs_max"], None if many is None else many - 1)
            check(
                f"phases[{j}].runs_signal",
                ph["runs_signal"],
                part["too_few_runs"] or part["too_many_runs"],
            )
    elif block == "ptd":
        e = exp["points"]
        for ours, theirs in (("cl", "mean"), ("lcl", "lpl"), ("ucl", "upl")):
            for i, val in enumerate(e[theirs]):
                check(f"points[{i}].{ours}", pts[i][ours], val)
        for i, val in enumerate(e["special_cause_flag"]):
            check(f"points[{i}].special_cause", pts[i]["special_cause"], val)
        for i, val in enumerate(e["point_type"]):
            check(f"points[{i}].point_type", pts[i]["point_type"], PTD_POINT_TYPE[val])
        for i, val in enumerate(e["rebase_group"]):
            check(f"points[{i}].phase", pts[i]["phase"], val)
        check("len(phases)", len(phases), len(exp["groups"]))
        for j, grp in enumerate(exp["groups"]):
            check(f"phases[{j}].cl", phases[j]["cl"], grp["mean"])
            check(f"phases[{j}].points", phases[j]["end"] - phases[j]["start"] + 1, grp["n"])
            last = pts[phases[j]["end"]]["point_type"]
            check(f"phases[{j}].last point_type", last, PTD_POINT_TYPE[grp["variation_type"]])
        check("variation", out["variation"], exp["variation_icon"])
        assurance = exp["assurance_icon"]
        check("assurance", out["assurance"], PTD_ASSURANCE.get(assurance))
    return bad
