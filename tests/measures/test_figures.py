"""Stored results as Plotly figure dicts (no database, no browser)."""

import datetime as dt

from measures import spc
from measures.data import SeriesInput
from measures.figures import BLUE, GREY, ORANGE, RED, Marker, figure, point_rows, words
from measures.recompute import charts_compute

START = dt.date(2024, 1, 1)


def stored(chart, y, n=None, **options):
    x = [(START + dt.timedelta(weeks=i)).isoformat() for i in range(len(y))]
    spec = spc.SeriesSpec(chart=chart, y=y, n=n, labels=x, **options)
    inp = SeriesInput(
        series_id=1,
        spec=spec,
        error="",
        x=x,
        numerator=list(y),
        denominator=list(n) if n is not None else [None] * len(y),
        annotations=[],
        inputs_hash="h",
        multiplier=1,
    )
    return charts_compute([inp])[0]


def traces(fig):
    return {t["name"]: t for t in fig["data"]}


STEADY = [10, 12, 11, 9, 10, 13, 11, 10, 12, 9, 11, 10, 12, 11, 10, 9, 11, 12]


def test_an_i_chart_has_limits_per_phase_a_moving_range_chart_and_hollow_exclusions():
    y = STEADY + [20, 21, 19, 22, 20, 21, 20, 22, 21, 19, 20, 21]
    result = stored("i", y, breaks=[18], exclude=[3], improvement="up", convention="mdc")
    fig = figure(result, title="Minutes")
    t = traces(fig)
    assert {"Value", "Mean", "Upper limit", "Lower limit", "Moving range"} <= set(t)
    # One gap in each limit line, where the second phase starts.
    assert t["Upper limit"]["y"].count(None) == 1
    assert t["Moving range"]["yaxis"] == "y2" and "yaxis2" in fig["layout"]
    assert t["Value"]["marker"]["symbol"][3] == "circle-open"
    assert t["Value"]["marker"]["symbol"][4] == "circle"
    assert len(fig["layout"]["shapes"]) == 1  # the phase line


def test_special_cause_points_take_the_colour_of_the_direction():
    y = STEADY + [25]
    up = traces(figure(stored("i", y, improvement="up"), title="t"))["Value"]
    down = traces(figure(stored("i", y, improvement="down"), title="t"))["Value"]
    assert up["marker"]["color"][-1] == BLUE
    assert down["marker"]["color"][-1] == ORANGE
    assert up["marker"]["color"][0] == GREY


def test_a_p_chart_scales_by_the_multiplier_and_draws_the_target_in_red():
    n = [200] * 20
    y = [20, 22, 18, 21, 19, 20, 23, 18, 20, 21, 19, 22, 20, 18, 21, 20, 60, 19, 21, 20]
    result = stored("p", y, n, target=0.08, improvement="down")
    fig = figure(result, title="Falls", unit="%", multiplier=100)
    t = traces(fig)
    assert t["Value"]["y"][0] == 10.0
    assert t["Target"]["y"] == [8.0, 8.0] and t["Target"]["line"]["color"] == RED
    assert t["Value"]["marker"]["color"][16] == ORANGE  # a signal, in the wrong direction
    assert "yaxis2" not in fig["layout"]


def test_a_run_chart_has_a_median_and_pdsa_and_annotation_markers_with_hover():
    result = stored("run", STEADY, convention="ihi")
    cycle = Marker(START + dt.timedelta(weeks=4), "Bedside huddle (tests Falls)")
    note = Marker(START + dt.timedelta(weeks=6), "New matron")
    fig = figure(result, title="Falls", cycles=[cycle], annotations=[note])
    t = traces(fig)
    assert "Median" in t and "Upper limit" not in t
    assert t["PDSA cycles"]["text"] == ["Bedside huddle (tests Falls)"]
    assert t["Annotations"]["text"] == ["New matron"]
    value = t["Value"]
    assert "Numerator" in value["hovertemplate"] and "Denominator" in value["hovertemplate"]
    assert value["customdata"][6][2] == "New matron"


def test_rows_and_words_match_the_figure():
    result = stored("i", STEADY, improvement="up", target=5)
    rows = point_rows(result, multiplier=1)
    assert [r["value"] for r in rows] == STEADY
    assert rows[0]["date"] == START
    w = words(result)
    assert w["chart"] == "I chart (XmR)" and "Making Data Count" in w["convention"]
    # the icon describes the latest point only, and says so
    assert w["variation"] == "Latest week: common cause" and w["assurance"]


def test_it_draws_the_baseline_centre_line_only_where_the_chart_does_not_show_it():
    name = "Baseline centre line (what the verdict compares with)"
    y = STEADY + [20, 21, 19, 22, 20, 21]
    # no phases: the drawn mean takes every point, the verdict's baseline the first twelve
    drawn = traces(figure(stored("i", y, improvement="up"), title="t"))
    assert drawn[name]["y"] == [round(sum(STEADY[:12]) / 12, 4)] * 2
    # limits frozen on the same twelve points: the drawn centre line already is the baseline's
    frozen = traces(figure(stored("i", y, freeze=12, improvement="up"), title="t"))
    assert name not in frozen
