"""The pages in a real browser: Debian's Chromium driven by Playwright (tests/conftest.py).

Each role logs in with the keyboard, sees its collaboratives, and the page raises no
console error and no content security policy violation. Screenshots go to
test-artifacts/ for a person to look at.
"""

import re
from pathlib import Path

import pytest

from tests.collaboratives.test_home import PASSWORD, VISIBLE, build_cast

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# Runs in every document before its own scripts; the page's CSP does not apply to it.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} `
    + `at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def users(transactional_db):
    return build_cast()


@pytest.fixture
def problems(page):
    """Console errors, uncaught exceptions, failed requests and CSP violations on `page`."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: message.type == "error" and found.append(f"console: {message.text}"),
    )
    page.on("pageerror", lambda error: found.append(f"exception: {error}"))
    page.on("requestfailed", lambda request: found.append(f"request failed: {request.url}"))
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and found.append(f"HTTP {response.status}: {response.url}")
        ),
    )
    page.expose_function("reportCspViolation", lambda text: found.append(f"CSP: {text}"))
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    return found


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def focused(page) -> dict:
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          return {tag: el.tagName, cls: el.className, text: el.textContent.trim()};
        }"""
    )


def assert_skip_link_is_first_to_focus(page) -> None:
    page.keyboard.press("Tab")
    assert focused(page) == {
        "tag": "A",
        "cls": "nhsuk-skip-link",
        "text": "Skip to main content",
    }


@pytest.mark.parametrize("role", VISIBLE)
def test_each_role_logs_in_with_the_keyboard_and_sees_its_collaboratives(
    page, live_server, users, problems, role
):
    user = users[role]

    page.goto("/")
    assert page.url == f"{live_server.url}/login/?next=/"
    if role == "national_viewer":
        screenshot(page, "login")
    assert_skip_link_is_first_to_focus(page)
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    assert page.locator(".nhsuk-header__service-name").inner_text() == "Collab"
    assert page.locator(".nhsuk-header__account").get_by_text(user.person.name).is_visible()
    names = page.locator("tbody .collab-name").all_inner_texts()
    assert set(names) == VISIBLE[role]
    assert len(names) == len(VISIBLE[role])
    if not VISIBLE[role]:
        assert page.get_by_text("You have no collaboratives yet").is_visible()
    # NHS.UK frontend's JavaScript ran: the supported class is set and its modules started.
    assert "nhsuk-frontend-supported" in page.locator("body").get_attribute("class")
    screenshot(page, f"home-{role}")
    page.reload()
    assert_skip_link_is_first_to_focus(page)
    assert problems == [], "\n".join(problems)


def test_the_home_page_fits_a_phone(page, live_server, users, problems):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/login/")
    page.get_by_label("Username").fill(users["national_viewer"].username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    # The responsive table stacks each row, labelling every value; nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("tbody .nhsuk-table__heading").first.is_visible()
    screenshot(page, "home-phone")
    assert problems == [], "\n".join(problems)


def test_a_failed_log_in_moves_focus_to_the_error_summary(page, live_server, users, problems):
    page.goto("/login/")
    page.get_by_label("Username").fill(users["trust_lead"].username)
    page.get_by_label("Password", exact=True).fill("not the password")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.title().startswith("Error: ")
    page.wait_for_function(
        "document.activeElement.classList.contains('nhsuk-error-summary')", timeout=5_000
    )
    # The summary's link takes the user to the field to correct.
    page.locator(".nhsuk-error-summary__list a").first.click()
    assert focused(page)["tag"] == "INPUT"
    screenshot(page, "login-error")
    # The server's 200 with errors is not a problem; nothing else may be.
    assert problems == [], "\n".join(problems)


def test_log_out_from_the_header(page, live_server, users, problems):
    page.goto("/login/")
    page.get_by_label("Username").fill(users["clinical_lead"].username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/$"))
    page.goto("/")
    assert page.url == f"{live_server.url}/login/?next=/"
    assert problems == [], "\n".join(problems)


def test_page_not_found_looks_like_the_service(page, live_server, problems):
    page.goto("/no-such-page/")
    assert page.get_by_role("heading", name="Page not found").is_visible()
    screenshot(page, "not-found")
    # The page's own 404, which Chromium also logs to the console, and nothing else.
    assert problems == [
        f"HTTP 404: {live_server.url}/no-such-page/",
        "console: Failed to load resource: the server responded with a status of 404 (Not Found)",
    ]


def test_server_error_page_looks_like_the_service(page, live_server, problems):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    page.route(
        "**/broken/",
        lambda route: route.fulfill(status=500, content_type="text/html", body=html),
    )
    page.goto("/broken/")

    heading = page.get_by_role("heading", name="Sorry, there is a problem with the service")
    assert heading.is_visible()
    assert_skip_link_is_first_to_focus(page)
    page.keyboard.press("Shift+Tab")
    screenshot(page, "server-error")
    assert problems == [
        f"HTTP 500: {live_server.url}/broken/",
        "console: Failed to load resource: the server responded with a status of 500"
        " (Internal Server Error)",
    ]
