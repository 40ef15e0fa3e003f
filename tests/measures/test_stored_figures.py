"""The figure stored with each chart result, and the figure each viewer is served from it.

The recompute stores what every viewer's figure shares (`figures.stored_figure`); the pages
serve it through `figures.served`, which adds the hover's counts as the disclosure layer
allows (`governance.disclosure.ChartView`), the notes, the markers and the titles. Served,
it is the figure `figures.figure` builds on the fly, for every viewer; stored, it holds no
count of people and no text anyone typed.
"""

import copy
import datetime as dt
import json
import re

import pytest

from governance import disclosure
from measures import figures
from measures.figures import FIGURE_VERSION, Marker
from measures.models import Annotation, ChartResult, Measure, Series
from measures.periods import period_starts
from measures.recompute import charts_recompute
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast
from tests.measures.test_figures import STEADY, stored

TODAY = dt.date(2025, 1, 1)
MONTHS = list(period_starts("monthly", dt.date(2023, 1, 1), dt.date(2024, 12, 1)))
# Counts unlike any number a figure's layout holds (font sizes, margins, marker sizes):
# finding one in a stored figure can only mean a count got in. January's 3 is suppressed
# beyond the collaborative.
FALLS = [3] + [61 + (i * 7) % 37 for i in range(1, len(MONTHS))]
BED_DAYS = [4001 + (i * 53) % 400 for i in range(len(MONTHS))]
DIGITS = re.compile(r"\d[\d,]*")
NOTE = "Ward 7 closed <b>for</b> refit"
CYCLE = Marker(dt.date(2024, 3, 1), "Cycle 1: intentional rounding")


def _falls(*, follow_rules: bool):
    """Alpha's falls per 1,000 bed days, computed and stored by the recompute, with a note."""
    c = build_cast()
    Measure.objects.filter(pk=c.falls_rate.pk).update(counts_patient_events=follow_rules)
    series = Series.objects.select_related("measure", "team__collaborative").get(
        pk=c.alpha_series.pk
    )
    Annotation.objects.create(series=series, date=MONTHS[5], text=NOTE)
    changes = [
        PointChange(m, str(n), str(d)) for m, n, d in zip(MONTHS, FALLS, BED_DAYS, strict=True)
    ]
    datapoints_write(series=series, changes=changes, by=None, source="admin", today=TODAY)
    assert charts_recompute(series_ids=[series.pk], worker="test", today=TODAY) == 1
    return series, ChartResult.objects.get(series=series)


def _leaves(node):
    """Every key, string and number in a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _leaves(value)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value)
    else:
        yield node


def _shown(series, result, view, **options):
    return figures.served(
        result,
        view,
        title=series.measure.name,
        unit=series.measure.unit,
        multiplier=series.measure.multiplier,
        **options,
    )


def _built(series, result, **options):
    return figures.figure(
        result,
        title=series.measure.name,
        unit=series.measure.unit,
        multiplier=series.measure.multiplier,
        **options,
    )


NOTES = [Marker(MONTHS[5], NOTE)]


@pytest.mark.django_db
def test_the_recompute_stores_a_figure_with_no_count_of_people_and_no_typed_text():
    series, result = _falls(follow_rules=True)
    stored_ = result.figure
    assert stored_["version"] == FIGURE_VERSION and stored_["multiplier"] == 1000
    leaves = list(_leaves(stored_))
    counts = {n for n in FALLS + BED_DAYS if n > 60}  # January's 3 is in every date
    assert not [v for v in leaves if isinstance(v, int | float) and v in counts]
    written = [
        int(n.replace(",", "")) for v in leaves if isinstance(v, str) for n in DIGITS.findall(v)
    ]
    assert not counts & set(written)
    assert "customdata" not in leaves and "text" not in leaves  # no hover data, no markers
    assert not [v for v in leaves if isinstance(v, str) and ("Ward 7" in v or "Cycle 1" in v)]
    assert series.measure.name not in json.dumps(stored_)  # the title is the viewer's
    # ... while the same walk finds the counts in the figure served inside the collaborative
    served = _shown(series, result, disclosure.RAW, annotations=NOTES)
    assert str(FALLS[1]) in list(_leaves(served))


@pytest.mark.django_db
@pytest.mark.parametrize("follow_rules", [True, False])
def test_inside_the_collaborative_the_served_figure_is_the_one_built_today(follow_rules):
    series, result = _falls(follow_rules=follow_rules)
    view = disclosure.chart_view_for(disclosure.INSIDE, series.measure)
    options = {"annotations": NOTES, "cycles": [CYCLE]}
    served = _shown(series, result, view, **options)
    assert json.dumps(served) == json.dumps(_built(series, result, **options))
    assert served["data"][0]["customdata"][0][:2] == [str(FALLS[0]), f"{BED_DAYS[0]:,}"]


@pytest.mark.django_db
def test_outside_a_measure_that_follows_the_rules_is_served_its_published_chart():
    series, raw = _falls(follow_rules=True)
    view = disclosure.chart_view_for(disclosure.OUTSIDE, series.measure)
    assert view.published
    published = disclosure.published_charts([series])[series.pk]
    served = _shown(series, published, view, annotations=NOTES)
    assert json.dumps(served) == json.dumps(_built(series, published, annotations=NOTES))
    hover = served["data"][0]["customdata"]
    # January's 3 falls are left off; February's 68 and March's 75 go to the nearest 5
    assert published.x[:2] == [MONTHS[1].isoformat(), MONTHS[2].isoformat()]
    assert FALLS[1:3] == [68, 75] and [row[0] for row in hover[:2]] == ["70", "75"]
    # The raw stored chart is never served to this viewer, stored figure or not.
    with pytest.raises(ValueError, match="raw figures"):
        _shown(series, raw, view)


@pytest.mark.django_db
def test_outside_a_measure_that_counts_no_one_is_served_the_raw_chart():
    series, result = _falls(follow_rules=False)
    view = disclosure.chart_view_for(disclosure.OUTSIDE, series.measure)
    assert not view.published
    served = _shown(series, result, view, annotations=NOTES)
    assert served == _built(series, result, annotations=NOTES)


@pytest.mark.django_db
def test_it_serves_the_stored_figure_rather_than_building_one():
    series, result = _falls(follow_rules=False)
    result.figure["data"][0]["line"]["color"] = "#000000"
    served = _shown(series, result, disclosure.RAW)
    assert served["data"][0]["line"]["color"] == "#000000"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "spoil",
    [
        lambda f: None,  # computed before figures were stored
        lambda f: {**f, "version": FIGURE_VERSION - 1, "data": []},  # an older format
        lambda f: {**f, "multiplier": 100, "data": []},  # the measure's multiplier changed
        lambda f: "not a figure",
    ],
)
def test_a_missing_or_outdated_stored_figure_is_built_on_the_fly(spoil):
    series, result = _falls(follow_rules=False)
    expected = _built(series, result, annotations=NOTES)
    result.figure = spoil(result.figure)
    assert _shown(series, result, disclosure.RAW, annotations=NOTES) == expected


@pytest.mark.django_db
def test_serving_leaves_the_stored_figure_as_it_was():
    """The small multiples and the team page change the served layout in place."""
    series, result = _falls(follow_rules=False)
    before = copy.deepcopy(result.figure)
    served = _shown(series, result, disclosure.RAW, annotations=NOTES, cycles=[CYCLE])
    served["layout"]["xaxis"]["nticks"] = 4
    served["layout"]["yaxis"]["range"] = [0, 1]
    served["layout"]["showlegend"] = False
    served["data"].append({})
    served["data"][0]["customdata"].clear()
    assert result.figure == before


@pytest.mark.parametrize(
    "chart, options",
    [
        ("run", {"convention": "ihi"}),
        ("i", {"breaks": [18], "exclude": [3], "improvement": "up", "convention": "mdc"}),
        ("p", {"n": [100 + i for i in range(len(STEADY))], "target": 0.15}),
        ("u", {"n": [100 + 7 * i for i in range(len(STEADY))], "breaks": [9]}),
        ("c", {"target": 15}),
        ("g", {}),
        ("t", {}),
    ],
)
@pytest.mark.parametrize("multiplier", [1, 1000])
def test_every_chart_type_stored_as_json_then_served_is_the_figure_built_today(
    chart, options, multiplier
):
    result = stored(chart, STEADY, **options)
    result.in_progress = [{"x": "2024-05-06", "y": 0.2, "numerator": 2, "denominator": 10}]
    result.verdict_centre, result.verdict_baseline = 0.5, 6
    built = figures.figure(
        result,
        title="Falls",
        unit="per 1,000 bed days",
        multiplier=multiplier,
        annotations=[Marker(dt.date(2024, 2, 5), "a"), Marker(dt.date(2024, 2, 5), "b & c")],
        cycles=[Marker(dt.date(2024, 3, 4), "Cycle 1"), Marker(dt.date(2020, 1, 1), "before")],
    )
    result.figure = json.loads(json.dumps(figures.stored_figure(result, multiplier=multiplier)))
    served = figures.served(
        result,
        disclosure.RAW,
        title="Falls",
        unit="per 1,000 bed days",
        multiplier=multiplier,
        annotations=[Marker(dt.date(2024, 2, 5), "a"), Marker(dt.date(2024, 2, 5), "b & c")],
        cycles=[Marker(dt.date(2024, 3, 4), "Cycle 1"), Marker(dt.date(2020, 1, 1), "before")],
    )
    assert json.dumps(served) == json.dumps(built)
