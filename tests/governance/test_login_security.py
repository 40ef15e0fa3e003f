"""Logging in safely: lockout after wrong passwords, single sign-on, two-step verification,
sessions that end, CSRF on htmx requests, and a content security policy with no inline
scripts."""

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance import oidc, sessions
from measures.api import api_token_create
from tests.cast import PASSWORD, build_cast, client_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cast():
    return build_cast()


def log_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


# --- Brute force -----------------------------------------------------------------------------

LOCKOUT = {"AXES_ENABLED": True, "AXES_FAILURE_LIMIT": 3}


@override_settings(**LOCKOUT)
def test_it_locks_a_username_after_repeated_wrong_passwords_with_a_clear_message(cast):
    client = Client()
    for _ in range(2):
        response = log_in(client, "lead", "wrong-password")
        assert response.status_code == 200
        assert "Enter a correct username and password" in response.content.decode()
    locked = log_in(client, "lead", "wrong-password")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many attempts to log in" in page
    assert "paused for 15 minutes" in page
    assert reverse("password_reset") in page
    # Now even the right password is refused, and no session is made.
    again = log_in(client, "lead")
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(**LOCKOUT)
def test_a_lockout_leaves_other_accounts_and_api_tokens_working(cast):
    _, key = api_token_create(team=cast.alpha, name="Trust system", by=cast.users["lead"])
    client = Client()
    for _ in range(3):
        log_in(client, "lead", "wrong-password")
    assert log_in(Client(), "member").status_code == 302
    api = Client().get(reverse("measures:api_series"), headers={"Authorization": f"Bearer {key}"})
    assert api.status_code == 200


@override_settings(**LOCKOUT)
def test_wrong_api_tokens_do_not_count_as_failed_log_ins(cast):
    for _ in range(5):
        response = Client().get(
            reverse("measures:api_series"), headers={"Authorization": "Bearer not-a-token"}
        )
        assert response.status_code == 401
    assert log_in(Client(), "lead").status_code == 302


@override_settings(**LOCKOUT)
def test_a_successful_log_in_clears_earlier_failures(cast):
    client = Client()
    log_in(client, "lead", "wrong-password")
    log_in(client, "lead", "wrong-password")
    assert log_in(client, "lead").status_code == 302
    client.post(reverse("logout"))
    log_in(client, "lead", "wrong-password")
    log_in(client, "lead", "wrong-password")
    assert log_in(client, "lead").status_code == 302


# --- Single sign-on --------------------------------------------------------------------------

TENANT = "4d1c8e0a-5b6f-4c2d-9e3a-7f8b9c0d1e2f"

OIDC = {
    "COLLAB_OIDC_ENABLED": True,
    "OIDC_RP_CLIENT_ID": "collab-client",
    "OIDC_RP_CLIENT_SECRET": "collab-secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.example.nhs.uk/tenant/oauth2/v2.0/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://login.example.nhs.uk/tenant/oauth2/v2.0/token",
    "OIDC_OP_USER_ENDPOINT": "https://graph.example.nhs.uk/oidc/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://login.example.nhs.uk/tenant/discovery/v2.0/keys",
    "AUTHENTICATION_BACKENDS": [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
        "governance.oidc.EmailMatchingOIDCBackend",
    ],
}


def test_without_single_sign_on_set_up_there_is_no_button_and_no_route(cast):
    assert not settings.COLLAB_OIDC_ENABLED
    page = Client().get(reverse("login")).content.decode()
    assert "Sign in with NHS account" not in page
    assert Client().get(reverse("oidc_authentication_init")).status_code == 404
    assert Client().get(reverse("oidc_authentication_callback")).status_code == 404


def test_settings_read_single_sign_on_from_the_environment():
    """Entra's endpoints follow from the tenant; with no client id it stays off."""
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.COLLAB_OIDC_ENABLED, s.OIDC_OP_AUTHORIZATION_ENDPOINT, "
        "s.OIDC_OP_JWKS_ENDPOINT, s.AUTHENTICATION_BACKENDS[-1], s.COLLAB_OIDC_TENANT_IDS]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "collab.settings",
        "COLLAB_OIDC_CLIENT_ID": "abc",
        "COLLAB_OIDC_CLIENT_SECRET": "def",
        "COLLAB_OIDC_TENANT": TENANT,
    }
    env.pop("COLLAB_ENV", None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    enabled, authorize, jwks, backend, tenants = json.loads(out.stdout.strip().splitlines()[-1])
    assert enabled is True
    assert authorize == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/authorize"
    assert jwks == f"https://login.microsoftonline.com/{TENANT}/discovery/v2.0/keys"
    assert backend == "governance.oidc.EmailMatchingOIDCBackend"
    # A tenant given by id is the one directory whose identities are accepted.
    assert tenants == [TENANT]
    # "organizations" would let any directory's claims in: it needs the ids listed.
    env["COLLAB_OIDC_TENANT"] = "organizations"
    refused = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert refused.returncode != 0 and "COLLAB_OIDC_TENANT_IDS" in refused.stderr


@override_settings(**OIDC)
def test_with_single_sign_on_the_log_in_page_offers_it_and_it_goes_to_the_provider(cast):
    client = Client()
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with NHS account" in page
    # A link: a form's redirect to another site would be stopped by the CSP's form-action.
    assert f'href="{reverse("oidc_authentication_init")}"' in page
    response = client.get(reverse("oidc_authentication_init"))
    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert location.netloc == "login.example.nhs.uk"
    query = parse_qs(location.query)
    assert query["client_id"] == ["collab-client"]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"][0].endswith(reverse("oidc_authentication_callback"))
    assert query["state"] and query["nonce"]


def _sign_in_with_sso(claims, token=None):
    """Start, then come back from a (mocked) provider whose token exchange gives `claims`
    (user info) and `token` (the verified ID token's other fields)."""
    client = Client()
    start = urlparse(client.get(reverse("oidc_authentication_init"))["Location"])
    query = parse_qs(start.query)
    state, nonce = query["state"][0], query["nonce"][0]
    backend = oidc.EmailMatchingOIDCBackend
    with (
        mock.patch.object(
            backend, "get_token", return_value={"id_token": "id", "access_token": "access"}
        ) as get_token,
        mock.patch.object(backend, "verify_token", return_value={"nonce": nonce, **(token or {})}),
        mock.patch.object(backend, "get_userinfo", return_value=claims),
    ):
        response = client.get(
            reverse("oidc_authentication_callback"), {"code": "the-code", "state": state}
        )
    return client, response, get_token


@override_settings(**OIDC)
def test_single_sign_on_logs_in_the_existing_account_with_that_email(cast):
    lead = cast.users["lead"]
    lead.email = "lead@nhs.net"
    lead.save()
    users_before = User.objects.count()
    client, response, get_token = _sign_in_with_sso({"email": "Lead@NHS.net", "sub": "x"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(lead.pk)
    # The code was exchanged at the token endpoint with the client's credentials.
    payload = get_token.call_args.args[0]
    assert payload["code"] == "the-code" and payload["client_id"] == "collab-client"
    assert User.objects.count() == users_before
    assert client.get(reverse("home")).status_code == 200


@override_settings(**OIDC)
def test_single_sign_on_matches_entras_sign_in_name_when_there_is_no_email_claim(cast):
    member = cast.users["member"]
    member.email = "member@nhs.net"
    member.save()
    client, response, _ = _sign_in_with_sso({"preferred_username": "member@nhs.net"})
    assert client.session["_auth_user_id"] == str(member.pk)


@override_settings(**OIDC, COLLAB_OIDC_TENANT_IDS=[TENANT])
def test_single_sign_on_accepts_only_identities_from_the_pinned_directory(cast):
    lead = cast.users["lead"]
    lead.email = "lead@nhs.net"
    lead.save()
    # Another directory can put any email it likes in its claims: refused.
    client, _, _ = _sign_in_with_sso(
        {"email": "lead@nhs.net"}, {"tid": "00000000-0000-0000-0000-000000000000"}
    )
    assert "_auth_user_id" not in client.session
    client, _, _ = _sign_in_with_sso({"email": "lead@nhs.net"}, {"tid": TENANT.upper()})
    assert client.session["_auth_user_id"] == str(lead.pk)


@override_settings(**OIDC)
def test_single_sign_on_never_creates_an_account_for_an_unknown_email(cast):
    users_before = User.objects.count()
    client, response, _ = _sign_in_with_sso({"email": "stranger@nhs.net"})
    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL_FAILURE
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users_before
    page = client.get(response["Location"]).content.decode()
    assert "not linked to a Collab account" in page


@override_settings(**OIDC)
def test_single_sign_on_refuses_a_deactivated_account(cast):
    lead = cast.users["lead"]
    lead.email = "lead@nhs.net"
    lead.is_active = False
    lead.save()
    client, response, _ = _sign_in_with_sso({"email": "lead@nhs.net"})
    assert "_auth_user_id" not in client.session


# --- Two-step verification -------------------------------------------------------------------


def code_for(device, steps_ahead=0):
    """The code an authenticator app shows now (or `steps_ahead` periods later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)  # no pause after the deliberate wrong codes
def test_a_manager_sets_up_two_step_verification_and_is_asked_for_a_code_at_log_in(cast):
    client = Client()
    log_in(client, "manager")
    setup = client.get(reverse("two_factor_setup"))
    page = setup.content.decode()
    assert re.search(r'<img class="collab-qr-code" src="data:image/svg\+xml;base64,', page)
    device = TOTPDevice.objects.get(user=cast.users["manager"], confirmed=False)
    wrong = client.post(reverse("two_factor_setup"), {"code": "000000"})
    assert "That code is not right" in wrong.content.decode()
    done = client.post(reverse("two_factor_setup"), {"code": code_for(device)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed

    client.post(reverse("logout"))
    response = log_in(client, "manager")
    # The password alone gets no further than the code page.
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("two_factor_verify"))
    falls = reverse("collaborative", args=[cast.falls.pk])
    assert client.get(falls)["Location"].startswith(reverse("two_factor_verify"))
    htmx = client.get(falls, headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"].startswith(reverse("two_factor_verify"))
    assert "Enter the code" in client.get(reverse("two_factor_verify")).content.decode()
    bad = client.post(reverse("two_factor_verify"), {"code": "123"})
    assert "Enter the code as 6 digits" in bad.content.decode()
    response = client.post(
        reverse("two_factor_verify"), {"code": code_for(device, steps_ahead=1), "next": falls}
    )
    assert response.status_code == 302 and response["Location"] == falls
    assert client.get(falls).status_code == 200


def test_without_two_step_verification_set_up_nobody_is_asked_for_a_code(cast):
    client = Client()
    assert log_in(client, "manager").status_code == 302
    assert client.get(reverse("home")).status_code == 200


@override_settings(COLLAB_TWO_FACTOR_REQUIRED=True)
def test_when_required_staff_roles_must_set_it_up_and_team_roles_need_not(cast):
    for username in ("manager", "director", "national"):
        client = Client()
        log_in(client, username)
        response = client.get(reverse("home"))
        assert response["Location"].startswith(reverse("two_factor_setup")), username
        page = client.get(reverse("two_factor_setup")).content.decode()
        assert "Your role must use two-step verification" in page
    for username in ("lead", "member", "faculty"):
        client = Client()
        log_in(client, username)
        assert client.get(reverse("home")).status_code == 200, username


def test_repeated_wrong_codes_make_the_user_wait(cast, monkeypatch):
    user = cast.users["director"]
    device = TOTPDevice.objects.create(user=user, name="App", confirmed=True)
    client = Client()
    log_in(client, "director")
    # The wait after one wrong code is a second, measured by django-otp on the clock: held
    # still here, so that the next code comes within it however busy the machine is.
    real_now, now = timezone.now, timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    client.post(reverse("two_factor_verify"), {"code": "000000"})
    # Even the right code waits after a wrong one: guessing is slowed down.
    response = client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    assert "Too many wrong codes in a row" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
    # A minute after the wrong code, the right one lets the user in.
    monkeypatch.setattr(timezone, "now", real_now)
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=real_now() - dt.timedelta(minutes=1)
    )
    response = client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_two_step_verification_can_be_turned_off_when_not_required(cast):
    user = cast.users["director"]
    TOTPDevice.objects.create(user=user, name="App", confirmed=True)
    client = Client()
    log_in(client, "director")
    device = TOTPDevice.objects.get(user=user)
    client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    response = client.post(reverse("two_factor_setup"), {"action": "remove"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_the_password_alone_cannot_turn_off_or_replace_the_second_step(cast):
    user = cast.users["director"]
    TOTPDevice.objects.create(user=user, name="App", confirmed=True)
    client = Client()
    log_in(client, "director")
    # Still owing a code: the set-up page sends back to the code page and removes nothing.
    response = client.post(reverse("two_factor_setup"), {"action": "remove"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_verify"))
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()


@override_settings(**OIDC)
def test_single_sign_on_counts_as_the_second_step(cast):
    manager = cast.users["manager"]
    manager.email = "manager@nhs.net"
    manager.save()
    TOTPDevice.objects.create(user=manager, name="App", confirmed=True)
    client, response, _ = _sign_in_with_sso({"email": "manager@nhs.net"})
    assert client.get(reverse("home")).status_code == 200


# --- Sessions --------------------------------------------------------------------------------


def test_sessions_end_when_idle_or_when_the_browser_closes():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.COLLAB_SESSION_TOUCH_SECONDS == 60
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_an_active_session_is_renewed_but_not_written_on_every_request(cast):
    client = Client()
    log_in(client, "lead")
    key = client.session.session_key
    soon = timezone.now() + dt.timedelta(minutes=5)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    # Just logged in: the next request does not write the session again.
    client.get(reverse("home"))
    assert Session.objects.get(session_key=key).expire_date == soon
    # A minute on, a request renews it for another SESSION_COOKIE_AGE.
    session = client.session
    session[sessions.RENEWED] -= 61
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=soon)
    client.get(reverse("home"))
    renewed = Session.objects.get(session_key=key).expire_date
    assert renewed > timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_session_length_comes_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_AGE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "collab.settings",
        "SESSION_COOKIE_AGE": "900",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": "false",
    }
    env.pop("COLLAB_ENV", None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "900 False"


def test_an_idle_session_past_its_age_is_logged_out(cast):
    client = Client()
    log_in(client, "lead")
    assert client.get(reverse("home")).status_code == 200
    # The browser cookie has no expiry date: it goes when the browser closes.
    assert client.cookies[settings.SESSION_COOKIE_NAME]["expires"] == ""
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- CSRF on htmx requests -------------------------------------------------------------------


def test_an_htmx_post_without_the_csrf_token_is_refused_and_with_it_accepted(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.users["lead"])
    url = reverse("cycle_step", args=[cast.alpha_cycle.pk, "do"])
    refused = client.post(url, {}, headers={"HX-Request": "true"})
    assert refused.status_code == 403
    # Every page's <body> carries the token for htmx to send as X-CSRFToken.
    page = client.get(reverse("cycle", args=[cast.alpha_cycle.pk])).content.decode()
    match = re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page)
    assert match, "base.html should put the CSRF token in hx-headers"
    accepted = client.post(url, {}, headers={"HX-Request": "true", "X-CSRFToken": match.group(1)})
    assert accepted.status_code == 200


def test_a_plain_form_post_without_the_csrf_token_is_refused(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.users["manager"])
    response = client.post(reverse("team_withdraw", args=[cast.beta.pk]), {"on": "2024-09-30"})
    assert response.status_code == 403


# --- Content security policy -----------------------------------------------------------------


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.parametrize("who", [None, "lead"])
def test_the_content_security_policy_allows_only_the_apps_own_scripts(cast, who):
    client = client_for(cast.users[who]) if who else Client()
    url = reverse("team", args=[cast.alpha.pk]) if who else reverse("login")
    response = client.get(url)
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    scripts = policy["script-src"]
    assert "'self'" in scripts
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert "'unsafe-inline'" not in policy["style-src"]
    nonces = [s for s in scripts if s.startswith("'nonce-")]
    assert len(nonces) == 1
    # Nothing from elsewhere: only 'self', the nonce, and no host names or wildcards.
    assert set(scripts) == {"'self'", nonces[0]}
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    nonce = nonces[0][len("'nonce-") : -1]
    page = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert 'src="/static/' in tag or f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"\son[a-z]+=", page), "inline event handlers are blocked by the CSP"


def test_every_signed_in_page_links_to_two_step_verification(cast):
    page = client_for(cast.users["director"]).get(reverse("home")).content.decode()
    assert f'href="{reverse("two_factor_setup")}"' in page
    assert reverse("two_factor_setup") not in Client().get(reverse("login")).content.decode()


def test_half_configured_single_sign_on_refuses_to_start():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "collab.settings",
        "COLLAB_OIDC_CLIENT_ID": "abc",
    }
    env.pop("COLLAB_ENV", None)
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "COLLAB_OIDC_CLIENT_ID needs COLLAB_OIDC_CLIENT_SECRET" in out.stderr
