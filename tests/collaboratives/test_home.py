"""Log in, the home page for each role, log out, and the pages' security headers.

The cast: two AHSNs and five collaboratives, one in each phase (two active).

    North East leads  Falls North East (active): Freeman, RVI; Sunderland withdrew
               leads  Sepsis North East (preparation): Durham
    Wessex     leads  Maternity Safety Wessex (sustain): Poole, Dorset; North East partners
               leads  Deteriorating Patient Wessex (closed): Southampton
               leads  Delirium Wessex (active): no teams yet

A user per role, scoped so that each sees a different set, and an outsider with no role.
"""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.template import RequestContext, Template
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.views import defaults

from collaboratives.models import AHSN, Collaborative, Organisation, Team, Topic
from governance.models import Person, Role, RoleAssignment

PASSWORD = "a-long-home-page-password"

FALLS = "Falls North East"
SEPSIS = "Sepsis North East"
MATERNITY = "Maternity Safety Wessex"
DETERIORATION = "Deteriorating Patient Wessex"
DELIRIUM = "Delirium Wessex"

# Each collaborative's row: name and topic, lead AHSN, phase, active teams, when it runs.
ROWS = {
    FALLS: [
        "Falls North East Inpatient falls",
        "North East and North Cumbria AHSN",
        "Active",
        "2",
        "1 Apr 2024 to 31 Mar 2026",
    ],
    SEPSIS: [
        "Sepsis North East Sepsis",
        "North East and North Cumbria AHSN",
        "Preparation",
        "1",
        "1 Sep 2025 to no end date",
    ],
    MATERNITY: [
        "Maternity Safety Wessex Maternity and neonatal safety",
        "Wessex AHSN",
        "Sustain and spread",
        "2",
        "1 Jan 2023 to 31 Dec 2025",
    ],
    DETERIORATION: [
        "Deteriorating Patient Wessex Deteriorating patient",
        "Wessex AHSN",
        "Closed",
        "1",
        "1 Jun 2022 to 31 May 2024",
    ],
    DELIRIUM: [
        "Delirium Wessex Delirium",
        "Wessex AHSN",
        "Active",
        "0",
        "1 Jan 2025 to 31 Dec 2026",
    ],
}

# Which collaboratives each user's home page lists, and nothing else.
VISIBLE = {
    "national_viewer": {FALLS, SEPSIS, MATERNITY, DETERIORATION, DELIRIUM},
    # The North East's own two, and the Wessex one it partners in.
    "ahsn_director": {FALLS, SEPSIS, MATERNITY},
    "improvement_manager": {DETERIORATION},
    "clinical_lead": {DELIRIUM},
    "trust_lead": {FALLS},
    "team_member": {MATERNITY},
    "outsider": set(),
}

EMPTY_STATE = "You have no collaboratives yet: ask your improvement manager to invite you"


def _collaborative(name, lead, topic, phase, starts_on, ends_on=None, partners=()):
    collaborative = Collaborative.objects.create(
        name=name,
        slug=re.sub(r"\W+", "-", name.lower()),
        lead_ahsn=lead,
        topic=topic,
        aim_statement=f"{name}: halve harm by the end of the programme.",
        phase=phase,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    collaborative.partner_ahsns.set(partners)
    return collaborative


def _team(collaborative, ods, name, ahsn, withdrawn_on=None):
    organisation, _ = Organisation.objects.get_or_create(
        ods_code=ods, defaults={"name": name, "kind": Organisation.Kind.ACUTE, "ahsn": ahsn}
    )
    return Team.objects.create(
        collaborative=collaborative,
        organisation=organisation,
        joined_on=collaborative.starts_on,
        status=Team.Status.WITHDRAWN if withdrawn_on else Team.Status.ACTIVE,
        withdrawn_on=withdrawn_on,
    )


def _user(username, name, role=None, **scope):
    user = User.objects.create_user(username, password=PASSWORD)
    person = Person.objects.create(name=name, user=user)
    if role:
        RoleAssignment.objects.create(person=person, role=role, **scope)
    return user


@pytest.fixture
def cast(db):
    return build_cast()


def build_cast() -> dict[str, User]:
    """The collaboratives above and one user per role; returns the users by role."""
    north_east = AHSN.objects.create(
        code="NENC", name="North East and North Cumbria AHSN", nhs_region="North East and Yorkshire"
    )
    wessex = AHSN.objects.create(code="WX", name="Wessex AHSN", nhs_region="South East")
    falls_topic = Topic.objects.create(name="Inpatient falls", slug="falls")
    sepsis_topic = Topic.objects.create(name="Sepsis", slug="sepsis")
    maternity_topic = Topic.objects.create(name="Maternity and neonatal safety", slug="maternity")
    deterioration_topic = Topic.objects.create(name="Deteriorating patient", slug="deterioration")
    delirium_topic = Topic.objects.create(name="Delirium", slug="delirium")
    phase = Collaborative.Phase

    falls = _collaborative(
        FALLS, north_east, falls_topic, phase.ACTIVE, dt.date(2024, 4, 1), dt.date(2026, 3, 31)
    )
    sepsis = _collaborative(
        SEPSIS, north_east, sepsis_topic, phase.PREPARATION, dt.date(2025, 9, 1)
    )
    maternity = _collaborative(
        MATERNITY,
        wessex,
        maternity_topic,
        phase.SUSTAIN,
        dt.date(2023, 1, 1),
        dt.date(2025, 12, 31),
        partners=[north_east],
    )
    deterioration = _collaborative(
        DETERIORATION,
        wessex,
        deterioration_topic,
        phase.CLOSED,
        dt.date(2022, 6, 1),
        dt.date(2024, 5, 31),
    )
    delirium = _collaborative(
        DELIRIUM, wessex, delirium_topic, phase.ACTIVE, dt.date(2025, 1, 1), dt.date(2026, 12, 31)
    )

    freeman = _team(falls, "RTD01", "Freeman Hospital", north_east)
    _team(falls, "RTD02", "Royal Victoria Infirmary", north_east)
    _team(falls, "RLN", "Sunderland Royal Hospital", north_east, withdrawn_on=dt.date(2025, 1, 31))
    _team(sepsis, "RXP", "University Hospital of North Durham", north_east)
    poole = _team(maternity, "R0D01", "Poole Hospital", wessex)
    _team(maternity, "R0D02", "Dorset County Hospital", wessex)
    _team(deterioration, "RHM", "Southampton General Hospital", wessex)

    return {
        "national_viewer": _user("nadia", "Nadia National", Role.NATIONAL_VIEWER),
        "ahsn_director": _user("diana", "Diana Director", Role.AHSN_DIRECTOR, ahsn=north_east),
        "improvement_manager": _user(
            "imran", "Imran Manager", Role.IMPROVEMENT_MANAGER, collaborative=deterioration
        ),
        "clinical_lead": _user(
            "clara", "Clara Clinical", Role.CLINICAL_LEAD, collaborative=delirium
        ),
        "trust_lead": _user("tom", "Tom Trustlead", Role.TRUST_LEAD, team=freeman),
        "team_member": _user("maya", "Maya Member", Role.TEAM_MEMBER, team=poole),
        "outsider": _user("oscar", "Oscar Outsider"),
    }


class PageParser(HTMLParser):
    """The parts of a page these tests read: table rows, script tags, body attributes."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.scripts: list[dict] = []
        self.body: dict = {}
        self._cell: list[str] | None = None
        self._in_tbody = False
        self._skip_depth = 0  # inside a responsive-table heading span (a repeated label)
        self._span_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs | {"inline": ""})
        elif tag == "body":
            self.body = attrs
        elif tag == "tbody":
            self._in_tbody = True
        elif tag == "tr" and self._in_tbody:
            self.rows.append([])
        elif tag in ("th", "td") and self._in_tbody:
            self._cell = []
        elif tag == "span" and self._cell is not None:
            self._span_depth += 1
            if "nhsuk-table__heading" in (attrs.get("class") or "") and not self._skip_depth:
                self._skip_depth = self._span_depth

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_tbody = False
        elif tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None
        elif tag == "span" and self._cell is not None:
            if self._skip_depth == self._span_depth:
                self._skip_depth = 0
            self._span_depth -= 1

    def handle_data(self, data):
        if self.scripts and self.lasttag == "script" and data.strip():
            self.scripts[-1]["inline"] += data
        if self._cell is not None and not self._skip_depth:
            self._cell.append(data)


def parse(response) -> PageParser:
    parser = PageParser()
    parser.feed(response.content.decode())
    return parser


def log_in(username: str) -> tuple[Client, object]:
    """Log in through the real form, CSRF checks on, and follow the redirect home."""
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")
    response = client.post(
        "/login/",
        {
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
        follow=True,
    )
    return client, response


@pytest.mark.parametrize("role", VISIBLE)
def test_it_lists_exactly_the_collaboratives_each_role_may_see(cast, role):
    user = cast[role]
    _, response = log_in(user.username)

    assert response.redirect_chain == [("/", 302)]
    assert response.status_code == 200
    html = response.content.decode()
    assert user.person.name in html
    assert sorted(parse(response).rows) == sorted(ROWS[name] for name in VISIBLE[role])
    assert (EMPTY_STATE in html) == (not VISIBLE[role])


def test_it_sends_anonymous_users_to_log_in(cast):
    response = Client().get("/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_it_logs_in_and_returns_to_the_page_asked_for(cast):
    client = Client()
    response = client.post(
        "/login/", {"username": "nadia", "password": PASSWORD, "next": "/"}, follow=True
    )

    assert response.redirect_chain == [("/", 302)]
    assert "Nadia National" in response.content.decode()


def test_it_shows_the_error_summary_for_a_wrong_password(cast):
    response = Client().post("/login/", {"username": "nadia", "password": "wrong"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Log in" in html
    assert 'class="nhsuk-error-summary" data-module="nhsuk-error-summary"' in html
    assert "There is a problem" in html
    assert '<a href="#id_username">Enter a correct username and password.' in html
    # The field the summary links to shows the error too.
    assert "nhsuk-form-group nhsuk-form-group--error" in html
    assert 'aria-describedby="id_username-error"' in html
    assert 'value="nadia"' in html


def test_it_links_each_missing_field_from_the_error_summary(cast):
    response = Client().post("/login/", {"username": "", "password": ""})

    html = response.content.decode()
    assert '<a href="#id_username">Enter your username</a>' in html
    assert '<a href="#id_password">Enter your password</a>' in html
    assert 'aria-describedby="id_username-error"' in html
    assert 'aria-describedby="id_password-error"' in html


def test_it_sends_a_csp_with_a_nonce_and_no_script_without_it(cast):
    _, response = log_in("nadia")

    policy = response["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    scripts = parse(response).scripts
    assert scripts
    for script in scripts:
        # Every script is the app's own file, or inline with this response's nonce.
        if script.get("src") is None:
            assert script.get("nonce") == nonce, script
        else:
            assert script["src"].startswith("/static/"), script
            assert not script["inline"].strip(), script
    assert not any(re.match(r"(https?:)?//", s.get("src") or "") for s in scripts)


def test_it_loads_htmx_2_from_static_with_the_nonce(cast):
    _, response = log_in("nadia")

    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    htmx = [s for s in parse(response).scripts if "htmx-2" in (s.get("src") or "")]
    assert len(htmx) == 1
    assert htmx[0]["src"].startswith("/static/django_htmx/htmx-2")
    assert htmx[0]["nonce"] == nonce
    assert finders.find(htmx[0]["src"].removeprefix("/static/"))


def test_it_sends_the_csrf_token_with_every_htmx_request(cast):
    client, response = log_in("nadia")

    hx_headers = parse(response).body["hx-headers"]
    token = re.fullmatch(r'\{"X-CSRFToken": "([^"]+)"\}', hx_headers).group(1)
    # The token works as a header, which is how htmx sends it.
    response = client.post("/logout/", headers={"X-CSRFToken": token})
    assert response.status_code == 302


def test_it_logs_out_by_post_only(cast):
    client, _ = log_in("nadia")

    assert client.get("/logout/").status_code == 405
    assert client.get("/").status_code == 200
    response = client.post(
        "/logout/", {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}, follow=True
    )
    assert response.redirect_chain == [("/login/", 302)]
    assert "Log in to Collab" in response.content.decode()
    assert client.get("/").status_code == 302


def test_it_does_not_add_queries_per_collaborative(cast, django_assert_num_queries):
    client = Client()
    client.force_login(cast["national_viewer"])
    with django_assert_num_queries(9) as few:
        client.get("/")
    wessex = AHSN.objects.get(code="WX")
    topic = Topic.objects.get(slug="delirium")
    for n in range(20):
        more = _collaborative(f"More {n}", wessex, topic, "active", dt.date(2025, 1, 1))
        _team(more, f"MORE{n}", f"More Hospital {n}", wessex)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/")
    assert len(parse(response).rows) == 25


def test_it_shows_messages_as_inset_text_or_warning_callouts(rf):
    request = rf.get("/")
    request.user = AnonymousUser()
    request._messages = CookieStorage(request)
    messages.info(request, "Your team was added.")
    messages.warning(request, "Data for March is missing.")

    html = Template('{% extends "base.html" %}').render(RequestContext(request))

    inset = html.index('<div class="nhsuk-inset-text">')
    assert html.index("Your team was added.") > inset
    callout = html.index('<div class="nhsuk-card nhsuk-card--warning">')
    assert html.index("Data for March is missing.") > callout > inset


# The error pages around the home page.


def test_it_shows_an_nhs_page_not_found(cast):
    client, _ = log_in("nadia")

    response = client.get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert '<h1 class="nhsuk-heading-l">Page not found</h1>' in html
    assert 'class="nhsuk-header"' in html
    assert "Nadia National" in html


def test_it_shows_an_nhs_forbidden_page(cast):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    response = defaults.permission_denied(request, PermissionDenied())

    assert response.status_code == 403
    assert "You cannot do this" in response.content.decode()


def test_the_server_error_page_needs_no_request_and_no_database():
    # No django_db mark: a query here would fail the test.
    html = render_to_string("500.html")

    assert "Sorry, there is a problem with the service" in html
    assert "/static/vendor/nhsuk/nhsuk-frontend.min.css" in html
    assert 'class="nhsuk-skip-link"' in html
