"""The shared form bases, and the sign-in and invitation forms.

Every form in the project builds on `NHSFormMixin`: it gives the widgets NHS.UK
frontend's classes, wires the hint and error to screen readers, and runs the NHS-number
check (governance/safeguards.py) on every field as the form is cleaned, including fields
a form adds after its `__init__`; only the fields in `safeguards.EXEMPT` are left alone.
templates/_field.html (the one field partial) renders a field with its label, hint and
error.
"""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString

from governance.safeguards import EXEMPT, EXEMPT_FORM_FIELD_NAMES, reject_nhs_numbers


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "nhsuk-input nhsuk-date-input__input", **(attrs or {})})
        self.format = "%Y-%m-%d"


INVALID_DATE = "Date must be a real date"


def date_field(label: str | None = None, *, required: str | None = None) -> forms.DateField:
    """A date typed into the NHS date input, refused with `INVALID_DATE` when no such day
    exists. `required` is the message when it is left empty; without it, it is optional."""
    messages = {"invalid": INVALID_DATE}
    if required:
        messages["required"] = required
    return forms.DateField(
        label=label, required=bool(required), widget=DateInput, error_messages=messages
    )


def _plain(value) -> str:
    """A value as Django's `stringformat:'s'` gives it: a plain str (never a SafeString),
    so that it is escaped."""
    return "%s" % value  # noqa: UP031 - the filter's own formatting


def _attrs_html(attrs: dict) -> SafeString:
    """An element's attributes as Django's widgets/attrs.html writes them: in order, a True
    value as the bare name, a False one left out."""
    return SafeString(
        "".join(
            format_html(" {}", name)
            if value is True
            else format_html(' {}="{}"', name, _plain(value))
            for name, value in attrs.items()
            if value is not False
        )
    )


class Select(forms.Select):
    """Django's select, its options written in one pass rather than through a template
    each (django/forms/widgets/select_option.html: about 0.1 ms an option on the 2-core
    machines here, so 10 ms for a series' hundred periods). The same markup to the
    character (tests/governance/test_select.py renders both). `NHSFormMixin` gives every
    form's plain select this class."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            # Each option as select.html lays it out, with the newline that ends
            # select_option.html.
            parts.extend(
                format_html(
                    '\n  <option value="{}"{}>{}</option>\n',
                    _plain(option["value"]),
                    _attrs_html(option["attrs"]),
                    localize(option["label"]),
                )
                for option in options
            )
            if group_name:
                parts.append(SafeString("\n  </optgroup>"))
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            widget["name"],
            _attrs_html(widget["attrs"]),
            SafeString("".join(parts)),
        )


class IdsMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses an id beyond a 64-bit integer as invalid before the database sees it:
    SQLite raises OverflowError on such an `__in` lookup (a 500 in the embedded mode)."""

    def _check_values(self, value):
        for pk in value if isinstance(value, (list, tuple)) else ():
            try:
                too_big = abs(int(str(pk))) >= 2**63
            except ValueError:
                continue  # not a number at all: the parent says so
            if too_big:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


def form_field_exemption(name: str, field: forms.Field) -> str | None:
    """Why a form field is not checked for NHS numbers (from `EXEMPT`); None if it is.

    Every other field is checked: text, numbers typed by hand, and an upload's file name
    (a FileField's value prints as its name).
    """
    if isinstance(field.widget, forms.PasswordInput) or "password" in name:
        return EXEMPT["password"]
    if isinstance(field, forms.EmailField):
        return EXEMPT["EmailField"]
    if isinstance(field, forms.URLField):
        return EXEMPT["URLField"]
    if isinstance(field, (forms.ChoiceField, forms.ModelChoiceField, forms.BooleanField)):
        return EXEMPT["choices"]
    if isinstance(field, (forms.DateField, forms.DateTimeField, forms.TimeField)):
        return EXEMPT["dates"]
    if name in EXEMPT_FORM_FIELD_NAMES:
        return EXEMPT[name]
    return None


class NHSNumberGuardMixin:
    """For any Form or ModelForm: the NHS-number check on every field not in `EXEMPT`.

    Added as the form is cleaned, so fields a form adds in or after its `__init__` are
    checked too. `NHSFormMixin` includes it; the admin's own forms use it alone.
    """

    def full_clean(self):
        for name, field in self.fields.items():
            if form_field_exemption(name, field) is None and reject_nhs_numbers not in (
                field.validators
            ):
                field.validators.append(reject_nhs_numbers)
        super().full_clean()


class NHSFormMixin(NHSNumberGuardMixin):
    """NHS.UK classes on every widget, with the error state and hint wired for screen readers."""

    CLASSES = {
        "textarea": "nhsuk-textarea",
        "select": "nhsuk-select",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if type(field) is forms.ModelMultipleChoiceField:
                field.__class__ = IdsMultipleChoiceField
            widget = field.widget
            if type(widget) is forms.Select:
                widget.__class__ = Select
            if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "nhsuk-checkboxes__input")
                continue
            kind = "textarea" if isinstance(widget, forms.Textarea) else ""
            kind = "select" if isinstance(widget, forms.Select) else kind
            css = self.CLASSES.get(kind, "nhsuk-input")
            if css not in widget.attrs.get("class", "").split():
                widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()
            if field.help_text:
                widget.attrs["aria-describedby"] = f"{self._field_id(name)}-hint"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
                continue
            base = widget.attrs.get("class", "").split()[0] if widget.attrs.get("class") else ""
            if base in ("nhsuk-input", "nhsuk-textarea", "nhsuk-select"):
                widget.attrs["class"] += f" {base}--error"
            described = widget.attrs.get("aria-describedby", "")
            widget.attrs["aria-describedby"] = f"{described} {self._field_id(name)}-error".strip()

    def _field_id(self, name: str) -> str:
        # Not self[name].auto_id: that caches the BoundField, and with it the label and
        # help text, before subclasses have finished setting them.
        if self.auto_id and "%s" in str(self.auto_id):
            return str(self.auto_id) % self.add_prefix(name)
        return self.add_prefix(name) if self.auto_id else ""


class LoginForm(NHSNumberGuardMixin, AuthenticationForm):
    """Django's login form with error messages in the NHS.UK style: say what to do."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is not active. Ask your improvement manager.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"


class InvitationForm(NHSFormMixin, forms.Form):
    """Invite someone by email to one of the roles the inviter may give (governance/access.py)."""

    name = forms.CharField(
        label="Their full name", max_length=200, error_messages={"required": "Enter their name"}
    )
    email = forms.EmailField(
        label="Their email address",
        help_text="The invitation goes here; it is also their username.",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address like name@nhs.net",
        },
    )
    role_scope = forms.ChoiceField(
        label="Role",
        error_messages={
            "required": "Choose the role to invite them to",
            "invalid_choice": "Choose one of the roles you may invite to",
        },
    )

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, **kwargs)
        self.options = {option.value: option for option in options}
        self.fields["role_scope"].choices = [("", "Choose a role")] + [
            (option.value, option.label) for option in options
        ]

    def clean_email(self):
        # Whether the email has an account is not said here (invitations.py adds the role
        # to an existing account), so the form answers the same either way.
        return self.cleaned_data["email"].lower()

    @property
    def option(self):
        return self.options[self.cleaned_data["role_scope"]]


class NewPasswordForm(NHSFormMixin, SetPasswordForm):
    """Choose a password: on accepting an invitation, and after a reset by email."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Create a password"
        self.fields["new_password2"].label = "Type it again"
        self.fields[
            "new_password1"
        ].help_text = "At least 8 characters, not only numbers, and not like your email address."
        self.fields["new_password1"].widget.attrs["aria-describedby"] = "id_new_password1-hint"
        self.fields["new_password1"].error_messages["required"] = "Create a password"
        self.fields["new_password2"].error_messages["required"] = "Type the password again"
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": "The two passwords do not match: type the same one twice",
        }


class ResetRequestForm(NHSFormMixin, PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Your email address"
        self.fields["email"].error_messages.update(
            {
                "required": "Enter your email address",
                "invalid": "Enter an email address like name@nhs.net",
            }
        )
