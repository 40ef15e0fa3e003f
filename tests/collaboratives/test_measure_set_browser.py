"""The measure set and the calendar edited in a real browser, against the demo: the set is
reordered from the keyboard alone, a measure made optional and another removed with its
reason; an event is changed. Screenshots of each changed page at 1280 and 320 pixels go to
test-artifacts/; at 320 nothing may scroll sideways."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from collaboratives.models import Collaborative
from tests.test_browser import problems, screenshot  # noqa: F401 (problems is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, name: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, f"measure-set-{name}-1280")
    page.set_viewport_size({"width": 320, "height": 800})
    screenshot(page, f"measure-set-{name}-320")
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 320, f"{name} scrolls sideways at 320px: {width}"


def named(action: str, measure: str) -> re.Pattern:
    """A button's accessible name: its text, then the visually hidden ": measure"."""
    return re.compile(rf"^{action}\s*:\s*{re.escape(measure)}$")


def order(collaborative) -> list[str]:
    return [e.measure.name for e in collaborative.measure_set.select_related("measure")]


@pytest.fixture
def demo():
    call_command("seed_demo", "--scale", "tiny", stdout=StringIO())
    return Collaborative.objects.order_by("pk").first()


def test_the_manager_edits_the_measure_set_and_an_event(page, log_in, demo, problems):  # noqa: F811
    page.set_default_timeout(30_000)
    log_in(User.objects.get(username="manager"))
    page.set_viewport_size({"width": 1280, "height": 900})
    before = order(demo)

    page.goto(f"/collaboratives/{demo.pk}/measures/")
    shoot(page, "page")
    # The keyboard alone: focus the first measure's "Move down" and press Enter.
    page.get_by_role("button", name=named("Move down", before[0])).focus()
    page.keyboard.press("Enter")
    page.get_by_text(f"{before[0]} moved down.").wait_for()
    assert order(demo) == [before[1], before[0], *before[2:]]

    page.get_by_role("button", name=named("Make optional", before[1])).click()
    page.get_by_text(f"{before[1]} is now optional").wait_for()

    page.get_by_role("link", name=f"Remove {before[-1]} from the set").click()
    shoot(page, "remove")
    page.get_by_label("Why is it leaving the measure set?").fill("Teams found it unhelpful")
    page.get_by_role("button", name="Remove from the set").click()
    page.get_by_text(f"{before[-1]} left the measure set").wait_for()
    assert before[-1] not in order(demo)
    page.get_by_text("Changes to the set").click()
    page.locator("#measure-set-history").get_by_text("Teams found it unhelpful").wait_for()
    shoot(page, "after")

    event = demo.events.order_by("starts_on").first()
    page.goto(f"/collaboratives/{demo.pk}/calendar/")
    page.get_by_role("link", name=f"Change {event.title}").first.click()
    shoot(page, "event")
    page.get_by_label("Title").fill(f"{event.title} (moved online)")
    page.get_by_role("button", name="Save the event").click()
    page.get_by_text(f"{event.title} (moved online) was saved.").wait_for()
    event.refresh_from_db()
    assert event.title.endswith("(moved online)")
    assert problems == [], "\n".join(problems)
