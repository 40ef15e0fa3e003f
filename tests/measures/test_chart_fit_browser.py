"""Issue 17, in Chromium: at 320 and 1280 pixels wide nothing of a chart or the grid is cut off.

- The chart's axis labels (dates, values, the axis title) lie inside the drawn chart, the
  dates do not overlap, and a rate's axis has no tick below zero.
- The chart page's table shows its last column ("Reading") whole, inside its scroll box
  and the window, and the page never scrolls sideways.
- The grid starts scrolled to the newest periods with the first one whole, not half under
  the measure names, and every box has a visible label.

Screenshots go to test-artifacts/charts/ (git-ignored) for a person to look at.
"""

import datetime as dt

import pytest

from measures.models import DataPointRevision, Measure, Series
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast
from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "charts"
WIDTHS = (320, 1280)
TODAY = dt.date(2025, 6, 30)
WEEKS = [dt.date(2024, 9, 2) + dt.timedelta(weeks=i) for i in range(40)]
MONTHS = [dt.date(2023 + (6 + i) // 12, (6 + i) % 12 + 1, 1) for i in range(24)]


def write(series, changes):
    datapoints_write(
        series=series, changes=changes, by=None, source=DataPointRevision.Source.IMPORT, today=TODAY
    )


def rate_charts(cast) -> dict[str, Series]:
    """A weekly P chart whose limits step every week (a week not reported among them), and a
    monthly rate near zero, with a long unit and a PDSA cycle marked on it."""
    weekly = Measure.objects.create(
        team=cast.alpha,
        name="Patients screened within an hour",
        kind=Measure.Kind.PROCESS,
        operational_definition="Patients screened within an hour of arrival.",
        numerator_definition="Patients screened",
        denominator_definition="Patients arriving",
        unit="%",
        multiplier=100,
        frequency=Measure.Frequency.WEEKLY,
        direction=Measure.Direction.UP,
        chart_type=Measure.ChartType.P,
    )
    p_series = Series.objects.create(team=cast.alpha, measure=weekly)
    sizes = [10, 14, 9, 21, 12, 17, 8, 15, 11, 19]
    write(
        p_series,
        [
            PointChange(w, round(sizes[i % 10] * (0.5 if i < 25 else 0.85)), sizes[i % 10])
            for i, w in enumerate(WEEKS)
            if i != 12
        ],
    )
    monthly = Measure.objects.create(
        team=cast.alpha,
        name="Falls with severe harm",
        kind=Measure.Kind.OUTCOME,
        operational_definition="Falls with severe harm or death.",
        numerator_definition="Falls with severe harm",
        denominator_definition="Occupied bed days",
        unit="per 1,000 occupied bed days",
        multiplier=1000,
        frequency=Measure.Frequency.MONTHLY,
        direction=Measure.Direction.DOWN,
        chart_type=Measure.ChartType.U,
    )
    u_series = Series.objects.create(team=cast.alpha, measure=monthly)
    counts = [0, 2, 1, 0, 3, 1, 0, 2, 1, 0, 1, 2]
    write(u_series, [PointChange(m, counts[i % 12], 1400) for i, m in enumerate(MONTHS)])
    cast.alpha_cycle.measures.add(monthly)
    cast.alpha_cycle.planned_start = MONTHS[14]
    cast.alpha_cycle.planned_end = MONTHS[15]
    cast.alpha_cycle.save()
    return {"weekly-p": p_series, "monthly-u": u_series}


CLIPPED_LABELS = """(chart) => {
  const svg = chart.querySelector(".main-svg").getBoundingClientRect();
  const out = [];
  for (const text of chart.querySelectorAll(".xtick text, .ytick text, .g-ytitle text")) {
    const box = text.getBoundingClientRect();
    if (box.width === 0) continue;
    if (box.left < svg.left - 1 || box.right > svg.right + 1
        || box.top < svg.top - 1 || box.bottom > svg.bottom + 1) {
      out.push(text.textContent);
    }
  }
  return out;
}"""

OVERLAPPING_DATES = """(chart) => {
  const boxes = [...chart.querySelectorAll(".xtick text")]
    .map((t) => t.getBoundingClientRect()).filter((b) => b.width > 0)
    .sort((a, b) => a.left - b.left);
  const legend = [...chart.querySelectorAll(".legend .traces")]
    .map((t) => t.getBoundingClientRect());
  const meet = (a, b) => a.left < b.right - 1 && b.left < a.right - 1
    && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  // Dates over each other, or under the legend (which once sat on them).
  return boxes.slice(1).filter((b, i) => b.left < boxes[i].right - 1).length
    + boxes.filter((b) => legend.some((l) => meet(b, l))).length;
}"""

LAST_COLUMN_OUTSIDE = """(region) => {
  const box = region.getBoundingClientRect();
  const right = Math.min(box.left + region.clientWidth, document.documentElement.clientWidth);
  const out = [];
  for (const row of region.querySelectorAll("tbody tr")) {
    const cell = row.lastElementChild.getBoundingClientRect();
    if (cell.left < box.left - 1 || cell.right > right + 1) out.push(row.textContent.trim());
  }
  return out;
}"""


def clipped(page, width) -> list[str]:
    """What is cut off or overlapping on a chart page at this width, in words."""
    found = []
    chart = page.locator(".collab-chart").first
    if labels := chart.evaluate(CLIPPED_LABELS):
        found.append(f"axis labels outside the chart: {labels}")
    if overlaps := chart.evaluate(OVERLAPPING_DATES):
        found.append(f"{overlaps} dates overlapping")
    if rows := page.locator(".collab-table-scroll").first.evaluate(LAST_COLUMN_OUTSIDE):
        found.append(f"{len(rows)} rows with their last column cut off")
    if page.evaluate("document.documentElement.scrollWidth") > width:
        found.append("the page scrolls sideways")
    return found


def test_charts_show_their_dates_axis_and_whole_table_at_phone_and_desktop_widths(page, log_in):
    cast = build_cast()
    series = rate_charts(cast)
    log_in(cast.users["lead"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    titles = {"weekly-p": "Percentage (%)", "monthly-u": "Per 1,000occupied bed days"}

    problems = []
    for name, s in series.items():
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"/series/{s.pk}/chart/")
            page.locator(".collab-chart .ytick").first.wait_for()
            page.screenshot(path=str(SHOTS / f"test-{name}-{width}.png"), full_page=True)
            where = f"{name} at {width} px: "
            problems += [where + p for p in clipped(page, width)]
            title = page.locator(".collab-chart .g-ytitle").first.text_content()
            if title != titles[name]:  # the lines of a wrapped title join without a space
                problems.append(where + f"the axis is titled {title!r}")
            ticks = page.locator(".collab-chart .ytick text").all_text_contents()
            # A rate cannot be negative; the axis used to run to −2 under the PDSA markers.
            if below := [t for t in ticks if t.startswith(("-", "\u2212"))]:
                problems.append(where + f"ticks below zero: {below}")
    assert problems == [], "\n".join(problems)


def test_the_grid_shows_its_first_period_whole_and_labels_every_box(page, log_in):
    cast = build_cast()
    log_in(cast.users["lead"])
    SHOTS.mkdir(parents=True, exist_ok=True)

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/teams/{cast.alpha.pk}/data/")
        page.screenshot(path=str(SHOTS / f"test-grid-{width}.png"), full_page=True)
        for wrapper in page.locator(".collab-grid-wrapper").all():
            cut = wrapper.evaluate(
                """(wrapper) => {
                  const edge = wrapper.querySelector("thead th:first-child")
                    .getBoundingClientRect().right;
                  const right = wrapper.getBoundingClientRect().left + wrapper.clientWidth;
                  return [...wrapper.querySelectorAll("thead th:not(:first-child)")]
                    .filter((th) => {
                      const box = th.getBoundingClientRect();
                      const shown = Math.min(box.right, right) - Math.max(box.left, edge);
                      return shown > 1 && shown < box.width - 1;
                    })
                    .map((th) => th.textContent.trim());
                }"""
            )
            assert cut == [], f"periods half hidden at {width} px: {cut}"
            # The newest period is in view.
            assert wrapper.locator("thead th").last.evaluate(
                """(th) => {
                  const box = th.getBoundingClientRect();
                  const wrapper = th.closest(".collab-grid-wrapper").getBoundingClientRect();
                  return box.right <= wrapper.right + 1;
                }"""
            )
            caption = wrapper.locator("caption span")
            assert caption.is_visible() and caption.evaluate(
                "(el) => el.getBoundingClientRect().left >= 0"
            )
        series = cast.alpha_series.pk
        numerator = page.locator(f"label[for='n-{series}-11']")
        denominator = page.locator(f"label[for='d-{series}-11']")
        assert numerator.is_visible() and numerator.inner_text().startswith("Numerator")
        assert denominator.is_visible() and denominator.inner_text().startswith("Denominator")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
