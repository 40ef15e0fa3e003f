"""A team's place among its peers in plain words (dashboards/peers.py), against funnels built
by hand: limits set for each team, so each sentence is checked against a known position."""

import dataclasses
import datetime as dt
from types import SimpleNamespace

import pytest

from dashboards.aggregate import Funnel, FunnelTeam
from dashboards.peers import MIN_TEAMS, peer_position
from measures.spc.funnel import FunnelResult, FunnelUnit, Limits

START, END = dt.date(2025, 12, 1), dt.date(2026, 11, 1)
# Every team's limits: 95% from 4 to 6, 99.8% from 3 to 7 (per 1,000 bed days).
LIMITS = {"lcl95": 4.0, "ucl95": 6.0, "lcl998": 3.0, "ucl998": 7.0}


def unit(team_id, value, *, suppressed=False):
    """A team on a hand-built funnel; fields the core may add later are left empty."""
    if suppressed:
        core = None
    else:
        given = {
            "id": team_id,
            "value": value,
            "trimmed": False,
            "unadjusted": Limits(**LIMITS),
            "outlier95": not 4 <= value <= 6,
            "outlier998": not 3 <= value <= 7,
            **LIMITS,
        }
        core = FunnelUnit(**{f.name: given.get(f.name) for f in dataclasses.fields(FunnelUnit)})
    return FunnelTeam(
        team=SimpleNamespace(pk=team_id),
        label=f"Team {team_id}",
        numerator=None if suppressed else value * 2,
        denominator=None if suppressed else 2000.0,
        rate=None if suppressed else value,
        unit=core,
        own=False,
        suppressed=suppressed,
    )


def funnel(values, *, direction="down", withheld=(), data_type="SR", start=START):
    """Team 1 has the first value; the others are its peers."""
    units = [unit(i + 1, v) for i, v in enumerate(values)]
    units += [unit(t, 0, suppressed=True) for t in withheld]
    core = FunnelResult(target=5.0, phi=1.0, tau2=0.0, n_used=len(values), adjusted=False,
                        units=tuple(u.unit for u in units if u.unit))  # fmt: skip
    return Funnel(
        measure=SimpleNamespace(direction=direction),
        start=start,
        end=END,
        data_type=data_type,
        result=core,
        units=units,
    )


PEERS = [5.0, 5.2, 4.8, 5.1, 4.9]


def test_a_team_within_the_limits_is_in_the_range_expected_of_teams_its_size():
    p = peer_position(funnel([5.5, *PEERS]), 1)
    assert p.status == "within" and not p.outside
    assert p.words == (
        "Within the range expected of teams your size over the 12 months to Nov 2026."
    )


def test_above_the_998_limit_is_higher_than_expected_and_says_whether_that_is_worse():
    p = peer_position(funnel([7.6, *PEERS], direction="down"), 1)
    assert (p.status, p.judgement, p.outside) == ("above998", "worse", True)
    assert p.words == (
        "Higher than expected: above the 99.8% limit for teams your size over the 12 months "
        "to Nov 2026. For this measure, higher is worse."
    )


def test_below_the_998_limit_is_lower_than_expected():
    p = peer_position(funnel([2.1, *PEERS], direction="down"), 1)
    assert (p.status, p.judgement) == ("below998", "better")
    assert p.words.startswith("Lower than expected: below the 99.8% limit for teams your size")
    assert p.words.endswith("For this measure, lower is better.")
    worse = peer_position(funnel([2.1, *PEERS], direction="up"), 1)
    assert worse.judgement == "worse" and worse.words.endswith("lower is worse.")


def test_outside_only_the_95_limits_is_not_yet_a_clear_difference():
    above = peer_position(funnel([6.5, *PEERS], direction="up"), 1)
    assert (above.status, above.judgement, above.outside) == ("above95", "better", False)
    assert above.words == (
        "Higher than most: above the 95% limit but within the 99.8% limit for teams your "
        "size over the 12 months to Nov 2026, not yet a clear difference. For this measure, "
        "higher is better."
    )
    below = peer_position(funnel([3.5, *PEERS], direction="up"), 1)
    assert below.status == "below95"
    assert below.words.startswith("Lower than most: below the 95% limit but within the 99.8%")


def test_a_measure_with_no_direction_says_neither_better_nor_worse():
    p = peer_position(funnel([7.6, *PEERS], direction="neither"), 1)
    assert p.status == "above998" and p.judgement == ""
    assert "better" not in p.words and "worse" not in p.words


def test_too_few_peers_are_no_fair_comparison():
    values = [7.6, *PEERS][: MIN_TEAMS - 1]
    p = peer_position(funnel(values), 1)
    assert p.status == "too_few" and not p.outside
    assert p.words == (
        f"Too few teams to compare: {MIN_TEAMS - 1} reported this measure over the 12 months "
        f"to Nov 2026; a fair comparison needs at least {MIN_TEAMS}."
    )


def test_withheld_teams_do_not_count_as_peers_on_the_plot():
    values = [7.6, *PEERS][: MIN_TEAMS - 1]
    p = peer_position(funnel(values, withheld=(90, 91)), 1)
    assert p.status == "too_few"


def test_a_team_missing_from_the_funnel_has_no_data():
    p = peer_position(funnel([5.0, *PEERS]), 42)
    assert p.status == "no_data"
    assert p.words == (
        "No comparison with other teams: your team reported no figures for this measure over "
        "the 12 months to Nov 2026."
    )


def test_a_team_whose_figures_are_withheld_is_not_compared():
    p = peer_position(funnel(PEERS, withheld=(42,)), 42)
    assert p.status == "withheld"
    assert "too small to publish" in p.words


def test_a_measure_that_cannot_go_on_a_funnel_says_why():
    empty = Funnel(
        measure=SimpleNamespace(direction="down"),
        start=START,
        end=END,
        reason="A funnel plot compares rates or proportions; this measure has no denominator.",
    )
    p = peer_position(empty, 1)
    assert p.status == "no_funnel"
    assert p.words == (
        "No comparison with other teams: a funnel plot compares rates or proportions; this "
        "measure has no denominator."
    )
    nobody = dataclasses.replace(empty, data_type="SR", reason="No team reported it.")
    assert peer_position(nobody, 1).status == "no_data"


@pytest.mark.parametrize(
    ("start", "window"),
    [
        (None, "over every period reported to Nov 2026"),
        (dt.date(2026, 11, 1), "in Nov 2026"),
        (dt.date(2026, 6, 1), "over the 6 months to Nov 2026"),
    ],
)
def test_the_words_name_the_window_of_the_funnel(start, window):
    p = peer_position(funnel([5.5, *PEERS], start=start), 1)
    assert p.words == f"Within the range expected of teams your size {window}."


def test_about_a_team_rather_than_to_it():
    assert "teams of its size" in peer_position(funnel([5.5, *PEERS]), 1, you=False).words
    missing = peer_position(funnel(PEERS), 42, you=False)
    assert "the team reported no figures" in missing.words
