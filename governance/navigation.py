"""The site-wide navigation in the NHS.UK header: which sections each viewer is offered.

`navigation_for` is the one function that decides. It reads the viewer's roles (which
sections are theirs) and asks `governance.access` whether each link is allowed (so the
header never offers a page that would answer 403 or 404):

| role                                 | sections                                          |
|--------------------------------------|---------------------------------------------------|
| national viewer                      | National programmes                               |
| AHSN director                        | Portfolio, Contract review, Audit trail           |
| improvement manager                  | Collaboratives; the collaborative's dashboard,    |
|                                      | overdue data, data completeness and calendar      |
| clinical lead (faculty)              | the collaborative, teams to review, PDSA cycles   |
| trust lead, team member              | My team, Enter data, PDSA cycles                  |
| Django staff (the superuser)         | Admin                                             |

Sections of one collaborative or team follow the page: on a collaborative's (or one of its
teams') page, the items are that collaborative's when the viewer runs or teaches it;
elsewhere, the only collaborative (or team) the viewer has, or none when they have several
(the home page lists them). Several roles add up, without repeating a link.

The item for the page being shown is marked `aria-current="page"`; an item whose section
holds the page (a cycle within "PDSA cycles") is marked `aria-current="true"`, as the
NHS.UK header's `current` and `active` items are.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from collaboratives.models import AHSN, Collaborative, Team
from governance import access


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    # The URL names (`view_name`, with the namespace) of the pages within the section.
    section: frozenset[str] = frozenset()
    current: str | None = None  # "page", "true" or None: the aria-current value


def _names(*names: str) -> frozenset[str]:
    return frozenset(names)


NATIONAL = _names("dashboard_national")
PORTFOLIO = _names("dashboard_portfolio")
REVIEW = _names(
    "review_home",
    "review_list",
    "review_detail",
    "review_commentary",
    "review_sign_off",
    "review_rebuild",
)
AUDIT = _names("ahsn_audit", "collaborative_audit")
COLLABORATIVES = _names(
    "home",
    "collaborative",
    "collaborative_create",
    "collaborative_edit",
    "collaborative_phase",
    "stretch_target",
    "measure_set",
    "measure_create",
    "driver_diagram",
    "driver_node_edit",
    "design_record",
    "design_records_compare",
    "team",
    "team_create",
    "invitation_create",
    "invitation_list",
    "invitation_revoke",
)
DASHBOARD = _names(
    "dashboard_collaborative",
    "dashboard_collaborative_funnel",
    "dashboard_collaborative_aggregate",
    "dashboard_collaborative_multiples",
)
OVERDUE = _names("overdue")
COMPLETENESS = _names("measures:completeness")
CALENDAR = _names("calendar", "event_attendance", "event_edit")
TEAMS_TO_REVIEW = _names(
    "dashboard_collaborative_teams", "collaborative_assessments", "team_assessments"
)
COLLABORATIVE_CYCLES = _names("collaborative_cycles", "cycle", "cycle_step")
MY_TEAM = _names("dashboard_team", "dashboard_team_panel", "measures:series_chart")
ENTER_DATA = _names(
    "measures:team_grid",
    "measures:series_grid",
    "measures:cell_history",
    "measures:import_upload",
    "measures:import_batch",
)
TEAM_CYCLES = _names(
    "team", "cycle", "cycle_create", "cycle_step", "team_assessments", "team_change_idea_create"
)


def navigation_for(
    user,
    *,
    path: str = "",
    view_name: str | None = None,
    collaborative: Collaborative | None = None,
    team: Team | None = None,
) -> list[NavItem]:
    """The header's items for `user` on the page at `path` (resolved as `view_name`).

    `collaborative` and `team` are what the page is about, when it is about one (the
    page has already checked that the user may see them); they choose which
    collaborative's or team's sections are offered. Returns no items to anyone signed out.
    """
    if user is None or not user.is_authenticated:
        return []
    p = access.principal(user)
    if not isinstance(team, Team):
        team = None
    if not isinstance(collaborative, Collaborative):
        collaborative = team.collaborative if team is not None else None

    items: list[NavItem] = []
    if access.may_view_national(user):
        items.append(NavItem("National programmes", reverse("dashboard_national"), NATIONAL))
    items += _director_items(user, p)
    items += _collaborative_items(user, p, collaborative)
    items += _team_items(user, p, team)
    if access.may_use_admin(user):
        items.append(NavItem("Admin", reverse("admin:index")))
    return _mark_current(_unique(items), path, view_name)


def _director_items(user, p: access.Principal) -> list[NavItem]:
    if not p.director_ahsns:
        return []
    several = len(p.director_ahsns) > 1
    names = (
        dict(AHSN.objects.filter(pk__in=p.director_ahsns).values_list("pk", "name"))
        if several
        else {}
    )
    items = []
    for ahsn_id in sorted(p.director_ahsns, key=lambda pk: names.get(pk, "")):
        suffix = f": {names[ahsn_id]}" if several else ""
        if access.may_view_portfolio(user, ahsn_id):
            items.append(
                NavItem(
                    f"Portfolio{suffix}", reverse("dashboard_portfolio", args=[ahsn_id]), PORTFOLIO
                )
            )
        if access.may_review(user, ahsn_id):
            items.append(
                NavItem(f"Contract review{suffix}", reverse("review_list", args=[ahsn_id]), REVIEW)
            )
        if access.may_audit_ahsn(user, ahsn_id):
            items.append(
                NavItem(f"Audit trail{suffix}", reverse("ahsn_audit", args=[ahsn_id]), AUDIT)
            )
    return items


def _collaborative_items(user, p: access.Principal, page_collaborative) -> list[NavItem]:
    """Those who run a collaborative (improvement managers) or teach in it (faculty)."""
    runs = bool(p.manager_ahsns or p.manager_collaboratives)
    teaches = bool(p.faculty_collaboratives)
    if not (runs or teaches):
        return []
    collaborative = _focus_collaborative(user, p, page_collaborative)
    items = []
    if runs or collaborative is None:
        items.append(NavItem("Collaboratives", reverse("home"), COLLABORATIVES))
    if collaborative is None:
        return items
    # The collaborative is one the user may see: the page showing it asked, or it came
    # through access.visible. Reading it opens its dashboard, calendar and teams table.
    pk = collaborative.pk
    may_monitor = access.can(user, access.MONITOR, collaborative)
    label = "Dashboard" if runs else "Collaborative"
    items.append(NavItem(label, reverse("dashboard_collaborative", args=[pk]), DASHBOARD))
    if runs and may_monitor:
        items.append(NavItem("Overdue data", reverse("overdue", args=[pk]), OVERDUE))
        items.append(
            NavItem("Data completeness", reverse("measures:completeness", args=[pk]), COMPLETENESS)
        )
    if runs:
        items.append(NavItem("Calendar", reverse("calendar", args=[pk]), CALENDAR))
    if teaches:
        items.append(
            NavItem(
                "Teams to review",
                reverse("dashboard_collaborative_teams", args=[pk]),
                TEAMS_TO_REVIEW,
            )
        )
    if teaches and may_monitor:
        items.append(
            NavItem(
                "PDSA cycles",
                reverse("collaborative_cycles", args=[pk]),
                COLLABORATIVE_CYCLES,
            )
        )
    return items


def _focus_collaborative(user, p: access.Principal, page_collaborative):
    """The page's collaborative when the user runs or teaches it; otherwise the only
    collaborative they run or teach that is not closed; otherwise None."""
    if page_collaborative is not None and access.can(user, access.MONITOR, page_collaborative):
        return page_collaborative
    candidates = (
        access.visible(Collaborative.objects.all(), user)
        .exclude(phase=Collaborative.Phase.CLOSED)
        .order_by("name")
    )
    found = None
    for c in candidates:
        if not access.can(user, access.MONITOR, c):
            continue
        if found is not None:
            return None
        found = c
    return found


def _team_items(user, p: access.Principal, page_team) -> list[NavItem]:
    """Trust leads and team members: their own team's sections."""
    if not p.teams:
        return []
    if page_team is not None and page_team.pk in p.teams:
        team = page_team
    else:
        teams = list(
            access.visible(Team.objects.filter(pk__in=p.teams), user)
            .exclude(collaborative__phase=Collaborative.Phase.CLOSED)
            .select_related("collaborative")[:2]
        )
        team = teams[0] if len(teams) == 1 else None
    if team is None:
        return [NavItem("My teams", reverse("home"), _names("home"))]
    # The team is one the user may see (the page asked, or access.visible did): its
    # dashboard and its page open; entering data is asked.
    items = [NavItem("My team", reverse("dashboard_team", args=[team.pk]), MY_TEAM)]
    if access.can(user, access.EDIT_DATA, team):
        items.append(
            NavItem("Enter data", reverse("measures:team_grid", args=[team.pk]), ENTER_DATA)
        )
    items.append(NavItem("PDSA cycles", reverse("team", args=[team.pk]) + "#cycles", TEAM_CYCLES))
    return items


def _unique(items: list[NavItem]) -> list[NavItem]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item.href not in seen:
            seen.add(item.href)
            out.append(item)
    return out


def _mark_current(items: list[NavItem], path: str, view_name: str | None) -> list[NavItem]:
    """Mark one item at most: the link to this very page, else the section holding it."""
    exact = next((i for i, item in enumerate(items) if item.href.split("#")[0] == path), None)
    if exact is not None:
        chosen, value = exact, "page"
    else:
        chosen = next((i for i, item in enumerate(items) if view_name in item.section), None)
        value = "true"
    if chosen is None:
        return items
    marked = items[chosen]
    items[chosen] = NavItem(marked.label, marked.href, marked.section, value)
    return items
