"""The measure's chart type is the core's enum (measures.spc.kinds): its choices, its words
and the core's chart all come from it."""

from types import SimpleNamespace

from governance import disclosure
from measures import figures
from measures.data import core_chart, scaled_by_multiplier
from measures.models import Measure
from measures.spc import ChartKind


def test_the_choices_are_built_from_the_enum_with_the_stored_codes():
    assert Measure.ChartType.choices == [(k.code, k.label) for k in ChartKind]
    assert Measure.ChartType.I == "xmr" and Measure.ChartType.P == "p"
    assert Measure(chart_type="p").get_chart_type_display() == "P chart (proportion)"


def test_a_stored_xmr_is_the_cores_i_chart():
    measure = Measure(chart_type=Measure.ChartType.I)
    assert measure.chart_kind is ChartKind.I
    assert core_chart(measure) == "i"
    assert not measure.has_denominator and not scaled_by_multiplier(measure)


def test_every_question_about_a_kind_is_answered_by_the_enum():
    for kind in ChartKind:
        measure = Measure(chart_type=kind.code, denominator_definition="")
        assert measure.has_denominator == kind.is_ratio
        assert scaled_by_multiplier(measure) == kind.is_ratio
        assert figures.axis_title("", kind.value) == kind.axis_title
        result = SimpleNamespace(chart=kind.value, variation=None, assurance=None, x=[],
                                 status="", convention="", verdict_rule=None)  # fmt: skip
        assert figures.words(result)["chart"] == kind.short_label
        expected = disclosure.OTHER_COUNT if kind.is_count else disclosure.VALUE
        assert disclosure.measure_kind(SimpleNamespace(chart_type=kind.code)) == expected
    run_with_denominator = Measure(chart_type="run", denominator_definition="Bed days")
    assert scaled_by_multiplier(run_with_denominator)
