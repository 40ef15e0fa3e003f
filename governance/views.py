from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from django_otp import login as otp_login

from governance import access, invitations, oidc, two_factor
from governance.forms import InvitationForm, LoginForm, NewPasswordForm, ResetRequestForm


class LoginView(auth_views.LoginView):
    """Username and password; and, when single sign-on is set up, the NHS account button."""

    template_name = "governance/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = oidc.oidc_enabled()
        context["oidc_button"] = settings.COLLAB_OIDC_BUTTON
        return context


login_view = LoginView.as_view()
logout_view = require_POST(auth_views.LogoutView.as_view())


@login_required
def invitation_create(request: HttpRequest) -> HttpResponse:
    """Invite someone to a role within the inviter's own scope."""
    options = access.invitation_options(request.user)
    if not options:
        raise PermissionDenied
    form = InvitationForm(
        request.POST if request.method == "POST" else None,
        options=options,
        initial={"role_scope": request.GET.get("for", "")},
    )
    if request.method == "POST" and form.is_valid():
        option = form.option
        # The option list was built for this user, but check again at the moment of acting.
        if not access.can_invite(request.user, option.role, **option.scope):
            raise PermissionDenied
        invitation = invitations.invitation_create(
            option=option,
            email=form.cleaned_data["email"],
            name=form.cleaned_data["name"],
            invited_by=request.user,
            request=request,
        )
        messages.success(
            request,
            f"Invitation sent to {invitation.email}. The link works for "
            f"{invitations.EXPIRES_AFTER.days} days.",
        )
        return redirect(_back(request, "home"))
    return render(request, "governance/invitation_form.html", {"form": form})


@login_required
def invitation_list(request: HttpRequest) -> HttpResponse:
    """The pending invitations the user may manage, each with a way to revoke it."""
    if not access.may_invite(request.user):
        raise PermissionDenied
    pending = access.invitations_to_manage(request.user)
    return render(request, "governance/invitation_list.html", {"invitations": pending})


@login_required
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask to confirm (GET: a page naming who and what), then withdraw the invitation so its
    link stops working (POST, from that page's button)."""
    invitation = access.invitation_for_revoke(request.user, pk)
    if request.method == "POST":
        invitations.invitation_revoke(invitation=invitation, by=request.user)
        messages.success(
            request, f"Invitation to {invitation.email} revoked. Its link no longer works."
        )
        return redirect("invitation_list")
    return render(request, "governance/invitation_revoke.html", {"invitation": invitation})


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation by choosing a password; the account, person and role follow."""
    invitation = invitations.invitation_find(token)
    if invitation is None or not invitations.is_usable(invitation):
        return render(
            request, "governance/invitation_gone.html", {"invitation": invitation}, status=410
        )
    account = invitations.account_for(invitation.email)
    if account is not None:
        return _invitation_add_role(request, invitation, account)
    user = get_user_model()(username=invitation.email, email=invitation.email)
    form = NewPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.save(commit=False)
        try:
            invitations.invitation_accept(invitation=invitation, user=user)
        except IntegrityError:
            # Another invitation to this email was accepted a moment ago: the account now
            # exists, and this link adds its role to it.
            return redirect(request.path)
        messages.success(
            request, f"Your account is ready. Log in with your email address, {user.username}."
        )
        return redirect("login")
    return render(
        request, "governance/invitation_accept.html", {"form": form, "invitation": invitation}
    )


def _invitation_add_role(request: HttpRequest, invitation, account) -> HttpResponse:
    """An invitation to an email that has an account: its owner logs in and accepts."""
    signed_in_as_them = request.user.is_authenticated and request.user.pk == account.pk
    if request.method == "POST" and signed_in_as_them:
        try:
            invitations.invitation_add_role(invitation=invitation, user=account)
        except ValueError:
            return render(
                request, "governance/invitation_gone.html", {"invitation": invitation}, status=410
            )
        messages.success(
            request,
            f"You are now {invitation.get_role_display().lower()} for {invitation.scope}.",
        )
        return redirect("home")
    return render(
        request,
        "governance/invitation_accept.html",
        {
            "invitation": invitation,
            "existing": True,
            "signed_in_as_them": signed_in_as_them,
            "login_url": f"{reverse('login')}?next={request.path}",
        },
    )


@login_required
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop someone logging in; their name stays on everything they did."""
    target = access.user_for_deactivation(request.user, pk)
    target.is_active = False
    target.save(update_fields=["is_active"])
    name = getattr(getattr(target, "person", None), "name", "") or target.get_username()
    messages.success(request, f"{name} can no longer log in.")
    return redirect(_back(request, "home"))


def _back(request: HttpRequest, default: str) -> str:
    """The `next` address if it is on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path: redirect() would take a bare word such as "home" for a view's name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return reverse(default)


password_reset_view = auth_views.PasswordResetView.as_view(
    template_name="governance/password_reset.html",
    email_template_name="governance/password_reset_email.txt",
    subject_template_name="governance/password_reset_subject.txt",
    form_class=ResetRequestForm,
)
password_reset_sent_view = auth_views.PasswordResetDoneView.as_view(
    template_name="governance/password_reset_sent.html"
)
password_reset_confirm_view = auth_views.PasswordResetConfirmView.as_view(
    template_name="governance/password_reset_confirm.html", form_class=NewPasswordForm
)
password_reset_complete_view = auth_views.PasswordResetCompleteView.as_view(
    template_name="governance/password_reset_complete.html"
)
accessibility_view = TemplateView.as_view(template_name="governance/accessibility.html")
privacy_view = TemplateView.as_view(template_name="governance/privacy.html")


# --- Two-step verification -----------------------------------------------------------------


def _next(request: HttpRequest) -> str:
    return _back(request, "home")


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the user's authenticator app."""
    devices = list(two_factor.TOTPDevice.objects.devices_for_user(request.user, confirmed=True))
    if not devices:
        return redirect(f"{reverse('two_factor_setup')}?next={_next(request)}")
    form = two_factor.CodeForm(request.POST if request.method == "POST" else None, devices=devices)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        two_factor.settle(request)
        return redirect(_next(request))
    return render(
        request, "governance/two_factor_verify.html", {"form": form, "next": _next(request)}
    )


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), enter a code.

    With one already set up, the page says so and, unless the user's role must use it,
    offers to turn it off.
    """
    user = request.user
    confirmed = two_factor.confirmed_device(user)
    required = settings.COLLAB_TWO_FACTOR_REQUIRED and access.is_staff_role(user)
    if confirmed is not None:
        if request.session.get(two_factor.PENDING) == two_factor.VERIFY:
            # The password alone must not turn off (or replace) the second step.
            return redirect(f"{reverse('two_factor_verify')}?next={_next(request)}")
        if request.method == "POST" and request.POST.get("action") == "remove":
            if required:
                raise PermissionDenied
            two_factor.TOTPDevice.objects.filter(user=user).delete()
            messages.success(request, "Two-step verification is off for your account.")
            return redirect("two_factor_setup")
        return render(
            request,
            "governance/two_factor_setup.html",
            {"done": True, "required": required},
        )
    device = two_factor.TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = two_factor.TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=False
        )
    form = two_factor.CodeForm(request.POST if request.method == "POST" else None, devices=[device])
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        two_factor.settle(request)
        messages.success(
            request, "Two-step verification is on. Each time you log in, enter a code."
        )
        return redirect(_next(request))
    return render(
        request,
        "governance/two_factor_setup.html",
        {
            "form": form,
            "qr_code": two_factor.qr_code_data_uri(device.config_url),
            "secret": two_factor.secret_for_people(device),
            "required": required,
            "next": _next(request),
        },
    )


def login_locked(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out log-in: what happened and what to do (429)."""
    from axes.helpers import get_client_username, get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": get_failure_limit(request, credentials),
        "minutes": round(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(request, "governance/login_locked.html", context, status=429)
