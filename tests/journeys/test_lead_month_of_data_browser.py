"""Journey `lead_month_of_data` (issue 17), against the demo: from the home page, the trust
lead enters one month for six measures, one of them an event measure, and the journey
prints `journey lead_month_of_data: N actions` (clicks plus fields filled, login excluded).

The demo is seeded at its tiny scale, ending today. Actions are counted by `Counted`, a
wrapper around the Playwright page whose click and fill (and any key press, select or
check, though this journey needs none) each add one: every action of the journey goes
through it, so the count is the journey's real count. Screenshots go to
test-artifacts/journeys/lead-month-of-data/.
"""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from governance import access
from measures.models import DataPoint, Series
from measures.periods import last_periods
from tests.journeys.counting import Counted
from tests.journeys.test_journeys_browser import Camera, no_problems
from tests.test_browser import problems  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOST_ACTIONS = 30


@pytest.fixture
def demo():
    """The demo at its tiny scale, ending today (what `make run` shows, smaller)."""
    call_command("seed_demo", "--scale", "tiny", stdout=io.StringIO())
    lead = get_user_model().objects.get(username="lead")
    series = list(
        Series.objects.filter(team__in=access.principal(lead).teams)
        .select_related("measure", "team")
        .order_by("measure__name")
    )
    return lead, series


def test_lead_month_of_data(page, log_in, demo, problems):  # noqa: F811
    lead, all_series = demo
    today = timezone.localdate()
    month = last_periods("monthly", today)[-2]
    month_end = (month + dt.timedelta(days=32)).replace(day=1)
    by_frequency = {
        f: [s for s in all_series if s.measure.frequency == f]
        for f in ("monthly", "weekly", "event")
    }
    monthly = by_frequency["monthly"]
    weekly = by_frequency["weekly"][: 5 - len(monthly)]
    event = by_frequency["event"][0]
    chosen = [*monthly, *weekly, event]
    assert len(chosen) == 6, [s.measure.name for s in all_series]
    team = event.team

    shoot = Camera(page, "lead-month-of-data")
    log_in(lead)
    page.set_viewport_size({"width": 1280, "height": 900})
    counted = Counted(page)
    page.goto("/")
    shoot("home")

    # To the team's data: a direct "Enter data" link if the home has one, else via the
    # team's dashboard.
    direct = page.locator("main").get_by_role(
        "link", name=re.compile(r"^Enter (the missing )?data")
    )
    if direct.count():
        counted.click(direct.first)
    else:
        counted.click(page.locator(f"main a[href='/teams/{team.pk}/dashboard/']").first)
        page.wait_for_load_state("networkidle")  # its charts load; leaving earlier aborts them
        counted.click(page.locator("main").get_by_role("link", name="Enter data").first)
    page.wait_for_url(f"**/teams/{team.pk}/data/")
    # No screenshot here: Playwright's caret hiding leaves style="" on every input, which
    # htmx then copies onto each saved cell, and the content security policy refuses it.

    # Each periodic measure's periods of the month: numerator, then the denominator if any.
    # A cell saves as focus leaves it; the journey waits for each save before the next
    # (the test server's SQLite takes one writer at a time; waiting is not an action).
    typed = {}

    def saved(cell):
        page.locator(f"#cell-{cell[0]}-{cell[1]:%Y-%m-%d}").get_by_text("Saved").wait_for()

    for i, series in enumerate([*monthly, *weekly]):
        frequency = series.measure.frequency
        columns = last_periods(frequency, today)
        periods = [p for p in columns if month <= p < month_end]
        for period in periods:
            col = columns.index(period)
            numerator, denominator = 3 + i, (40 + i if series.measure.has_denominator else None)
            counted.fill(f"#n-{series.pk}-{col}", str(numerator))
            if typed:
                saved(list(typed)[-1])
            if denominator is not None:
                counted.fill(f"#d-{series.pk}-{col}", str(denominator))
            typed[(series.pk, period)] = (numerator, denominator)

    # The event measure: the date of the fall. Moving to it saves the last cell.
    event_day = month.replace(day=14)
    counted.fill(f"#event-day-{event.pk}", event_day.isoformat())
    saved(list(typed)[-1])
    for cell in typed:
        saved(cell)
    shoot("grid-filled")
    counted.click(
        page.get_by_role(
            "button", name=re.compile(f"^Save the event.*{re.escape(event.measure.name)}")
        )
    )
    page.get_by_text(f"recorded the event on {event_day:%-d %B %Y}").wait_for()
    shoot("event-saved")

    print(f"journey lead_month_of_data: {counted.actions} actions")
    for (series_pk, period), (numerator, denominator) in typed.items():
        point = DataPoint.objects.get(series_id=series_pk, period_start=period)
        assert point.numerator == numerator
        assert point.denominator == (None if denominator is None else Decimal(denominator))
    assert DataPoint.objects.filter(series=event, period_start=event_day).exists()
    assert counted.actions <= MOST_ACTIONS
    no_problems(problems)
