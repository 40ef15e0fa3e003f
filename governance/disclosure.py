"""Small-number rules for figures that leave a collaborative.

A count of people shown outside its collaborative (the portfolio and national pages, the
contract-review report, anything exported or shared beyond the collaborative) follows NHS
Digital's disclosure-control method for sub-national figures, the one used on its secondary
care datasets (Hospital Episode Statistics) and since 2019-20 on its other statistics:

- a count of 0 is shown as 0;
- a count from 1 to 7 is shown as ``*``;
- every other count is rounded to the nearest 5;
- a percentage (or rate) is worked out from the rounded numerator and denominator, and is
  ``*`` when either of them is;
- national totals need no control (not used here: every figure we show is sub-national).

Source: NHS Digital, "Changes to the Sexual and Reproductive Health Activity Dataset
(SRHAD) disclosure control methodology for 2019-20", section "Counts below national
level", which adopts the secondary-care method unchanged
(https://digital.nhs.uk/data-and-information/find-data-and-publications/statement-of-administrative-sources/methodological-changes/changes-to-the-sexual-and-reproductive-health-activity-dataset-disclosure-control-methodology-for-2019-20);
the same rules apply to the National Child Measurement Programme from 2020
(".../changes-to-the-national-child-measurement-programme-2019-20-publication-content-and-disclosure-control-methodology").

Inside a collaborative, under its data-sharing terms, teams see each other's raw figures
and a team always sees its own; this module is for what goes beyond.

Which measures count people: the measure's own ``counts_people`` flag, set by whoever
defines the measure ("whether the numerator counts people"), is the authority. Neither
its kind (outcome, process, balancing) nor its chart type decides it: a P chart of
patients audited counts people, a U chart of falls per 1,000 bed days counts falls
(events that happen to people, so a library may well flag it), an XmR chart of minutes
to antibiotics counts no one. When ``counts_people`` is set, both numerator and
denominator are treated as counts of people (the denominator of a proportion of patients
is itself a count of patients; rounding a denominator that is not, such as bed days, to
the nearest 5 costs nothing).

Settings: ``COLLAB_DISCLOSURE`` (a dict) may override ``enabled`` (default True),
``suppress_up_to`` (7), ``round_to`` (5), ``symbol`` ("*") and ``percent_places`` (0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from numbers import Real

from django.conf import settings

DEFAULTS = {
    "enabled": True,
    "suppress_up_to": 7,
    "round_to": 5,
    "symbol": "*",
    "percent_places": 0,
}


@dataclass(frozen=True)
class Rules:
    enabled: bool
    suppress_up_to: int
    round_to: int
    symbol: str
    percent_places: int


def rules() -> Rules:
    """The rules in force, read from settings each time so tests can override them."""
    configured = getattr(settings, "COLLAB_DISCLOSURE", None) or {}
    unknown = set(configured) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"COLLAB_DISCLOSURE has unknown keys: {sorted(unknown)}")
    merged = {**DEFAULTS, **configured}
    if merged["round_to"] < 1 or merged["suppress_up_to"] < 0:
        raise ValueError("COLLAB_DISCLOSURE round_to must be >= 1, suppress_up_to >= 0")
    return Rules(**merged)


def counts_people(measure) -> bool:
    """Whether the measure's figures are counts of people (see the module docstring)."""
    return bool(getattr(measure, "counts_people", False))


def _as_int(n) -> int:
    if isinstance(n, bool) or not isinstance(n, Real | Decimal):
        raise TypeError(f"a count must be a number, not {type(n).__name__}")
    value = Decimal(str(n)) if not isinstance(n, Decimal) else n
    if value < 0:
        raise ValueError(f"a count cannot be negative: {n}")
    # Counts are whole; a fractional one (a stored Decimal) rounds half up first.
    return int(value.to_integral_value(rounding="ROUND_HALF_UP"))


def _round_half_up(n: int, step: int) -> int:
    return int(math.floor(n / step + 0.5)) * step


def rounded_count(n) -> int | None:
    """The count as it may be published: None when suppressed, else rounded."""
    r = rules()
    value = _as_int(n)
    if not r.enabled:
        return value
    if value == 0:
        return 0
    if value <= r.suppress_up_to:
        return None
    return _round_half_up(value, r.round_to)


def disclose_count(n) -> str:
    """A count of people as text fit to leave the collaborative: "0", "*" or a multiple of 5."""
    value = rounded_count(n)
    return rules().symbol if value is None else str(value)


def disclose_rate(numerator, denominator, *, multiplier: int = 100) -> dict:
    """Numerator, denominator and the rate worked out from their published (rounded) figures.

    Returns ``numerator`` and ``denominator`` (text), ``percent`` (text: the rate times
    ``multiplier`` to ``percent_places`` places, "*" when suppressed, "" when there is no
    denominator), ``value`` (float or None: the same rate, for charts) and ``suppressed``.
    """
    r = rules()
    num = rounded_count(numerator)
    den = rounded_count(denominator) if denominator is not None else None
    suppressed = num is None or (denominator is not None and den is None)
    out = {
        "numerator": r.symbol if num is None else str(num),
        "denominator": "" if denominator is None else (r.symbol if den is None else str(den)),
        "suppressed": suppressed,
        "value": None,
        "percent": "",
    }
    if suppressed:
        out["percent"] = r.symbol
        return out
    if den:
        value = num / den * multiplier
        out["value"] = value
        out["percent"] = f"{value:.{r.percent_places}f}"
    return out


def disclose_for(measure, numerator, denominator=None, *, multiplier: int | None = None) -> dict:
    """`disclose_rate` for a measure that counts people; the raw figures for one that does not."""
    mult = multiplier if multiplier is not None else getattr(measure, "multiplier", 100) or 1
    if counts_people(measure):
        return disclose_rate(numerator, denominator, multiplier=mult)
    num = _plain(numerator)
    den = _plain(denominator) if denominator is not None else ""
    value = None
    if denominator is not None and float(denominator):
        value = float(numerator) / float(denominator) * mult
    return {
        "numerator": num,
        "denominator": den,
        "suppressed": False,
        "value": value,
        "percent": "" if value is None else f"{value:.{rules().percent_places}f}",
    }


# --- Who is looking, and figures as numbers for charts ---------------------------------------


@dataclass(frozen=True)
class Scope:
    """What one viewer may be shown of one collaborative: raw figures when `inside` its
    data-sharing terms, published figures otherwise."""

    inside: bool


INSIDE = Scope(inside=True)
OUTSIDE = Scope(inside=False)


def publisher(scope: Scope, measure):
    """None when `scope` may see `measure`'s raw figures; otherwise a function
    (numerator, denominator) -> the published (numerator, denominator) as numbers, both
    None when suppressed. Charts drawn from these are charts of the published figures."""
    if scope.inside or not counts_people(measure):
        return None

    def publish(numerator, denominator):
        if numerator is None:
            return None, None
        num = rounded_count(numerator)
        den = None if denominator is None else rounded_count(denominator)
        if num is None or (denominator is not None and den is None):
            return None, None
        return float(num), None if den is None else float(den)

    return publish


def _plain(n) -> str:
    d = Decimal(str(n))
    if d == d.to_integral_value():
        return str(int(d))
    return f"{d.normalize():f}"
