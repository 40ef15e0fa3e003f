"""The NHS-number check that keeps patient-identifiable data out of free text."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from governance.forms import NHSNumberGuardMixin
from governance.safeguards import (
    find_nhs_numbers,
    is_valid_nhs_number,
    json_has_nhs_number,
    reject_nhs_numbers,
)

# 943 476 5919 is the NHS Data Dictionary's worked example; the others are computed the same way.
VALID = ["9434765919", "4010232137", "9990001170"]
# Wrong last digits, and one whose check digit would be 10 (never valid).
INVALID = ["9434765918", "4010232138", "9990001171", "0000000060"]


@pytest.mark.parametrize("digits", VALID)
def test_it_accepts_a_valid_check_digit(digits):
    assert is_valid_nhs_number(digits)


@pytest.mark.parametrize("digits", INVALID)
def test_it_rejects_a_wrong_check_digit(digits):
    assert not is_valid_nhs_number(digits)


@pytest.mark.parametrize(
    "text",
    [
        "Patient 9434765919 fell twice.",
        "NHS no. 943 476 5919, bay 3",
        "943-476-5919",
        "(401 023 2137)",
    ],
)
def test_it_finds_nhs_numbers_with_or_without_spaces(text):
    assert len(find_nhs_numbers(text)) == 1
    with pytest.raises(ValidationError) as refused:
        reject_nhs_numbers(text)
    message = refused.value.messages[0]
    assert "Remove the NHS number" in message
    assert "identify a patient" in message
    # The message does not repeat the whole number.
    assert "5919" not in message and "2137" not in message


@pytest.mark.parametrize(
    "text",
    [
        "Falls fell from 12 to 7 per 1,000 bed days.",
        "Call 9434765918 for the ward.",  # ten digits, but the check digit fails
        "Ref 19434765919",  # eleven digits: not an NHS number
        "943 476 59190",
        "",
    ],
)
def test_it_lets_other_text_through(text):
    assert find_nhs_numbers(text) == []
    reject_nhs_numbers(text)


class NoteForm(NHSNumberGuardMixin, forms.Form):
    note = forms.CharField(widget=forms.Textarea)
    email = forms.EmailField(required=False)
    count = forms.IntegerField(required=False)


def test_the_form_mixin_checks_every_field_but_the_exempt():
    form = NoteForm(
        {"note": "Seen: 943 476 5919", "email": "9434765919@nhs.net", "count": "9434765919"}
    )

    assert not form.is_valid()
    # A number typed by hand is checked too; an email address is exempt.
    assert sorted(form.errors) == ["count", "note"]
    assert NoteForm({"note": "Fine", "count": "9434765918"}).is_valid()


@pytest.mark.parametrize(
    "text",
    [
        "943.476.5919",
        "943/476/5919",
        "943\u00a0476\u00a05919",  # non-breaking spaces
        "943\u2009476\u20095919",  # thin spaces
        "943\u202f476\u30005919",  # narrow no-break and ideographic spaces
        "943\t476\t5919",
        "943  476   5919",
        "943 - 476 - 5919",
        "943\u2013476\u20145919",  # en and em dashes
        "943\u200b476\u200b5919",  # zero-width spaces
        "9434 765 919",
        "94 34 76 59 19",
        "9 4 3 4 7 6 5 9 1 9",
        "943.476 5919",
        "Bed 12 943 476 5919",  # a number before it does not hide it
        "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",  # full-width digits
        "NHS no:9434765919.",
    ],
)
def test_it_finds_an_nhs_number_however_it_is_separated_or_grouped(text):
    assert find_nhs_numbers(text) == ["9434765919"]
    with pytest.raises(ValidationError):
        reject_nhs_numbers(text)


@pytest.mark.parametrize(
    "text",
    [
        "943, 476, 5919",  # the message's advice: a comma between the groups
        "ref 943 and 476 5919",  # or a word
        "9434 765 9190",  # eleven digits in whole groups
        "Seen on 2024-01-15 and 2024-02-01",
        "Rate 12.5 per 1,000 bed days, 3/7 wards",
    ],
)
def test_it_lets_through_what_the_message_suggests_and_ordinary_figures(text):
    assert find_nhs_numbers(text) == []


def test_the_message_says_how_to_write_a_number_that_is_not_one():
    with pytest.raises(ValidationError) as refused:
        reject_nhs_numbers("943 476 5919")
    message = refused.value.messages[0]
    assert "1 in 11" in message
    assert "comma or a word between its groups" in message
    # Its own examples pass the check, so following the advice works.
    assert find_nhs_numbers(message) == []


class WhenForm(NHSNumberGuardMixin, forms.Form):
    at = forms.DateTimeField()


def test_a_date_and_time_field_is_a_date_not_text():
    # Printed, 19 March 2024 at midnight holds ten digits in whole groups (2024 03 19 00)
    # that pass modulus 11.
    assert find_nhs_numbers("2024-03-19 00:00:00+00:00")
    assert WhenForm({"at": "2024-03-19 00:00"}).is_valid()


def test_a_short_text_whose_characters_widen_to_ten_digits_is_still_searched():
    # Nine characters, ten digits once normalised ("⑲" is "19"): the ASCII short cut
    # (fewer than ten characters or digits) must not apply to it.
    assert find_nhs_numbers("94347659\u2472") == ["9434765919"]
    assert find_nhs_numbers("943 476 5919") == ["9434765919"]
    assert find_nhs_numbers("943-47") == []


@pytest.mark.parametrize(
    "value",
    [
        {"rows": [{"row": 1, "note": "ok"}, {"row": 2, "note": "call 943 476 5919"}]},
        {"9434765919": "a key"},
        [[[9434765919]]],
        {"n": -9434765919},
        ("x", 9434765919.0),
    ],
)
def test_json_check_finds_a_number_anywhere_in_the_value(value):
    assert json_has_nhs_number(value)


def test_json_check_passes_numbers_of_fewer_than_ten_digits_and_plain_text():
    value = {"add": [{"row": n, "series": 999_999_999, "ok": True, "x": None} for n in range(50)]}
    assert not json_has_nhs_number(value | {"note": "1234567890 is not one"})


@pytest.mark.parametrize(
    "value",
    [
        {"cells": ["９４３ ４７６ ５９１９"]},  # full-width digits
        {"cells": ["ref ⑨④③④⑦⑥⑤⑨①⑨"]},  # circled digits, which NFKC reads as digits
        {"rows": [{"period": "2024-01-01", "n": "12"}] * 500 + [{"note": "9434765919"}]},
        {"note": "943\n476\t5919"},  # JSON writes these separators as escapes
        {"note": "943\\476\x0b5919"},  # a backslash, a vertical tab (\u000b in JSON)
        {(1, 2): "call 943 476 5919"},  # a key JSON cannot hold: checked value by value
    ],
)
def test_json_check_finds_a_number_written_any_way_among_many_values(value):
    assert json_has_nhs_number(value)


def test_json_check_never_joins_two_values_into_one_number():
    """The values are searched together, joined by commas: 94347 and 65919 are two
    values, not the NHS number 943 476 5919."""
    assert not json_has_nhs_number({"a": "94347", "b": "65919"})
    assert not json_has_nhs_number(["94347", "65919", "943-47", "6-5919"])
    assert json_has_nhs_number(["94347 65919"])
