"""Single sign-on with OpenID Connect (Microsoft Entra ID for NHS organisations).

Beside local accounts, never instead of them. Configured from the environment
(collab/settings.py, COLLAB_OIDC_*); when it is not configured the two routes answer 404
and the log-in page shows no button. A signed-in NHS identity is matched by its email
address to an existing, active account; no account is ever created and no role given
here: roles come from invitations only.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from governance import two_factor

# Claims that may carry the email address: Entra puts it in `email` when the account has
# a mail attribute, and otherwise the sign-in name (`preferred_username`, `upn`) is it.
EMAIL_CLAIMS = ("email", "preferred_username", "upn")


def emails_in(claims: dict) -> list[str]:
    found = []
    for name in EMAIL_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str) and "@" in value and value.lower() not in found:
            found.append(value.strip().lower())
    return found


class EmailMatchingOIDCBackend(OIDCAuthenticationBackend):
    """Find the existing active account whose email (or username, which invitations set to
    the email) matches the identity; exactly one, or nobody."""

    def verify_claims(self, claims):
        return bool(emails_in(claims))

    def filter_users_by_claims(self, claims):
        users = get_user_model().objects.none()
        for email in emails_in(claims):
            matches = get_user_model().objects.filter(is_active=True).filter(
                email__iexact=email
            ) | get_user_model().objects.filter(is_active=True, username__iexact=email)
            users = matches.distinct()
            if users.exists():
                break
        # Two accounts with one email address: refuse rather than guess.
        return users if users.count() == 1 else get_user_model().objects.none()

    def get_or_create_user(self, access_token, id_token, payload):
        # `payload` is the verified ID token: its `tid` says which directory vouches for
        # the email claims. Another directory's identity is nobody here.
        allowed = getattr(settings, "COLLAB_OIDC_TENANT_IDS", [])
        if allowed and str(payload.get("tid", "")).lower() not in {t.lower() for t in allowed}:
            return None
        return super().get_or_create_user(access_token, id_token, payload)

    def create_user(self, claims):
        return None

    def update_user(self, user, claims):
        return user


def oidc_enabled() -> bool:
    return bool(getattr(settings, "COLLAB_OIDC_ENABLED", False))


class SignInView(OIDCAuthenticationRequestView):
    """Off to the identity provider, with state and nonce kept in the session."""

    def dispatch(self, request, *args, **kwargs):
        if not oidc_enabled():
            raise Http404("Single sign-on is not set up here")
        return super().dispatch(request, *args, **kwargs)


class CallbackView(OIDCAuthenticationCallbackView):
    """Back from the identity provider: logged in if the email matched an account."""

    def dispatch(self, request, *args, **kwargs):
        if not oidc_enabled():
            raise Http404("Single sign-on is not set up here")
        return super().dispatch(request, *args, **kwargs)

    def login_success(self):
        response = super().login_success()
        # The organisation's sign-in asked for its own second factor.
        self.request.session[two_factor.SSO] = True
        two_factor.settle(self.request)
        return response

    def login_failure(self):
        messages.error(
            self.request,
            "Your NHS account is not linked to a Collab account. Log in with your Collab "
            "username and password, or ask your improvement manager for an invitation "
            "to the email address of your NHS account.",
        )
        return super().login_failure()
