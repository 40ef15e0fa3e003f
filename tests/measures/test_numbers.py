"""The one number formatter (measures.numbers), against numbers worked out by hand, and the
places that write figures through it."""

import datetime as dt
import math
from decimal import Decimal

import pytest

from dashboards import claims
from governance import audit, disclosure
from measures import numbers, spc
from measures.data import SeriesInput
from measures.figures import figure
from measures.recompute import charts_compute
from reports.templatetags.report_tags import figure as figure_filter
from reports.templatetags.report_tags import percent as percent_filter


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (2.675, 2, "2.68"),  # half up, although the float 2.675 is stored just below it
        (0.125, 2, "0.13"),
        (-0.125, 2, "-0.13"),  # half away from zero
        (-0.001, 2, "0"),  # never "-0"
        (1234567, 2, "1,234,567"),  # never 1.23457e+06
        (1234567.891, 2, "1,234,567.89"),
        (Decimal("12.5000"), 2, "12.5"),
        (3, 0, "3"),
        (2.5, 0, "3"),  # not to even
        (0.04567, 3, "0.046"),
        (None, 2, "–"),
        (math.nan, 2, "–"),
        (math.inf, 2, "–"),
    ],
)
def test_a_figure_is_written_one_way(value, places, text):
    assert numbers.number_text(value, places) == text


@pytest.mark.parametrize("places", [0, 2])
def test_a_whole_float_is_written_as_the_rounding_writes_it(places):
    """number_text writes a whole float (a count) without rounding it: the same text."""
    values = [0.0, -0.0, 1.0, 7.0, 999.0, 1000.0, -1250.0, 1234567.0, 10.0**14, -(10.0**14)]
    values += [float(n) for n in range(-3000, 3000, 7)]
    for value in values:
        r = numbers.rounded(value, places)
        slow = f"{r:,.{places}f}"
        slow = slow.rstrip("0").rstrip(".") if "." in slow else slow
        assert numbers.number_text(value, places) == ("0" if slow == "-0" else slow), value


def test_empty_is_what_the_caller_wants_for_no_figure():
    assert numbers.number_text(None, empty="") == ""
    assert numbers.percent_text(None, empty="") == ""


@pytest.mark.parametrize(("share", "text"), [(0.125, "13%"), (0.005, "1%"), (1, "100%")])
def test_a_share_is_a_whole_percentage(share, text):
    assert numbers.percent_text(share) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("12.0000"), "12"),  # no trailing zeros
        (Decimal("1E+3"), "1000"),  # never an exponent
        (Decimal("1000.5"), "1000.5"),  # no separator: a value as entered
        (Decimal("0.0000001"), "0.0000001"),  # never rounded
        (Decimal("-2.50"), "-2.5"),
        (Decimal("-0.00"), "0"),
    ],
)
def test_a_value_as_entered_is_its_shortest_exact_text(value, text):
    assert numbers.decimal_text(value) == text


def test_the_disclosure_check_and_the_audit_trail_write_a_value_as_entered_the_same_way():
    for value in (Decimal("40.000"), Decimal("1E+2"), Decimal("0.125")):
        assert disclosure._plain(value) == audit._number(value) == numbers.decimal_text(value)
    assert disclosure._plain(7.0) == "7"  # floats too, as the disclosure check reads them


def test_claims_and_the_reports_template_filters_use_the_same_formatter():
    assert claims.number_text is numbers.number_text
    assert claims.percent_text is numbers.percent_text
    assert claims.rounded is numbers.rounded
    assert figure_filter(1234.5678, "2") == "1,234.57"
    assert percent_filter(0.125) == "13%"


def test_a_charts_hover_writes_numerators_and_target_with_the_formatter():
    start = dt.date(2024, 1, 1)
    y = [0.5, 0.25, 0.75, 0.5, 0.5, 0.25, 0.75, 0.5, 0.5, 0.25, 0.75, 0.5]
    num = [1234567.0, 2.675] + [1.0] * 10
    x = [(start + dt.timedelta(weeks=i)).isoformat() for i in range(len(y))]
    spec = spc.SeriesSpec(chart="run", y=y, labels=x, target=0.4567, convention="ihi")
    result = charts_compute(
        [
            SeriesInput(
                series_id=1, spec=spec, error="", x=x, numerator=num,
                denominator=[2469134.0, 5.35] + [2.0] * 10, annotations=[],
                inputs_hash="h", multiplier=1,
            )
        ]
    )[0]  # fmt: skip
    traces = {t.get("name"): t for t in figure(result, title="Falls")["data"]}
    hover = traces["Value"]["customdata"]
    assert hover[0][:2] == ["1,234,567", "2,469,134"]
    assert hover[1][:2] == ["2.68", "5.35"]
    assert "Target: 0.46<" in traces["Target"]["hovertemplate"]


def test_the_figure_filter_writes_what_number_text_writes():
    """Pages write figures through `{{ value|figure }}`: the same text as the hover and the
    report (separators, half up, no trailing zeros); "–" for no value, and nothing for a
    variable the context does not hold, as Django's floatformat did."""
    from django.template import Context, Template

    template = Template(
        "{% load number_tags %}{{ a|figure }}|{{ b|figure }}|{{ c|figure }}|{{ d|figure }}"
        "|{{ e|figure:1 }}|{{ missing|figure }}"
    )
    text = template.render(
        Context({"a": 1010.0, "b": 2.675, "c": None, "d": Decimal("12.5000"), "e": 0.25})
    )
    assert text == "1,010|2.68|–|12.5|0.3|"
