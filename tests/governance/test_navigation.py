"""The NHS.UK header's navigation: each role's sections, every link open to them, the
current section marked (governance/navigation.py decides, the base template shows)."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.test import Client

from collaboratives.models import Collaborative, LearningEvent
from collaboratives.workflows import team_withdraw
from governance.models import Role
from governance.navigation import navigation_for
from tests.cast import build_cast, client_for, user_with_role

pytestmark = pytest.mark.django_db


class NavParser(HTMLParser):
    """The header navigation's links: (text, href, aria-current) in order, and how many
    navigation landmarks named "Menu" the page has."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, str | None]] = []
        self.menus = 0
        self._link: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "nav" and "nhsuk-header__navigation" in (a.get("class") or "").split():
            self.menus += 1
            assert a.get("aria-label") == "Menu"
        if tag == "a" and "nhsuk-header__navigation-link" in (a.get("class") or ""):
            self._link = {"href": a["href"], "current": a.get("aria-current"), "text": ""}

    def handle_data(self, data):
        if self._link is not None:
            self._link["text"] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            link = self._link
            self.links.append((link["text"].strip(), link["href"], link["current"]))
            self._link = None


def nav(response) -> NavParser:
    assert response.status_code == 200
    parser = NavParser()
    parser.feed(response.content.decode())
    return parser


def items(response) -> list[tuple[str, str]]:
    return [(text, href) for text, href, _ in nav(response).links]


@pytest.fixture
def cast():
    c = build_cast()
    admin = User.objects.create_superuser("admin", password="admin-password")
    c.users["admin"] = admin
    return c


def expected(cast, name) -> list[tuple[str, str]]:
    east, falls, alpha = cast.east.pk, cast.falls.pk, cast.alpha.pk
    return {
        "national": [("National programmes", "/national/")],
        "director": [
            ("Portfolio", f"/ahsns/{east}/portfolio/"),
            ("Contract review", f"/reports/ahsns/{east}/"),
            ("Audit trail", f"/ahsns/{east}/audit/"),
        ],
        # Runs falls and sepsis (east's): which one's sections is for the page to say.
        "manager": [("Collaboratives", "/")],
        "falls_manager": [
            ("Collaboratives", "/"),
            ("Dashboard", f"/collaboratives/{falls}/dashboard/"),
            ("Overdue data", f"/collaboratives/{falls}/overdue/"),
            ("Data completeness", f"/collaboratives/{falls}/completeness/"),
            ("Calendar", f"/collaboratives/{falls}/calendar/"),
        ],
        "faculty": [
            ("Collaborative", f"/collaboratives/{falls}/dashboard/"),
            ("Teams to review", f"/collaboratives/{falls}/dashboard/teams/"),
            ("PDSA cycles", f"/collaboratives/{falls}/cycles/"),
        ],
        "lead": [
            ("My team", f"/teams/{alpha}/dashboard/"),
            ("Enter data", f"/teams/{alpha}/data/"),
            ("PDSA cycles", f"/teams/{alpha}/#cycles"),
        ],
        "member": [
            ("My team", f"/teams/{alpha}/dashboard/"),
            ("Enter data", f"/teams/{alpha}/data/"),
            ("PDSA cycles", f"/teams/{alpha}/#cycles"),
        ],
        "admin": [("National programmes", "/national/"), ("Admin", "/admin/")],
        "outsider": [],
    }[name]


ROLES = [
    "national",
    "director",
    "manager",
    "falls_manager",
    "faculty",
    "lead",
    "member",
    "admin",
    "outsider",
]


@pytest.mark.parametrize("name", ROLES)
def test_it_offers_each_role_its_own_sections_on_the_home_page(cast, name):
    response = client_for(cast.users[name]).get("/")
    assert items(response) == expected(cast, name)


def test_it_has_no_navigation_for_someone_signed_out_or_without_a_role(cast):
    assert nav(Client().get("/login/")).menus == 0
    # An empty navigation would also stop the header's script (it requires items).
    assert nav(client_for(cast.users["outsider"]).get("/")).menus == 0
    assert nav(client_for(cast.users["lead"]).get("/")).menus == 1


def test_it_offers_the_sections_of_the_collaborative_on_the_page(cast):
    manager = client_for(cast.users["manager"])
    sepsis = cast.sepsis.pk
    assert items(manager.get(f"/collaboratives/{sepsis}/")) == [
        ("Collaboratives", "/"),
        ("Dashboard", f"/collaboratives/{sepsis}/dashboard/"),
        ("Overdue data", f"/collaboratives/{sepsis}/overdue/"),
        ("Data completeness", f"/collaboratives/{sepsis}/completeness/"),
        ("Calendar", f"/collaboratives/{sepsis}/calendar/"),
    ]
    # A team's page is within its collaborative.
    assert ("Calendar", f"/collaboratives/{cast.falls.pk}/calendar/") in items(
        manager.get(f"/teams/{cast.beta.pk}/")
    )


def test_it_offers_no_sections_of_a_collaborative_the_user_does_not_run(cast):
    # The lead reads falls' page but runs nothing there: only their team's sections.
    lead = client_for(cast.users["lead"])
    assert items(lead.get(f"/collaboratives/{cast.falls.pk}/")) == expected(cast, "lead")
    # West's manager reads falls as a partner but may not see who owes its data: on falls'
    # page they are offered their own collaborative's sections, never falls'.
    cast.falls.partner_ahsns.add(cast.west)
    west_manager = user_with_role("west_manager", Role.IMPROVEMENT_MANAGER, ahsn=cast.west)
    offered = items(client_for(west_manager).get(f"/collaboratives/{cast.falls.pk}/"))
    assert ("Overdue data", f"/collaboratives/{cast.maternity.pk}/overdue/") in offered
    assert not [href for _, href in offered if f"/collaboratives/{cast.falls.pk}/" in href]


def test_a_withdrawn_teams_people_are_not_offered_data_entry(cast):
    team_withdraw(team=cast.alpha, on=dt.date(2024, 6, 1))
    labels = [text for text, _ in items(client_for(cast.users["lead"]).get("/"))]
    assert labels == ["My team", "PDSA cycles"]


def test_a_closed_collaborative_is_not_chosen_for_the_sections(cast):
    Collaborative.objects.filter(pk=cast.sepsis.pk).update(phase=Collaborative.Phase.CLOSED)
    # East's manager now runs one open collaborative: falls is theirs by default.
    labels = items(client_for(cast.users["manager"]).get("/"))
    assert ("Overdue data", f"/collaboratives/{cast.falls.pk}/overdue/") in labels


def _pages(cast, name) -> list[str]:
    """Pages each role opens, whose navigation must lead only to pages that open."""
    falls, alpha = cast.falls.pk, cast.alpha.pk
    pages = ["/"]
    if name in ("manager", "falls_manager", "faculty", "director", "national", "admin"):
        pages.append(f"/collaboratives/{falls}/")
    if name in ("manager", "falls_manager", "faculty", "lead", "member"):
        pages.append(f"/teams/{alpha}/")
    if name == "manager":
        pages.append(f"/collaboratives/{cast.sepsis.pk}/")
    return pages


@pytest.mark.parametrize("name", [n for n in ROLES if n != "outsider"])
def test_every_link_it_offers_opens_for_that_role(cast, name):
    client = client_for(cast.users[name])
    offered = {href for page in _pages(cast, name) for _, href in items(client.get(page))}
    assert offered
    for href in sorted(offered):
        response = client.get(href.split("#")[0])
        assert response.status_code == 200, f"{name}: {href} answered {response.status_code}"


@pytest.mark.parametrize("name", ["director", "falls_manager", "faculty", "lead", "national"])
def test_the_page_each_link_opens_marks_that_link_as_the_current_page(cast, name):
    client = client_for(cast.users[name])
    for text, href in items(client.get("/")):
        if href == "/admin/":
            continue
        links = nav(client.get(href.split("#")[0])).links
        current = [(t, c) for t, _, c in links if c]
        assert current == [(text, "page")], f"{name} on {href}"


def test_a_page_within_a_section_marks_the_section_as_current(cast):
    lead = client_for(cast.users["lead"])
    on_series_grid = nav(lead.get(f"/series/{cast.alpha_series.pk}/data/")).links
    assert [(t, c) for t, _, c in on_series_grid if c] == [("Enter data", "true")]
    on_cycle = nav(lead.get(f"/cycles/{cast.alpha_cycle.pk}/")).links
    assert [(t, c) for t, _, c in on_cycle if c] == [("PDSA cycles", "true")]
    # The current item is also in bold, for those who override the page's colours.
    html = lead.get(f"/teams/{cast.alpha.pk}/data/").content.decode()
    fallback = '<strong class="nhsuk-header__navigation-item-current-fallback">Enter data'
    assert f'aria-current="page">{fallback}' in html


def test_a_managers_event_edit_and_invitations_pages_mark_their_sections(cast):
    manager = client_for(cast.users["falls_manager"])
    event = LearningEvent.objects.create(
        collaborative=cast.falls,
        kind=LearningEvent.Kind.WEBINAR,
        title="Webinar",
        starts_on=dt.date(2025, 10, 1),
        ends_on=dt.date(2025, 10, 1),
    )
    on_edit = nav(manager.get(f"/collaboratives/{cast.falls.pk}/calendar/{event.pk}/edit/")).links
    assert [(t, c) for t, _, c in on_edit if c] == [("Calendar", "true")]
    on_invitations = nav(manager.get("/invitations/")).links
    assert [(t, c) for t, _, c in on_invitations if c] == [("Collaboratives", "true")]


def test_a_page_outside_every_section_marks_nothing(cast):
    links = nav(client_for(cast.users["lead"]).get("/accessibility/")).links
    assert links and all(current is None for _, _, current in links)


def test_roles_add_up_without_repeating_a_link(cast):
    from governance.models import RoleAssignment

    person = cast.users["lead"].person
    RoleAssignment.objects.create(person=person, role=Role.CLINICAL_LEAD, collaborative=cast.falls)
    got = navigation_for(cast.users["lead"], path="/")
    hrefs = [item.href for item in got]
    assert len(hrefs) == len(set(hrefs))
    assert [item.label for item in got] == [
        "Collaborative",
        "Teams to review",
        "PDSA cycles",
        "My team",
        "Enter data",
        "PDSA cycles",
    ]


def test_a_director_of_several_ahsns_sees_each_named(cast):
    from governance.models import RoleAssignment

    RoleAssignment.objects.create(
        person=cast.users["director"].person, role=Role.AHSN_DIRECTOR, ahsn=cast.west
    )
    labels = [item.label for item in navigation_for(cast.users["director"], path="/")]
    assert labels == [
        "Portfolio: Eastern AHSN",
        "Contract review: Eastern AHSN",
        "Audit trail: Eastern AHSN",
        "Portfolio: Western AHSN",
        "Contract review: Western AHSN",
        "Audit trail: Western AHSN",
    ]


def test_the_page_not_found_keeps_the_navigation_and_marks_nothing(cast):
    response = client_for(cast.users["lead"]).get("/no-such-page/")
    assert response.status_code == 404
    parser = NavParser()
    parser.feed(response.content.decode())
    assert [text for text, _, _ in parser.links] == ["My team", "Enter data", "PDSA cycles"]
    assert all(current is None for _, _, current in parser.links)
