"""Logging PDSA cycles in a real browser (Chromium via Playwright, tests/conftest.py).

An improvement manager plans a cycle from the team page, records do, study and act on
the cycle's page (each step saved on its own, with htmx), plans a follow-on cycle and sees
the ramp on the team page. Screenshots go to test-artifacts/.
"""

import re

import pytest

from collaboratives.models import Collaborative, DriverNode, Team
from governance.models import Role
from measures.models import Measure, Series
from tests.cast import START, organisation, user_with_role
from tests.test_browser import problems, screenshot  # noqa: F401 (problems is a fixture)

pytestmark = pytest.mark.browser


def shoot(page, name: str) -> None:
    """The page at desktop and phone widths; at 320 pixels nothing may scroll sideways."""
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, f"cycles-{name}-1280")
    page.set_viewport_size({"width": 320, "height": 800})
    screenshot(page, f"cycles-{name}-320")
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 320, f"{name} scrolls sideways at 320px: {width}"


@pytest.fixture
def world(transactional_db):
    from collaboratives.models import AHSN, Topic

    east = AHSN.objects.create(code="EAST", name="Eastern AHSN", nhs_region="East of England")
    topic = Topic.objects.create(name="Inpatient falls", slug="falls", kind="national")
    falls = Collaborative.objects.create(
        name="Falls East",
        slug="falls-east",
        lead_ahsn=east,
        topic=topic,
        aim_statement="Reduce inpatient falls by 25% by March 2027.",
        phase="active",
        starts_on=START,
    )
    team = Team.objects.create(
        collaborative=falls,
        organisation=organisation("RA1", "Alpha Hospitals NHS Foundation Trust", east),
        unit="Ward 7",
        joined_on=START,
    )
    aim = DriverNode.objects.create(collaborative=falls, kind="aim", title="Fewer falls")
    primary = DriverNode.objects.create(
        collaborative=falls, parent=aim, kind="primary", title="Safe mobility"
    )
    secondary = DriverNode.objects.create(
        collaborative=falls, parent=primary, kind="secondary", title="Risk known to all"
    )
    DriverNode.objects.create(
        collaborative=falls, parent=secondary, kind="change_idea", title="Safety huddle"
    )
    measure = Measure.objects.create(
        topic=topic,
        name="Falls per 1,000 bed days",
        kind="outcome",
        operational_definition="Inpatient falls, per 1,000 occupied bed days.",
        numerator_definition="Falls",
        denominator_definition="Occupied bed days",
        multiplier=1000,
        frequency="monthly",
        direction="down",
        chart_type="u",
    )
    Series.objects.create(team=team, measure=measure)
    manager = user_with_role("imogen", Role.IMPROVEMENT_MANAGER, ahsn=east)
    return manager, team


def test_a_manager_logs_a_cycle_and_a_follow_on_and_sees_the_ramp(
    page,
    log_in,
    world,
    problems,  # noqa: F811
):
    manager, team = world
    log_in(manager)
    page.goto(f"/teams/{team.pk}/")
    page.get_by_role("link", name="Log a PDSA cycle").click()

    # An empty plan shows the error summary, which links to the first field.
    with page.expect_navigation():
        page.get_by_role("button", name="Save the plan").click()
    assert page.title().startswith("Error: ")
    shoot(page, "plan-errors")

    # Picking the idea asks the server to regroup "Builds on" (htmx): wait for its answer,
    # as submitting while it is on its way aborts it (a failed request).
    with page.expect_request_finished(lambda request: "change_idea=" in request.url):
        page.get_by_label("Change idea").select_option(label="Safety huddle")
    page.get_by_label("Name of the test").fill("Huddle on one night shift")
    page.get_by_label("What question will this test answer?").fill("Does a huddle help?")
    page.get_by_label("What do you predict will happen?").fill("No falls that night.")
    page.get_by_label("How small is the test?").fill("One patient, one night")
    page.get_by_label("Who will do it").fill("Night sister")
    page.get_by_label("What data will you collect?").fill("Falls per night")
    page.get_by_label("Falls per 1,000 bed days").check()
    # Keyboard only from here: focus the button and press Enter.
    page.get_by_role("button", name="Save the plan").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cycles/\d+/$"))

    # Do, study and act are each saved on their own, in place (htmx).
    page.get_by_label("Do: what happened?").fill("Ran the huddle at 22:00.")
    page.get_by_role("button", name="Save what happened").click()
    page.locator("#step-do").get_by_text("Saved.").wait_for()
    page.get_by_label("Study: how did the result").fill("No falls, as predicted.")
    page.get_by_role("button", name="Save the study").click()
    page.locator("#step-study").get_by_text("Saved.").wait_for()
    page.get_by_label("Adapt").check()
    page.get_by_role("button", name="Save the decision").click()
    page.locator("#step-act").get_by_text("Saved.").wait_for()
    shoot(page, "cycle")

    page.reload()
    page.get_by_role("link", name="Plan a follow-on cycle").click()
    assert page.get_by_label("Change idea").input_value() != ""
    page.get_by_label("Name of the test").fill("Huddle on every shift")
    page.get_by_label("How small is the test?").fill("Whole ward, one week")
    page.get_by_role("button", name="Save the plan").click()
    page.wait_for_url(re.compile(r"/cycles/\d+/$"))
    page.get_by_text("Builds on Huddle on one night shift").wait_for()

    page.goto(f"/teams/{team.pk}/")
    steps = page.locator("#ramps .collab-ramp__step")
    assert steps.count() == 2
    assert "Huddle on one night shift" in steps.nth(0).inner_text()
    assert "Adapt" in steps.nth(0).inner_text()
    assert "Huddle on every shift" in steps.nth(1).inner_text()
    page.locator("#cycles").scroll_into_view_if_needed()
    shoot(page, "team")

    # The collaborative's list filters in place with htmx.
    page.goto(f"/collaboratives/{team.collaborative_id}/cycles/")
    page.get_by_text("2 cycles").wait_for()
    page.get_by_label("Decision").select_option(label="Adapt")
    page.get_by_text("1 cycle", exact=True).wait_for()
    assert "decision=adapt" in page.url
    shoot(page, "cycle-list")

    # The driver diagram shows the idea's spread; a manager adds a change idea with htmx.
    page.goto(f"/collaboratives/{team.collaborative_id}/driver-diagram/")
    assert (
        "1 team testing · 2 cycles · 0 adopted"
        in page.locator(".dd-node--change_idea", has_text="Safety huddle").inner_text()
    )
    page.get_by_label("Under").select_option(label="Secondary driver: Risk known to all")
    page.get_by_label("Title").fill("Hourly rounding")
    page.get_by_role("button", name="Add the node").click()
    page.locator(".dd-node--change_idea", has_text="Hourly rounding").wait_for()
    shoot(page, "driver-diagram")

    # The design record: the start checklist, saved.
    page.goto(f"/collaboratives/{team.collaborative_id}/design/")
    page.get_by_label("In place: Senior leaders engaged").check()
    page.get_by_label("Note: senior leaders engaged").fill("The chief nurse sponsors it.")
    page.get_by_role("button", name="Save the start").click()
    page.get_by_text("The design record was saved.").wait_for()
    shoot(page, "design-record")

    # The monthly assessment: the team's own score and the faculty's, side by side.
    page.goto(f"/teams/{team.pk}/assessments/")
    page.locator("#rate-self + form").get_by_label("2.5 Changes tested").check()
    page.locator("#rate-self + form").get_by_role("button", name="Save the score").click()
    page.get_by_text("The score was saved.").wait_for()
    page.locator("#rate-faculty + form").get_by_label("2.0 Activity").check()
    page.locator("#rate-faculty + form").get_by_role("button", name="Save the score").click()
    page.get_by_text("The score was saved.").wait_for()
    shoot(page, "assessments")
    page.goto(f"/collaboratives/{team.collaborative_id}/assessments/")
    assert page.locator("svg rect").count() == 20
    shoot(page, "assessment-distribution")
    assert problems == [], "\n".join(problems)
