"""The "My team" dashboard and its lazily loaded chart panels, by role."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from collaboratives.models import Collaborative, LearningEvent, PDSACycle, TeamAssessment
from dashboards.models import SustainAlert
from tests.cast import client_for
from tests.dashboards.dashboard_cast import MONTHS, TODAY, build_dashboard_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return build_dashboard_cast()


def url(team, **query):
    base = reverse("dashboard_team", args=[team.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize(
    "who", ["lead", "member", "manager", "falls_manager", "faculty", "director", "national"]
)
def test_the_team_and_those_who_run_or_oversee_it_see_its_dashboard(cast, who):
    response = client_for(cast.users[who]).get(url(cast.alpha))
    assert response.status_code == 200
    assert response.context["team"] == cast.alpha


@pytest.mark.parametrize("who", ["beta_lead", "outsider"])
def test_peers_and_outsiders_get_404(cast, who):
    assert client_for(cast.users[who]).get(url(cast.alpha)).status_code == 404


def test_signals_of_concern_come_first_then_missing_data_then_no_data(cast):
    response = client_for(cast.users["lead"]).get(url(cast.alpha))
    panels = response.context["panels"]
    assert [p.series for p in panels] == [
        cast.alpha_series,  # a signal of concern
        cast.alpha_share,  # four months missing
        cast.alpha_custom_series,  # no data at all
    ]
    assert panels[0].flag == "Signal of concern"
    assert panels[1].flag == "4 periods of data missing"
    assert panels[1].owed == MONTHS[-4:]
    assert panels[2].flag == "No data yet"
    html = response.content.decode()
    # each panel has its icons and reading, and loads its chart when revealed
    assert f'aria-labelledby="variation-{cast.alpha_series.pk}"' in html
    assert "Latest month: special cause, concern (high)" in html  # the icon reads one point
    panel_url = reverse("dashboard_team_panel", args=[cast.alpha.pk, cast.alpha_series.pk])
    assert f'hx-get="{panel_url}" hx-trigger="revealed"' in html
    assert f'<a href="{panel_url}">' in html  # and a link without JavaScript
    assert response.context["attention_count"] == 3


def test_the_filter_shows_only_what_needs_attention_through_htmx(cast):
    cast.alpha_custom_series.delete()
    response = client_for(cast.users["lead"]).get(
        url(cast.alpha, show="attention"), headers={"HX-Request": "true", "HX-Target": "panels"}
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="panels"' in html
    assert [p.series for p in response.context["panels"]] == [cast.alpha_series, cast.alpha_share]
    # the same URL without htmx is the whole page, with the filter set
    page = client_for(cast.users["lead"]).get(url(cast.alpha, show="attention")).content.decode()
    assert "<html" in page and 'value="attention" checked' in page


def test_what_is_due_lists_data_overdue_cycles_and_the_next_learning_session(cast):
    PDSACycle.objects.filter(pk=cast.alpha_cycle.pk).update(
        planned_start=TODAY - dt.timedelta(days=30), planned_end=TODAY - dt.timedelta(days=3)
    )
    LearningEvent.objects.create(
        collaborative=cast.falls,
        kind=LearningEvent.Kind.LEARNING_SESSION,
        title="Learning session 3",
        starts_on=TODAY + dt.timedelta(days=9),
        ends_on=TODAY + dt.timedelta(days=9),
    )
    LearningEvent.objects.create(
        collaborative=cast.falls,
        kind=LearningEvent.Kind.LEARNING_SESSION,
        title="Learning session 2",
        starts_on=TODAY - dt.timedelta(days=60),
        ends_on=TODAY - dt.timedelta(days=60),
    )
    html = client_for(cast.users["member"]).get(url(cast.alpha)).content.decode()
    due = html[html.index('id="due"') : html.index('id="measures"')]
    assert "Lying and standing blood pressure done</strong>: 4 periods missing:" in due
    assert cast.alpha_cycle.title in due
    assert "Learning session 3" in due and "Learning session 2" not in due


def test_the_ramps_and_the_assessment_scores_over_time_are_shown(cast):
    follow = PDSACycle.objects.create(
        team=cast.alpha,
        change_idea=cast.alpha_cycle.change_idea,
        parent=cast.alpha_cycle,
        title="Second test at Alpha",
        planned_start=TODAY,
        planned_end=TODAY + dt.timedelta(days=7),
    )
    for month, score in ((MONTHS[0], "1.5"), (MONTHS[1], "2.5")):
        TeamAssessment.objects.create(team=cast.alpha, month=month, self_rating=score)
    response = client_for(cast.users["lead"]).get(url(cast.alpha))
    ((idea, chains),) = response.context["ramps"]
    assert chains == [[cast.alpha_cycle, follow]]
    html = response.content.decode()
    assert 'id="assessments"' in html and "<polyline" in html and "2.5" in html


def test_a_sustain_alert_shows_on_the_team_page(cast):
    SustainAlert.objects.create(
        series=cast.alpha_series,
        team=cast.alpha,
        period_start=MONTHS[-3],
        message="Inpatient falls had improved, and now shows a shift: the gain may be fading.",
        raised_at=timezone.now(),
    )
    html = client_for(cast.users["lead"]).get(url(cast.alpha)).content.decode()
    assert 'id="sustain-alerts"' in html and "the gain may be fading" in html
    assert (
        'id="sustain-alerts"'
        not in client_for(cast.users["beta_lead"]).get(url(cast.beta)).content.decode()
    )


def test_the_panel_partial_is_a_small_chart_with_its_table(cast):
    panel = reverse("dashboard_team_panel", args=[cast.alpha.pk, cast.alpha_series.pk])
    response = client_for(cast.users["lead"]).get(panel, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'data-figure="panel-figure-{cast.alpha_series.pk}"' in html
    # a header row and one row per complete month; rows carry role="row" so they stack on phones
    assert html.count('<tr class="nhsuk-table__row" role="row">') == len(MONTHS) + 1
    assert response.context["figure"]["layout"]["showlegend"] is False
    # without htmx, a page of its own
    page = client_for(cast.users["lead"]).get(panel)
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_the_panel_partial_answers_404_off_its_team_or_to_outsiders(cast):
    beta_panel = reverse("dashboard_team_panel", args=[cast.alpha.pk, cast.beta_series.pk])
    assert client_for(cast.users["manager"]).get(beta_panel).status_code == 404
    panel = reverse("dashboard_team_panel", args=[cast.alpha.pk, cast.alpha_series.pk])
    for who in ("beta_lead", "outsider"):
        assert client_for(cast.users[who]).get(panel).status_code == 404


def test_a_closed_collaboratives_team_dashboard_still_reads(cast):
    cast.falls.phase = Collaborative.Phase.CLOSED
    cast.falls.save()
    response = client_for(cast.users["lead"]).get(url(cast.alpha))
    assert response.status_code == 200 and response.context["can_edit_data"] is False


@pytest.mark.parametrize("extra_measures", [0, 6])
def test_the_dashboard_reads_a_fixed_number_of_queries(
    cast, extra_measures, django_assert_max_num_queries
):
    from measures.models import CollaborativeMeasure, Measure, Series
    from tests.dashboards.dashboard_cast import charts, fill

    ids = []
    for i in range(extra_measures):
        measure = Measure.objects.create(
            topic=cast.falls_rate.topic,
            name=f"Extra measure {i}",
            kind=Measure.Kind.PROCESS,
            operational_definition="Extra.",
            numerator_definition="Done",
            denominator_definition="Bed days",
            multiplier=1000,
            frequency=Measure.Frequency.MONTHLY,
            direction=Measure.Direction.DOWN,
            chart_type=Measure.ChartType.U,
        )
        CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=measure)
        series = Series.objects.create(team=cast.alpha, measure=measure)
        fill(series, [5] * 20)
        ids.append(series.pk)
    charts(ids)
    client = client_for(cast.users["lead"])
    client.get(url(cast.alpha))  # warm the session
    with django_assert_max_num_queries(24):
        assert client.get(url(cast.alpha)).status_code == 200


def test_in_the_sustain_phase_a_weekly_panel_is_rolled_up_to_months(cast):
    from measures.models import CollaborativeMeasure, DataPoint, Measure, Series
    from tests.dashboards.dashboard_cast import charts

    weekly = Measure.objects.create(
        topic=cast.falls_rate.topic,
        name="Falls with harm",
        kind=Measure.Kind.OUTCOME,
        operational_definition="Falls with moderate harm or worse.",
        numerator_definition="Falls with harm",
        frequency=Measure.Frequency.WEEKLY,
        direction=Measure.Direction.DOWN,
        chart_type=Measure.ChartType.C,
    )
    CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=weekly)
    series = Series.objects.create(team=cast.alpha, measure=weekly)
    mondays = [dt.date(2025, 1, 6) + dt.timedelta(weeks=w) for w in range(26)]
    DataPoint.objects.bulk_create(
        DataPoint(series=series, period_start=d, numerator=1 + w % 2) for w, d in enumerate(mondays)
    )
    charts([series.pk])
    panel = reverse("dashboard_team_panel", args=[cast.alpha.pk, series.pk])
    weekly_view = client_for(cast.users["lead"]).get(panel, headers={"HX-Request": "true"})
    assert len(weekly_view.context["rows"]) == 26
    cast.falls.phase = Collaborative.Phase.SUSTAIN
    cast.falls.save()
    monthly_view = client_for(cast.users["lead"]).get(panel, headers={"HX-Request": "true"})
    rows = monthly_view.context["rows"]
    assert [r["date"] for r in rows] == [dt.date(2025, m, 1) for m in range(1, 7)]
    assert rows[0]["numerator"] == 1 + 2 + 1 + 2  # the four Mondays of January 2025
    assert "rolled up to months" in monthly_view.content.decode()


def test_a_teams_own_measures_stay_private_from_national_viewers(cast):
    national = client_for(cast.users["national"]).get(url(cast.alpha))
    assert cast.alpha_custom_series not in [p.series for p in national.context["panels"]]
    assert "Alpha&#x27;s own audit" not in national.content.decode()
    lead = client_for(cast.users["lead"]).get(url(cast.alpha))
    assert cast.alpha_custom_series in [p.series for p in lead.context["panels"]]


def test_it_says_each_panels_verdict_once(cast):
    html = client_for(cast.users["lead"]).get(url(cast.alpha)).content.decode()
    start = html.index(f'aria-labelledby="panel-heading-{cast.alpha_series.pk}"')
    panel = html[start : html.index("</section>", start)]
    # the summary opens with the verdict; the icons' line beside it adds only the icons' words
    assert panel.count("Deteriorated") == 1
    assert "Deteriorated: a signal of concern" in panel
    assert "Latest month: special cause, concern (high)." in panel
