"""One date field for the forms that ask for a date (governance.forms.date_field)."""

import datetime as dt

from django import forms

from governance.forms import INVALID_DATE, DateInput, NHSFormMixin, date_field


class Dates(NHSFormMixin, forms.Form):
    since = date_field("From")
    on = date_field("Date of the move", required="Enter the date of the move")


def test_a_date_is_read_and_an_impossible_one_refused_with_the_one_message():
    form = Dates({"since": "2026-02-30", "on": "2026-03-01"})
    assert not form.is_valid()
    assert form.errors["since"] == [INVALID_DATE]
    assert Dates({"on": "2026-03-01"}).is_valid()  # optional when no message is given
    form = Dates({"since": "2026-02-01"})
    assert form.errors["on"] == ["Enter the date of the move"]
    form = Dates({"on": "2026-03-01"})
    form.is_valid()
    assert form.cleaned_data == {"since": None, "on": dt.date(2026, 3, 1)}
    assert isinstance(form.fields["on"].widget, DateInput)
    assert form.fields["on"].label == "Date of the move"
