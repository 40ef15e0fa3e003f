"""How a funnel plot is shown: every point named, the own team's name never over another
point, "Your team" only to a viewer who has one, an x-axis that says what it measures, and,
outside the collaborative, only published figures (a withheld team listed, never drawn)."""

import datetime as dt
import math

import pytest

from collaboratives.models import Organisation, Team
from dashboards.aggregate import LABEL_AREA, funnel_for, funnel_x_title, short_label
from governance import disclosure
from measures.labels import place_labels
from measures.models import CollaborativeMeasure, DataPoint, Measure, Series
from tests.cast import START, build_cast

MONTHS = [dt.date(2024, m, 1) for m in range(1, 13)]


# --- Where the names go (pure) ----------------------------------------------------------------


def _box(point, size, spot):
    cx, cy = point[0] + spot.dx, point[1] + spot.dy
    return (cx - size[0] / 2, cy - size[1] / 2, cx + size[0] / 2, cy + size[1] / 2)


def test_it_places_no_name_over_another_point_nor_over_another_name():
    # a tight cluster in the middle of a 200 x 100 plot, and two points far away
    points = [(100, 50), (104, 50), (100, 53), (96, 48), (102, 46), (20, 20), (180, 80)]
    sizes = [(40, 10)] * len(points)
    placed = place_labels(points, sizes, bounds=(0, 0, 200, 100), clearance=3, gap=4)
    boxes = {}
    for i, spot in enumerate(placed):
        if spot is None:
            continue
        box = _box(points[i], sizes[i], spot)
        assert box[0] >= 0 and box[2] <= 200 and box[1] >= 0 and box[3] <= 100
        for j, (x, y) in enumerate(points):
            if j != i:  # 3 units of clearance around every other point
                assert not (box[0] - 3 <= x <= box[2] + 3 and box[1] - 3 <= y <= box[3] + 3)
        for other in boxes.values():
            assert not (box[0] < other[2] and other[0] < box[2] and box[1] < other[3]
                        and other[1] < box[3])  # fmt: skip
        boxes[i] = box
    # the lonely points are named right beside them, with no leader line
    assert placed[5] is not None and not placed[5].leader
    assert placed[6] is not None and not placed[6].leader
    assert placed[6].dx < 0  # no room on the right, within the plot: on the left


def test_the_first_in_order_gets_a_place_and_a_name_with_no_room_is_left_off():
    # a 60 x 30 plot: the middle point's name fits only once
    points = [(30, 15), (8, 15), (52, 15)]
    sizes = [(18, 8), (18, 8), (18, 8)]
    placed = place_labels(
        points, sizes, bounds=(0, 0, 60, 30), clearance=1, gap=2, order=[0, 1, 2], reach=(1.0,)
    )
    assert placed[0] is not None
    # every place left for the others' names would cover a point or the first name
    boxes = [_box(p, s, spot) for p, s, spot in zip(points, sizes, placed, strict=True) if spot]
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            x = boxes[a]
            y = boxes[b]
            assert not (x[0] < y[2] and y[0] < x[2] and x[1] < y[3] and y[1] < x[3])


def test_a_long_name_is_cut_at_a_word_on_the_plot():
    name = "Quenthorpe University Hospitals NHS Foundation Trust – Magnolia Ward"
    assert short_label(name) == "Quenthorpe University…"
    assert short_label("Team C") == "Team C"


def test_each_label_may_have_its_own_reach():
    # the middle point's near places are taken: only a label allowed further out is placed
    angles = [k * math.pi / 6 for k in range(12)]
    ring = [(50 + 6 * math.cos(a), 50 + 6 * math.sin(a)) for a in angles]
    points = [(50, 50), *ring]
    sizes = [(20, 6)] + [None] * len(ring)
    near = place_labels(points, sizes, bounds=(0, 0, 100, 100), clearance=2, gap=3,
                        reaches=[(1.0,)] + [None] * len(ring))  # fmt: skip
    assert near[0] is None
    far = place_labels(points, sizes, bounds=(0, 0, 100, 100), clearance=2, gap=3,
                       reaches=[None] * len(points))  # fmt: skip
    assert far[0] is not None


def test_a_name_pushed_out_gets_a_leader_line():
    # the near places around the first point are all taken by its neighbours
    angles = [k * math.pi / 6 for k in range(12)]
    ring = [(50 + 6 * math.cos(a), 50 + 6 * math.sin(a)) for a in angles]
    points = [(50, 50), *ring]
    sizes = [(20, 6)] + [None] * len(ring)
    placed = place_labels(points, sizes, bounds=(0, 0, 100, 100), clearance=2, gap=3)
    assert placed[0] is not None and placed[0].leader
    assert all(p is None for p in placed[1:])  # points without a name are left alone


# --- The x-axis -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("definition", "start", "end", "title"),
    [
        ("Term live births in the month.", dt.date(2025, 12, 1), dt.date(2026, 11, 1),
         "Term live births over the 12 months to Nov 2026"),
        ("Occupied bed days (residents at midnight, summed over the month).",
         dt.date(2026, 9, 1), dt.date(2026, 11, 1),
         "Occupied bed days over the 3 months to Nov 2026"),
        ("Patients aged 65+ audited that week.", dt.date(2026, 11, 1), dt.date(2026, 11, 1),
         "Patients aged 65+ audited in Nov 2026"),
        ("Resident-days on a fluid chart.", None, dt.date(2026, 11, 1),
         "Resident-days on a fluid chart over every period reported to Nov 2026"),
        ("", dt.date(2026, 1, 1), dt.date(2026, 6, 1), "Denominator over the 6 months to Jun 2026"),
        ("Occupied bed days in the period (midnight census).", dt.date(2026, 1, 1),
         dt.date(2026, 6, 1), "Occupied bed days over the 6 months to Jun 2026"),
    ],
)  # fmt: skip
def test_the_x_axis_says_what_it_counts_and_over_which_months(definition, start, end, title):
    measure = Measure(denominator_definition=definition)
    assert funnel_x_title(measure, start, end) == title


# --- The funnel of a collaborative's teams ----------------------------------------------------


def _points(series, rows):
    DataPoint.objects.bulk_create(
        DataPoint(series=series, period_start=p, numerator=n, denominator=d) for p, n, d in rows
    )


def _teams(cast, n, prefix="Ward"):
    out = []
    for i in range(n):
        org = Organisation.objects.create(
            ods_code=f"RQ{prefix[:1]}{i}", name=f"{prefix} {i} Trust", kind="acute", ahsn=cast.east
        )
        out.append(Team.objects.create(collaborative=cast.falls, organisation=org, joined_on=START))
    return out


@pytest.fixture
def crowd(db):
    """Ten teams with nearly the same falls rate and bed days: their points crowd together,
    alpha (the viewer's own team) in the middle of them."""
    cast = build_cast()
    cast.cm = CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=cast.falls_rate)
    teams = [cast.alpha, cast.beta, *_teams(cast, 8)]
    for i, team in enumerate(teams):
        series = (
            cast.alpha_series
            if team == cast.alpha
            else cast.beta_series
            if team == cast.beta
            else Series.objects.create(team=team, measure=cast.falls_rate)
        )
        _points(series, [(m, 10 + (i % 3), 2000 + 15 * i) for m in MONTHS])
    cast.teams = teams
    return cast


def _pixels(figure, x, y):
    layout = figure["layout"]
    xr, yr = layout["xaxis"]["range"], layout["yaxis"]["range"]
    if layout["xaxis"]["type"] == "log":
        x = math.log10(x)
    width, height = LABEL_AREA
    return ((x - xr[0]) / (xr[1] - xr[0]) * width, (y - yr[0]) / (yr[1] - yr[0]) * height)


def test_every_team_on_the_funnel_is_named_beside_its_point(crowd):
    f = funnel_for(crowd.cm, start=MONTHS[0], end=MONTHS[11], highlight=crowd.alpha.pk)
    notes = f.figure["layout"]["annotations"]
    names = [a["text"] for a in notes]
    assert short_label(f.own.label) in names
    # with ten points in one crowd, most names still fit; those that do not are in the table
    assert len(names) >= 5
    assert set(names) <= {short_label(u.label) for u in f.units}


def test_the_own_teams_name_is_never_printed_over_another_teams_point(crowd):
    f = funnel_for(crowd.cm, start=MONTHS[0], end=MONTHS[11], highlight=crowd.alpha.pk)
    own = f.own
    note = next(a for a in f.figure["layout"]["annotations"] if a["font"].get("weight") == "bold")
    assert note["text"] == short_label(own.label)
    ox, oy = _pixels(f.figure, own.denominator, own.rate)
    # the label's centre: shifted (beside) or at the end of its leader line (Plotly's ay
    # counts downwards)
    cx = ox + (note["ax"] if note["showarrow"] else note["xshift"])
    cy = oy + (-note["ay"] if note["showarrow"] else note["yshift"])
    w = len(short_label(own.label)) * note["font"]["size"] * 0.6 + 6
    h = note["font"]["size"] + 4
    for u in f.units:
        if u.own:
            continue
        x, y = _pixels(f.figure, u.denominator, u.rate)
        inside = cx - w / 2 <= x <= cx + w / 2 and cy - h / 2 <= y <= cy + h / 2
        assert not inside, u.label


def test_the_legend_says_your_team_only_to_a_viewer_with_a_team_on_the_plot(crowd):
    mine = funnel_for(crowd.cm, start=MONTHS[0], end=MONTHS[11], highlight=crowd.alpha.pk)
    assert "Your team" in [t["name"] for t in mine.figure["data"]]
    national = funnel_for(crowd.cm, start=MONTHS[0], end=MONTHS[11])
    assert "Your team" not in [t["name"] for t in national.figure["data"]]
    assert national.own is None
    notes = national.figure["layout"]["annotations"]
    assert not any(a["font"].get("weight") == "bold" for a in notes)


def test_the_funnels_x_axis_names_the_denominator_and_the_window(crowd):
    f = funnel_for(crowd.cm, start=MONTHS[0], end=MONTHS[11])
    assert f.figure["layout"]["xaxis"]["title"]["text"] == (
        "Occupied bed days over the 12 months to Dec 2024"
    )


@pytest.fixture
def audited(db):
    """A measure that counts people (patients audited), P chart: alpha 42 of 103, beta 5 of
    60 (a numerator to withhold), a third team 3 of 6 (both withheld), a fourth 60 of 88."""
    cast = build_cast()
    measure = Measure.objects.create(
        topic=cast.falls_rate.topic,
        name="Falls risk assessment done",
        kind=Measure.Kind.PROCESS,
        operational_definition="Patients over 65 with a falls risk assessment.",
        numerator_definition="Assessed",
        denominator_definition="Patients aged 65+ audited in the month.",
        unit="%",
        multiplier=100,
        frequency=Measure.Frequency.MONTHLY,
        direction=Measure.Direction.UP,
        chart_type=Measure.ChartType.P,
        counts_people=True,
    )
    cast.cm = CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=measure)
    third, fourth = _teams(cast, 2, prefix="Audit")
    cast.third, cast.fourth = third, fourth
    for team, (n, d) in {cast.alpha: (42, 103), cast.beta: (5, 60), third: (3, 6),
                         fourth: (60, 88)}.items():  # fmt: skip
        _points(Series.objects.create(team=team, measure=measure), [(MONTHS[0], n, d)])
    return cast


def published(cast):
    return disclosure.publisher(disclosure.OUTSIDE, cast.cm.measure)


def test_a_funnel_shown_outside_the_collaborative_uses_only_published_figures(audited):
    f = funnel_for(audited.cm, start=MONTHS[0], end=MONTHS[0], publish=published(audited))
    by_team = {u.team: u for u in f.units}
    alpha, fourth = by_team[audited.alpha], by_team[audited.fourth]
    # rounded to the nearest 5; the rate worked out from the rounded figures
    assert (alpha.numerator, alpha.denominator) == (40, 105)
    assert alpha.rate == pytest.approx(100 * 40 / 105)
    assert (fourth.numerator, fourth.denominator) == (60, 90)
    # the limits come from the published figures of the teams drawn, and nothing else
    assert f.result.target == pytest.approx(100 * (40 + 60) / (105 + 90))


def test_a_team_with_withheld_figures_is_listed_but_never_drawn(audited):
    f = funnel_for(audited.cm, start=MONTHS[0], end=MONTHS[0], publish=published(audited))
    withheld = [u for u in f.units if u.suppressed]
    assert {u.team for u in withheld} == {audited.beta, audited.third}
    for u in withheld:
        assert u.numerator is None and u.denominator is None and u.rate is None
        assert u.unit is None and u.outside == ""
    drawn = [x for t in f.figure["data"] if t["mode"] == "markers" for x in t["text"]]
    assert sorted(drawn) == sorted(u.label for u in f.plotted)
    assert not {u.label for u in withheld} & set(drawn)
    noted = {a["text"] for a in f.figure["layout"]["annotations"]}
    assert not {u.label for u in withheld} & noted
    assert len(f.result.units) == 2  # the statistics never saw them


def test_inside_the_collaborative_the_funnel_keeps_the_raw_figures(audited):
    f = funnel_for(audited.cm, start=MONTHS[0], end=MONTHS[0])
    alpha = next(u for u in f.units if u.team == audited.alpha)
    assert (alpha.numerator, alpha.denominator) == (42, 103)
    assert not any(u.suppressed for u in f.units)


def test_a_measure_that_counts_no_one_is_not_rounded_even_outside(audited):
    audited.cm.measure.counts_people = False
    audited.cm.measure.save()
    f = funnel_for(audited.cm, start=MONTHS[0], end=MONTHS[0], publish=published(audited))
    beta = next(u for u in f.units if u.team == audited.beta)
    assert (beta.numerator, beta.denominator, beta.suppressed) == (5, 60, False)


def test_the_contract_reviews_funnel_lists_a_withheld_team_as_a_star_and_does_not_plot_it(
    audited,
):
    from reports.charts import funnel_plot
    from reports.content import measure_section

    labels = {t.pk: t.name_for_peers() for t in audited.falls.teams.all()}
    m = measure_section(audited.cm, MONTHS[0], MONTHS[0], labels, {})
    units = {u["label"]: u for u in m["funnel"]["units"]}
    beta = units[audited.beta.name_for_peers()]
    assert (beta["numerator"], beta["denominator"], beta["x"]) == ("*", "*", None)
    assert units[audited.alpha.name_for_peers()]["numerator"] == "40"
    assert set(m["funnel"]["withheld"]) == {
        audited.beta.name_for_peers(),
        audited.third.name_for_peers(),
    }
    assert m["funnel"]["x_title"] == "Patients aged 65+ audited in Jan 2024"
    plot = funnel_plot(m)
    texts = [op[3] for op in plot.ops if op[0] == "text"]
    dots = [op for op in plot.ops if op[0] == "dot"]
    assert len(dots) == 2 + 2  # two teams, and the legend's two keys for teams
    assert beta["label"] not in texts
    assert units[audited.alpha.name_for_peers()]["label"] in texts


def test_it_bolds_the_own_teams_label_without_plotlys_markup(crowd):
    # Plotly draws <b> as a style attribute, which the content security policy refuses
    f = funnel_for(crowd.cm, start=MONTHS[0], end=MONTHS[11], highlight=crowd.alpha.pk)
    notes = f.figure["layout"]["annotations"]
    assert not any("<" in a["text"] for a in notes)
    (own,) = [a for a in notes if a["font"].get("weight") == "bold"]
    assert own["text"] == short_label(f.own.label)
