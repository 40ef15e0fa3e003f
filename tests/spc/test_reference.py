"""The core against the reference tools' own output on the 24 worked examples.

qicharts2 0.8.1 -> convention ``anhoej``; NHSRplotthedots 0.2.2 -> ``mdc``; the IHI run chart
rules (Perla, Provost & Murray 2011, computed from their published definitions) -> ``ihi``.
Each case is checked through the Python API and through ``python -m measures.spc``.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import measures.spc as spc

from .reference import PTD_POINT_TYPE, blocks, load, mismatches, ptd_rule, request

REPO = Path(__file__).resolve().parents[2]
BLOCKS = blocks()


def via_api(req: dict) -> spc.ChartResult:
    return spc.chart(
        req["chart"],
        req["y"],
        req["n"],
        freeze=req["freeze"],
        breaks=req["breaks"],
        convention=req["convention"],
        target=req["target"],
        improvement=req["improvement"],
        labels=req["x"],
    )


def test_it_has_every_reference_case():
    assert len({c for c, _ in BLOCKS}) == 24
    assert {b for _, b in BLOCKS} == {"qicharts2", "ihi", "ptd"}


@pytest.mark.parametrize(("case_id", "block"), BLOCKS)
def test_it_agrees_with_the_reference_through_the_api(case_id, block):
    case = load(case_id)
    out = via_api(request(case, block)).to_dict()
    assert mismatches(out, case, block) == []


@pytest.mark.parametrize(("case_id", "block"), BLOCKS)
def test_it_agrees_with_the_reference_through_the_command_line(case_id, block):
    case = load(case_id)
    proc = subprocess.run(
        [sys.executable, "-m", "measures.spc"],
        input=json.dumps(request(case, block)),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert mismatches(json.loads(proc.stdout), case, block) == []


@pytest.mark.parametrize("case_id", sorted({c for c, b in BLOCKS if b == "ptd"}))
def test_it_names_each_point_by_the_rule_nhsrplotthedots_reports(case_id):
    case = load(case_id)
    result = via_api(request(case, "ptd"))
    expected = case["expected"]["ptd"]["points"]["special_cause_type"]
    assert [p.rule for p in result.points] == [ptd_rule(t) for t in expected]


def test_it_maps_ptd_point_types_in_both_directions():
    # guards the mapping used above: every ptd point type has exactly one name of ours
    assert len(set(PTD_POINT_TYPE.values())) == len(PTD_POINT_TYPE)
