"""The chart kinds (measures.spc.kinds): one enum, one table of words, one stored-code map."""

import pytest

from measures import spc
from measures.spc.kinds import ChartKind


def test_a_kind_is_its_code_and_the_core_takes_either():
    assert spc.CHARTS == ("run", "i", "p", "pp", "u", "up", "c", "g", "t")
    assert tuple(ChartKind) == spc.CHARTS
    assert ChartKind.P == "p" and f"{ChartKind.PP}" == "pp" and ChartKind("u") is ChartKind.U
    by_code = spc.p_chart([1, 2, 3, 2], [9, 9, 9, 9], convention="anhoej")
    by_kind = spc.chart(ChartKind.P, [1, 2, 3, 2], [9, 9, 9, 9], convention="anhoej")
    assert by_kind.to_dict() == by_code.to_dict() and by_kind.chart == "p"


def test_the_stored_code_of_the_i_chart_is_mapped_here_only():
    assert ChartKind("xmr") is ChartKind.I
    assert ChartKind.I.code == "xmr"
    assert [k.code for k in ChartKind if k is not ChartKind.I] == [
        k.value for k in ChartKind if k is not ChartKind.I
    ]
    # The core's own inputs take the core's codes only.
    with pytest.raises(ValueError, match="unknown chart 'xmr'"):
        spc.SeriesSpec(chart="xmr", y=[1, 2, 3])


def test_of_reads_a_code_or_gives_none():
    assert ChartKind.of("xmr") is ChartKind.I and ChartKind.of("g") is ChartKind.G
    assert ChartKind.of(None) is None and ChartKind.of("") is None and ChartKind.of("x") is None


def test_every_kind_has_its_words():
    for kind in ChartKind:
        assert kind.label.startswith(kind.short_label.split(" (")[0])
        assert kind.short_label and kind.axis_title
    assert ChartKind.P.label == "P chart (proportion)" and ChartKind.P.short_label == "P chart"
    assert ChartKind.T.axis_title == "Days between events"


def test_the_properties_partition_the_kinds_as_the_statistics_say():
    ratio = {k for k in ChartKind if k.is_ratio}
    assert ratio == {"p", "pp", "u", "up"}
    assert {k for k in ChartKind if k.is_proportion} == {"p", "pp"} < ratio
    assert {k for k in ChartKind if k.is_event} == {"g", "t"}
    assert {k for k in ChartKind if not k.is_count} == {"run", "i"}
