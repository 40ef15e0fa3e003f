"""Every chart's table alternative comes from one include (templates/_table_alternative.html,
through {% tablealternative %}), and the ramps and the assessment chart from theirs: each
page that draws one renders it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from collaboratives.models import TeamAssessment
from reports.build import review_request
from tests.cast import client_for
from tests.dashboards.dashboard_cast import TODAY, build_dashboard_cast

pytestmark = pytest.mark.django_db

TABLE = "_table_alternative.html"
HTMX = {"HX-Request": "true"}
DC = "dashboard_collaborative_"


@pytest.fixture
def cast(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    cast = build_dashboard_cast()
    for month, (own, faculty) in zip(
        (dt.date(2025, 10, 1), dt.date(2025, 11, 1)), (("2.0", "2.5"), ("3.0", None)), strict=True
    ):
        TeamAssessment.objects.create(
            team=cast.alpha, month=month, self_rating=own, faculty_rating=faculty
        )
    return cast


def rendered(cast, who, name, *args, htmx=False) -> tuple[list[str], str]:
    response = client_for(cast.users[who]).get(
        reverse(name, args=args), headers=HTMX if htmx else {}
    )
    assert response.status_code == 200, name
    return [t.name for t in response.templates], response.content.decode()


@pytest.mark.parametrize(
    ("who", "name", "pk", "htmx", "part", "times"),
    [
        ("lead", "measures:series_chart", "alpha_series", False, "measures/_chart.html", 1),
        ("lead", "dashboard_team_panel", "alpha+alpha_series", True, "_panel_chart", 1),
        ("manager", DC + "aggregate", "falls", True, "_collaborative_aggregate", 1),
        ("manager", DC + "multiples", "falls", True, "_collaborative_multiples", 2),
        ("manager", DC + "funnel", "falls", True, "_funnel", 1),
        ("lead", "dashboard_team", "alpha", False, "collaboratives/_assessment_chart.html", 1),
        ("lead", "team_assessments", "alpha", False, "collaboratives/_assessment_chart.html", 1),
        ("faculty", "collaborative_assessments", "falls", False, None, 1),
    ],
)  # fmt: skip
def test_each_chart_renders_its_table_through_the_one_include(
    cast, who, name, pk, htmx, part, times
):
    args = [getattr(cast, attr).pk for attr in pk.split("+")]
    templates, html = rendered(cast, who, name, *args, htmx=htmx)
    assert templates.count(TABLE) == times
    if part:  # a dashboards partial by its short name, or a template by its path
        assert (part if "/" in part else f"dashboards/{part}.html") in templates
    assert html.count('role="region"') >= times
    assert html.count('tabindex="0"') >= times


@pytest.mark.parametrize(("name", "pk"), [("team", "alpha"), ("dashboard_team", "alpha")])
def test_the_team_page_and_dashboard_draw_the_ramps_through_one_include(cast, name, pk):
    templates, html = rendered(cast, "lead", name, getattr(cast, pk).pk)
    assert "collaboratives/_ramps.html" in templates
    assert cast.alpha_cycle.title in html and 'class="collab-ramp"' in html


def test_the_report_draws_each_charts_table_through_the_one_include(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review = review_request(
            ahsn=cast.east,
            start=dt.date(2025, 1, 1),
            end=dt.date(2025, 12, 31),
            user=cast.users["director"],
        )
    review.refresh_from_db()
    measures = [m for c in review.document["collaboratives"] for m in c["measures"]]
    tables = sum(bool(m["chart"]) for m in measures) + sum(bool(m["funnel"]) for m in measures)
    assert tables
    assert review.html.count('<div class="collab-report-scroll" role="region"') == tables
    summaries = 'figures as a table<span class="nhsuk-u-visually-hidden"> of '
    assert review.html.count(summaries) == tables
