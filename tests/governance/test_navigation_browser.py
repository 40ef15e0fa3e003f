"""The header navigation in a real browser (tests/conftest.py): on a 320 px phone the
NHS.UK header folds the items that do not fit into its "More" menu, which opens and
closes with the keyboard; at 1280 px every item shows. Screenshots go to
test-artifacts/nav/ for a person to look at."""

import pytest

from tests.cast import build_cast
from tests.test_browser import ARTIFACTS, focused

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "nav"


@pytest.fixture
def cast(transactional_db):
    return build_cast()


@pytest.fixture
def problems(page):
    """Console errors, uncaught exceptions and failed requests on `page`."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: message.type == "error" and found.append(f"console: {message.text}"),
    )
    page.on("pageerror", lambda error: found.append(f"exception: {error}"))
    page.on("requestfailed", lambda request: found.append(f"request failed: {request.url}"))
    return found


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def tab_to(page, selector: str, limit: int = 30) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_on_a_phone_the_more_menu_opens_and_closes_with_the_keyboard(
    page, live_server, log_in, cast, problems
):
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(cast.users["falls_manager"])
    page.goto("/")
    toggle = page.locator("#toggle-menu")
    # The header's script has folded what does not fit into the menu, and nothing
    # scrolls sideways.
    toggle.wait_for(state="visible")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    menu = page.locator(".nhsuk-header__menu-list")
    folded = menu.locator(".nhsuk-header__navigation-link").all_inner_texts()
    assert "Calendar" in folded
    shot(page, "keyboard-320-closed")

    tab_to(page, "#toggle-menu")
    assert toggle.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert menu.is_visible()
    shot(page, "keyboard-320-open")

    # Into the menu with Tab, out of it with Escape.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == folded[0]
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible()

    # Open again and follow the last item with the keyboard: its page says it is current.
    toggle.focus()
    page.keyboard.press("Space")
    assert toggle.get_attribute("aria-expanded") == "true"
    for _ in folded:
        page.keyboard.press("Tab")
    assert focused(page)["text"] == "Calendar"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{live_server.url}/collaboratives/{cast.falls.pk}/calendar/"
    current = page.locator('.nhsuk-header__navigation [aria-current="page"]')
    assert current.count() == 1
    assert current.inner_text() == "Calendar"
    assert problems == [], "\n".join(problems)


def test_on_a_wide_screen_every_item_shows_without_the_menu(page, log_in, cast, problems):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(cast.users["falls_manager"])
    page.goto(f"/collaboratives/{cast.falls.pk}/overdue/")
    links = page.locator(".nhsuk-header__navigation-list > .nhsuk-header__navigation-item a")
    assert links.all_inner_texts() == [
        "Collaboratives",
        "Dashboard",
        "Overdue data",
        "Data completeness",
        "Calendar",
    ]
    assert all(link.is_visible() for link in links.all())
    assert not page.locator("#toggle-menu").is_visible()
    assert page.locator('[aria-current="page"]').inner_text() == "Overdue data"
    shot(page, "wide-1280")
    assert problems == [], "\n".join(problems)
