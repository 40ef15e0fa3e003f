"""The plain words of the verdict (``charts.summary``, the one place they are written): every
status beside every variation icon of the latest point reads sensibly, on hand-built
verdicts of a monthly series that starts in January 2025."""

import pytest

from measures.spc import SeriesSpec
from measures.spc.charts import Point, Signal, Verdict, summary
from measures.spc.spec import STATUSES, VARIATIONS

MONTHS = [f"{2025 + i // 12}-{i % 12 + 1:02d}-01" for i in range(30)]
SPEC = SeriesSpec(chart="i", y=[50.0] * 30, improvement="up", labels=MONTHS)
POINTS = [
    Point(50.0, 50.0, 47.0, 53.0, 48.0, 52.0, None, False, "common_cause", 0, i < 12, None)
    for i in range(30)
]
GAIN = Signal("improvement", "shift", 16, 29)  # May 2026 onwards
OLD_GAIN = Signal("improvement", "shift", 13, 20)  # February to September 2026
CONCERN = Signal("concern", "outside_limits", 8 + 12, 8 + 12)  # September 2026
OLD_CONCERN = Signal("concern", "outside_limits", 8, 8)  # September 2025

VERDICTS = {
    "improved": Verdict("improved", "shift", 16, 29, (GAIN,)),
    "deteriorated": Verdict(
        "deteriorated", "outside_limits", 28, 28, (Signal("concern", "outside_limits", 28, 28),)
    ),  # fmt: skip
    "not_sustained": Verdict("not_sustained", "shift", 13, 20, (OLD_GAIN,)),
    "no_change": Verdict("no_change", None, None, None, ()),
    "insufficient_data": Verdict("insufficient_data", None, None, None, ()),
}
OPENINGS = {
    "improved": "Improved: a shift from May 2026 that still holds.",
    "deteriorated": "Deteriorated: a signal of concern in May 2027 (a point beyond the limits).",
    "not_sustained": (
        "The 2026 improvement was not sustained: the latest six months are no longer clearly "
        "better than the baseline."
    ),
    "no_change": "No signal of change: the variation is what this process usually produces.",
    "insufficient_data": "Not enough data yet",
}


def words(verdict, variation, spec=SPEC, assurance=None):
    result = {
        "verdict": verdict,
        "variation": variation,
        "assurance": assurance,
        "baseline": 12,
        "points_needed": 4 if verdict.status == "insufficient_data" else 0,
    }
    return summary(spec, POINTS, result)


@pytest.mark.parametrize("variation", VARIATIONS)
@pytest.mark.parametrize("status", STATUSES)
def test_every_status_reads_sensibly_beside_every_latest_point_icon(status, variation):
    text = words(VERDICTS[status], variation)
    assert text.startswith(OPENINGS[status])
    latest_improves = variation.startswith("improvement")
    latest_concerns = variation.startswith("concern")
    if status == "insufficient_data":
        assert "latest" not in text  # too little data to say anything about the latest point
        return
    # the latest point is mentioned exactly when its icon says something the status does not
    assert ("The latest month is a signal of improvement" in text) == (
        latest_improves and status != "improved"
    )
    assert ("The latest month is a signal of concern" in text) == (
        latest_concerns and status != "deteriorated"
    )
    assert ("The latest month is unusually" in text) == variation.startswith("neutral")
    if latest_improves and status != "improved":
        assert "not yet a gain that holds" in text  # one good month is not a sustained gain
    for other, opening in OPENINGS.items():
        if other != status:
            assert opening not in text


def test_it_names_a_past_concern_that_was_not_repeated():
    verdict = Verdict("no_change", None, None, None, (OLD_CONCERN,))
    assert words(verdict, "common_cause") == (
        "A signal of concern in September 2025, not repeated since: no change now."
    )


def test_it_says_a_good_month_that_did_not_hold_is_no_lasting_change():
    verdict = Verdict(
        "no_change", None, None, None, (Signal("improvement", "outside_limits", 20, 20),)
    )
    assert words(verdict, "common_cause") == (
        "A signal of improvement in September 2026 that did not hold: no lasting change from "
        "the baseline."
    )


def test_it_names_a_concern_among_the_latest_six_beside_a_gain_that_holds():
    verdict = Verdict("improved", "shift", 16, 26, (
        Signal("improvement", "shift", 16, 26), Signal("concern", "outside_limits", 27, 27),
        Signal("improvement", "shift", 28, 29),
    ))  # fmt: skip
    text = words(verdict, "improvement_high")
    assert text == (
        "Improved: a shift from May 2026 that still holds. A signal of concern in April 2027 "
        "does not overturn it: the latest six months are still clearly better than the "
        "baseline."
    )


def test_it_says_a_concern_on_the_latest_point_once():
    verdict = VERDICTS["deteriorated"]
    last = Signal("concern", "outside_limits", 29, 29)
    text = words(Verdict("deteriorated", "outside_limits", 29, 29, (last,)), "concern_low")
    assert text == "Deteriorated: a signal of concern in June 2027 (a point beyond the limits)."
    assert verdict.history[0].first_index == 28


def test_without_a_direction_it_says_which_way_the_chart_moved():
    spec = SeriesSpec(chart="i", y=[50.0] * 30, improvement=None, labels=MONTHS)
    verdict = Verdict("no_change", None, None, None, (Signal("high", "shift", 16, 29),))
    assert words(verdict, "neutral_high", spec=spec) == (
        "The chart moved higher from May 2026 to June 2027, but without a direction of "
        "improvement it cannot say whether that is better or worse. The latest month is "
        "unusually high."
    )


def test_it_adds_what_the_assurance_icon_says():
    text = words(VERDICTS["improved"], "improvement_high", assurance="fail")
    assert text.endswith(
        "At this level the target will not be met without a change to the process."
    )


def test_it_says_an_older_concern_still_holds_when_the_worse_level_does():
    verdict = Verdict("deteriorated", "shift", 14, 20, (Signal("concern", "shift", 14, 20),))
    assert words(verdict, "common_cause") == (
        "Deteriorated: a signal of concern from March 2026 to September 2026 (a shift), and "
        "the latest six months are still clearly worse than the baseline."
    )
