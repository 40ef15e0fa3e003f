"""Every form fuzzed with generated input: never a server error, and a rejected post writes nothing.

How the forms are found, so that a new one is fuzzed without anyone listing it:

1. A small world (tests/cast.py plus one of everything a form acts on: a chart with a
   phase and a mark, an event, a membership, an archived cycle, an API token, an import,
   an invitation) is built, and the site is crawled from the home page as a superuser
   (who passes every permission check, so every form is shown), following links and
   htmx ``hx-get`` addresses. The anonymous pages (log in, password reset, invitation)
   are crawled logged out.
2. Every ``<form>`` (and every button with its own ``formaction``) on those pages is a
   target: its address, its fields and each field's offered values.
3. The URL resolver is walked: every view that does not refuse POST must be reached,
   either as a form's target or as a crawled page (a read-only page gets junk posted at
   it). One that is reached by neither fails the test, naming it.

Each target is then posted hypothesis-generated data: for each field, one of its offered
values, or long, unicode (NUL, right-to-left override), negative, huge, NaN/infinity,
date-like or markup text, or several values, or nothing at all; plus an unexpected
field; with and without htmx. The response must be below 500. When the response rejects
the post (4xx, an error summary or error message, an error-level flash message), every
row of every table must be as it was: nothing is half written. Each example runs in a
savepoint that is rolled back, so examples do not depend on each other.

Profiles (tests/conftest.py): ``ci`` (default, derandomized, few examples per form) and
``long`` (HYPOTHESIS_PROFILE=long).
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collaboratives.models import LearningEvent, PDSACycle, Team, TeamMembership
from governance.invitations import _hash as invitation_hash
from governance.models import Invitation, Person, Role
from measures.edits import annotation_add, phase_add, point_mark_add
from measures.models import (
    CollaborativeMeasure,
    DataPointRevision,
    ImportBatch,
    Measure,
    Series,
)
from measures.periods import period_starts
from measures.recompute import charts_recompute
from measures.writes import PointChange, datapoints_write
from tests.cast import START, build_cast, client_for, event_measure, organisation
from tests.conftest import HYPOTHESIS_PROFILE

PROFILE = HYPOTHESIS_PROFILE
MALFORMED = Path(__file__).resolve().parent.parent / "malformed_imports"


def fuzz_settings(ci: int, long: int = 300):
    """Examples per target: few in CI (the whole suite keeps its 30 minutes), more on demand.

    Derandomized in CI so a red run is the same run on every machine.
    """
    return settings(
        max_examples=long if PROFILE == "long" else ci,
        deadline=None,
        derandomize=PROFILE != "long",
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
        ],
    )


# --- Generated input ---------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u05e9\u05dc\u05d5\u05dd",  # right-to-left mark, Hebrew
    "مرحبا",
    "\ufeffBOM",
    "Z\u0351\u036b\u0343\u036a\u0302\u036b",  # combining marks
    "💩" * 50,
    "１２３",  # full-width digits, which int() and Decimal() accept
    "٣",  # Arabic-Indic digit
    "NaN",
    "nan",
    "-NaN",
    "sNaN",
    "inf",
    "-inf",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "1e-400",
    "-1",
    "-0",
    "0",
    "0.0000000000000000000000001",
    "9" * 40,
    "-" + "9" * 40,
    str(2**63),
    str(-(2**63) - 1),
    "1,000",
    "0x10",
    "1_000",
    "2024-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2024-13-01",
    "-2024-01-01",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{ 7*7 }}",
    "%00",
    "../../../etc/passwd",
    "x" * 10_000,
    "True",
    "False",
    "null",
    "[]",
    "{}",
    "943 476 5919",  # an NHS number: refused wherever free text is kept
]

junk_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=3), st.integers(100, 3000)),
    st.integers(-(10**30), 10**30).map(str),
    st.floats().map(str),
    st.decimals(allow_nan=True).map(str),
    st.dates().map(str),
)

UPLOAD_NAMES = ["data.csv", "data.xlsx", "no-extension", "../../x.csv", "ü\u202ex.csv", "a" * 300]
upload = st.one_of(
    st.sampled_from(sorted(p for p in MALFORMED.iterdir() if p.suffix in (".csv", ".xlsx"))).map(
        lambda p: (p.name, p.read_bytes())
    ),
    st.tuples(st.sampled_from(UPLOAD_NAMES), st.binary(max_size=2000)),
    st.tuples(
        st.sampled_from(["data.csv"]),
        st.text(max_size=300).map(lambda t: ("team,measure,period,numerator\n" + t).encode()),
    ),
).map(lambda nc: SimpleUploadedFile(nc[0], nc[1]))


@dataclass
class Field:
    kind: str
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Target:
    """Somewhere data is sent: a form's address, how, its fields and who may use it."""

    url: str
    method: str
    fields: dict[str, Field]
    client: str  # "superuser" or "anonymous"
    url_name: str
    found_on: str

    @property
    def key(self) -> tuple:
        # One target per address and query: the same form on another object's page adds
        # nothing but time.
        query = tuple(sorted(k for k, _ in parse_qsl(urlsplit(self.url).query)))
        return (self.url_name, self.method, query)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url} ({self.url_name}, from {self.found_on})"


def field_value(f: Field):
    if f.kind == "file":
        return upload
    offered = [v for v in [f.value, *f.options] if v is not None]
    plausible = st.sampled_from(offered) if offered else st.just("")
    return st.one_of(plausible, junk_text)


def submission(target: Target):
    """A dict of field -> value or list of values, any field possibly missing, plus junk."""
    optional = {
        name: st.one_of(field_value(f), st.lists(field_value(f), min_size=2, max_size=3))
        for name, f in target.fields.items()
        if f.kind != "file"
    }
    optional["unexpected-field"] = junk_text
    optional.update({name: field_value(f) for name, f in target.fields.items() if f.kind == "file"})
    return st.fixed_dictionaries({}, optional=optional)


# --- Finding the forms --------------------------------------------------------------------------


class PageParser(HTMLParser):
    """The links, htmx addresses and forms (with their fields) of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        for attr in ("href", "hx-get"):
            if attr in a and tag != "link":
                self.links.append(a[attr])
        if tag == "form":
            self._form = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action") or a.get("hx-post") or "",
                "enctype": a.get("enctype", ""),
                "fields": {},
                "formactions": [],
            }
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        fields = self._form["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "reset", "button"):
                fields.setdefault(name, Field("choice")).options.append(a.get("value", ""))
            elif kind in ("checkbox", "radio"):
                fields.setdefault(name, Field(kind)).options.append(a.get("value") or "on")
            else:
                fields.setdefault(name, Field(kind, value=a.get("value", "")))
        elif tag == "textarea" and name:
            fields.setdefault(name, Field("textarea"))
        elif tag == "select" and name:
            self._select = fields.setdefault(name, Field("select"))
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
        elif tag == "button":
            if a.get("formaction"):
                self._form["formactions"].append(a["formaction"])
            if name:
                fields.setdefault(name, Field("choice")).options.append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def url_name(path: str) -> str | None:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name


def crawl(client: Client, seeds: list[str], who: str, *, per_name: int = 1, limit: int = 300):
    """Visit pages breadth first from `seeds`; return (pages by URL name, form targets)."""
    pages: dict[str, list[str]] = {}
    targets: dict[tuple, Target] = {}
    queue = list(seeds)
    seen = set()
    while queue and len(seen) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(("/admin/", "/static/")) or url in seen:
            continue
        name = url_name(url)
        if name is None or (name in pages and len(pages[name]) >= per_name and url not in seeds):
            continue
        seen.add(url)
        response = client.get(url, follow=True)
        assert response.status_code < 500, f"GET {url} answered {response.status_code}"
        final = response.request["PATH_INFO"]
        if response.request.get("QUERY_STRING"):
            final += "?" + response.request["QUERY_STRING"]
        pages.setdefault(name, []).append(url)
        if "html" not in response.get("Content-Type", ""):
            continue
        parser = PageParser()
        parser.feed(response.content.decode())
        for link in parser.links:
            link = urljoin(final, link.split("#")[0])
            if link and link not in seen:
                queue.append(link)
        for form in parser.forms:
            for action in [form["action"], *form["formactions"]]:
                address = urljoin(final, action) if action else final
                target_name = url_name(address)
                if target_name is None:
                    continue
                fields = dict(form["fields"])
                if form["method"] == "post" and target_name == "measures:cell_save":
                    # The grid's reason box sits outside each cell's form (hx-include).
                    fields.setdefault("reason", Field("text"))
                target = Target(address, form["method"], fields, who, target_name, final)
                targets.setdefault(target.key, target)
                if form["method"] == "get" and address not in seen:
                    queue.append(address)
    return pages, list(targets.values())


# --- The resolver -------------------------------------------------------------------------------


def _refuses_post(callback) -> bool:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None and not hasattr(view_class, "post"):
        return True
    func = callback
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = func.__closure__[code.co_freevars.index("request_method_list")]
            if "POST" not in cell.cell_contents:
                return True
        view_class = getattr(func, "view_class", None)
        if view_class is not None and not hasattr(view_class, "post"):
            return True
        func = getattr(func, "__wrapped__", None)
    return False


def url_patterns() -> dict[str, tuple[str, str, bool]]:
    """Every named URL outside the admin -> (its app, its route, whether it accepts POST)."""
    found = {}

    def walk(patterns, namespace, app, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                module = p.urlconf_name
                module = module if isinstance(module, str) else module.__name__
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns, app or module.split(".")[0], prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and p.name:
                route = prefix + str(p.pattern)
                found[f"{namespace}{p.name}"] = (app, route, not _refuses_post(p.callback))

    walk(get_resolver().url_patterns, "", "", "")
    return found


def route_seeds(world: dict) -> list[str]:
    """An address for every route whose parts the world can fill: `teams/<int:pk>/...` with
    a team of the world, and so on, so that pages nothing links to yet are visited too."""
    objects = {
        "collaboratives": world["cast"].falls.pk,
        "teams": world["cast"].alpha.pk,
        "series": world["cast"].alpha_series.pk,
        "cycles": world["cast"].alpha_cycle.pk,
        "ahsns": world["cast"].east.pk,
        "imports": world["batch"],
        "reports": world["review"],
    }
    seeds = []
    for _, route, _ in url_patterns().values():
        parts = []
        for i, part in enumerate(route.strip("/").split("/")):
            if part.startswith("<"):
                before = route.strip("/").split("/")[i - 1] if i else ""
                value = {
                    "<int:pk>": objects.get(before),
                    "<str:period>": months()[-1].isoformat(),
                    "<str:fmt>": "csv",
                }.get(part)
                if value is None:
                    break
                parts.append(str(value))
            else:
                parts.append(re.sub(r"<str:fmt>", "csv", part))
        else:
            if "<" not in "/".join(parts):
                seeds.append("/" + "/".join(parts) + ("/" if route.endswith("/") else ""))
    return sorted(set(seeds))


# The API takes JSON, not form posts: tests/reliability/test_fuzz_api.py fuzzes it.
FUZZED_ELSEWHERE = {"measures:api_points": "test_fuzz_api.py"}


# --- The world and the state of the database ---------------------------------------------------


def months() -> list[dt.date]:
    """The last two years of months before this one: inside the dashboards' windows."""
    today = timezone.localdate()
    return list(period_starts("monthly", today - dt.timedelta(days=2 * 366), today))[-25:-1]


# Written by any request, accepted or not, by design: who is logged in, and a
# chart page healing a chart nobody was going to recompute.
BOOKKEEPING = {"sessions.session", "measures.recomputejob"}
# Columns that record use, not data: when an API token was last used.
BOOKKEEPING_COLUMNS = {"measures.apitoken": {"last_used_at"}}


def build_world() -> dict:
    cast = build_cast()
    month = months()
    admin = User.objects.create_superuser("fuzz-admin", password="fuzz-password")
    Person.objects.create(name="Fuzz Admin", user=admin)
    # Beta falls far more often than alpha and eleven peers: outside the funnel's limits
    # (enough teams that its own spread does not widen them away), with a reason to give
    # and a judgement to make.
    peers = [
        Series.objects.create(
            team=Team.objects.create(
                collaborative=cast.falls,
                organisation=organisation(f"RP{i}", f"Peer {i} Hospitals", cast.east),
                joined_on=START,
            ),
            measure=cast.falls_rate,
        )
        for i in range(11)
    ]
    for series, base in [(cast.alpha_series, 0), (cast.beta_series, 40)] + [(p, 0) for p in peers]:
        datapoints_write(
            series=series,
            changes=[
                PointChange(m, base + (9 if i < 12 else 3) + (i + series.pk) % 3, 1000)
                for i, m in enumerate(month)
            ],
            by=None,
            source=DataPointRevision.Source.IMPORT,
        )
    phase_add(series=cast.alpha_series, start_period=month[12], reason="New ward", by=None)
    point_mark_add(
        series=cast.alpha_series,
        period_start=month[3],
        kind="excluded",
        reason="Outage",
        by=None,
    )
    annotation_add(series=cast.alpha_series, date=month[5], text="Huddles began", by=None)
    charts_recompute(series_ids=[cast.alpha_series.pk, cast.beta_series.pk], worker="fuzz")
    optional = Measure.objects.create(
        topic=cast.falls_rate.topic,
        name="Patients harmed by a fall",
        kind=Measure.Kind.OUTCOME,
        operational_definition="Falls with moderate harm or worse.",
        numerator_definition="Falls with harm",
        frequency=Measure.Frequency.MONTHLY,
        direction=Measure.Direction.DOWN,
        chart_type=Measure.ChartType.C,
    )
    CollaborativeMeasure.objects.create(
        collaborative=cast.falls, measure=cast.falls_rate, mandatory=True
    )
    CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=optional, mandatory=False)
    LearningEvent.objects.create(
        collaborative=cast.falls,
        kind=LearningEvent.Kind.LEARNING_SESSION,
        title="Learning session 1",
        starts_on=START,
        ends_on=START,
    )
    # An event-dated measure with one event, so that the event forms (on the grid and on
    # its own page, with a remove button) are found and fuzzed.
    harm_days = event_measure(cast.falls_rate.topic, chart=Measure.ChartType.G)
    datapoints_write(
        series=Series.objects.create(team=cast.alpha, measure=harm_days),
        changes=[PointChange(month[-1], 1)],
        by=None,
        source=DataPointRevision.Source.GRID,
    )
    person = Person.objects.create(name="Nurse Ward", organisation=cast.alpha.organisation)
    TeamMembership.objects.create(team=cast.alpha, person=person, joined_on=START)
    archived = PDSACycle.objects.create(
        team=cast.alpha,
        change_idea=cast.alpha_cycle.change_idea,
        title="An archived test",
        planned_start=START,
        planned_end=START + dt.timedelta(days=7),
        archived_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC),
    )
    assert archived.pk
    Team.objects.create(
        collaborative=cast.falls,
        organisation=organisation("RE1", "Epsilon Hospitals", cast.east),
        joined_on=START,
        status=Team.Status.WITHDRAWN,
        withdrawn_on=START,
    )
    # An edited cell in the grid's window, so that its history is linked.
    datapoints_write(
        series=cast.alpha_series,
        changes=[PointChange(month[-1], 4, 1000)],
        by=None,
        source=DataPointRevision.Source.GRID,
    )
    token = "fuzz-invitation-token"
    Invitation.objects.create(
        email="new@example.nhs.uk",
        name="New Person",
        role=Role.TEAM_MEMBER,
        team=cast.alpha,
        token_hash=invitation_hash(token),
        invited_by=admin,
        expires_at=dt.datetime(2100, 1, 1, tzinfo=dt.UTC),
    )
    client = client_for(admin)
    client.post(f"/teams/{cast.alpha.pk}/api-tokens/", {"name": "Their system"})
    csv = (
        "team,measure,period,numerator,denominator\n"
        f"{cast.alpha.organisation.ods_code},{cast.falls_rate.name},2025-01-01,4,1000\n"
    ).encode()
    client.post(
        f"/collaboratives/{cast.falls.pk}/import/",
        {"file": SimpleUploadedFile("data.csv", csv)},
    )
    batch = ImportBatch.objects.filter(uploaded_by=admin).values_list("pk", flat=True).first()
    review = None
    if apps.is_installed("reports"):
        try:
            review_model = apps.get_model("reports", "ContractReview")
        except LookupError:
            pass
        else:
            review = review_model.objects.create(
                ahsn=cast.east,
                period_start=dt.date(2024, 1, 1),
                period_end=dt.date(2024, 12, 31),
                requested_by=admin,
            ).pk
    return {
        "cast": cast,
        "admin": admin,
        "client": client,
        "invitation": token,
        "batch": batch,
        "review": review,
    }


def anonymous_seeds(world) -> list[str]:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    lead = world["cast"].users["lead"]
    uid = urlsafe_base64_encode(force_bytes(lead.pk))
    reset = f"/password-reset/{uid}/{default_token_generator.make_token(lead)}/"
    return ["/login/", "/password-reset/", f"/invitations/{world['invitation']}/", reset]


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table (except bookkeeping), as plain tuples."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in BOOKKEEPING or model._meta.proxy or not model._meta.managed:
            continue
        skip = BOOKKEEPING_COLUMNS.get(label, set())
        columns = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        state[label] = list(model._base_manager.order_by("pk").values_list(*columns))
    return state


def differences(before: dict, after: dict) -> list[str]:
    out = []
    for label, rows in before.items():
        if rows != after[label]:
            added = len(after[label]) - len(rows)
            changed = [r for r in after[label] if r not in rows][:2]
            out.append(f"{label}: {added:+d} rows; now also {changed}")
    return out


ERROR_MARKERS = ("nhsuk-error-summary", "nhsuk-error-message", "nhsuk-form-group--error")


def rejected(response) -> bool:
    """Whether the response says the submission was refused (and so nothing may change)."""
    if response.status_code >= 400:
        return True
    levels = [m.level for m in get_messages(response.wsgi_request)]
    if any(level >= message_levels.ERROR for level in levels):
        return True
    if response.status_code == 200 and "html" in response.get("Content-Type", ""):
        return any(marker in response.content.decode() for marker in ERROR_MARKERS)
    return False


def send(client: Client, target: Target, data: dict, htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    if target.method == "get":
        data = {k: v for k, v in data.items() if not isinstance(v, SimpleUploadedFile)}
        return client.get(target.url, data, headers=headers)
    return client.post(target.url, data, headers=headers)


PROBES = ["a\x00b", "9" * 40, "-1"]


def fuzz(target: Target, client: Client, before: dict, examples: int) -> None:
    """Post generated data at `target`; raise on a server error or a partial write.

    First, each of PROBES in every field at once (NUL, which PostgreSQL refuses in text,
    is easy for a few random examples to miss); then `examples` of hypothesis's (none:
    the probes only). Every example is rolled back, so the database before each one is
    `before`.
    """

    def check(data, htmx):
        cookies = client.cookies
        client.cookies = type(cookies)(cookies)
        cache.clear()  # rate limits and lockouts start afresh
        try:
            with transaction.atomic():
                response = send(client, target, data, htmx)
                assert response.status_code < 500, f"{target}: {response.status_code}"
                if target.method == "post" and rejected(response):
                    changed = differences(before, snapshot())
                    assert changed == [], f"{target} refused the post but wrote: {changed}"
                transaction.set_rollback(True)
        finally:
            client.cookies = cookies

    for probe in PROBES:
        data = {name: probe for name, f in target.fields.items() if f.kind != "file"}
        try:
            check(data, htmx=False)
        except Exception as e:
            e.add_note(f"Failing probe: {data!r}")
            raise

    if not examples:
        return

    @fuzz_settings(ci=examples)
    @given(data=submission(target), htmx=st.booleans())
    def run(data, htmx):
        check(data, htmx)

    run()


@pytest.mark.django_db
def test_every_form_survives_generated_input_and_a_refused_post_writes_nothing():
    world = build_world()
    admin_client = world["client"]
    pages, targets = crawl(admin_client, ["/", *route_seeds(world)], "superuser", per_name=2)
    anonymous = Client()
    anon_pages, anon_targets = crawl(anonymous, anonymous_seeds(world), "anonymous", per_name=4)
    for name, urls in anon_pages.items():
        pages.setdefault(name, urls)
    targets += anon_targets
    clients = {"superuser": admin_client, "anonymous": anonymous}

    accepting = {name for name, (_, _, post) in url_patterns().items() if post}
    form_names = {t.url_name for t in targets if t.method == "post"}
    # Read-only pages that do not refuse POST get junk posted at them too.
    read_only = [
        Target(pages[name][0], "post", {}, "superuser", name, "crawl")
        for name in sorted(accepting - form_names - set(FUZZED_ELSEWHERE))
        if name in pages
    ]
    reached = {t.url_name for t in targets + read_only}
    unreached = sorted(accepting - reached - set(FUZZED_ELSEWHERE))
    assert unreached == [], (
        f"These URLs accept POST but no crawled page shows a form for them or links to "
        f"them, so they were not fuzzed: {unreached}. Add what they act on to build_world()."
    )

    # The crawl really found the site's forms (a broken log-in would find none and pass).
    assert len({t.url_name for t in targets if t.method == "post"}) >= 40, targets

    before = snapshot()
    failures = []
    # A read-only page only needs to show that junk posted at it is ignored.
    for target, examples in [(t, 4) for t in targets] + [(t, 1) for t in read_only]:
        try:
            fuzz(target, clients[target.client], before, examples=examples)
        except Exception as e:  # noqa: BLE001 - collect every form's failure, then report all
            notes = "\n".join(getattr(e, "__notes__", []))
            failures.append(f"{target}\n{type(e).__name__}: {e}\n{notes}")
    assert failures == [], f"{len(failures)} of {len(targets + read_only)} targets failed:\n\n" + (
        "\n\n".join(failures)
    )


# --- What the fuzzing found, pinned --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ["", "µ#", "1 OR 1=1"])
def test_a_missing_or_mangled_measure_choice_is_not_found_rather_than_a_crash(entry):
    cast = build_cast()
    client = client_for(cast.users["lead"])
    response = client.post(f"/teams/{cast.alpha.pk}/measures/choose/", {"entry": entry})
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("next_", ["a\x00b", "home", "logout"])
def test_a_next_address_that_is_not_a_path_goes_home_rather_than_crashing(next_):
    cast = build_cast()
    client = client_for(cast.users["lead"])
    member = cast.users["member"]
    response = client.post(f"/users/{member.pk}/deactivate/", {"next": next_})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_a_nul_character_in_a_grid_reason_is_dropped_rather_than_refused_by_postgresql():
    cast = build_cast()
    client = client_for(cast.users["lead"])
    series = cast.alpha_series
    response = client.post(
        f"/series/{series.pk}/data/2024-01-01/",
        {"numerator": "3", "denominator": "100", "reason": "typed\x00 reason"},
    )
    assert response.status_code == 302
    assert DataPointRevision.objects.get(series=series).reason == "typed reason"


@pytest.mark.django_db
def test_a_nul_character_in_the_organisation_search_is_ignored():
    cast = build_cast()
    client = client_for(cast.users["manager"])
    response = client.get(f"/collaboratives/{cast.falls.pk}/teams/new/", {"q": "Alp\x00ha"})
    assert response.status_code == 200
    assert "Alpha Hospitals" in response.content.decode()


@pytest.mark.django_db
def test_an_id_beyond_64_bits_in_a_multiple_choice_is_invalid_rather_than_a_crash_on_sqlite():
    cast = build_cast()
    client = client_for(cast.users["manager"])
    huge = "9" * 40
    response = client.post("/collaboratives/new/", {"partner_ahsns": [huge]})
    assert response.status_code == 200 and "nhsuk-error-summary" in response.content.decode()
    response = client.post(f"/teams/{cast.alpha.pk}/cycles/new/", {"measures": [huge]})
    assert response.status_code == 200 and "nhsuk-error-summary" in response.content.decode()


# --- As each role -------------------------------------------------------------------------------

# Every role of the cast (tests/cast.py), and someone signed in with none.
ROLES = [
    "national",
    "director",
    "manager",
    "falls_manager",
    "faculty",
    "lead",
    "member",
    "beta_lead",
    "outsider",
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_roles_posts_survive_generated_input_and_a_refused_post_writes_nothing(role):
    """The superuser passes every permission check, so the test above never posts as
    someone a form refuses, nor sees the narrower choices a role's forms offer. Here each
    role crawls what it may see and posts generated data at its own forms (their choices
    are its own) and at every form the superuser sees (most of which it may not use):
    never a server error, and a refused post writes nothing."""
    world = build_world()
    user = world["cast"].users[role]
    client = client_for(user)
    seeds = ["/", *route_seeds(world)]
    _, own = crawl(client, seeds, role)
    _, everyones = crawl(world["client"], seeds, "superuser")
    # The role's own forms, with their own choices, get generated examples; the rest,
    # which the role mostly may not use, the probes.
    targets = {t.key: (t, 0) for t in everyones}
    targets.update({t.key: (t, 2) for t in own})
    if role != "outsider":
        assert any(t.method == "post" for t in own), f"{role} found no form to post"

    before = snapshot()
    failures = []
    for target, examples in targets.values():
        try:
            fuzz(target, client, before, examples=examples)
        except Exception as e:  # noqa: BLE001 - collect every form's failure, then report all
            notes = "\n".join(getattr(e, "__notes__", []))
            failures.append(f"{target} as {role}\n{type(e).__name__}: {e}\n{notes}")
    assert failures == [], f"{len(failures)} of {len(targets)} targets failed:\n\n" + (
        "\n\n".join(failures)
    )
