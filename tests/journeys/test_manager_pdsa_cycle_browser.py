"""Journey `manager_pdsa_cycle` (issue 17): against the demo, an improvement manager runs a
whole PDSA cycle, plan to act, from the home page, and the cycle's status tag follows each
step without a reload.

Counted: every click and every field filled (a choice picked or a box ticked counts as one),
through `Counted`, the journeys' shared wrapper, so the printed number is what the browser
was asked to do. Logging in is not counted. The journey asserts the count, never a time.
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from collaboratives.models import PDSACycle, Team
from governance.models import Role, RoleAssignment
from tests.journeys.counting import Counted
from tests.journeys.test_journeys_browser import Camera, no_problems
from tests.test_browser import problems  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOST_ACTIONS = 20  # issue 17's acceptance


def at_320(page, shoot, step: str) -> None:
    """The same page on a phone: screenshot, and nothing may scroll sideways."""
    page.set_viewport_size({"width": 320, "height": 800})
    shoot(f"{step}-320")
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 320, f"{step} scrolls sideways at 320px: {width}"


@pytest.fixture
def demo():
    call_command("seed_demo", "--scale", "tiny", stdout=StringIO())


def test_manager_pdsa_cycle(page, log_in, demo, problems):  # noqa: F811
    from django.contrib.auth.models import User

    shoot = Camera(page, "manager_pdsa_cycle")
    lead = RoleAssignment.objects.filter(role=Role.TRUST_LEAD, person__user__username="lead")
    team = Team.objects.get(pk=lead.values("team").get()["team"])
    log_in(User.objects.get(username="manager"))
    page.set_viewport_size({"width": 1280, "height": 900})
    act = Counted(page)

    page.goto("/")
    act.click(page.get_by_role("link", name=team.collaborative.name, exact=True).first)
    act.click(page.get_by_role("link", name=str(team), exact=True))
    act.click(page.get_by_role("link", name="Team page", exact=True))
    act.click(page.get_by_role("link", name="Log a PDSA cycle"))
    # A click returns once the new page is committed, not loaded: wait until its scripts
    # run, as a person would, or the change idea below is picked before htmx listens and
    # "Builds on" is never regrouped (waiting is not an action).
    page.wait_for_url(re.compile(r"/teams/\d+/cycles/new/$"))

    # Plan: the change idea, what the test asks and predicts, how small, and one measure.
    # The dates keep their defaults: starting today, for a week.
    # A change idea the team has tested before, so there is a ramp to build on.
    idea = team.cycles.current().select_related("change_idea").last().change_idea
    act.select_option(page.get_by_label("Change idea"), label=idea.title)
    # htmx regroups "Builds on": this change idea's cycles first.
    first_group = page.locator("#parent-choice optgroup").first
    first_group.and_(page.locator("[label^='This change idea']")).wait_for(state="attached")
    act.fill(page.get_by_label("Name of the test"), "Call bells within reach at handover")
    act.fill(page.get_by_label("What question will this test answer?"), "Does it cut falls?")
    act.fill(page.get_by_label("What do you predict will happen?"), "Fewer falls at night.")
    act.fill(page.get_by_label("How small is the test?"), "One bay, one week")
    measure = team.series.select_related("measure").order_by("measure__name").first().measure
    act.check(page.get_by_label(measure.name, exact=True))
    shoot("plan")
    at_320(page, shoot, "plan")
    act.click(page.get_by_role("button", name="Save the plan"))
    page.wait_for_url(re.compile(r"/cycles/\d+/$"))
    status = page.locator("#cycle-status")
    assert status.inner_text().strip() == "Planning"

    # Do, study and act, each saved through htmx: the status tag follows without a reload.
    act.fill(page.get_by_label("Do: what happened?"), "Checked bells at every handover.")
    act.click(page.get_by_role("button", name="Save what happened"))
    page.locator("#step-do").get_by_text("Saved.").wait_for()
    assert status.inner_text().strip() == "Doing"
    act.fill(page.get_by_label("Study: how did the result compare"), "One fall, not three.")
    act.click(page.get_by_role("button", name="Save the study"))
    page.locator("#step-study").get_by_text("Saved.").wait_for()
    assert status.inner_text().strip() == "Studying"
    act.check(page.get_by_label("Adopt"))
    act.click(page.get_by_role("button", name="Save the decision"))
    page.locator("#step-act").get_by_text("Saved.").wait_for()
    assert status.inner_text().strip() == "Adopt"
    shoot("done")
    at_320(page, shoot, "done")

    cycle = PDSACycle.objects.get(title="Call bells within reach at handover")
    assert cycle.team == team and cycle.change_idea == idea
    assert (cycle.status, cycle.act_decision) == ("done", "adopt")
    assert cycle.do_notes and cycle.study_result
    assert list(cycle.measures.all()) == [measure]
    assert "4 of 4" not in page.locator("#cycle-fidelity").inner_text()
    print(f"journey manager_pdsa_cycle: {act.actions} actions")
    assert act.actions <= MOST_ACTIONS
    no_problems(problems)
