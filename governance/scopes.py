"""Which rows a user's roles reach: the access rules as Q objects built from plain values.

`principal(user)` reads the user's role assignments once per request into a `Principal`:
sets of ids, the AHSNs, collaboratives and teams of each role (the role table is in
governance.access's docstring). The builders below turn a Principal into a `Q` on one model's
fields; each guarded model's QuerySet applies its own in `visible_to(user)`
(collaboratives.models, measures.models), through `visible`.

This module imports no app model, so the models import it at the top. governance.access
(what a user may do to one object; fetching it or answering 404 and 403) sits above the
models and asks here for the rows (issue 16: layers without cycles).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.db.models.constants import LOOKUP_SEP

from collaboratives.scopes import of_ahsns_q
from governance.models import Role, RoleAssignment


@dataclass(frozen=True)
class Principal:
    """What one user's role assignments add up to, read once per request."""

    superuser: bool = False
    national: bool = False
    director_ahsns: frozenset[int] = field(default_factory=frozenset)
    manager_ahsns: frozenset[int] = field(default_factory=frozenset)
    manager_collaboratives: frozenset[int] = field(default_factory=frozenset)
    faculty_collaboratives: frozenset[int] = field(default_factory=frozenset)
    lead_teams: frozenset[int] = field(default_factory=frozenset)
    member_teams: frozenset[int] = field(default_factory=frozenset)
    # The collaboratives of `lead_teams | member_teams`: read with the roles, for `inside`.
    team_collaboratives: frozenset[int] = field(default_factory=frozenset)

    @property
    def teams(self) -> frozenset[int]:
        return self.lead_teams | self.member_teams

    @property
    def has_any_role(self) -> bool:
        return (
            self.superuser
            or self.national
            or bool(
                self.director_ahsns
                | self.manager_ahsns
                | self.manager_collaboratives
                | self.faculty_collaboratives
                | self.teams
            )
        )


ANONYMOUS = Principal()


def principal(user) -> Principal:
    """The user's roles, cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_collab_principal", None)
    if cached is not None:
        return cached
    sets: dict[str, set[int]] = {
        "director_ahsns": set(),
        "manager_ahsns": set(),
        "manager_collaboratives": set(),
        "faculty_collaboratives": set(),
        "lead_teams": set(),
        "member_teams": set(),
        "team_collaboratives": set(),
    }
    national = False
    assignments = RoleAssignment.objects.filter(person__user=user).values_list(
        "role", "ahsn_id", "collaborative_id", "team_id", "team__collaborative_id"
    )
    for role, ahsn_id, collaborative_id, team_id, team_collaborative_id in assignments:
        if team_collaborative_id is not None:
            sets["team_collaboratives"].add(team_collaborative_id)
        if role == Role.NATIONAL_VIEWER:
            national = True
        elif role == Role.AHSN_DIRECTOR:
            sets["director_ahsns"].add(ahsn_id)
        elif role == Role.IMPROVEMENT_MANAGER and ahsn_id:
            sets["manager_ahsns"].add(ahsn_id)
        elif role == Role.IMPROVEMENT_MANAGER:
            sets["manager_collaboratives"].add(collaborative_id)
        elif role == Role.CLINICAL_LEAD:
            sets["faculty_collaboratives"].add(collaborative_id)
        elif role == Role.TRUST_LEAD:
            sets["lead_teams"].add(team_id)
        elif role == Role.TEAM_MEMBER:
            sets["member_teams"].add(team_id)
    result = Principal(
        superuser=user.is_superuser,
        national=national,
        **{name: frozenset(ids) for name, ids in sets.items()},
    )
    user._collab_principal = result
    return result


# --- Which rows a user may read, one builder per guarded model ----------------------------


def _in(lookup: str, ids) -> Q:
    """`lookup` among `ids`; with no ids, no row and no join (Django joins the relation of
    an empty `__in` all the same, and most principals hold one or two kinds of role)."""
    return Q(**{lookup: ids}) if ids else Q(pk__in=[])


def collaboratives_q(p: Principal, prefix: str = "") -> Q:
    """Collaboratives the principal may read, as a filter on `prefix` + collaborative fields."""
    if p.superuser or p.national:
        return Q()
    ahsns = p.director_ahsns | p.manager_ahsns
    q = of_ahsns_q(ahsns, prefix)
    q |= _in(f"{prefix}id__in", p.manager_collaboratives | p.faculty_collaboratives)
    q |= _in(f"{prefix}teams__in", p.teams)
    return q


def managed_collaboratives_q(p: Principal, prefix: str) -> Q:
    """Collaboratives the principal runs or teaches in, where every team's detail is open."""
    ahsns = p.director_ahsns | p.manager_ahsns
    return of_ahsns_q(ahsns, prefix) | _in(
        f"{prefix}id__in", p.manager_collaboratives | p.faculty_collaboratives
    )


def teams_q(p: Principal, prefix: str = "") -> Q:
    """Teams whose pages the principal may open: their own, or every team of a collaborative
    they run, teach or direct."""
    if p.superuser or p.national:
        return Q()
    return _in(f"{prefix}id__in", p.teams) | managed_collaboratives_q(p, f"{prefix}collaborative__")


def measures_q(p: Principal, prefix: str = "") -> Q:
    """Library measures are open to anyone signed in; a team's custom ones follow the team,
    and are team-private for the national viewer."""
    if p.superuser:
        return Q()
    library = Q(**{f"{prefix}team__isnull": True})
    if p.national:
        return library
    return library | teams_q(p, f"{prefix}team__")


def cycles_q(p: Principal) -> Q:
    """PDSA cycles follow their team."""
    return teams_q(p, "team__")


def driver_nodes_q(p: Principal) -> Q:
    """A collaborative's driver diagram follows the collaborative; a team's own change
    ideas follow the team."""
    return collaboratives_q(p, "collaborative__") & (Q(team__isnull=True) | teams_q(p, "team__"))


def series_q(p: Principal) -> Q:
    """A series follows both its team and its measure."""
    return teams_q(p, "team__") & measures_q(p, "measure__")


def visible(queryset: QuerySet, user, rule: Callable[[Principal], Q]) -> QuerySet:
    """Filter `queryset` to the rows `user` may read by `rule` (one of the builders above)."""
    p = principal(user)
    if not p.has_any_role:
        return queryset.none()
    q = rule(p)
    if q == Q():
        return queryset
    if not joins_many(queryset.model, q):
        return queryset.filter(q)
    # Joins through many-to-many relations can repeat rows; filter by id to keep one each.
    return queryset.filter(pk__in=queryset.model.objects.filter(q).values("pk"))


def joins_many(model, q: Q) -> bool:
    """Whether filtering `model` by `q` joins a relation that can match several rows for
    one of `model`'s (a reverse foreign key or a many-to-many): then `visible` filters by
    id through a subquery, so that each row comes once. Most principals' rules join none
    (a lead's: their teams' ids), and the plain filter costs less to build and to run."""
    return any(
        joins_many(model, child)
        if isinstance(child, Q)
        # an expression (Exists, say) rather than a lookup: taken as joining many
        else not isinstance(child, tuple) or _many_valued(model, child[0])
        for child in q.children
    )


@cache
def _many_valued(model, lookup: str) -> bool:
    """Whether the filter `lookup` ("team__collaborative__partner_ahsns__in") passes
    through a relation that can match several rows for one of `model`'s."""
    opts = model._meta
    for part in lookup.split(LOOKUP_SEP):
        try:
            relation = opts.get_field(part)
        except FieldDoesNotExist:
            return False  # "pk", or the lookup itself ("in", "isnull")
        if not relation.is_relation:
            return False
        if relation.many_to_many or relation.one_to_many:
            return True
        opts = relation.related_model._meta
    return False
