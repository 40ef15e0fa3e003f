"""Chart pages in Chromium: drawn under the content security policy, with no console errors.

Also saves the screenshots the issue asks to look at (test-artifacts/, git-ignored): an I
chart with phases and exclusions, a P chart with a signal, a run chart with PDSA markers and
an I chart whose improvement faded (verdict not sustained, the baseline's centre line drawn
across it), each 320 and 1280 pixels wide.
"""

import datetime as dt

import pytest

from measures.edits import annotation_add, phase_add, point_mark_add
from measures.models import DataPointRevision, Measure, Series
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast
from tests.conftest import ARTIFACTS

TODAY = dt.date(2025, 6, 30)
WEEKS = [dt.date(2024, 1, 1) + dt.timedelta(weeks=i) for i in range(40)]


def measure(cast, name, chart_type, direction=Measure.Direction.UP, **extra):
    return Measure.objects.create(
        team=cast.alpha,
        name=name,
        kind=Measure.Kind.PROCESS,
        operational_definition=f"{name}, counted weekly.",
        numerator_definition="Patients",
        frequency=Measure.Frequency.WEEKLY,
        direction=direction,
        chart_type=chart_type,
        **extra,
    )


def write(series, changes):
    datapoints_write(
        series=series, changes=changes, by=None, source=DataPointRevision.Source.IMPORT, today=TODAY
    )


def charts(cast) -> dict[str, Series]:
    noise = [0, 2, -1, 1, -2, 1, 0, -1, 2, -1, 1, 0, -2, 1, 2, -1, 0, 1, -1, 2]
    i_series = Series.objects.create(
        team=cast.alpha, measure=measure(cast, "Minutes from arrival to assessment", "xmr", "down")
    )
    write(
        i_series,
        [PointChange(w, (40 if i < 20 else 30) + noise[i % 20]) for i, w in enumerate(WEEKS)],
    )
    write(i_series, [PointChange(WEEKS[7], 55)])
    phase_add(series=i_series, start_period=WEEKS[20], reason="Triage nurse at the door", by=None)
    point_mark_add(
        series=i_series,
        period_start=WEEKS[7],
        kind="excluded",
        reason="IT outage: times estimated",
        by=None,
    )

    p_series = Series.objects.create(
        team=cast.alpha,
        measure=measure(
            cast,
            "Patients screened for sepsis",
            "p",
            denominator_definition="Patients eligible",
            unit="%",
            multiplier=100,
        ),
    )
    write(
        p_series,
        [PointChange(w, (70 if i < 30 else 88) + noise[i % 20], 100) for i, w in enumerate(WEEKS)],
    )

    run_series = cast.alpha_custom_series
    write(run_series, [PointChange(w, 12 + noise[i % 20] + i // 8) for i, w in enumerate(WEEKS)])
    cast.alpha_cycle.measures.add(run_series.measure)
    cast.alpha_cycle.planned_start = WEEKS[10]
    cast.alpha_cycle.planned_end = WEEKS[12]
    cast.alpha_cycle.save()
    annotation_add(series=run_series, date=WEEKS[24], text="Audit tool moved to tablets", by=None)
    faded = Series.objects.create(
        team=cast.alpha, measure=measure(cast, "Minutes to first antibiotic", "xmr", "down")
    )
    level = [40] * 20 + [32] * 10 + [40] * 10  # better for ten weeks, then back
    write(faded, [PointChange(w, level[i] + noise[i % 20]) for i, w in enumerate(WEEKS)])
    return {"i_chart": i_series, "p_chart": p_series, "run_chart": run_series, "faded": faded}


@pytest.mark.django_db(transaction=True)
def test_chart_pages_draw_without_console_errors_at_phone_and_desktop_widths(page, log_in):
    cast = build_cast()
    series = charts(cast)
    log_in(cast.users["lead"])
    problems = []
    page.on(
        "console",
        lambda m: problems.append(m.text + str(m.location)) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    ARTIFACTS.mkdir(exist_ok=True)

    for name, s in series.items():
        for width in (320, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"/series/{s.pk}/chart/", wait_until="domcontentloaded")
            page.wait_for_selector(".collab-chart .main-svg")
            page.screenshot(path=str(ARTIFACTS / f"chart-{name}-{width}.png"), full_page=True)
            if name == "faded":
                assert "Not sustained" in page.inner_text(".collab-chart-summary")

    assert problems == []
    # The keyboard reaches the table region and the first edit control.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement !== document.body")
