"""The set-up journey in a real browser (Chromium via Playwright, tests/conftest.py).

An improvement manager starts a collaborative, builds its measure set, adds two teams
and invites a trust lead; the trust lead accepts, logs in and sees only their team.
Screenshots of each main screen at 1280 and 320 pixels go to test-artifacts/.
"""

import re

import pytest
from django.core import mail

from collaboratives.models import AHSN, Topic
from governance.models import Role
from measures.models import Measure
from tests.cast import organisation, user_with_role
from tests.test_browser import problems, screenshot  # noqa: F401 (problems is a fixture)

pytestmark = pytest.mark.browser


def shoot(page, name: str) -> None:
    """The page at desktop and phone widths; at 320 pixels nothing may scroll sideways."""
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, f"setup-{name}-1280")
    page.set_viewport_size({"width": 320, "height": 800})
    screenshot(page, f"setup-{name}-320")
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 320, f"{name} scrolls sideways at 320px: {width}"


@pytest.fixture
def world(transactional_db):
    east = AHSN.objects.create(code="EAST", name="Eastern AHSN", nhs_region="East of England")
    topic = Topic.objects.create(name="Inpatient falls", slug="falls", kind="national")
    Measure.objects.create(
        topic=topic,
        name="Falls per 1,000 bed days",
        kind="outcome",
        operational_definition="Inpatient falls reported, per 1,000 occupied bed days.",
        numerator_definition="Falls",
        denominator_definition="Occupied bed days",
        multiplier=1000,
        frequency="monthly",
        direction="down",
        chart_type="u",
    )
    organisation("RA1", "Alpha Hospitals NHS Foundation Trust", east)
    organisation("RB1", "Beta Hospitals NHS Trust", east)
    return user_with_role("imogen", Role.IMPROVEMENT_MANAGER, ahsn=east)


def open_the_team_form(page) -> None:
    """Click "Add a team" and wait until the new page's scripts run, as a person would:
    under load the search field appears before htmx starts, and a search typed then goes
    unheard (the results never come)."""
    page.get_by_role("link", name="Add a team").click()
    page.wait_for_url(re.compile(r"/teams/new/"))
    page.wait_for_load_state("load")


def add_team(page, search: str, name: str) -> None:
    open_the_team_form(page)
    page.get_by_label("Find the member organisation").fill(search)
    radio = page.get_by_label(name)
    radio.check()  # waits for htmx to bring the result in
    page.get_by_role("button", name="Add the team").click()
    page.wait_for_url(re.compile(r"/collaboratives/\d+/$"))


def test_a_manager_sets_up_a_collaborative_and_a_trust_lead_joins(
    page,
    live_server,
    log_in,
    world,
    problems,  # noqa: F811
):
    log_in(world)
    page.goto("/")
    page.get_by_role("link", name="Start a collaborative").click()

    # An empty submit shows the error summary first.
    with page.expect_navigation():
        page.get_by_role("button", name="Start the collaborative").click()
    assert page.title().startswith("Error: ")
    shoot(page, "collaborative-errors")
    page.get_by_label("Name", exact=True).fill("Falls East")
    page.get_by_label("Topic", exact=True).select_option(label="Inpatient falls")
    page.get_by_label("Aim statement").fill("Reduce inpatient falls by 25% by March 2027.")
    page.get_by_label("Start date").fill("2025-04-01")
    page.get_by_role("button", name="Start the collaborative").click()
    page.wait_for_url(re.compile(r"/collaboratives/\d+/$"))
    assert page.get_by_role("heading", name="Falls East").is_visible()

    page.get_by_role("link", name="Build the measure set").click()
    page.get_by_label("Measure from the library").select_option(label="Falls per 1,000 bed days")
    page.get_by_role("button", name="Add to the measure set").click()
    page.get_by_text("every team now has its series").wait_for()
    shoot(page, "measure-set")
    page.get_by_role("link", name="Falls East").first.click()

    add_team(page, "Alpha", "Alpha Hospitals NHS Foundation Trust")
    open_the_team_form(page)
    page.get_by_label("Find the member organisation").fill("RB1")
    page.get_by_label("Beta Hospitals NHS Trust").wait_for()
    shoot(page, "team-search")
    page.get_by_label("Beta Hospitals NHS Trust").check()
    page.get_by_role("button", name="Add the team").click()
    page.wait_for_url(re.compile(r"/collaboratives/\d+/$"))
    shoot(page, "collaborative")

    page.get_by_role("link", name="Alpha Hospitals NHS Foundation Trust").click()
    page.get_by_role("link", name="Invite a trust lead").click()
    page.get_by_label("Their full name").fill("Tom Trust")
    page.get_by_label("Their email address").fill("tom@alpha.nhs.uk")
    shoot(page, "invite")
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_text("Invitation sent to tom@alpha.nhs.uk").wait_for()
    shoot(page, "team")

    # The live server runs in this process: its email lands in the locmem outbox.
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    page.context.clear_cookies()
    page.goto(link)
    shoot(page, "accept")
    page.get_by_label("Create a password", exact=True).fill("tall-ward-lantern-42")
    page.get_by_label("Type it again", exact=True).fill("tall-ward-lantern-42")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(re.compile(r"/login/$"))
    page.get_by_label("Username").fill("tom@alpha.nhs.uk")
    page.get_by_label("Password", exact=True).fill("tall-ward-lantern-42")
    page.get_by_label("Password", exact=True).press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    assert page.locator("tbody .collab-name").all_inner_texts() == ["Falls East"]
    page.get_by_role("link", name="Falls East").click()
    page.wait_for_url(re.compile(r"/collaboratives/\d+/$"))
    teams = page.locator("tbody a[href^='/teams/']").all_inner_texts()
    assert teams == ["Alpha Hospitals NHS Foundation Trust"]
    assert page.get_by_role("link", name="Add a team").count() == 0
    shoot(page, "trust-lead-collaborative")
    assert problems == [], "\n".join(problems)
