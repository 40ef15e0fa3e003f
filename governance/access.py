"""Who may see and do what: the one place that decides.

Every view, partial, export and task asks here. The rules follow the role table of
DESIGN.md and issue 2:

| role                | scope                 | may                                              |
|---------------------|-----------------------|--------------------------------------------------|
| national_viewer     | none                  | read all that is not team-private; edit nothing  |
| ahsn_director       | AHSN                  | read the AHSN's collaboratives; export its review|
| improvement_manager | AHSN or collaborative | run the collaboratives in scope                  |
| clinical_lead       | collaborative         | curate driver diagram and measures; rate teams   |
| trust_lead          | team                  | read and edit the team's data, cycles and people |
| team_member         | team                  | as trust_lead, without managing the team's people|

An AHSN's collaboratives are those it leads or partners in; an improvement manager
holding the AHSN scope runs those it leads and reads those it partners in.
A team's own custom measures (and their series) are team-private.

Which rows each role reaches is written once, in governance.scopes: the `Principal` (a
user's role scopes as plain ids) and one Q-builder per guarded model, applied by the model's
QuerySet (`Team.objects.visible_to(user)`). That module imports no app model; this one sits
above the models, and decides what a user may do to one object and fetches it.

Who is inside a collaborative's data-sharing terms (`inside`, `inside_q`) and who may see a
team's name (`may_name`) are decided here too; what each viewer is then shown of the
figures is governance.disclosure's.

Another organisation's object answers 404 (not 403) so that its existence does not
leak; a visible object the user may not change answers 403. Peers appear in
collaborative-wide comparisons (later issues), not through each other's team pages.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from collaboratives.models import (
    AHSN,
    Collaborative,
    PDSACycle,
    Team,
    TeamMembership,
    VisibleQuerySet,
)
from governance.models import Invitation, Role, RoleAssignment
from governance.scopes import Principal, principal
from measures.models import ApiToken, ImportBatch, Series

# Actions
VIEW = "view"
EDIT_DATA = "edit_data"  # a team's measure data, cycles, annotations
MANAGE_TEAM = "manage_team"  # a team's people
MANAGE = "manage"  # a collaborative's set-up, teams, calendar
CURATE = "curate"  # driver diagram, measure set
RATE = "rate"  # faculty rating of teams
EXPORT = "export"  # a collaborative's data and reports
EXPORT_REVIEW = "export_review"  # an AHSN's contract review
MONITOR = "monitor"  # every team's reporting status in a collaborative (the overdue list)
AUDIT = "audit"  # read a collaborative's audit trail: its lead AHSN's staff

# What a withdrawn team refuses: everything that changes the team's own records.
TEAM_WRITES = (EDIT_DATA, MANAGE_TEAM, RATE)

ACTIONS = (
    VIEW,
    EDIT_DATA,
    MANAGE_TEAM,
    MANAGE,
    CURATE,
    RATE,
    EXPORT,
    EXPORT_REVIEW,
    MONITOR,
    AUDIT,
)


def is_staff_role(user) -> bool:
    """Whether the user holds a staff role: national viewer, AHSN director, improvement
    manager, or Django staff. These are the roles two-step verification is for."""
    if user is None or not user.is_authenticated:
        return False
    p = principal(user)
    return bool(
        user.is_staff
        or p.superuser
        or p.national
        or p.director_ahsns
        or p.manager_ahsns
        or p.manager_collaboratives
    )


def may_use_admin(user) -> bool:
    """The Django admin: active staff only (Django's own model permissions apply inside)."""
    return bool(user is not None and user.is_active and user.is_staff)


# --- Which rows a user may read ----------------------------------------------------------
#
# Written once, as Q-builders in governance.scopes that each model's `visible_to` applies.


def visible(queryset: QuerySet, user) -> QuerySet:
    """Filter `queryset` to the rows `user` may read: the model's own `visible_to`."""
    if not isinstance(queryset, VisibleQuerySet):
        raise TypeError(f"The access module has no rule for {queryset.model.__name__}")
    return queryset.visible_to(user)


# --- What a user may do to one object ------------------------------------------------------


def _collaborative_of(obj):
    if isinstance(obj, Collaborative):
        return obj
    team = _team_of(obj)
    if team is not None:
        return team.collaborative
    return getattr(obj, "collaborative", None)


def _team_of(obj):
    if isinstance(obj, Team):
        return obj
    if isinstance(obj, (PDSACycle, Series)):
        return obj.team
    return getattr(obj, "team", None)


def _runs(p: Principal, collaborative) -> bool:
    """Whether the principal runs `collaborative`: the rule of `runs_q`, for one row."""
    return (
        collaborative.id in p.manager_collaboratives
        or collaborative.lead_ahsn_id in p.manager_ahsns
    )


def runs_q(p: Principal, prefix: str = "") -> Q:
    """Collaboratives the principal runs, as a filter on `prefix` + collaborative fields:
    those it is improvement manager of, and those led (not partnered) by an AHSN it is
    improvement manager of. The one rule: the home page's sections, the start page and
    every MANAGE decision (`_runs`) read it."""
    return Q(**{f"{prefix}id__in": p.manager_collaboratives}) | Q(
        **{f"{prefix}lead_ahsn__in": p.manager_ahsns}
    )


def _teaches(p: Principal, collaborative) -> bool:
    return collaborative.id in p.faculty_collaboratives


# --- Who is inside a collaborative's data-sharing terms ------------------------------------
#
# Inside: the people of its teams (a withdrawn team's too), its faculty, the improvement
# managers who run it, and the directors of the AHSN that leads it (who read its audit
# trail, raw figures and all). Everyone else who may read it (national viewers, partner
# AHSNs' staff) is outside: they see figures only as governance.disclosure publishes them.
# A superuser is inside everywhere. Written once, as the two sets below; `inside_q` and
# `inside` read them.


def _inside_sets(p: Principal) -> tuple[frozenset[int], frozenset[int]]:
    """(collaborative ids, lead AHSN ids) whose collaboratives the principal is inside."""
    collaboratives = p.manager_collaboratives | p.faculty_collaboratives | p.team_collaboratives
    return collaboratives, p.manager_ahsns | p.director_ahsns


def inside_q(user, prefix: str = "") -> Q:
    """Collaboratives `user` is inside, as a filter on `prefix` + collaborative fields."""
    p = principal(user)
    if p.superuser:
        return Q()
    collaboratives, ahsns = _inside_sets(p)
    return Q(**{f"{prefix}id__in": collaboratives}) | Q(**{f"{prefix}lead_ahsn__in": ahsns})


def inside(user, collaborative) -> bool:
    """Whether `user` is inside `collaborative`'s data-sharing terms (the same rule as
    `inside_q`, without a query)."""
    p = principal(user)
    if p.superuser:
        return True
    collaboratives, ahsns = _inside_sets(p)
    return collaborative.id in collaboratives or collaborative.lead_ahsn_id in ahsns


def can(user, action: str, obj) -> bool:
    """Whether `user` may do `action` to `obj`, assuming they may see it.

    Writes are refused on a closed collaborative, whoever asks, and a withdrawn team's
    data is read-only: its data, cycles, people and ratings cannot be changed until it is
    restored.
    """
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}")
    p = principal(user)
    if action == VIEW:
        return visible(type(obj).objects.filter(pk=obj.pk), user).exists()
    collaborative = _collaborative_of(obj)
    if collaborative is None:
        return p.superuser
    if action == EXPORT_REVIEW:
        return p.superuser or collaborative.lead_ahsn_id in p.director_ahsns
    if action == AUDIT:
        # Not national viewers: the trail carries raw figures (data point revisions) and
        # teams' own measures, which the national view shows only as published figures.
        return (
            p.superuser or _runs(p, collaborative) or collaborative.lead_ahsn_id in p.director_ahsns
        )
    if action in (EXPORT, MONITOR):
        return (
            p.superuser
            or _runs(p, collaborative)
            or _teaches(p, collaborative)
            or collaborative.lead_ahsn_id in p.director_ahsns
        )
    if collaborative.is_read_only:
        return False
    team = _team_of(obj)
    if team is not None and team.status != "active" and action in TEAM_WRITES:
        # A withdrawn team's data, cycles, people and ratings are kept as they were; those
        # who run the collaborative may still restore it (MANAGE).
        return False
    if p.superuser or _runs(p, collaborative):
        return True
    if action == EDIT_DATA:
        return team is not None and team.id in p.teams
    if action == MANAGE_TEAM:
        return team is not None and team.id in p.lead_teams
    if action in (CURATE, RATE):
        return _teaches(p, collaborative)
    return False  # MANAGE: only those who run the collaborative


def get_for_user(queryset_or_model, user, action: str = VIEW, **lookup):
    """The object matching `lookup` if `user` may do `action` to it.

    Raises Http404 when the user may not see it (so its existence does not leak) and
    PermissionDenied when they may see it but not do `action`.
    """
    queryset = (
        queryset_or_model
        if isinstance(queryset_or_model, QuerySet)
        else queryset_or_model.objects.all()
    )
    try:
        obj = visible(queryset, user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No {queryset.model._meta.verbose_name} here") from None
    if action != VIEW and not can(user, action, obj):
        raise PermissionDenied
    return obj


def collaborative_for(user, pk, action: str = VIEW):
    return get_for_user(
        Collaborative.objects.select_related("lead_ahsn", "topic"), user, action, pk=pk
    )


def team_for(user, pk, action: str = VIEW):
    return named_for(
        user,
        get_for_user(
            Team.objects.select_related("collaborative", "organisation"), user, action, pk=pk
        ),
    )


def series_for(user, pk, action: str = VIEW):
    series = get_for_user(
        Series.objects.select_related("team__collaborative", "measure"), user, action, pk=pk
    )
    named_for(user, series.team)
    return series


def cycle_for(user, pk, action: str = VIEW):
    cycle = get_for_user(
        PDSACycle.objects.select_related("team__collaborative", "change_idea"), user, action, pk=pk
    )
    named_for(user, cycle.team)
    return cycle


def membership_for(user, team_pk, pk, action: str = MANAGE_TEAM):
    """A team's membership, through the team's own rule."""
    team = team_for(user, team_pk, action)
    try:
        return TeamMembership.objects.select_related("person").get(team=team, pk=pk)
    except (TeamMembership.DoesNotExist, ValueError):
        raise Http404("No membership here") from None


def ahsn_for_audit(user, pk):
    """An AHSN whose whole audit trail `user` may read: its director or AHSN-wide
    improvement manager or a superuser; 404 for anyone else (national viewers included:
    the trail carries raw figures)."""
    try:
        ahsn = AHSN.objects.get(pk=pk)
    except (AHSN.DoesNotExist, ValueError, TypeError):
        raise Http404("No AHSN here") from None
    if not may_audit_ahsn(user, ahsn.id):
        raise Http404("No AHSN here")
    return ahsn


def may_audit_ahsn(user, ahsn_id) -> bool:
    """Whether `user` may read the AHSN's whole audit trail: its directors, its AHSN-wide
    improvement managers and a superuser."""
    p = principal(user)
    return p.superuser or ahsn_id in p.director_ahsns | p.manager_ahsns


def may_review(user, ahsn_id) -> bool:
    """Whether `user` may build, read and sign off the AHSN's contract review (EXPORT_REVIEW):
    its directors and a superuser."""
    p = principal(user)
    return p.superuser or ahsn_id in p.director_ahsns


def ahsn_for_review(user, pk):
    """An AHSN whose contract review `user` may build and read; 404 for anyone else."""
    try:
        ahsn = AHSN.objects.get(pk=pk)
    except (AHSN.DoesNotExist, ValueError, TypeError):
        raise Http404("No AHSN here") from None
    if not may_review(user, ahsn.id):
        raise Http404("No AHSN here")
    return ahsn


def review_for(reviews, user, pk):
    """The contract review `pk` among `reviews` (reports' queryset or model manager, passed in
    so that this module never imports the reports app above it) if `user` may read, sign
    off or download it; 404 for anyone else."""
    try:
        review = reviews.select_related("ahsn").get(pk=pk)
    except (reviews.model.DoesNotExist, ValueError, TypeError):
        raise Http404("No report here") from None
    if not may_review(user, review.ahsn_id):
        raise Http404("No report here")
    return review


def ahsn_for_portfolio(user, pk):
    """An AHSN whose portfolio dashboard `user` may read: its directors, a national viewer
    or a superuser; 404 for anyone else."""
    try:
        ahsn = AHSN.objects.get(pk=pk)
    except (AHSN.DoesNotExist, ValueError, TypeError):
        raise Http404("No AHSN here") from None
    if not may_view_portfolio(user, ahsn.id):
        raise Http404("No AHSN here")
    return ahsn


def may_view_portfolio(user, ahsn_id) -> bool:
    """Whether `user` may read the AHSN's portfolio dashboard: its directors, a national
    viewer or a superuser."""
    p = principal(user)
    return p.superuser or p.national or ahsn_id in p.director_ahsns


def may_view_national(user) -> bool:
    """Whether `user` may read the national dashboard (every AHSN side by side): national
    viewers and superusers."""
    p = principal(user)
    return p.superuser or p.national


def may_name(user, team) -> bool:
    """Whether `user` may see `team`'s name (the collaborative's data-sharing terms): its
    own people and those who run, teach or direct its collaborative always; anyone else
    (its peers, national viewers) only where its organisation agreed to be named."""
    p = principal(user)
    if team.id in p.teams or team.named_to_peers:
        return True
    collaborative = team.collaborative
    return (
        p.superuser
        or _runs(p, collaborative)
        or _teaches(p, collaborative)
        or collaborative.lead_ahsn_id in p.director_ahsns
    )


def named_for(user, team):
    """`team`, printing as its pseudonym when `user` may not see its name; returned."""
    if team is not None and not may_name(user, team):
        team.shown_as = team.pseudonym
    return team


# --- Setting up: new collaboratives, invitations, deactivation ----------------------------


def ahsns_for_new_collaboratives(user) -> QuerySet:
    """The AHSNs in whose name the user may start a collaborative: those they manage for."""
    p = principal(user)
    if p.superuser:
        return AHSN.objects.all()
    return AHSN.objects.filter(id__in=p.manager_ahsns)


def can_invite(user, role: str, *, ahsn=None, collaborative=None, team=None) -> bool:
    """Whether `user` may invite someone to `role` in the scope given, never above their own.

    - an improvement manager: trust leads and team members for the teams of the
      collaboratives they run, and clinical leads for those collaboratives;
    - an AHSN director: improvement managers (AHSN-wide or for one collaborative) and
      clinical leads for their AHSN, and the teams' people of the collaboratives it leads;
    - a trust lead: team members for their own team;
    - national viewers and directors are invited by a superuser only.
    Nothing is invited into a closed collaborative or a withdrawn team.
    """
    p = principal(user)
    if not p.has_any_role:
        return False
    if team is not None:
        collaborative_ = team.collaborative
        if role not in (Role.TRUST_LEAD, Role.TEAM_MEMBER) or ahsn or collaborative:
            return False
        if collaborative_.is_read_only or team.status != Team.Status.ACTIVE:
            return False
        if p.superuser or _runs(p, collaborative_):
            return True
        if collaborative_.lead_ahsn_id in p.director_ahsns:
            return True
        return role == Role.TEAM_MEMBER and team.id in p.lead_teams
    if collaborative is not None:
        if ahsn or collaborative.is_read_only:
            return False
        directs = collaborative.lead_ahsn_id in p.director_ahsns
        if role == Role.CLINICAL_LEAD:
            return p.superuser or _runs(p, collaborative) or directs
        if role == Role.IMPROVEMENT_MANAGER:
            return p.superuser or directs
        return False
    if ahsn is not None:
        if role == Role.IMPROVEMENT_MANAGER:
            return p.superuser or ahsn.id in p.director_ahsns
        return role == Role.AHSN_DIRECTOR and p.superuser
    return role == Role.NATIONAL_VIEWER and p.superuser


@dataclass(frozen=True)
class InvitationOption:
    """One role in one scope that a user may invite someone to."""

    value: str  # "role:kind:pk", what the invitation form posts
    label: str
    role: str
    scope: dict


def invitation_options(user) -> list[InvitationOption]:
    """Every role-and-scope the user may invite to, for the invitation form's choices."""
    p = principal(user)
    options = []
    teams = (
        Team.objects.visible_to(user)
        .active()
        .select_related("collaborative", "organisation")
        .order_by("collaborative__name", "organisation__name", "unit")
    )
    for team in teams:
        for role in (Role.TRUST_LEAD, Role.TEAM_MEMBER):
            if can_invite(user, role, team=team):
                options.append(
                    InvitationOption(
                        f"{role}:team:{team.pk}",
                        f"{Role(role).label}, {team} ({team.collaborative})",
                        role,
                        {"team": team},
                    )
                )
    collaboratives = (
        Collaborative.objects.visible_to(user)
        .exclude(phase=Collaborative.Phase.CLOSED)
        .select_related("lead_ahsn")
    )
    for collaborative in collaboratives:
        for role in (Role.CLINICAL_LEAD, Role.IMPROVEMENT_MANAGER):
            if can_invite(user, role, collaborative=collaborative):
                options.append(
                    InvitationOption(
                        f"{role}:collaborative:{collaborative.pk}",
                        f"{Role(role).label}, {collaborative}",
                        role,
                        {"collaborative": collaborative},
                    )
                )
    ahsns = AHSN.objects.all() if p.superuser else AHSN.objects.filter(id__in=p.director_ahsns)
    for ahsn in ahsns:
        for role in (Role.IMPROVEMENT_MANAGER, Role.AHSN_DIRECTOR):
            if can_invite(user, role, ahsn=ahsn):
                options.append(
                    InvitationOption(
                        f"{role}:ahsn:{ahsn.pk}",
                        f"{Role(role).label}, {ahsn}",
                        role,
                        {"ahsn": ahsn},
                    )
                )
    if can_invite(user, Role.NATIONAL_VIEWER):
        options.append(
            InvitationOption(
                f"{Role.NATIONAL_VIEWER}::", "National viewer", Role.NATIONAL_VIEWER, {}
            )
        )
    return options


def can_manage_invitation(user, invitation) -> bool:
    """Whether `user` may see a pending invitation in their list and revoke it: whoever could
    send that invitation now (`can_invite`, the same scope rules)."""
    return can_invite(
        user,
        invitation.role,
        ahsn=invitation.ahsn,
        collaborative=invitation.collaborative,
        team=invitation.team,
    )


def invitations_to_manage(user) -> list:
    """The pending invitations `user` may manage, newest first (pending ones expire within
    a week, so there are few to check)."""
    pending = Invitation.objects.pending().select_related(
        "ahsn", "collaborative__lead_ahsn", "team__collaborative", "team__organisation"
    )
    if not may_invite(user):
        return []
    return [i for i in pending if can_manage_invitation(user, i)]


def invitation_for_revoke(user, pk):
    """A pending invitation `user` may revoke, or 404: others' invitations do not leak."""
    invitation = (
        Invitation.objects.pending()
        .select_related("ahsn", "collaborative__lead_ahsn", "team__collaborative")
        .filter(pk=pk)
        .first()
    )
    if invitation is None or not can_manage_invitation(user, invitation):
        raise Http404("No invitation here")
    return invitation


def can_deactivate(user, target) -> bool:
    """Whether `user` may deactivate `target`: someone else, each of whose roles they could
    have invited them to. A user with no role can be deactivated by a superuser only."""
    p = principal(user)
    if target.pk == getattr(user, "pk", None) or target.is_superuser or not p.has_any_role:
        return False
    assignments = RoleAssignment.objects.filter(person__user=target).select_related(
        "ahsn", "collaborative__lead_ahsn", "team__collaborative"
    )
    if not assignments:
        return p.superuser
    return all(
        can_invite(user, a.role, ahsn=a.ahsn, collaborative=a.collaborative, team=a.team)
        for a in assignments
    )


def user_for_deactivation(user, pk):
    """The user `pk` if `user` may deactivate them; 404 otherwise, so accounts do not leak."""
    try:
        target = get_user_model().objects.get(pk=pk)
    except (get_user_model().DoesNotExist, ValueError):
        raise Http404("No user here") from None
    if not can_deactivate(user, target):
        raise Http404("No user here")
    return target


def may_invite(user) -> bool:
    """Whether the user holds a role that can invite anyone at all (for showing the link)."""
    p = principal(user)
    return p.superuser or bool(
        p.director_ahsns | p.manager_ahsns | p.manager_collaboratives | p.lead_teams
    )


def can_set_measure(user, series) -> bool:
    """Whether `user` may set the target and direction of `series`' measure.

    A library measure's target and direction, as this collaborative reads it, belong to
    the collaborative's measure set (they change its series only): those who curate the
    measure set (or run the collaborative) set them. A team's custom measure is the
    team's own. The library measure's own defaults are changed in the Django admin only.
    """
    if series.measure.team_id is not None and can(user, EDIT_DATA, series):
        return True
    return can(user, CURATE, series.team.collaborative)


def import_batch_for(user, pk):
    """A spreadsheet import: only its uploader (or a superuser) sees it, and only while they
    may still see its collaborative; 404 otherwise."""
    try:
        batch = ImportBatch.objects.select_related("collaborative").get(pk=pk)
    except (ImportBatch.DoesNotExist, ValueError, TypeError):
        raise Http404("No import here") from None
    p = principal(user)
    if not (p.superuser or batch.uploaded_by_id == getattr(user, "pk", None)):
        raise Http404("No import here")
    collaborative_for(user, batch.collaborative_id)
    return batch


def api_token_for(key: str | None):
    """The live API token with this key, or None: a wrong, malformed or revoked key, or one
    whose maker is deactivated or no longer holds a role that may make the team's tokens
    (the team's lead, or someone who runs its collaborative; see `api_tokens`)."""
    if not key or len(key) > 200:
        return None
    digest = hashlib.sha256(key.encode(errors="replace")).hexdigest()
    token = (
        ApiToken.objects.select_related("team__collaborative", "created_by")
        .filter(key_hash=digest, revoked_at__isnull=True, created_by__is_active=True)
        .first()
    )
    if token is None or not may_hold_token(token.created_by, token.team):
        return None
    return token


def may_hold_token(user, team) -> bool:
    """Whether `user` holds a role that makes `team`'s API tokens (MANAGE_TEAM, whether or
    not the team is writable today: a closed collaborative's tokens still read)."""
    p = principal(user)
    return p.superuser or team.id in p.lead_teams or _runs(p, team.collaborative)


def series_for_token(token, pk, action: str = VIEW):
    """A series of the token's own team; 404 for any other. Writes are refused (403) on a
    closed collaborative or a withdrawn team."""
    try:
        series = Series.objects.select_related("team__collaborative", "measure").get(
            pk=pk, team=token.team
        )
    except (Series.DoesNotExist, ValueError, TypeError):
        raise Http404("No series here") from None
    if action != VIEW and (
        series.team.collaborative.is_read_only or series.team.status != "active"
    ):
        raise PermissionDenied
    return series
