"""``python -m measures.spc``: one chart from a JSON document on standard input.

The input and output contracts are in measures/spc/README.md. Needs no Django settings.
"""

import sys

from .cli import InputError, integer, main, number, numbers
from .kinds import CHARTS, ChartKind
from .single import chart
from .spec import CONVENTIONS

FIELDS = {
    "chart",
    "y",
    "n",
    "x",
    "freeze",
    "breaks",
    "exclude",
    "astronomical",
    "convention",
    "rules",
    "target",
    "improvement",
    "baseline",
}


def _indices(doc, key, length) -> list[int]:
    values = doc.get(key) or []
    if not isinstance(values, list):
        raise InputError(f"{key} must be a list of point indexes")
    out = [integer(v, f"{key}[{i}]") for i, v in enumerate(values)]
    for v in out:
        if not 0 <= v < length:
            raise InputError(f"{key} has index {v}, outside the {length} points")
    return out


def parse(doc: dict) -> dict:
    unknown = sorted(set(doc) - FIELDS)
    if unknown:
        raise InputError(f"unknown field {unknown[0]!r}")
    kind = doc.get("chart")
    if kind not in CHARTS:
        raise InputError(f"unknown chart {kind!r}: use one of {', '.join(CHARTS)}")
    kind = ChartKind(kind)
    convention = doc.get("convention") or ("ihi" if kind == "run" else "mdc")
    if convention not in CONVENTIONS:
        raise InputError(f"unknown convention {convention!r}: use one of {', '.join(CONVENTIONS)}")
    if kind == "run" and convention == "mdc":
        raise InputError(
            "Making Data Count has no run chart rules: use convention ihi or anhoej for a run chart"
        )
    if "y" not in doc:
        raise InputError("y is missing")
    y = numbers(doc["y"], "y")
    n = doc.get("n")
    if n is not None:
        n = numbers(n, "n")
        if len(n) != len(y):
            raise InputError(f"y has {len(y)} values but n has {len(n)}: they must be the same")
    if kind.is_ratio and n is None:
        raise InputError(f"a {kind} chart needs denominators n")
    x = doc.get("x")
    if x is not None and (not isinstance(x, list) or len(x) != len(y)):
        raise InputError(f"x must be a list of {len(y)} labels, one per value of y")
    for i, v in enumerate(y):
        if v is None:
            continue
        if kind == ChartKind.T and v <= 0:  # T charts times between events, not counts
            raise InputError(f"y[{i}] is {v}: times between events must be greater than zero")
        if kind.is_count and v < 0:
            raise InputError(f"y[{i}] is a negative count ({v})")
    if n is not None:
        for i, (a, b) in enumerate(zip(y, n, strict=True)):
            if b is not None and b < 0:
                raise InputError(f"n[{i}] is a negative denominator ({b})")
            if a is not None and b == 0 and a > 0:
                raise InputError(f"y[{i}] is {a} over a zero denominator")
            if kind.is_proportion and a is not None and b is not None and a > b:
                raise InputError(f"y[{i}] ({a}) is larger than its denominator n[{i}] ({b})")
    freeze = doc.get("freeze")
    if freeze is not None:
        freeze = integer(freeze, "freeze")
        if freeze < 2:
            raise InputError("freeze must be at least 2 points")
    breaks = _indices(doc, "breaks", len(y))
    if any(b == 0 for b in breaks):
        raise InputError("breaks are the first point of each new phase, so 0 is not a break")
    rules = doc.get("rules")
    if rules is not None:
        if convention != "mdc":
            raise InputError("rules (shift and trend lengths) apply to the mdc convention only")
        if not isinstance(rules, dict) or set(rules) - {"shift", "trend"}:
            raise InputError('rules must be {"shift": 6|7, "trend": 6|7}')
        for key, value in rules.items():
            if value not in (6, 7) or isinstance(value, bool):
                raise InputError(f"rules.{key} must be 6 or 7, not {value!r}")
    improvement = doc.get("improvement")
    if improvement not in ("up", "down", None):
        raise InputError(f"improvement must be 'up', 'down' or null, not {improvement!r}")
    baseline = doc.get("baseline")
    if baseline is not None:
        baseline = integer(baseline, "baseline")
        if not 1 <= baseline <= len(y):
            raise InputError(f"baseline must be between 1 and the {len(y)} points, not {baseline}")
    return dict(
        chart_type=kind,
        y=y,
        n=n,
        labels=x,
        freeze=freeze,
        breaks=breaks,
        exclude=_indices(doc, "exclude", len(y)),
        astronomical=_indices(doc, "astronomical", len(y)),
        convention=convention,
        rules=rules,
        target=number(doc.get("target"), "target"),
        improvement=improvement,
        baseline=baseline,
    )


def handle(doc: dict) -> dict:
    return chart(**parse(doc)).to_dict()


if __name__ == "__main__":
    sys.exit(main(handle))
