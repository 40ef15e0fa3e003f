"""The import preview in a real browser, against the demo: a manager uploads a messy
spreadsheet (a hyphen for the en dash, lower case, "Nov-26", thousands separators, a
withdrawn team) and reads the preview at 320 pixels without any table scrolling sideways.
Screenshots at 1280 and 320 go to test-artifacts/."""

import csv
import io
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from collaboratives.models import Collaborative, Team
from collaboratives.workflows import team_withdraw
from tests.test_browser import problems, screenshot  # noqa: F401 (problems is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    call_command("seed_demo", "--scale", "tiny", stdout=StringIO())
    return Collaborative.objects.order_by("pk").first()


def messy_file(collaborative) -> bytes:
    """Last month's outcome for two active teams, as people type it, and a withdrawn team."""
    entry = collaborative.measure_set.select_related("measure").first()
    measure = entry.measure.name
    month = (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
    *active, withdrawn = collaborative.teams.filter(status=Team.Status.ACTIVE).order_by("pk")[:3]
    team_withdraw(team=withdrawn, on=timezone.localdate())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Team", "Measure", "Period", "Numerator", "Denominator"])
    for team in active:
        name = str(team).replace("\u2013", "-").lower()  # a hyphen, lower case
        writer.writerow([name, measure, f"{month:%b-%y}", "3", "1,538"])
    writer.writerow([str(withdrawn), measure, f"{month:%d/%m/%Y}", "2", "1,201"])
    return out.getvalue().encode()


def test_the_import_preview_reads_at_320_without_sideways_scrolling(
    page,
    log_in,
    demo,
    problems,  # noqa: F811
):
    page.set_default_timeout(30_000)
    log_in(User.objects.get(username="manager"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/collaboratives/{demo.pk}/import/")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "messy.csv", "mimeType": "text/csv", "buffer": messy_file(demo)}],
    )
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_text("Nothing can be imported: the file has 1 error").wait_for()
    page.get_by_text("withdrew from the collaborative").wait_for()
    screenshot(page, "import-preview-1280")

    page.set_viewport_size({"width": 320, "height": 800})
    screenshot(page, "import-preview-320")
    widths = page.evaluate(
        """() => [...document.querySelectorAll("main table")].map(
            t => [t.id, t.parentElement.scrollWidth, t.parentElement.clientWidth])"""
    )
    assert {w[0] for w in widths} >= {"import-errors"}
    assert len(widths) >= 2, widths  # the errors and the values read from the file
    for table, scroll, client in widths:
        assert scroll <= client, f"{table} scrolls sideways at 320px: {scroll} > {client}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
