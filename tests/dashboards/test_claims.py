"""dashboards.claims: the one definition of each claim, on hand-built verdicts."""

import datetime as dt
from types import SimpleNamespace

import pytest

from dashboards import claims
from dashboards.claims import Candidate, MeasureVerdict, TeamTally
from dashboards.sustain import gain_lost


def verdict(name, kind, status):
    return MeasureVerdict(hash(name) % 1000, name, kind, status)


def test_it_names_the_five_verdicts_and_reads_the_old_none_as_no_change():
    assert claims.STATUSES == (
        "improved",
        "deteriorated",
        "not_sustained",
        "no_change",
        "insufficient_data",
    )
    assert claims.status_of("none") == "no_change"
    assert claims.status_of("") == "insufficient_data"
    assert claims.status_of(None) == "insufficient_data"
    assert claims.status_of("not_sustained") == "not_sustained"


def test_it_leaves_balancing_measures_out_of_n_of_m_and_sets_them_beside():
    tally = claims.measures_tally(
        [
            verdict("Falls", "outcome", "improved"),
            verdict("Falls at night", "outcome", "improved"),
            verdict("Risk assessment", "process", "improved"),
            verdict("Lying and standing BP", "process", "not_sustained"),
            verdict("Bed rails", "balancing", "deteriorated"),
        ]
    )
    assert (tally.improved, tally.counted) == (3, 4)
    assert tally.words == "3 of 4 measures improved"
    assert [(b.name, b.status) for b in tally.balancing] == [("Bed rails", "deteriorated")]
    assert [b.name for b in tally.balancing_worse] == ["Bed rails"]
    assert claims.MeasureTally.from_dict(tally.as_dict()) == tally


def test_the_words_never_say_of_improvement():
    one = claims.measures_tally(iter([verdict("Falls", "outcome", "improved")]))
    assert one.words == "1 of 1 measure improved"
    assert "of improvement" not in one.words


def test_only_a_gain_that_still_holds_counts_as_improved():
    tally = claims.teams_tally(
        ["improved", "not_sustained", "deteriorated", "none", "insufficient_data", None]
    )
    assert (tally.teams, tally.judged, tally.improved) == (6, 4, 1)
    assert tally.share == 0.25
    assert tally.words == "1 of 4 teams improved"


def test_most_improvement_is_the_share_of_judged_teams_with_ties_broken_by_progress():
    north = Candidate("n", "North", TeamTally(teams=10, judged=4, improved=2), progress=0.3)
    south = Candidate("s", "South", TeamTally(teams=3, judged=2, improved=1), progress=0.6)
    east = Candidate("e", "East", TeamTally(teams=9, judged=9, improved=4), progress=0.9)
    west = Candidate("w", "West", TeamTally(teams=5, judged=0, improved=0), progress=1.0)
    order = claims.most_improvement_order([north, south, east, west])
    # 1 of 2 and 2 of 4 tie at a half: South's progress is greater; West has no data
    assert [c.name for c in order] == ["South", "North", "East"]
    assert claims.most_improvement([north, south, east, west]) == south


def test_no_one_has_most_improvement_when_no_team_improved():
    a = Candidate("a", "A", TeamTally(teams=3, judged=3, improved=0), progress=0.5)
    assert claims.most_improvement([a]) is None
    assert claims.most_improvement([]) is None


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (2.75, 2, "2.75"),  # the median the PDF printed as 2.8
        (2.745, 2, "2.75"),  # half up, not to even
        (3.0, 2, "3"),
        (2.5, 1, "2.5"),
        (1250.5, 2, "1,250.5"),
        (0.125, 2, "0.13"),
        (None, 2, "–"),
    ],
)
def test_figures_are_rounded_in_one_place(value, places, text):
    assert claims.number_text(value, places) == text


def test_progress_is_read_at_the_latest_complete_period():
    points = [
        (dt.date(2026, 8, 1), 6.0),
        (dt.date(2026, 9, 1), 5.0),
        (dt.date(2026, 10, 1), 2.0),  # in progress: not counted
    ]
    p = claims.progress_to_target(
        baseline=8, target=4, points=points, cutoff=dt.date(2026, 9, 1), status="improved"
    )
    assert p.period == dt.date(2026, 9, 1) and p.latest == 5.0
    assert p.share == 0.75 and p.percent == 75 and p.claimed


@pytest.mark.parametrize(
    ("share", "status", "claimed"),
    [
        (0.5, "improved", True),
        (0.5, "not_sustained", False),
        (1.2, "no_change", False),
        (1.2, "improved", True),
        (-0.3, "improved", False),
    ],
)
def test_a_gain_is_claimed_only_where_the_verdict_is_improved(share, status, claimed):
    p = claims.Progress(baseline=8, target=4, latest=8 - 4 * share, share=share, status=status)
    assert p.claimed is claimed
    words = claims.progress_words(share, status)
    assert ("no gain is claimed" in words) is (share >= 0 and not claimed)
    if share < 0:
        assert "further from the target" in words


def test_a_back_dated_reading_ignores_a_verdict_reached_later():
    result = {
        "x": ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"],
        "status": "improved",
        "variation": "improvement_low",
        "point_type": ["common_cause", "common_cause", "improvement", "improvement"],
        "verdict_first_index": 2,
    }
    assert claims.reading_as_of(result, dt.date(2025, 5, 1)) == ("improvement", "improved")
    assert claims.reading_as_of(result, dt.date(2025, 2, 15)) == ("", "no_change")
    assert claims.reading_as_of(result, dt.date(2024, 12, 1)) == ("", "insufficient_data")


def chart(status, point_type, *, first=None, rule=""):
    return SimpleNamespace(
        improvement="down",
        status=status,
        point_type=point_type,
        x=[f"2025-{m:02d}-01" for m in range(1, len(point_type) + 1)],
        verdict_first_index=first,
        verdict_rule=rule,
        rule=[""] * len(point_type),
        phases=[],
    )


IMPROVING = ["common_cause"] * 4 + ["improvement"] * 4


def test_a_concern_point_under_a_gain_that_holds_raises_no_sustain_alert():
    assert gain_lost(chart("improved", [*IMPROVING, "concern"], first=4, rule="shift")) is None
    assert claims.gain_lost is gain_lost  # the one rule, read by claims and the alerts


def test_a_gain_that_no_longer_holds_raises_a_sustain_alert():
    faded = chart("not_sustained", [*IMPROVING, "common_cause", "common_cause"], first=4)
    assert gain_lost(faded) == (4, "")


def test_a_deterioration_after_a_gain_in_the_verdicts_history_raises_one():
    # the points after the baseline carry no improvement mark; the history has the gain
    late = chart("deteriorated", ["common_cause"] * 8 + ["concern"], first=8)
    late.verdict_history = [
        {"side": "improvement", "rule": "shift", "first_index": 2, "last_index": 5},
        {"side": "concern", "rule": "outside_limits", "first_index": 8, "last_index": 8},
    ]
    assert gain_lost(late) == (8, "")


def test_a_deterioration_after_a_gain_raises_one_but_without_a_gain_it_does_not():
    after_gain = chart("deteriorated", [*IMPROVING, "concern"], first=8, rule="outside_limits")
    assert gain_lost(after_gain) == (8, "outside_limits")
    never_improved = chart("deteriorated", ["common_cause"] * 8 + ["concern"], first=8)
    assert gain_lost(never_improved) is None
    assert gain_lost(chart("no_change", IMPROVING)) is None


def test_percentages_are_rounded_by_the_same_function():
    # 12.5% was 12% in the PDF (round half to even) and 13% nowhere: now 13% everywhere
    assert claims.percent_text(0.125) == "13%"
    assert claims.percent_text(1) == "100%"
    assert claims.percent_text(None) == "–"
