"""Journey `director_contract_review` (issue 17), against the demo: the AHSN director builds
the contract review, writes commentary, signs it off with its confirmation and downloads the
PDF and the spreadsheet; the journey prints `journey director_contract_review: N actions`
(clicks plus fields filled, login excluded).

The demo is seeded at its tiny scale, ending today. The director starts where they land
after logging in, the home page, whose contract-review line builds this quarter's draft
in one click; from there every action goes through `Counted`, the journeys' shared
action-counting wrapper (tests/journeys/counting.py), so the count is the journey's real
count from the home page. Screenshots go to test-artifacts/journeys/director-contract-review/.
"""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.models import ContractReview
from tests.journeys.counting import Counted
from tests.journeys.test_journeys_browser import JOURNEYS, Camera, no_problems
from tests.test_browser import problems  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOST_ACTIONS = 7
SUMMARY = "A year of steady work: falls down on most wards, sepsis screening holding."


@pytest.fixture
def director():
    """The demo at its tiny scale, ending today (what `make run` shows, smaller)."""
    call_command("seed_demo", "--scale", "tiny", stdout=io.StringIO())
    return get_user_model().objects.get(username="director")


def test_director_contract_review(page, log_in, director, problems):  # noqa: F811
    shoot = Camera(page, "director-contract-review")
    folder = JOURNEYS / "director-contract-review"
    log_in(director)
    page.set_viewport_size({"width": 1280, "height": 900})
    counted = Counted(page)
    page.goto("/")
    page.get_by_text("This quarter's contract review").wait_for()
    shoot("home")

    counted.click(page.get_by_role("button", name=re.compile("^Build the draft report")))
    page.get_by_role("link", name=re.compile("Download the PDF")).wait_for(timeout=120_000)
    shoot("draft")

    counted.fill(page.get_by_role("textbox", name="1. Portfolio summary"), SUMMARY)
    counted.click(page.get_by_role("button", name="Save the commentary"))
    page.get_by_text("Commentary saved").wait_for()

    counted.check(page.get_by_label("I have read this report and it is ready to send"))
    counted.click(page.get_by_role("button", name="Sign off", exact=True))
    page.get_by_text("Signed off. This report is now kept exactly as it is.").wait_for()
    shoot("signed-off")

    files = {}
    for kind, name in [("pdf", r"^Download the PDF"), ("xlsx", r"spreadsheet.*\(XLSX\)")]:
        with page.expect_download() as download:
            counted.click(page.get_by_role("link", name=re.compile(name)))
        path = folder / download.value.suggested_filename
        download.value.save_as(path)
        files[kind] = path.read_bytes()
        # Chromium reports a navigation it turned into a download as aborted: not a fault.
        # (The PDF link carries `download`, so it is fetched without navigating.)
        aborted = f"request failed: {download.value.url}"
        if aborted in problems:
            problems.remove(aborted)

    print(f"journey director_contract_review: {counted.actions} actions")
    review = ContractReview.objects.get(requested_by=director)
    assert review.status == ContractReview.Status.SIGNED_OFF
    assert review.signed_off_by == director
    assert files["pdf"] == bytes(review.pdf)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(files["pdf"])).pages)
    assert SUMMARY in re.sub(r"\s+", " ", text)
    assert "Signed off by" in text
    book = load_workbook(io.BytesIO(files["xlsx"]), read_only=True)
    assert ("Portfolio summary", SUMMARY) in list(book["Commentary"].iter_rows(values_only=True))
    assert counted.actions <= MOST_ACTIONS
    no_problems(problems)
