"""Faculty's home: the teams to review (the "Start here" attention rule of
dashboards.start) and the faculty scores due for last month, in the collaboratives they
teach only."""

import datetime as dt
from decimal import Decimal

import pytest

from collaboratives.models import TeamAssessment
from dashboards.home import faculty_sections, score_due_words
from tests.dashboards.home_world import home_text, world  # noqa: F401 (a fixture)
from tests.dashboards.portfolio_world import TODAY

pytestmark = pytest.mark.django_db

AUGUST = dt.date(2025, 8, 1)  # the month before TODAY's


def test_teams_to_review_and_scores_due(world):  # noqa: F811
    (section,) = faculty_sections(world.users["faculty"], TODAY)
    assert section.collaborative == world.falls and section.month == AUGUST
    # beta's last two months are missing and its cycle is overdue; alpha is up to date
    assert [item.text.split(":")[0] for item in section.review] == [str(world.beta)]
    assert "PDSA cycle overdue" in section.review[0].text  # not lower-cased "pdsa"
    # alpha has August's faculty score (3.5); beta has none
    assert [item.text for item in section.scores_due] == [score_due_words(world.beta, None, AUGUST)]
    assert score_due_words(world.beta, None, AUGUST) == (
        "Beta Hospitals: no faculty score for Aug 2025 yet; the team has not rated itself."
    )
    TeamAssessment.objects.create(team=world.beta, month=AUGUST, self_rating=Decimal("2.5"))
    (section,) = faculty_sections(world.users["faculty"], TODAY)
    assert section.scores_due[0].text.endswith("the team rated itself 2.5.")
    text = home_text(world.users["faculty"])
    assert "Faculty scores due for Aug 2025" in text and "the team rated itself 2.5" in text


def test_never_a_collaborative_they_do_not_teach(world):  # noqa: F811
    text = home_text(world.users["faculty"])
    for other in (world.gamma, world.delta):
        assert other.organisation.name not in text
    for who in ("lead", "manager", "director", "national", "outsider"):
        assert faculty_sections(world.users[who], TODAY) == []
        assert "To review:" not in home_text(world.users[who])
