"""Monthly team assessments on the IHI scale: the team's own score and the faculty's side by
side, a suggested score from the evidence, and the collaborative's distribution.

Uses the cast of tests/cast.py: `lead` is in alpha, `faculty` teaches falls.
"""

from decimal import Decimal

import pytest

from collaboratives.models import TeamAssessment
from tests.cast import build_cast, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return build_cast()


def test_the_team_and_the_faculty_rate_the_same_month_side_by_side(cast):
    url = f"/teams/{cast.alpha.pk}/assessments/"

    own = client_for(cast.users["lead"]).post(
        url + "?who=self", {"self-month": "2024-03", "self-rating": "2.5"}
    )
    client_for(cast.users["faculty"]).post(
        url + "?who=faculty",
        {"faculty-month": "2024-03", "faculty-rating": "2.0", "faculty-note": "No data yet"},
    )

    a = TeamAssessment.objects.get(team=cast.alpha)
    assert own.status_code == 302
    assert (a.month.isoformat(), a.self_rating, a.faculty_rating) == (
        "2024-03-01",
        Decimal("2.5"),
        Decimal("2.0"),
    )
    body = client_for(cast.users["lead"]).get(url).content.decode()
    assert "2.5 – Changes tested, no improvement" in body
    assert "Activity, but no changes" in body
    assert "<polyline" in body


def test_it_shows_the_scales_descriptions_and_a_suggested_score(cast):
    body = client_for(cast.users["lead"]).get(f"/teams/{cast.alpha.pk}/assessments/")
    text = body.content.decode()

    assert "2.5 Changes tested, no improvement: PDSA cycles run; measures not moving" in text
    # Alpha has a cycle and nothing adopted.
    assert "Suggested from the evidence: 2.5 (cycles are run" in text
    assert "Faculty rating" not in text


def test_it_shows_the_rating_errors(cast):
    response = client_for(cast.users["faculty"]).post(
        f"/teams/{cast.alpha.pk}/assessments/?who=faculty",
        {"faculty-month": "March", "faculty-rating": "7"},
    )

    body = response.content.decode()
    assert "<title>Error: " in body
    assert "Month must be a real month" in body
    assert "Select a valid choice" in body or "Choose a score on the scale" in body


def test_only_the_team_rates_itself_and_only_faculty_rate_the_team(cast):
    url = f"/teams/{cast.alpha.pk}/assessments/"
    data = {"self-month": "2024-03", "self-rating": "2.5"}

    assert client_for(cast.users["faculty"]).post(url + "?who=self", data).status_code == 403
    assert client_for(cast.users["beta_lead"]).get(url).status_code == 404
    lead = client_for(cast.users["lead"])
    assert lead.post(url + "?who=faculty", {}).status_code == 403
    assert lead.post(url + "?who=nap", {}).status_code == 404


def test_the_collaborative_sees_the_distribution_of_latest_scores(cast):
    TeamAssessment.objects.create(team=cast.alpha, month="2024-02-01", faculty_rating="1.5")
    TeamAssessment.objects.create(team=cast.alpha, month="2024-03-01", faculty_rating="3.0")
    TeamAssessment.objects.create(team=cast.beta, month="2024-03-01", self_rating="3.0")

    response = client_for(cast.users["faculty"]).get(
        f"/collaboratives/{cast.falls.pk}/assessments/"
    )

    body = response.content.decode()
    assert "2 teams rated" in body
    assert "<rect" in body
    row = body[body.index("3.0 Modest improvement") :]
    assert row.split("</tr>")[0].count(">1</td>") == 2
    assert (
        client_for(cast.users["lead"])
        .get(f"/collaboratives/{cast.falls.pk}/assessments/")
        .status_code
        == 403
    )


def test_the_suggestion_reads_the_charts_signals(cast):
    from django.utils import timezone

    from collaboratives import workflows
    from measures.models import ChartResult

    def result(series, variation):
        ChartResult.objects.create(
            series=series,
            inputs_hash=f"{series.pk}{variation}",
            computed_at=timezone.now(),
            chart="u",
            convention="mdc",
            status="signal",
            variation=variation,
            enough_data=True,
            n_points=20,
        )

    result(cast.alpha_custom_series, "improvement_high")  # a process measure
    assert workflows.assessment_suggest(team=cast.alpha)[0] == Decimal("3.0")
    result(cast.alpha_series, "improvement_low")  # the outcome
    assert workflows.assessment_suggest(team=cast.alpha)[0] == Decimal("4.0")
