"""NHS Digital's small-number rules for figures that leave a collaborative."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance import disclosure


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (0, "0"),
        (1, "*"),
        (5, "*"),
        (7, "*"),
        (8, "10"),
        (12, "10"),
        (13, "15"),
        (17, "15"),
        (18, "20"),
        (22, "20"),
        (23, "25"),
        (100, "100"),
        (1003, "1005"),
    ],
)
def test_counts_from_one_to_seven_are_stars_and_the_rest_round_to_nearest_five(raw, shown):
    assert disclosure.disclose_count(raw) == shown


def test_halves_round_up_not_to_even():
    # 10 is a multiple of 5 already; 12.5 cannot occur for whole counts, but 7.5 -> 8
    # after rounding the Decimal up, then 8 -> 10.
    assert disclosure.disclose_count(Decimal("7.5")) == "10"
    assert disclosure.disclose_count(Decimal("7.4")) == "*"


def test_percentage_is_worked_out_from_the_rounded_figures():
    out = disclosure.disclose_rate(12, 23)  # rounded 10 / 25
    assert out == {
        "numerator": "10",
        "denominator": "25",
        "suppressed": False,
        "value": 40.0,
        "percent": "40",
    }


def test_rate_is_suppressed_when_numerator_or_denominator_is_small():
    assert disclosure.disclose_rate(3, 40)["percent"] == "*"
    assert disclosure.disclose_rate(0, 6)["percent"] == "*"
    assert disclosure.disclose_rate(0, 6)["numerator"] == "0"
    assert disclosure.disclose_rate(3, 40)["value"] is None


def test_zero_denominator_gives_no_percentage():
    assert disclosure.disclose_rate(0, 0)["percent"] == ""


def test_negative_or_non_numeric_counts_are_refused():
    with pytest.raises(ValueError):
        disclosure.disclose_count(-1)
    with pytest.raises(TypeError):
        disclosure.disclose_count("12")


def test_counts_people_reads_the_measures_own_flag():
    assert disclosure.counts_people(SimpleNamespace(counts_people=True)) is True
    assert disclosure.counts_people(SimpleNamespace(counts_people=False)) is False


def test_disclose_for_leaves_measures_that_do_not_count_people_raw():
    minutes = SimpleNamespace(counts_people=False, multiplier=1)
    assert disclosure.disclose_for(minutes, Decimal("3"), None)["numerator"] == "3"
    patients = SimpleNamespace(counts_people=True, multiplier=100)
    assert disclosure.disclose_for(patients, 3, 40)["numerator"] == "*"


def test_rules_come_from_settings(settings):
    settings.COLLAB_DISCLOSURE = {"suppress_up_to": 9, "round_to": 10, "symbol": "c"}
    assert disclosure.disclose_count(9) == "c"
    assert disclosure.disclose_count(14) == "10"
    assert disclosure.disclose_count(15) == "20"
    settings.COLLAB_DISCLOSURE = {"enabled": False}
    assert disclosure.disclose_count(3) == "3"


def test_unknown_setting_is_an_error_not_silently_ignored(settings):
    settings.COLLAB_DISCLOSURE = {"round": 5}
    with pytest.raises(ValueError):
        disclosure.disclose_count(10)


@given(st.integers(min_value=0, max_value=10**7))
def test_property_no_published_count_is_small_or_unrounded(n):
    shown = disclosure.disclose_count(n)
    if shown == "*":
        assert 1 <= n <= 7
        return
    value = int(shown)
    assert value == 0 or value >= 10  # nothing from 1 to 7 ever shows
    assert value % 5 == 0
    assert abs(value - n) <= 2


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_property_published_percentage_matches_the_published_counts(num, extra):
    den = num + extra
    out = disclosure.disclose_rate(num, den)
    if out["suppressed"]:
        assert out["percent"] == "*"
        return
    n, d = int(out["numerator"]), int(out["denominator"])
    assert n % 5 == 0 and d % 5 == 0
    if d:
        assert out["value"] == pytest.approx(n / d * 100)
