"""Stored results as Plotly figure dicts (no database, no browser)."""

import datetime as dt
import json
import math

from measures import spc
from measures.data import SeriesInput
from measures.figures import (
    BLUE,
    GREY,
    ORANGE,
    RED,
    Marker,
    _round,
    _rounded,
    axis_title,
    figure,
    point_rows,
    words,
)
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


# Issue 17, charts: the axis named by the unit, never below zero for rates, unbroken limits.

WEEKLY_N = [200, 180, 240, 220, 150, 200, 210, 190, 200, 230, 170, 220, 200, 180, 210, 200]
WEEKLY_Y = [20, 22, 25, 21, 19, 20, 23, 18, 20, 21, 19, 22, 20, 18, 21, 20]


def test_it_names_the_value_axis_by_the_measures_unit():
    result = stored("u", [5, 7, 6, 4, 8, 6, 5, 7, 6, 5, 6, 7], [1400] * 12)
    fig = figure(result, title="Falls", unit="per 1,000 occupied bed days", multiplier=1000)
    title = fig["layout"]["yaxis"]["title"]["text"]
    # Wrapped onto two even lines, so a 320 px chart has room for it.
    assert title == "Per 1,000<br>occupied bed days"
    assert figure(result, title="Falls", unit="minutes")["layout"]["yaxis"]["title"]["text"] == (
        "Minutes"
    )


def test_it_spells_out_percent_and_names_a_unitless_axis_by_what_the_chart_counts():
    p = stored("p", WEEKLY_Y, WEEKLY_N)
    assert axis_title("%", "p") == "Percentage (%)"
    assert figure(p, title="t", unit="%", multiplier=100)["layout"]["yaxis"]["title"]["text"] == (
        "Percentage (%)"
    )
    assert axis_title("", "t") == "Days between events"
    assert axis_title("", "g") == "Cases between events"
    assert axis_title("", "c") == "Count"
    c = stored("c", [3, 1, 0, 2, 4, 1, 2, 0, 3, 2, 1, 2])
    assert figure(c, title="Falls at night")["layout"]["yaxis"]["title"]["text"] == "Count"


def test_a_rate_axis_never_runs_below_zero_even_with_pdsa_markers():
    # Few events: the lower limit is 0 and points sit on it.
    y = [0, 2, 1, 0, 3, 1, 0, 2, 1, 0, 1, 2, 0, 1, 3, 0]
    result = stored("u", y, [400] * len(y))
    cycle = Marker(START + dt.timedelta(weeks=5), "Bay tagging")
    note = Marker(START + dt.timedelta(weeks=8), "New matron")
    fig = figure(
        result,
        title="Falls",
        unit="per 1,000 bed days",
        multiplier=1000,
        cycles=[cycle],
        annotations=[note],
    )
    assert fig["layout"]["yaxis"]["rangemode"] == "nonnegative"
    on_value_axis = [
        v for t in fig["data"] if t.get("yaxis", "y") == "y" for v in t["y"] if v is not None
    ]
    assert min(on_value_axis) >= 0  # the cycle markers used to sit below the data, at -2
    t = traces(fig)
    assert min(t["PDSA cycles"]["y"]) > max(t["Upper limit"]["y"])
    assert t["Value"]["cliponaxis"] is False  # points on the zero floor show whole


def test_proportions_and_counts_never_go_below_zero_but_an_i_chart_may():
    for chart, n in (("p", WEEKLY_N), ("pp", WEEKLY_N), ("c", None), ("u", WEEKLY_N)):
        fig = figure(stored(chart, WEEKLY_Y, n), title="t")
        assert fig["layout"]["yaxis"]["rangemode"] == "nonnegative", chart
    i_chart = figure(stored("i", STEADY), title="Change in minutes")
    assert i_chart["layout"]["yaxis"]["rangemode"] == "normal"


def test_weekly_limits_that_step_are_drawn_unbroken_across_a_missing_week():
    y = [*WEEKLY_Y[:3], None, *WEEKLY_Y[4:]]
    n = [*WEEKLY_N[:3], None, *WEEKLY_N[4:]]
    result = stored("p", y, n)
    assert result.ucl[3] is None  # the week not reported
    t = traces(figure(result, title="Screened", unit="%", multiplier=100))
    for name in ("Upper limit", "Lower limit"):
        limit = t[name]
        assert None not in limit["y"], name  # one line, no gap
        assert len(limit["y"]) == len(y) - 1
        # Limits that move every week are a solid step line; dashes broke it into bits.
        assert limit["line"]["dash"] == "solid" and limit["line"]["shape"] == "hv"


def test_both_limits_take_one_style_when_only_the_upper_one_steps():
    y = [0, 2, 1, 0, 3, 1, 0, 2, 1, 0, 1, 2, 0, 1, 3, 0]
    n = [
        1400,
        1380,
        1500,
        1420,
        1350,
        1460,
        1440,
        1390,
        1410,
        1470,
        1430,
        1400,
        1380,
        1450,
        1420,
        1400,
    ]
    result = stored("u", y, n)
    assert set(result.lcl) == {0}  # the lower limit is held at zero
    t = traces(figure(result, title="Falls", multiplier=1000))
    assert t["Upper limit"]["line"]["dash"] == t["Lower limit"]["line"]["dash"] == "solid"


def test_limits_that_hold_one_level_per_phase_stay_dashed_with_a_gap_between_phases():
    y = STEADY + [20, 21, 19, 22, 20, 21, 20, 22, 21, 19, 20, 21]
    t = traces(figure(stored("i", y, breaks=[18]), title="Minutes"))
    assert t["Upper limit"]["line"]["dash"] == "dash"
    assert t["Upper limit"]["y"].count(None) == 1


def test_dates_and_the_axis_title_get_the_room_they_need():
    layout = figure(stored("i", STEADY), title="t")["layout"]
    assert layout["xaxis"]["automargin"] and layout["xaxis2"]["automargin"]
    assert layout["yaxis"]["automargin"]
    # The legend sits above the plot, clear of the dates under it.
    assert layout["legend"]["y"] >= 1 and layout["legend"]["yanchor"] == "bottom"


def test_rounding_a_line_reuses_a_held_value_but_keeps_signed_zero_and_type_apart():
    values = [None, 1.234567, 1.234567, 0.0, -0.0, -0.0, math.nan, math.inf, math.inf, 1, 1.0, 2]
    expected = [None, 1.2346, 1.2346, 0.0, -0.0, -0.0, None, None, None, 1, 1.0, 2]
    got = _rounded(values)
    # json.dumps tells -0.0 from 0.0 and 1 from 1.0, as the stored figure would
    assert json.dumps(got) == json.dumps(expected) == json.dumps([_round(v) for v in values])
