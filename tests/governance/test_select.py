"""The project's select (governance.forms.Select) writes the markup Django's templates
write, to the character, while skipping a template per option."""

import datetime as dt

import pytest
from django import forms
from django.utils.safestring import mark_safe

from governance.forms import NHSFormMixin, Select

CASES = [
    # (choices, value, attrs)
    ([("", "Choose a period"), ("2026-01-05", "05 Jan 2026")], "", {}),
    ([("", "Choose"), ("2026-01-05", "05 Jan 2026"), ("2026-01-12", "12 Jan")], "2026-01-12", {}),
    # Labels and values that must be escaped, a label already safe, numbers and a date.
    ([("a&b", 'Tom & "Jerry" <b>'), ("x", mark_safe("<em>kept</em>"))], "a&b", {}),
    ([(1, 1234567), (2, 2.5), (3, dt.date(2026, 3, 1))], 2, {}),
    # Attributes: a True one bare, a False one left out, an escaped value, in their order.
    (
        [("m", "Monthly"), ("w", "Weekly")],
        "w",
        {"class": "nhsuk-select", "required": True, "disabled": False, "data-x": '"q" & <'},
    ),
    # A value marked safe is still escaped in an attribute (Django's stringformat filter).
    (
        [(mark_safe("<v>"), "Safe value")],
        "<v>",
        {"title": mark_safe("<b>")},
    ),
    # Option groups, and a choice outside any group after them.
    (
        [("Outcome", [("o1", "Falls"), ("o2", "Harm")]), ("Process", [("p1", "Audit")])],
        "o2",
        {"aria-describedby": "id_x-hint"},
    ),
    ([("Group", [("g", "In")]), ("solo", "Out")], None, {}),
    ([], None, {"id": "id_empty"}),
]


@pytest.mark.parametrize(("choices", "value", "attrs"), CASES)
def test_the_select_writes_what_djangos_templates_write(choices, value, attrs):
    ours = Select(attrs=dict(attrs), choices=choices).render("field", value)
    djangos = forms.Select(attrs=dict(attrs), choices=choices).render("field", value)
    assert str(ours) == str(djangos)


class Periods(NHSFormMixin, forms.Form):
    period = forms.TypedChoiceField(
        label="Period",
        help_text="The first week of the change.",
        choices=[("", "Choose a period"), ("2026-01-05", "05 Jan 2026")],
        coerce=dt.date.fromisoformat,
    )
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)


def test_every_forms_plain_select_is_the_projects_with_its_error_state_the_same():
    form = Periods({"period": "2027-01-01"})
    assert not form.is_valid()  # not a choice: the field carries its error classes
    widget = form.fields["period"].widget
    assert type(widget) is Select
    assert type(form.fields["several"].widget) is forms.SelectMultiple  # left to Django
    ours = str(form["period"])
    widget.__class__ = forms.Select
    assert ours == str(form["period"])
    assert 'class="nhsuk-select nhsuk-select--error"' in ours
    assert 'aria-describedby="id_period-hint id_period-error"' in ours
