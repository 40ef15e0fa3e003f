"""Forms for what shapes a chart: phases, point marks, annotations, target and direction."""

import datetime as dt

from django import forms

from governance.forms import DateInput, NHSFormMixin
from measures.models import Measure, PointMark

# How far either side of a new phase's start a signal must be for the phase to look
# earned: a sustained shift is 6 to 8 points, and its first point is where limits restart.
SIGNAL_WINDOW = 8


def _period_choices(result):
    return [(day, dt.date.fromisoformat(day).strftime("%d %b %Y")) for day in result.x]


class PhaseForm(NHSFormMixin, forms.Form):
    start_period = forms.TypedChoiceField(
        label="First period of the new phase", coerce=dt.date.fromisoformat
    )
    reason = forms.CharField(
        label="Why the process changed here",
        max_length=500,
        help_text="For example: the new falls pathway went live on every ward.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm_without_signal = forms.BooleanField(
        required=False,
        label="Add the phase even though no signal shows a change here",
    )

    def __init__(self, *args, result, existing, **kwargs):
        super().__init__(*args, **kwargs)
        self.result = result
        self.existing = set(existing)
        self.fields["start_period"].choices = [("", "Choose a period")] + _period_choices(result)[
            1:
        ]

    def preceded_by_signal(self, start: dt.date) -> bool:
        """Whether special-cause points lie near the start (a shift begins there, say)."""
        index = self.result.x.index(start.isoformat())
        window = range(
            max(index - SIGNAL_WINDOW, 0), min(index + SIGNAL_WINDOW, len(self.result.x))
        )
        return any(self.result.special_cause[i] for i in window)

    def clean(self):
        data = super().clean()
        start = data.get("start_period")
        if start is None:
            return data
        if start in self.existing:
            self.add_error("start_period", "A phase already starts in this period")
        elif not self.preceded_by_signal(start) and not data.get("confirm_without_signal"):
            self.add_error(
                "confirm_without_signal",
                "No signal (a shift, a trend or a point outside the limits) is near "
                f"{start:%d %b %Y}. Start a new phase only after a sustained change, not to "
                "mark the start of the collaborative. Tick the box to add it anyway.",
            )
        return data


class RemovalForm(NHSFormMixin, forms.Form):
    reason = forms.CharField(label="Why it is removed", max_length=500)


class PointMarkForm(NHSFormMixin, forms.Form):
    period_start = forms.TypedChoiceField(label="Period", coerce=dt.date.fromisoformat)
    kind = forms.ChoiceField(
        label="What to mark", choices=PointMark.Kind.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        help_text="For example: the ward was closed for refurbishment.",
    )

    def __init__(self, *args, result, existing, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = set(existing)
        self.fields["period_start"].choices = [("", "Choose a period")] + _period_choices(result)

    def clean(self):
        data = super().clean()
        if (data.get("period_start"), data.get("kind")) in self.existing:
            self.add_error("period_start", "This point is already marked that way")
        return data


class AnnotationForm(NHSFormMixin, forms.Form):
    date = forms.DateField(
        label="Date",
        help_text="For example, 2025-03-17.",
        widget=forms.DateInput(
            attrs={"type": "date", "class": "nhsuk-input nhsuk-input--width-10"}, format="%Y-%m-%d"
        ),
    )
    text = forms.CharField(label="Annotation", max_length=500)


class MeasureSettingsForm(NHSFormMixin, forms.Form):
    target = forms.DecimalField(
        label="Target",
        required=False,
        max_digits=14,
        decimal_places=4,
        help_text="On the chart's scale. Leave empty for no target.",
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "class": "nhsuk-input nhsuk-input--width-10"}
        ),
    )
    direction = forms.ChoiceField(
        label="Direction of improvement",
        choices=Measure.Direction.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Reason for the change", max_length=500)


class EventForm(NHSFormMixin, forms.Form):
    """One event of an event-dated measure: its date, and for a G chart the cases since the
    previous event (the chart works out the days between from the dates)."""

    day = forms.DateField(
        label="Date of the event",
        help_text="For example, 3 November 2026.",
        widget=DateInput(),
        error_messages={
            "required": "Enter the date of the event",
            "invalid": "Enter the date of the event as a real date, for example 3 November 2026",
        },
    )
    cases_between = forms.IntegerField(
        label="Cases since the previous event (optional)",
        help_text=(
            "Admissions, procedures or other cases since the last event. Leave it empty and "
            "the chart counts the days between instead."
        ),
        required=False,
        min_value=1,
        max_value=10**9,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "class": "nhsuk-input nhsuk-input--width-10"}
        ),
        error_messages={
            "invalid": "Enter the cases since the previous event as a whole number, like 40",
            "min_value": "Enter the cases since the previous event as 1 or more",
            "max_value": "Enter the cases since the previous event as a smaller number",
        },
    )
    seen_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, counts_cases: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not counts_cases:
            del self.fields["cases_between"]
