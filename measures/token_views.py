"""A team's API tokens: list, make (the key shown once) and revoke."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance import access, audit
from governance.forms import NHSFormMixin
from measures.api import api_token_create
from measures.models import ApiToken


class TokenForm(NHSFormMixin, forms.Form):
    name = forms.CharField(
        label="Which system will use it",
        max_length=100,
        error_messages={"required": "Say which system will use the token"},
    )


@login_required
def api_tokens(request: HttpRequest, pk: int) -> HttpResponse:
    team = access.team_for(request.user, pk, access.MANAGE_TEAM)
    form = TokenForm(request.POST or None)
    key = None
    if request.method == "POST" and form.is_valid():
        _, key = api_token_create(team=team, name=form.cleaned_data["name"], by=request.user)
    tokens = list(ApiToken.objects.filter(team=team).select_related("created_by"))
    for token in tokens:  # a token whose maker left, or lost the role, no longer works
        token.maker_gone = not (
            token.created_by.is_active and access.may_hold_token(token.created_by, team)
        )
    status = 400 if form.errors else 200
    return render(
        request,
        "measures/api_tokens.html",
        {"team": team, "form": form, "tokens": tokens, "key": key},
        status=status,
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int, token_pk: int) -> HttpResponse:
    team = access.team_for(request.user, pk, access.MANAGE_TEAM)
    revoked = ApiToken.objects.filter(team=team, pk=token_pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not revoked and not ApiToken.objects.filter(team=team, pk=token_pk).exists():
        raise Http404("No such token")
    if revoked:  # a conditional UPDATE sends no signal: tell the audit trail
        token = ApiToken.objects.get(pk=token_pk)
        audit.record_update(token, {"revoked_at": (None, token.revoked_at)})
    messages.success(request, "Token revoked: it no longer works.")
    return redirect("measures:api_tokens", pk=team.pk)
