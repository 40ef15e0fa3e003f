"""Each role's dashboard in Chromium: lazy sections load when scrolled to, charts draw under
the content security policy without console errors, nothing scrolls sideways at 320 px, the
keyboard reaches the filters, and axe-core finds no serious or critical violations.

Screenshots go to test-artifacts/dashboards/ (git-ignored), at 1280 and 320 px wide.
axe-core is injected into a second browser context that bypasses the page's content
security policy (the policy rightly refuses an injected script); the pages themselves are
checked under the policy.
"""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from measures.models import DataPoint
from tests.conftest import ARTIFACTS, BROWSER_TIMEOUT_MS
from tests.dashboards.dashboard_cast import TODAY, add_teams, build_dashboard_cast, charts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ARTIFACTS / "dashboards"
LAZY = ("#funnel-body", "#aggregate-table", "#multiples")


def _log_in(context, user, base_url):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def _reveal(page):
    """Scroll down step by step, as a reader would, so that every `revealed` section loads."""
    height = page.evaluate("document.body.scrollHeight")
    y = 0
    while y < height:
        y += 400
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(250)
        height = page.evaluate("document.body.scrollHeight")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)


def _axe(browser, base_url, user, path):
    context = browser.new_context(base_url=base_url, bypass_csp=True)
    try:
        _log_in(context, user, base_url)
        tab = context.new_page()
        tab.goto(path)
        _reveal(tab)
        tab.add_script_tag(path=str(AXE))
        result = tab.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    finally:
        context.close()
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _pages(cast):
    pages = [
        ("lead", "team", reverse("dashboard_team", args=[cast.alpha.pk]), ("#panels",)),
        (
            "faculty",
            "collaborative",
            reverse("dashboard_collaborative", args=[cast.falls.pk]),
            LAZY,
        ),
        (
            "beta_lead",
            "collaborative-peer",
            reverse("dashboard_collaborative", args=[cast.falls.pk]),
            LAZY,
        ),
    ]
    pages += [
        ("director", "portfolio", reverse("dashboard_portfolio", args=[cast.east.pk]), ()),
        ("national", "national", reverse("dashboard_national"), ()),
    ]
    return pages


@pytest.fixture
def cast(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    cast = build_dashboard_cast()
    add_teams(cast, 4)
    # alpha's own audit: steady weekly counts, so one of its panels needs no attention
    mondays = [TODAY - dt.timedelta(days=TODAY.weekday() + 7 * w) for w in range(20, 0, -1)]
    DataPoint.objects.bulk_create(
        DataPoint(series=cast.alpha_custom_series, period_start=d, numerator=12 + w % 3)
        for w, d in enumerate(mondays)
    )
    charts([cast.alpha_custom_series.pk])
    return cast


def test_each_roles_dashboard_draws_reads_at_320px_and_passes_axe(cast, browser, live_server):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for who, name, path, waits in _pages(cast):
        user = cast.users[who]
        for width in (1280, 320):
            context = browser.new_context(
                base_url=live_server.url, viewport={"width": width, "height": 900}
            )
            try:
                _log_in(context, user, live_server.url)
                tab = context.new_page()
                tab.set_default_timeout(BROWSER_TIMEOUT_MS)
                errors = []
                tab.on(
                    "console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None
                )
                tab.on("pageerror", lambda exc, e=errors: e.append(str(exc)))
                response = tab.goto(path)
                assert response.status == 200, (who, path)
                _reveal(tab)
                for selector in waits:
                    tab.wait_for_selector(selector, state="attached")
                # A lazy section's charts are drawn when htmx settles its swap (charts.js
                # on htmx:load), a timer that a busy machine fires late: wait for each
                # chart on the page to be drawn, and count the ones that never are.
                undrawn = tab.locator("[data-figure]:not([data-drawn])")
                try:
                    undrawn.first.wait_for(state="detached")
                except PlaywrightTimeout:
                    problems.append(f"{name} at {width}: {undrawn.count()} charts not drawn")
                if errors:
                    problems.append(f"{name} at {width}: console errors {errors[:3]}")
                sideways = tab.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                if sideways > 1:
                    problems.append(f"{name} at {width}: scrolls sideways by {sideways}px")
                tab.evaluate("window.scrollTo(0, 0)")
                tab.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
                if width == 1280:
                    # the keyboard: the skip link first, then on to the page's own controls
                    tab.keyboard.press("Tab")
                    focused = tab.evaluate("document.activeElement.textContent.trim()")
                    assert focused == "Skip to main content", focused
            finally:
                context.close()
        violations = _axe(browser, live_server.url, user, path)
        if violations:
            problems.append(f"{name}: axe {violations}")
    assert not problems, "\n".join(problems)


def test_the_collaborative_filter_changes_the_page_through_htmx_and_the_url(
    cast, browser, live_server
):
    context = browser.new_context(base_url=live_server.url)
    try:
        _log_in(context, cast.users["faculty"], live_server.url)
        tab = context.new_page()
        tab.set_default_timeout(BROWSER_TIMEOUT_MS)
        tab.goto(reverse("dashboard_collaborative", args=[cast.falls.pk]))
        tab.evaluate("window.__same_page = true")
        tab.select_option("#id_measure", str(cast.share_cm.pk))
        tab.wait_for_url(f"**measure={cast.share_cm.pk}**")
        tab.locator("#funnel-section").scroll_into_view_if_needed()
        tab.wait_for_selector("#funnel-body")
        assert tab.evaluate("window.__same_page === true")  # no full reload
        assert cast.share.name in tab.locator("#measure-section").inner_text()
        # the team page's filter too, with the keyboard
        tab.goto(reverse("dashboard_team", args=[cast.alpha.pk]))
        tab.evaluate("window.__same_page = true")
        tab.focus("#show-all")
        tab.keyboard.press("ArrowRight")  # radios move and select with the arrow keys
        tab.wait_for_url("**show=attention**")
        assert tab.evaluate("window.__same_page === true")
        assert tab.locator("#panels .collab-panel").count() == 2
    finally:
        context.close()
