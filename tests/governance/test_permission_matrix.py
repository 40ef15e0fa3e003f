"""The permission matrix: every role against every kind of object through the real URLs.

The expected answers are literal tables in tests/governance/matrix/, one file per app,
written from the role table (governance/access.py's docstring and DESIGN.md), never
computed from the access module. Every named URL the resolver knows must have an entry,
so a new page cannot escape; the Django admin is one rule, staff only, tried on a sample.

Each case runs in a savepoint that is rolled back, so a permitted POST (an archive, a
withdrawal) does not change what the next case sees.
"""

import copy
import importlib
import logging

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.governance.conftest import MATRIX_PROPERTY
from tests.governance.matrix import LOGIN, ROLES
from tests.governance.matrix.world import build_world

APPS = ("collaboratives", "measures", "governance", "dashboards", "reports")
METHODS = ("GET", "POST")

# The dashboards' fragment cache on (tests/conftest.py `fragment_cache`): one cache shared by
# every viewer's requests within a test, so that a fragment cached for one viewer and served
# to another with a different view would show here as a wrong answer or a leak.
pytestmark = pytest.mark.usefixtures("fragment_cache")


def table(app: str) -> dict:
    return importlib.import_module(f"tests.governance.matrix.{app}").MATRIX


def named_urls() -> dict[str, set[str]]:
    """Every URL the resolver knows, outside the admin: name -> its parameters.

    An unnamed pattern is listed under its route, so it fails the coverage test too.
    """
    found: dict[str, set[str]] = {}

    def walk(patterns, namespaces, params):
        for p in patterns:
            converters = set(getattr(p.pattern, "converters", {}) or {})
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                ns = [*namespaces, p.namespace] if p.namespace else namespaces
                walk(p.url_patterns, ns, params | converters)
            elif isinstance(p, URLPattern):
                key = ":".join([*namespaces, p.name]) if p.name else f"unnamed {p.pattern}"
                found[key] = params | converters

    walk(get_resolver().url_patterns, [], set())
    return found


def answer(response, login_url: str):
    """What a response says, in the tables' terms."""
    if response.status_code == 302 and response["Location"].split("?")[0] == login_url:
        return LOGIN
    return response.status_code


def clients(world) -> dict[str, Client]:
    out = {}
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(world.users[role])
        out[role] = client
    return out


def run(entries: dict, world, params: dict[str, set[str]]) -> tuple[int, list[str]]:
    """Ask every cell of `entries`; return the number of cases and the wrong answers."""
    # Thousands of 403s and 404s are expected here; logging each one is noise.
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return _run(entries, world, params)
    finally:
        logger.setLevel(level)


def _run(entries: dict, world, params: dict[str, set[str]]) -> tuple[int, list[str]]:
    login_url = reverse("login")
    by_role = clients(world)
    token_client = Client()
    cases = 0
    wrong = []
    for key, entry in entries.items():
        name, _, query = key.partition("#")[0].partition("?")
        wanted = params.get(name)
        if wanted is None:
            wrong.append(f"{name}: in the table but not a URL")
            continue
        fixed = entry.get("kwargs", {})
        headers = {"HX-Request": "true"} if entry.get("htmx") else {}
        for method in METHODS:
            for target, answers in entry.get(method, {}).items():
                ids = world.kwargs[entry["object"]][target]
                kwargs = {p: fixed[p] if p in fixed else ids[p] for p in wanted}
                url = reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")
                data = {
                    k: ids[v[1:]] if isinstance(v, str) and v.startswith("@") else v
                    for k, v in entry.get("data", {}).items()
                }
                if entry.get("auth") == "token":
                    calls = [("token", token_client, answers, world.api_keys["own"])]
                else:
                    if len(answers) != len(ROLES):
                        wrong.append(f"{name} {method} {target}: {len(answers)} answers")
                        continue
                    calls = [(r, by_role[r], a, None) for r, a in zip(ROLES, answers, strict=True)]
                for role, client, expected, bearer in calls:
                    extra = dict(headers)
                    if bearer:
                        extra["Authorization"] = f"Bearer {bearer}"
                    cookies = copy.deepcopy(client.cookies)
                    with transaction.atomic():
                        if method == "GET":
                            response = client.get(url, headers=extra)
                        else:
                            options = {"headers": extra}
                            if "content_type" in entry:
                                options["content_type"] = entry["content_type"]
                            response = client.post(url, data, **options)
                        transaction.set_rollback(True)
                    # As if it never happened: a log-out or a new message changes nothing next.
                    client.cookies = cookies
                    got = answer(response, login_url)
                    cases += 1
                    if got != expected:
                        wrong.append(
                            f"{key:32} {method:4} {target:12} as {role:9}: "
                            f"expected {expected}, got {got}"
                        )
    return cases, wrong


CHUNK = 8  # URLs per test, so that parallel workers share the matrix out


def chunks():
    for app in APPS:
        names = list(table(app))
        for start in range(0, max(len(names), 1), CHUNK):
            yield pytest.param(app, start, id=f"{app}-{start // CHUNK + 1}")


@pytest.mark.django_db
@pytest.mark.parametrize(("app", "start"), list(chunks()))
def test_permission_matrix_gives_each_role_the_literal_answer(app, start, record_property):
    """Every cell of the app's table, through the real URL, answers as written."""
    world = build_world()
    entries = dict(list(table(app).items())[start : start + CHUNK])
    cases, wrong = run(entries, world, named_urls())
    record_property(MATRIX_PROPERTY, cases)
    print(f"{app}: {cases} permission cases")
    assert not wrong, f"{len(wrong)} of {cases} cases answered otherwise:\n" + "\n".join(wrong)


def test_permission_matrix_has_an_entry_for_every_named_url():
    """A new page cannot escape: the resolver's URLs and the tables' entries match."""
    entries = {}
    for app in APPS:
        for key in table(app):
            name = key.partition("#")[0].partition("?")[0]
            assert entries.get(name, app) == app, f"{name} is in both {entries[name]} and {app}"
            entries[name] = app
    urls = named_urls()
    missing = sorted(set(urls) - set(entries))
    assert not missing, "URLs with no permission-matrix entry: " + ", ".join(missing)
    stale = sorted(set(entries) - set(urls))
    assert not stale, "Matrix entries for URLs that no longer exist: " + ", ".join(stale)


def test_permission_matrix_tables_answer_for_every_target_of_their_object():
    """No entry leaves out a target of its object kind (own, peer, other collaborative, ...)
    or a role, so a table cannot quietly skip the hard cells."""
    from tests.governance.matrix import world as world_module

    targets = world_module.TARGETS
    problems = []
    for app in APPS:
        for name, entry in table(app).items():
            expected_targets = targets[entry["object"]]
            methods = [m for m in METHODS if m in entry]
            if not methods:
                problems.append(f"{name}: no GET or POST rows")
            for method in methods:
                got = set(entry[method])
                if got != expected_targets:
                    problems.append(
                        f"{name} {method}: targets {sorted(got)}, want {sorted(expected_targets)}"
                    )
    assert not problems, "\n".join(problems)


# The Django admin is one rule: active staff only (governance.access.may_use_admin), and
# inside it Django's model permissions. Tried on a sample of its pages. ADMIN_LOGIN: a 302
# to the admin's own log-in page. A staff account without model permissions sees the
# index (saying there is nothing for it) and is refused every list.
ADMIN_LOGIN = "admin login"
ADMIN_ROLES = (*ROLES, "staff", "superuser")
# fmt: off
#                                          national director manager faculty lead member beta_lead outsider anon    staff superuser  # noqa: E501
A = ADMIN_LOGIN
ADMIN = {
    "admin:index":                                 (A, A, A, A, A, A, A, A, A, 200, 200),
    "admin:collaboratives_team_changelist":        (A, A, A, A, A, A, A, A, A, 403, 200),
    "admin:governance_roleassignment_changelist":  (A, A, A, A, A, A, A, A, A, 403, 200),
    "admin:measures_datapoint_changelist":         (A, A, A, A, A, A, A, A, A, 403, 200),
    "admin:governance_person_add":                 (A, A, A, A, A, A, A, A, A, 403, 200),
}
# fmt: on


@pytest.mark.django_db
def test_permission_matrix_admin_is_for_staff_only(record_property):
    world = build_world()
    admin_login = reverse("admin:login")
    wrong = []
    cases = 0
    for name, answers in ADMIN.items():
        url = reverse(name)
        for role, expected in zip(ADMIN_ROLES, answers, strict=True):
            client = Client()
            if role != "anonymous":
                client.force_login(world.users[role])
            response = client.get(url)
            got = response.status_code
            if got == 302 and response["Location"].split("?")[0] == admin_login:
                got = ADMIN_LOGIN
            cases += 1
            if got != expected:
                wrong.append(f"{name} as {role}: expected {expected}, got {got}")
    record_property(MATRIX_PROPERTY, cases)
    assert not wrong, "\n".join(wrong)
