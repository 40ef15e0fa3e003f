"""Two-step verification: a TOTP code after the password, for those who set it up.

At log-in (the `user_logged_in` signal) the session records whether this sign-in still
owes a code: "verify" when the user has a confirmed authenticator, "setup" when
COLLAB_TWO_FACTOR_REQUIRED is on and the user holds a staff role without one. Until the
code is given, TwoFactorMiddleware sends every page to the verify (or set-up) page; the
log-out, the pages themselves and the token-authenticated API are let through. Reading
the flag from the session costs no query on ordinary requests.
"""

from __future__ import annotations

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance import access
from governance.forms import NHSFormMixin

PENDING = "collab_two_factor_pending"  # "verify", "setup", or absent
SSO = "collab_signed_in_with_sso"
VERIFY, SETUP = "verify", "setup"
# URL names a signed-in user who still owes a code may open.
OPEN_WHILE_PENDING = {
    "two_factor_verify",
    "two_factor_setup",
    "logout",
    "login",
    "accessibility",
    "privacy",
}


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def owed(user) -> str | None:
    """What this user owes at log-in: a code, an authenticator to set up, or nothing."""
    if confirmed_device(user) is not None:
        return VERIFY
    if settings.COLLAB_TWO_FACTOR_REQUIRED and access.is_staff_role(user):
        return SETUP
    return None


@receiver(user_logged_in, dispatch_uid="collab_two_factor_at_login")
def two_factor_at_login(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    step = owed(user)
    if step:
        request.session[PENDING] = step
    else:
        request.session.pop(PENDING, None)


def settle(request) -> None:
    """The code was given (or single sign-on vouched for the user): nothing is owed."""
    request.session.pop(PENDING, None)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = request.session.get(PENDING) if hasattr(request, "session") else None
        if step and request.user.is_authenticated and not request.user.is_verified():
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in OPEN_WHILE_PENDING:
                target = reverse("two_factor_verify" if step == VERIFY else "two_factor_setup")
                target += "?" + urlencode({"next": request.get_full_path()})
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return redirect(target)
        return self.get_response(request)


def qr_code_data_uri(text: str) -> str:
    """`text` as a QR code, an SVG image in a data: URI (the CSP allows data: images)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def secret_for_people(device: TOTPDevice) -> str:
    """The key as base32 in groups of four, for typing into an authenticator app."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


class CodeForm(NHSFormMixin, forms.Form):
    """The six-digit code from the authenticator app."""

    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6 digits it shows now, for example 123456.",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "nhsuk-input--width-10",
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, *args, devices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.devices = list(devices)
        self.device = None

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the code as 6 digits, like 123456")
        throttled = False
        for device in self.devices:
            allowed, _ = device.verify_is_allowed()
            throttled = throttled or not allowed
            if allowed and device.verify_token(code):
                self.device = device
                return code
        if throttled:
            raise forms.ValidationError(
                "Too many wrong codes in a row. Wait a minute, then enter the code your app shows."
            )
        raise forms.ValidationError(
            "That code is not right. Enter the code your app shows now; codes change "
            "every 30 seconds."
        )
