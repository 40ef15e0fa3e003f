"""How a figure is written for people: the one rounding and the one number formatter.

Every page, chart hover, email and rendering of the contract review (PDF, XLSX, HTML)
writes figures through these, so that one value reads the same everywhere: rounded half up
(never to even), trailing zeros dropped, thousands separated. `dashboards.claims` re-exports
them beside the sentences that use them. Plain Python, so that any layer may import it.
"""

import math
from decimal import ROUND_HALF_UP, Decimal


def rounded(value, places: int = 2) -> float | None:
    """`value` rounded half up to `places` decimals (the one rounding of shown figures)."""
    if value is None or not math.isfinite(float(value)):
        return None
    q = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return float(q)


def number_text(value, places: int = 2, *, empty: str = "–") -> str:
    """A figure as every page and every rendering of the report writes it: rounded half up
    to `places` decimals, trailing zeros dropped, thousands separated (2.75, 3, 1,250.5)."""
    if value.__class__ is float and value.is_integer() and -1e15 < value < 1e15:
        # A whole number (most counts: every point of a chart's hover) needs no rounding:
        # the same text without the Decimal round trip, most of a chart's hover's cost.
        return f"{int(value):,}"
    r = rounded(value, places)
    if r is None:
        return empty
    text = f"{r:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def decimal_text(value) -> str:
    """A stored decimal (a value as entered) as its shortest exact text: no rounding, no
    exponent, no trailing zeros, no separators (12 for 12.0000, 1000 for 1E+3, 0.25). What
    the entry grid, the API, the import preview, the disclosure check and the audit trail
    show of a raw value. A negative zero reads 0, as `number_text` writes it."""
    text = f"{value.normalize():f}"
    return "0" if text == "-0" else text


def percent_text(share, *, empty: str = "–") -> str:
    """A share (0.125) as a whole percentage ("13%"), rounded by `number_text`."""
    return empty if share is None else number_text(float(share) * 100, 0) + "%"
