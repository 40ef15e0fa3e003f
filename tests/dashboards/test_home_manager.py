"""The improvement manager's home: for each collaborative they run, who owes data (by
governance.reporting.overdue, the one rule), the overdue PDSA cycles
(PDSACycle.objects.overdue) and the next learning event; nothing of a collaborative they do
not run."""

import datetime as dt

import pytest

from collaboratives.models import LearningEvent, PDSACycle
from dashboards.home import event_words, manager_sections, owed_words
from governance.reporting import Owed, overdue
from tests.cast import change_idea
from tests.dashboards.home_world import home_text, world  # noqa: F401 (a fixture)
from tests.dashboards.portfolio_world import TODAY

pytestmark = pytest.mark.django_db


def _section(user, collaborative):
    return next(s for s in manager_sections(user, TODAY) if s.collaborative == collaborative)


def test_who_owes_data_is_the_reporting_rule(world):  # noqa: F811
    owed = overdue(world.falls, TODAY)
    assert {o.team for o in owed} == {world.beta}  # its last two months are missing
    section = _section(world.users["manager"], world.falls)
    beta = [o for o in owed if o.team == world.beta]
    assert [item.text for item in section.owed] == [f"{world.beta}: {owed_words(beta)}"]
    assert owed_words(beta) == (
        f"{sum(len(o.periods) for o in beta)} values owed across 1 measure, the oldest for "
        "Jul 2025."
    )
    # One month of each of two measures: two values, not "2 periods" (read as two months).
    one_month = [Owed(world.beta, measure, [dt.date(2025, 8, 1)]) for measure in ("a", "b")]
    assert owed_words(one_month) == "2 values owed across 2 measures, the oldest for Aug 2025."
    assert owed_words(beta) in home_text(world.users["manager"])


def test_overdue_cycles_and_not_another_ahsns(world):  # noqa: F811
    delta_cycle = PDSACycle.objects.create(
        team=world.delta,
        change_idea=change_idea(world.maternity),
        title="Western cycle",
        planned_start=dt.date(2025, 1, 1),
        planned_end=dt.date(2025, 2, 1),
    )
    assert PDSACycle.objects.overdue(TODAY).filter(pk=delta_cycle.pk).exists()
    section = _section(world.users["manager"], world.falls)
    texts = [item.text for item in section.cycles]
    assert len(texts) == 1 and texts[0].startswith(world.beta_cycle.title)  # alpha's is done
    assert "due to finish 15 Jan 2024" in texts[0]
    text = home_text(world.users["manager"])
    assert world.beta_cycle.title in text
    assert "Western cycle" not in text and "Delta Hospitals" not in text
    assert "Maternity" not in {
        s.collaborative.name for s in manager_sections(world.users["manager"], TODAY)
    }


def test_the_next_learning_event(world):  # noqa: F811
    def event(collaborative, title, starts):
        return LearningEvent.objects.create(
            collaborative=collaborative,
            kind=LearningEvent.Kind.LEARNING_SESSION,
            title=title,
            starts_on=starts,
            ends_on=starts,
        )

    event(world.falls, "Last session", dt.date(2025, 9, 1))
    later = event(world.falls, "Session three", dt.date(2025, 11, 12))
    soon = event(world.falls, "Session two", dt.date(2025, 10, 1))
    event(world.maternity, "Western session", dt.date(2025, 9, 25))
    # An action period is the time between sessions, not an event to attend: never "next".
    LearningEvent.objects.create(
        collaborative=world.falls,
        kind=LearningEvent.Kind.ACTION_PERIOD,
        title="Action period 2",
        starts_on=dt.date(2025, 9, 2),
        ends_on=dt.date(2025, 9, 30),
    )
    assert _section(world.users["manager"], world.falls).next_event == event_words(soon, TODAY)
    assert event_words(soon, TODAY) == "Learning session: Session two, 1 Oct 2025, in 11 days."
    assert event_words(later, dt.date(2025, 11, 12)) == (
        "Learning session: Session three, on now, until 12 Nov 2025."
    )
    later.title = "Learning session 3: spread"  # already says what it is: not said twice
    assert event_words(later, TODAY) == "Learning session 3: spread, 12 Nov 2025, in 53 days."
    assert _section(world.users["manager"], world.sepsis).next_event == (
        "No learning event is planned."
    )
    text = home_text(world.users["falls_manager"])
    assert "Session two" in text
    assert later.title not in text and "Western session" not in text and "Sepsis" not in text


def test_only_those_who_run_a_collaborative_get_the_section(world):  # noqa: F811
    assert [s.collaborative for s in manager_sections(world.users["manager"], TODAY)] == [
        world.falls,
        world.sepsis,
    ]
    for who in ("lead", "faculty", "director", "national", "outsider"):
        assert manager_sections(world.users[who], TODAY) == []
        assert "What is due:" not in home_text(world.users[who])
