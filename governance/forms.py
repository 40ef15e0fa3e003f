from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm

from collaboratives.forms import NHSFormMixin
from governance.safeguards import NoNHSNumbersMixin


class LoginForm(AuthenticationForm):
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


class InvitationForm(NoNHSNumbersMixin, NHSFormMixin, forms.Form):
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
