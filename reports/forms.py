import datetime as dt

from django import forms

from governance.forms import DateInput, NHSFormMixin

MAX_PERIOD_DAYS = 2 * 366


def last_twelve_months(today: dt.date) -> tuple[dt.date, dt.date]:
    """The twelve whole months before this one: the usual contract-review year."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    year, month = (end.year, end.month + 1) if end.month < 12 else (end.year + 1, 1)
    return dt.date(year - 1, month, 1), end


class PeriodForm(NHSFormMixin, forms.Form):
    period_start = forms.DateField(
        label="First day of the reporting period",
        help_text="Usually the twelve whole months to the end of last month; at most two years.",
        widget=DateInput,
        error_messages={"required": "Enter the first day of the reporting period"},
    )
    period_end = forms.DateField(
        label="Last day of the reporting period",
        widget=DateInput,
        error_messages={"required": "Enter the last day of the reporting period"},
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end:
            if end < start:
                self.add_error("period_end", "The last day must be on or after the first day")
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("period_end", "A reporting period can be at most two years")
        return data


class CommentaryForm(NHSFormMixin, forms.Form):
    """A text box per section of the report; the fields come from the review's sections."""

    def __init__(self, *args, sections: list[tuple[str, str]], initial_text: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for key, title in sections:
            self.fields[key] = forms.CharField(
                label=title,
                required=False,
                max_length=6000,
                initial=initial_text.get(key, ""),
                widget=forms.Textarea(attrs={"rows": 5}),
            )
        # Added after the mixin classed the (then empty) form's widgets.
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "nhsuk-textarea")

    def commentary(self) -> dict:
        # Text boxes only: the form also carries its version (reports/views.py).
        return {
            k: v.strip() for k, v in self.cleaned_data.items() if isinstance(v, str) and v.strip()
        }


class SignOffForm(NHSFormMixin, forms.Form):
    confirm = forms.BooleanField(
        label="I have read this report and it is ready to send",
        error_messages={"required": "Confirm that the report is ready to send"},
    )
