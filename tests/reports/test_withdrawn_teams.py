"""How the contract review counts a team that withdrew: during the period, it lowers the
count of active teams and the teams a later learning session expects; before the period,
it is absent from the report."""

import datetime as dt

import pytest

from collaboratives.models import LearningEvent, Team
from reports.content import review_document
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
TODAY = dt.date(2026, 1, 31)


@pytest.fixture
def cast():
    return build_cast()


def withdraw(team: Team, on: dt.date) -> None:
    team.status = Team.Status.WITHDRAWN
    team.withdrawn_on = on
    team.save()


def falls_section(cast) -> tuple[dict, dict]:
    doc, _ = review_document(cast.east, START, END, today=TODAY)
    section = next(c for c in doc["collaboratives"] if c["id"] == cast.falls.pk)
    return doc, section


def session(cast, on: dt.date) -> LearningEvent:
    return LearningEvent.objects.create(
        collaborative=cast.falls,
        kind=LearningEvent.Kind.LEARNING_SESSION,
        title=f"Learning session {on:%B}",
        starts_on=on,
        ends_on=on,
    )


def test_a_team_withdrawn_during_the_period_lowers_the_count_of_active_teams(cast):
    _, before = falls_section(cast)
    assert before["teams"]["active"] == 2 and before["teams"]["in_period"] == 2
    withdraw(cast.beta, dt.date(2026, 1, 10))  # after the period: active at its end
    _, after = falls_section(cast)
    assert after["teams"]["active"] == 2 and after["teams"]["withdrawn"] == []

    withdraw(cast.beta, dt.date(2025, 6, 15))
    doc, section = falls_section(cast)
    assert section["teams"]["active"] == 1
    assert section["teams"]["in_period"] == 2  # it took part until June
    assert section["teams"]["withdrawn"] == [cast.beta.name_for_peers()]
    sections = doc["collaboratives"]
    assert doc["summary"]["teams_active"] == sum(c["teams"]["active"] for c in sections)
    assert doc["summary"]["teams_withdrawn"] == 1


def test_a_learning_session_held_after_a_withdrawal_expects_one_team_fewer(cast):
    session(cast, dt.date(2025, 3, 12))
    session(cast, dt.date(2025, 9, 17))
    withdraw(cast.beta, dt.date(2025, 6, 15))
    _, section = falls_section(cast)
    expected = {s["date"]: s["teams_expected"] for s in section["engagement"]["sessions"]}
    assert expected == {"2025-03-12": 2, "2025-09-17": 1}


def test_a_session_on_the_day_a_team_withdrew_does_not_expect_it(cast):
    """The day a team withdraws it no longer takes part (dashboards.claims.active_on, the
    rule of the active count and of the periods it owes); the sessions read the same rule."""
    session(cast, dt.date(2025, 6, 15))
    withdraw(cast.beta, dt.date(2025, 6, 15))
    _, section = falls_section(cast)
    assert section["engagement"]["sessions"][0]["teams_expected"] == 1
    assert section["teams"]["in_period"] == 2


def test_a_team_that_withdrew_before_the_period_is_absent_from_the_report(cast):
    session(cast, dt.date(2025, 3, 12))
    withdraw(cast.beta, dt.date(2024, 10, 31))
    doc, section = falls_section(cast)
    label = cast.beta.name_for_peers()
    assert section["teams"]["in_period"] == 1 and section["teams"]["active"] == 1
    assert section["teams"]["withdrawn"] == []
    assert section["engagement"]["sessions"][0]["teams_expected"] == 1
    assert section["engagement"]["teams"] == 1
    assert [t for t in doc["teams"] if t["collaborative"] == cast.falls.name] == [
        t for t in doc["teams"] if t["team"] == cast.alpha.name_for_peers()
    ]
    assert not any(t["team"] == label or t["team_id"] == cast.beta.pk for t in doc["teams"])
