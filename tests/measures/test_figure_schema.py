"""Every Plotly figure Collab builds is valid against plotly's own schema.

The figures are plain dicts (measures/figures.py, dashboards/aggregate.py), built in well
under a millisecond; plotly's Python figure objects check every property against the
schema of plotly.js, but cost about 10 ms a figure (bench/deps_bench.py), too slow for a
page of small multiples or the national data. So the schema is checked here, in the tests
(plotly is a dev dependency): a misspelt property, a wrong value type or an option the
drawn version does not have fails here, where in the browser plotly.js would ignore it.
"""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from plotly.graph_objects import Figure

from governance import disclosure
from measures.figures import Marker, figure, served, stored_figure
from tests.cast import client_for
from tests.dashboards.dashboard_cast import TODAY, add_teams, build_dashboard_cast
from tests.measures.test_figures import STEADY, stored

SHIFTED = STEADY + [20, 21, 19, 22, 20, 21, 20, 22, 21, 19, 20, 21]
DENOMINATORS = [100 + 7 * (i % 5) for i in range(len(SHIFTED))]
LONG_UNIT = "falls with harm per 1,000 occupied bed days on the ward <b>"


def valid(fig: dict) -> Figure:
    """plotly's figure object, which raises ValueError on anything its schema does not know."""
    return Figure(fig)


@pytest.mark.parametrize(
    "chart, options",
    [
        ("run", {"convention": "ihi"}),
        ("i", {"breaks": [18], "exclude": [3], "improvement": "up", "convention": "mdc"}),
        ("p", {"n": DENOMINATORS, "improvement": "up", "target": 0.15}),
        ("pp", {"n": DENOMINATORS, "improvement": "down"}),
        ("u", {"n": DENOMINATORS, "breaks": [18], "improvement": "down"}),
        ("up", {"n": DENOMINATORS}),
        ("c", {"target": 15}),
        ("g", {}),
        ("t", {}),
    ],
)
def test_every_chart_type_with_every_mark_is_a_valid_figure(chart, options):
    result = stored(chart, SHIFTED, **options)
    fig = figure(
        result,
        title="Falls",
        unit=LONG_UNIT,
        annotations=[Marker(dt.date(2024, 2, 5), "New <i>policy</i> & audit")],
        cycles=[Marker(dt.date(2024, 3, 4), "Cycle 1: intentional rounding")],
    )
    checked = valid(fig)
    assert len(checked.data) == len(fig["data"])  # nothing dropped on the way


@pytest.mark.parametrize(
    "chart, options",
    [("i", {"breaks": [18], "exclude": [3]}), ("u", {"n": DENOMINATORS, "target": 0.2})],
)
def test_a_figure_served_from_its_stored_json_is_valid(chart, options):
    result = stored(chart, SHIFTED, **options)
    result.figure = json.loads(json.dumps(stored_figure(result, multiplier=1000)))
    fig = served(
        result,
        disclosure.RAW,
        title="Falls",
        unit=LONG_UNIT,
        multiplier=1000,
        annotations=[Marker(dt.date(2024, 2, 5), "New <i>policy</i> & audit")],
        cycles=[Marker(dt.date(2024, 3, 4), "Cycle 1: intentional rounding")],
    )
    assert len(valid(fig).data) == len(fig["data"])


def test_the_in_progress_points_and_the_baseline_reference_line_are_valid():
    result = stored("i", SHIFTED, improvement="up")
    result.in_progress = [{"x": "2024-08-05", "y": 12.0, "numerator": 12, "denominator": None}]
    result.verdict_centre, result.verdict_baseline = 10.5, 12
    fig = figure(result, title="Minutes")
    names = {t["name"] for t in fig["data"]}
    assert "In progress" in names
    assert any(n.startswith("Baseline centre line") for n in names)
    valid(fig)


FIGURE_SCRIPT = re.compile(
    r'<script id="(?P<id>[^"]+)" type="application/json">(?P<json>.*?)</script>', re.S
)


def page_figures(client, path) -> dict[str, dict]:
    html = client.get(path, headers={"HX-Request": "true"}).content.decode()
    found = {}
    for m in FIGURE_SCRIPT.finditer(html):
        value = json.loads(m["json"])
        if isinstance(value, dict) and "data" in value and "layout" in value:
            found[m["id"]] = value
    return found


@pytest.mark.django_db
def test_the_figures_of_the_pages_as_sent_are_valid(monkeypatch):
    """As the views send them, after their own changes to the layout (small multiples'
    shared range, the funnel's names and leader lines, the aggregate chart)."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    cast = build_dashboard_cast()
    add_teams(cast, 12)  # enough names on the funnel for some to need a leader line
    client = client_for(cast.users["lead"])
    falls = cast.falls.pk
    figures = {}
    for name in (
        "dashboard_collaborative_funnel",
        "dashboard_collaborative_aggregate",
        "dashboard_collaborative_multiples",
    ):
        for window in ("12", "all"):
            figures |= page_figures(client, reverse(name, args=[falls]) + f"?window={window}")
    alpha = cast.alpha_series
    figures |= page_figures(client, reverse("measures:series_chart", args=[alpha.pk]))
    figures |= page_figures(client, reverse("dashboard_team_panel", args=[alpha.team_id, alpha.pk]))
    kinds = {re.sub(r"[-_]?\d+$", "", key) for key in figures}
    # funnel, aggregate, small multiples, the chart page and the team dashboard's panel
    assert len(kinds) >= 5, kinds
    assert any(a.get("showarrow") for f in figures.values()
               for a in f["layout"].get("annotations", [])), "no leader line drawn"  # fmt: skip
    for key, fig in figures.items():
        try:
            valid(fig)
        except ValueError as e:
            pytest.fail(f"{key}: {e}")
