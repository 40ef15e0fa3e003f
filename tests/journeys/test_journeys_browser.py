"""Whole journeys of each role in a real browser (Debian's Chromium, Playwright).

1. An improvement manager logs a PDSA cycle from the team page and enters last month's
   falls in the grid; the chart updates: the new month is on it, outside the limits, with
   the cycle marked.
2. The team's trust lead opens their dashboard and sees that measure first, flagged as a
   signal of concern, with its chart loaded lazily.
3. An AHSN director asks for the contract-review report, waits for it, and downloads the
   PDF and the spreadsheet.

Each journey saves what the browser saw, step by step, in
test-artifacts/journeys/<journey>/NN-step.png (git-ignored), and fails on any content
security policy violation, console error, uncaught exception, failed request or HTTP
error (the `problems` fixture of tests/test_browser.py, which listens for
`securitypolicyviolation` events from an init script that runs before the page's own).
A last test runs axe-core on every page the journeys pass through.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from collaboratives.models import PDSACycle
from measures.models import DataPoint, DataPointRevision
from measures.periods import last_periods, period_starts
from measures.recompute import charts_recompute
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast
from tests.conftest import ARTIFACTS
from tests.test_browser import problems  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOURNEYS = ARTIFACTS / "journeys"
SPIKE = (25, 1000)  # falls per bed days last month: far above a steady 5 per 1,000


class Camera:
    """Numbered full-page screenshots of one journey, in its own folder."""

    def __init__(self, page, journey: str):
        self.page = page
        self.folder = JOURNEYS / journey
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0
        # A shared CI machine can be slow to answer; the journey asserts no timings.
        page.set_default_timeout(30_000)

    def __call__(self, step: str) -> None:
        self.count += 1
        self.page.screenshot(path=str(self.folder / f"{self.count:02d}-{step}.png"), full_page=True)


def last_month() -> dt.date:
    return last_periods("monthly", timezone.localdate())[-2]


@pytest.fixture
def cast():
    """The cast, with eighteen steady months of falls for team alpha before last month."""
    cast = build_cast()
    month = last_month()
    history = list(period_starts("monthly", month - dt.timedelta(days=18 * 31), month))[:-1]
    datapoints_write(
        series=cast.alpha_series,
        changes=[PointChange(m, 4 + i % 3, 1000) for i, m in enumerate(history)],
        by=None,
        source=DataPointRevision.Source.IMPORT,
    )
    charts_recompute(series_ids=[cast.alpha_series.pk], worker="journeys")
    return cast


def no_problems(problems):  # noqa: F811
    violations = [p for p in problems if p.startswith("CSP")]
    assert violations == [], "content security policy violations:\n" + "\n".join(violations)
    assert problems == [], "\n".join(problems)


def test_an_improvement_manager_logs_a_cycle_enters_data_and_the_chart_updates(
    page,
    log_in,
    cast,
    problems,  # noqa: F811
):
    shoot = Camera(page, "improvement-manager")
    series = cast.alpha_series
    month = last_month()
    log_in(cast.users["manager"])
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"/teams/{cast.alpha.pk}/")
    shoot("team")
    page.get_by_role("link", name="Log a PDSA cycle").click()
    # Once the form's scripts run (a click returns before the page loads), picking the idea
    # asks the server to regroup "Builds on" (htmx): wait for its answer, as saving the
    # plan while it is on its way aborts it (a failed request).
    page.wait_for_url(re.compile(r"/teams/\d+/cycles/new/$"))
    with page.expect_request_finished(lambda request: "change_idea=" in request.url):
        page.get_by_label("Change idea").select_option(label="Idea")
    page.get_by_label("Name of the test").fill("Bed rails checked at handover")
    page.get_by_label("What question will this test answer?").fill("Do checks cut falls?")
    page.get_by_label("What do you predict will happen?").fill("Fewer falls at night.")
    page.get_by_label("How small is the test?").fill("One ward, one week")
    page.get_by_label("Who will do it").fill("Night sister")
    page.get_by_label("What data will you collect?").fill("Falls per night")
    page.get_by_label("Planned start").fill(month.isoformat())
    page.get_by_label("Planned end").fill((month + dt.timedelta(days=14)).isoformat())
    page.get_by_label(series.measure.name).check()
    shoot("plan")
    page.get_by_role("button", name="Save the plan").click()
    page.wait_for_url(re.compile(r"/cycles/\d+/$"))
    page.get_by_label("Do: what happened?").fill("Checked rails at every handover.")
    page.get_by_role("button", name="Save what happened").click()
    page.locator("#step-do").get_by_text("Saved.").wait_for()
    shoot("cycle")
    cycle = PDSACycle.objects.get(title="Bed rails checked at handover")
    assert cycle.team == cast.alpha and cycle.do_notes
    assert list(cycle.measures.all()) == [series.measure]

    # Last month's falls, typed into the grid: the numerator, then down to bed days.
    page.goto(f"/teams/{cast.alpha.pk}/data/")
    column = last_periods("monthly", timezone.localdate()).index(month)
    numerator = page.locator(f"#n-{series.pk}-{column}")
    numerator.click()
    numerator.fill(str(SPIKE[0]))
    page.keyboard.press("ArrowDown")
    page.keyboard.type(str(SPIKE[1]))
    page.keyboard.press("Tab")  # leaving the cell saves it
    page.locator(f"#cell-{series.pk}-{month:%Y-%m-%d}").get_by_text("Saved").wait_for()
    shoot("grid-saved")
    point = DataPoint.objects.get(series=series, period_start=month)
    assert (point.numerator, point.denominator) == (Decimal(SPIKE[0]), Decimal(SPIKE[1]))

    # The chart has caught up: last month is on it, read as a signal, the cycle marked.
    page.goto(f"/series/{series.pk}/chart/")
    page.locator(".collab-chart .main-svg").first.wait_for()
    # The verdict's words (measures/spc/charts.py `summary`, issue 14): last month decides it.
    page.get_by_text(f"Deteriorated: a signal of concern in {month:%B %Y}").wait_for()
    row = page.locator("tr", has=page.locator("th", has_text=f"{month:%b %Y}")).first
    assert "25" in row.inner_text()
    figure = page.locator(f"#chart-figure-{series.pk}").text_content()
    assert "Bed rails checked at handover" in figure  # the cycle's marker
    shoot("chart")
    no_problems(problems)


def test_a_trust_lead_sees_the_new_signal_first_on_their_dashboard(
    page,
    log_in,
    cast,
    problems,  # noqa: F811
):
    shoot = Camera(page, "trust-lead")
    series = cast.alpha_series
    # What the manager entered in the first journey, through the same write path.
    datapoints_write(
        series=series,
        changes=[PointChange(last_month(), *SPIKE)],
        by=cast.users["manager"],
        source=DataPointRevision.Source.GRID,
    )
    charts_recompute(series_ids=[series.pk], worker="journeys")
    log_in(cast.users["lead"])
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto("/")
    shoot("home")
    page.goto(f"/teams/{cast.alpha.pk}/dashboard/")
    panels = page.locator(".collab-panel")
    first = panels.first
    assert series.measure.name in first.locator("h3").inner_text()
    assert first.get_by_text("Signal of concern", exact=True).is_visible()  # the panel's flag
    assert first.inner_text().count("Deteriorated") == 1  # the verdict, said once
    assert "collab-panel--concern" in first.get_attribute("class")
    # The small chart loads when it is scrolled into view.
    first.scroll_into_view_if_needed()
    first.locator(".collab-chart .main-svg").first.wait_for()
    shoot("dashboard")
    page.set_viewport_size({"width": 320, "height": 800})
    # Plotly redraws the chart for the new width after the resize event: wait for it.
    # (Polled from here: wait_for_function would eval a string, which the CSP refuses.)
    fits = "() => document.documentElement.scrollWidth <= 320"
    for _ in range(50):
        if page.evaluate(fits):
            break
        page.wait_for_timeout(200)
    shoot("dashboard-phone")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
          .filter(e => e.getBoundingClientRect().right > 321)
          .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)
          .slice(0, 12)"""
    )
    assert page.evaluate(fits), f"the page scrolls sideways at 320px: {wide}"
    no_problems(problems)


def test_a_director_exports_the_contract_review_and_the_files_download(
    page,
    log_in,
    cast,
    problems,  # noqa: F811
):
    shoot = Camera(page, "director")
    log_in(cast.users["director"])
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto("/reports/")
    # A director of one AHSN goes straight to its reviews; of several, chooses one.
    if not re.search(r"/reports/ahsns/\d+/$", page.url):
        shoot("reports")
        page.get_by_role("link", name=cast.east.name).click()
    page.get_by_label("First day of the reporting period").wait_for()
    shoot("period")
    page.get_by_role("button", name="Build the draft report").click()
    pdf_link = page.get_by_role("link", name=re.compile("Download the PDF"))
    pdf_link.wait_for(timeout=60_000)
    shoot("report")

    # The PDF opens in the browser (inline); fetched with the director's session, it is
    # kept beside the screenshots. The spreadsheet is an attachment: it downloads.
    folder = JOURNEYS / "director"
    pdf = page.context.request.get(pdf_link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
    (folder / "contract-review-draft.pdf").write_bytes(pdf.body())

    with page.expect_download() as xlsx:
        page.get_by_role("link", name=re.compile(r"spreadsheet.*\(XLSX\)")).click()
    xlsx_path = folder / xlsx.value.suggested_filename
    xlsx.value.save_as(xlsx_path)
    assert xlsx_path.suffix == ".xlsx"
    assert xlsx_path.read_bytes().startswith(b"PK")  # a zip, as every xlsx is
    # Chromium reports the navigation it turned into the download as aborted: not a fault.
    problems.remove(f"request failed: {xlsx.value.url}")
    no_problems(problems)


AXE = ARTIFACTS.parent / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = "async () => await axe.run(document, {resultTypes: ['violations']})"


def test_every_page_of_the_journeys_has_no_serious_accessibility_violation(
    browser, live_server, cast
):
    """axe-core on each page the journeys pass through (the dashboards have their own check
    in tests/dashboards/). axe is injected into a context that bypasses the content security
    policy, which rightly refuses an injected script; the journeys check the pages under it.
    """
    from django.conf import settings
    from django.test import Client

    director = Client()
    director.force_login(cast.users["director"])
    director.post(
        f"/reports/ahsns/{cast.east.pk}/",
        {"period_start": "2025-01-01", "period_end": "2025-12-31"},
    )
    review = cast.east.contract_reviews.get()
    pages = {
        "manager": [
            f"/teams/{cast.alpha.pk}/",
            f"/teams/{cast.alpha.pk}/cycles/new/",
            f"/cycles/{cast.alpha_cycle.pk}/",
            f"/teams/{cast.alpha.pk}/data/",
            f"/series/{cast.alpha_series.pk}/chart/",
        ],
        "director": [f"/reports/ahsns/{cast.east.pk}/", f"/reports/{review.pk}/"],
    }
    found = []
    for role, paths in pages.items():
        client = Client()
        client.force_login(cast.users[role])
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context = browser.new_context(base_url=live_server.url, bypass_csp=True)
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        for path in paths:
            tab.goto(path)
            tab.add_script_tag(path=str(AXE))
            result = tab.evaluate(RUN_AXE)
            found += [
                (path, v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
        context.close()
    assert found == []
