"""The grid in Chromium: spreadsheet keys, a save on leaving a cell, no console errors."""

import pytest
from django.utils import timezone

from measures.models import DataPoint
from measures.periods import last_periods
from tests.cast import build_cast


@pytest.mark.django_db(transaction=True)
def test_it_moves_like_a_spreadsheet_and_saves_on_leaving_a_cell(page, log_in):
    cast = build_cast()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(cast.users["lead"])
    page.goto(f"/teams/{cast.alpha.pk}/data/")
    series = cast.alpha_series.pk
    month = last_periods("monthly", timezone.localdate())[-2]

    first = page.locator(f"#n-{series}-10")
    first.click()
    first.fill("3")
    page.keyboard.press("ArrowDown")  # to the denominator of the same period
    assert page.evaluate("document.activeElement.id") == f"d-{series}-10"
    page.keyboard.type("120")
    page.keyboard.press("ArrowRight")  # at the end of the text: the next period
    assert page.evaluate("document.activeElement.id") == f"d-{series}-11"

    cell = page.locator(f"#cell-{series}-{month:%Y-%m-%d}")
    cell.get_by_text("Saved").wait_for()
    point = DataPoint.objects.get(series=cast.alpha_series, period_start=month)
    assert (point.numerator, point.denominator) == (3, 120)

    bad = page.locator(f"#n-{series}-9")
    bad.fill("-1")
    page.keyboard.press("Enter")  # down to the denominator: the same cell, so no save yet
    assert page.evaluate("document.activeElement.id") == f"d-{series}-9"
    page.keyboard.press("Enter")  # no row below: leaving the cell saves it
    page.get_by_text("The numerator cannot be negative").wait_for()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_the_grid_scrolls_inside_its_box_and_not_the_page_on_a_phone(page, log_in):
    cast = build_cast()
    log_in(cast.users["lead"])
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"/teams/{cast.alpha.pk}/data/")
    page_width = page.evaluate("document.documentElement.scrollWidth")
    grid = page.locator(".collab-grid-wrapper").first
    assert grid.evaluate("box => box.scrollWidth > box.clientWidth")  # periods scroll...
    assert page_width <= 320  # ...but the page itself does not scroll sideways
