"""One rule for sponsor attendance, read by the team page and the contract review."""

import datetime as dt

import pytest

from collaboratives import workflows
from collaboratives.models import Attendance, LearningEvent, TeamMembership
from governance.models import Person
from reports.content import engagement
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 5, 20)  # quarter from 1 April


def _event(collaborative, on) -> LearningEvent:
    return LearningEvent.objects.create(
        collaborative=collaborative,
        kind="learning_session",
        title="Session",
        starts_on=on,
        ends_on=on,
    )


def _report_rows(cast, teams):
    rows = {t.pk: {} for t in teams}
    engagement(cast.falls, teams, rows, dt.date(2024, 4, 1), TODAY, today=TODAY)
    return rows


def test_the_team_page_and_the_report_agree_on_which_sponsors_came():
    cast = build_cast()
    # alpha: a sponsor member who came to a falls session; beta: a senior sponsor who came
    # only to another collaborative's session, which does not count
    alpha_sponsor = TeamMembership.objects.create(
        team=cast.alpha,
        person=Person.objects.create(name="Ann"),
        role="sponsor",
        joined_on=dt.date(2024, 1, 1),
    ).person
    cast.beta.senior_sponsor = Person.objects.create(name="Bo")
    cast.beta.save()
    Attendance.objects.create(event=_event(cast.falls, dt.date(2024, 4, 10)), person=alpha_sponsor)
    Attendance.objects.create(
        event=_event(cast.sepsis, dt.date(2024, 4, 10)), person=cast.beta.senior_sponsor
    )
    teams = [cast.alpha, cast.beta]

    rows = _report_rows(cast, teams)
    alpha = workflows.team_health(team=cast.alpha, today=TODAY)
    beta = workflows.team_health(team=cast.beta, today=TODAY)

    assert (alpha["has_sponsor"], alpha["sponsor_attended"]) == (True, True)
    assert (beta["has_sponsor"], beta["sponsor_attended"]) == (True, False)
    for team, page in ((cast.alpha, alpha), (cast.beta, beta)):
        assert rows[team.pk]["has_sponsor"] == page["has_sponsor"]
        assert rows[team.pk]["sponsor_attended"] == page["sponsor_attended"]


def test_a_team_without_a_sponsor_has_none_and_none_came():
    cast = build_cast()

    assert workflows.sponsor_attendance(
        teams=[cast.alpha], start=dt.date(2024, 1, 1), end=TODAY
    ) == {cast.alpha.pk: (False, False)}
